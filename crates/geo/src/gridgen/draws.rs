//! The seeded draws of the generator: how many grids a community gets, how
//! much area it gets among its town's communities, and at which angles the
//! cuts inside a region start.
//!
//! Every draw is a hash of the seed, the region's code and a salt of its
//! own, so that the draws of one region are independent of each other, do
//! not depend on the order in which regions are visited, and are the same on
//! every platform and version: generation is reproducible byte for byte.

use gongzhi_domain::RegionCode;
use gongzhi_domain::seeded::seeded_hash;

use super::{GridOptions, MAX_CHILDREN};

/// Salt of the draw of a community's number of grids.
const SALT_COUNT: u64 = 1;
/// Salt of the draw that rounds a community's number of grids.
const SALT_ROUND: u64 = 2;
/// Salt of the area jitter of a community.
const SALT_AREA: u64 = 3;
/// Salt of the cut directions inside a region.
const SALT_CUTS: u64 = 4;

/// Number of grids of a community: `mean × (0.5 + u)` for a uniform `u`
/// drawn from the code and seed, rounded up or down at random in proportion
/// to its fraction, so that the expected count is exactly the mean (7.9 gives
/// 3 to 12 grids, mostly 4 to 11).
pub(super) fn grid_count(community: &RegionCode, opts: &GridOptions) -> u32 {
    let mean = opts.grids_per_community;
    let spread = mean * (0.5 + unit(hash(opts.seed, community, SALT_COUNT)));
    let rounded = (spread + unit(hash(opts.seed, community, SALT_ROUND))).floor();
    // In range by the clamp; the cast cannot truncate.
    rounded.clamp(1.0, f64::from(MAX_CHILDREN)) as u32
}

/// Weight of a community's area among the communities of its town: 0.75 to
/// 1.25, so that communities get roughly equal areas, jittered by ±25 %.
pub(super) fn community_weight(seed: u64, community: &RegionCode) -> f64 {
    0.75 + 0.5 * unit(hash(seed, community, SALT_AREA))
}

/// The key that seeds the cut directions inside `region`.
pub(super) fn cut_key(seed: u64, region: &RegionCode) -> u64 {
    hash(seed, region, SALT_CUTS)
}

/// A stable draw for a region: the same on every platform and version.
fn hash(seed: u64, code: &RegionCode, salt: u64) -> u64 {
    seeded_hash(seed, code.as_str(), salt)
}

/// A hash as a uniform number in [0, 1).
pub(super) fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gridgen::fixtures::code;

    #[test]
    fn grid_counts_spread_around_the_mean() {
        let opts = GridOptions::default();
        let codes: Vec<RegionCode> = (1..=5000)
            .map(|i| {
                code(&format!(
                    "44050{}{:03}{:03}",
                    1 + i % 7,
                    1 + i / 200,
                    1 + i % 200
                ))
            })
            .collect();
        let counts: Vec<u32> = codes.iter().map(|c| grid_count(c, &opts)).collect();
        let mean = counts.iter().sum::<u32>() as f64 / counts.len() as f64;
        assert!((mean - 7.9).abs() < 0.1, "mean {mean}");
        assert!(counts.iter().all(|n| (3..=12).contains(n)));
        for n in 4..=11 {
            assert!(counts.contains(&n), "no community with {n} grids");
        }
        // Deterministic, and another seed gives another draw.
        assert_eq!(counts[0], grid_count(&codes[0], &opts));
        let other = GridOptions { seed: 1, ..opts };
        assert!(
            codes
                .iter()
                .any(|c| grid_count(c, &other) != grid_count(c, &GridOptions::default()))
        );
        let many = GridOptions {
            grids_per_community: 999.0,
            seed: 0,
        };
        assert!(codes.iter().all(|c| grid_count(c, &many) <= 999));
    }
}
