//! Derived town, community and grid polygons inside real county boundaries.
//!
//! No city publishes the polygons of its grids (网格), and county boundaries
//! are the finest level of open data. For demos and load tests gongzhi
//! therefore derives the levels below a county itself: the county is divided
//! into its towns, each town into its communities and each community into a
//! plausible number of grids, so that the region tree of a real city can be
//! shown on a map and every point of the county falls in exactly one grid.
//!
//! The division is a recursive weighted bisection. A piece that must hold
//! `n` children with weights `w` is cut by one straight line into two pieces
//! whose areas are in the ratio of the first and the second half of `w`
//! (the offset of the line is found by bisection on the area on one side);
//! each half is cut again until every child has its own piece. Among six cut
//! directions (a start drawn from the seed, then every 30°) the shortest cut
//! wins, and cuts that would enter the piece more than once are penalised,
//! which keeps pieces compact and in one part where the coast allows. The
//! first piece lies to the west or north, so neighbouring codes are
//! neighbours on the ground.
//!
//! The cut is our own exact polygon-by-line split (not an overlay), so the
//! two sides share the very same cut vertices and keep every vertex of the
//! parent: the pieces tile their parent with no gap and no overlap, and
//! their areas add up to float rounding. At the end every vertex that lies
//! on an edge of a neighbour is inserted into that edge too, so that shared
//! boundaries are identical vertex for vertex. Everything is deterministic:
//! the same inputs and seed give the same output, byte for byte.
//!
//! Areas are measured in degrees², in which the shares inside a county are
//! within a fraction of a percent of the true shares; cut directions are
//! compared in a local metric (longitude scaled by the cosine of the
//! latitude) so that "compact" means compact on the ground. Generating all
//! of Guangzhou (2,851 communities, 22,600 grids) takes well under a second.
//!
//! The work is spread over modules: `naming` (grid
//! names from community names), `draws` (the seeded draws: grid counts, area
//! jitter, cut directions), `shape` (polygons as open rings, the county
//! boundary and its repair), `split` (the exact split by a line),
//! `partition` (the weighted bisection and the choice of cuts) and
//! `conform` (the shared-edge vertices). This module holds the public API
//! and the walk down the region tree.

use std::collections::BTreeMap;

use geo::MultiPolygon;
use gongzhi_domain::{Level, Region, RegionCode};

mod conform;
mod draws;
#[cfg(test)]
mod fixtures;
mod naming;
mod partition;
mod shape;
mod split;

use conform::conform;
use draws::{community_weight, cut_key, grid_count};
use naming::{grid_name, grid_stem};
use partition::partition;
use shape::{Shape, county_shape, metric_scale};

/// Options of the generator.
#[derive(Debug, Clone)]
pub struct GridOptions {
    /// Mean number of grids per community (default 7.9, the ratio of
    /// Shantou's 8,624 grids to its 1,091 communities). Each community gets
    /// between about half and one and a half times this many, drawn
    /// deterministically from its code and the seed; must be in (0, 999].
    pub grids_per_community: f64,
    /// Seed of every deterministic draw: grid counts, area jitter of the
    /// communities and cut directions. Another seed gives another layout.
    pub seed: u64,
}

impl Default for GridOptions {
    fn default() -> Self {
        GridOptions {
            grids_per_community: 7.9,
            seed: 0,
        }
    }
}

/// A derived region and its polygon (WGS-84).
#[derive(Debug, Clone)]
pub struct GeneratedArea {
    /// The region: a town or community from the division list, or a new grid.
    pub region: Region,
    /// Its derived boundary; several polygons when a cut or the county's
    /// islands leave it in parts.
    pub boundary: MultiPolygon<f64>,
}

/// Why a county could not be divided. Every message names the code at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GenerateError {
    /// The code given as the county is not a county code.
    #[error("{code} is not a county code: a county code has 6 digits")]
    NotACounty {
        /// The code as given.
        code: RegionCode,
    },
    /// The options are out of range.
    #[error(
        "cannot divide county {county}: grids_per_community must be a number in (0, 999], got {value}"
    )]
    BadOptions {
        /// The county being divided.
        county: RegionCode,
        /// The offending mean.
        value: f64,
    },
    /// The county boundary has no polygon with a (finite) area.
    #[error("the boundary of county {county} is empty or has no finite area")]
    EmptyBoundary {
        /// The county.
        county: RegionCode,
    },
    /// The county boundary has a NaN or infinite coordinate.
    #[error("the boundary of county {county} has a coordinate that is not a finite number")]
    NonFiniteCoordinate {
        /// The county.
        county: RegionCode,
    },
    /// The county boundary is not a valid polygon and could not be repaired.
    #[error(
        "the boundary of county {county} is not a valid polygon and could not be repaired: {reason}"
    )]
    InvalidBoundary {
        /// The county.
        county: RegionCode,
        /// What is wrong with it.
        reason: String,
    },
    /// The same town or community appears twice in the division list.
    #[error("region {code} appears more than once in the division list")]
    DuplicateCode {
        /// The repeated code.
        code: RegionCode,
    },
    /// A community of the county whose town is not in the division list.
    #[error("community {code} belongs to town {town}, which is not in the division list")]
    OrphanCommunity {
        /// The community.
        code: RegionCode,
        /// Its missing town.
        town: RegionCode,
    },
    /// The polygon of a region could not be divided among its children.
    #[error("cannot divide the polygon of {code} among its children: {reason}")]
    Split {
        /// The region whose polygon was being divided.
        code: RegionCode,
        /// What went wrong.
        reason: &'static str,
    },
}

/// Divides one county into its towns, each town into its communities and each community into grids.
///
/// `below` holds the towns (9-digit) and communities (12-digit) of the county from the division list;
/// other levels and codes not under `county` are ignored.
/// Returns a polygon for every town and community in `below` plus the new grid regions (level Grid,
/// codes `community.child(1..=n)`), ordered by code.
///
/// Towns get areas proportional to their number of communities (at least
/// one), communities of a town roughly equal areas (jittered by ±25 %), and
/// the grids of a community equal areas. A county with no town in `below`
/// gives an empty list. `boundary` must be in WGS-84 (or any lng/lat datum:
/// the pieces are in the datum of the boundary).
pub fn generate_county(
    county: &RegionCode,
    boundary: &MultiPolygon<f64>,
    below: &[Region],
    opts: &GridOptions,
) -> Result<Vec<GeneratedArea>, GenerateError> {
    if county.level() != Level::County {
        return Err(GenerateError::NotACounty {
            code: county.clone(),
        });
    }
    let mean = opts.grids_per_community;
    if !(mean > 0.0 && mean <= f64::from(MAX_CHILDREN)) {
        return Err(GenerateError::BadOptions {
            county: county.clone(),
            value: mean,
        });
    }

    // Towns with their communities, both in code order.
    let mut towns: BTreeMap<&RegionCode, (&Region, Vec<&Region>)> = BTreeMap::new();
    for region in below.iter().filter(|r| r.code.is_within(county)) {
        if region.level() == Level::Town
            && towns.insert(&region.code, (region, Vec::new())).is_some()
        {
            return Err(GenerateError::DuplicateCode {
                code: region.code.clone(),
            });
        }
    }
    if towns.is_empty() {
        return Ok(Vec::new());
    }
    let mut communities: Vec<&Region> = below
        .iter()
        .filter(|r| r.level() == Level::Community && r.code.is_within(county))
        .collect();
    communities.sort_by(|a, b| a.code.cmp(&b.code));
    for pair in communities.windows(2) {
        if pair[0].code == pair[1].code {
            return Err(GenerateError::DuplicateCode {
                code: pair[0].code.clone(),
            });
        }
    }
    for community in communities {
        let town = community.code.parent().unwrap_or_else(|| county.clone());
        match towns.get_mut(&town) {
            Some((_, members)) => members.push(community),
            None => {
                return Err(GenerateError::OrphanCommunity {
                    code: community.code.clone(),
                    town,
                });
            }
        }
    }

    let shape = county_shape(county, boundary)?;
    let metric = metric_scale(&shape);
    let seed = opts.seed;
    let split_error = |code: &RegionCode| {
        let code = code.clone();
        move |reason| GenerateError::Split { code, reason }
    };

    let mut regions: Vec<Region> = Vec::new();
    let mut shapes: Vec<Shape> = Vec::new();
    let town_weights: Vec<f64> = towns
        .values()
        .map(|(_, members)| members.len().max(1) as f64)
        .collect();
    let town_shapes = partition(shape, &town_weights, cut_key(seed, county), metric)
        .map_err(split_error(county))?;
    for ((town, members), town_shape) in towns.into_values().zip(town_shapes) {
        if !members.is_empty() {
            let weights: Vec<f64> = members
                .iter()
                .map(|c| community_weight(seed, &c.code))
                .collect();
            let community_shapes = partition(
                town_shape.clone(),
                &weights,
                cut_key(seed, &town.code),
                metric,
            )
            .map_err(split_error(&town.code))?;
            for (community, community_shape) in members.into_iter().zip(community_shapes) {
                let n = grid_count(&community.code, opts);
                let grids = partition(
                    community_shape.clone(),
                    &vec![1.0; n as usize],
                    cut_key(seed, &community.code),
                    metric,
                )
                .map_err(split_error(&community.code))?;
                let stem = grid_stem(&community.name);
                for (number, grid_shape) in (1..=n).zip(grids) {
                    let code = community.code.child(number).ok_or(GenerateError::Split {
                        code: community.code.clone(),
                        reason: "too many grids for a 3-digit grid number",
                    })?;
                    regions.push(Region::new(code, grid_name(&stem, number)));
                    shapes.push(grid_shape);
                }
                regions.push(community.clone());
                shapes.push(community_shape);
            }
        }
        regions.push(town.clone());
        shapes.push(town_shape);
    }
    conform(&mut shapes);
    let mut out: Vec<GeneratedArea> = regions
        .into_iter()
        .zip(shapes)
        .map(|(region, shape)| GeneratedArea {
            region,
            boundary: shape.into_multi_polygon(),
        })
        .collect();
    out.sort_by(|a, b| a.region.code.cmp(&b.region.code));
    Ok(out)
}

/// Largest number of children a region can have: local numbers have 3 digits.
const MAX_CHILDREN: u32 = 999;

#[cfg(test)]
mod tests {
    use super::*;
    use fixtures::{code, polygon, rectangle};
    use geo::Area;
    use proptest::prelude::*;

    /// The region with the code `c`, which must be valid, and the `name`.
    fn region(c: &str, name: &str) -> Region {
        Region::new(code(c), name)
    }

    proptest! {
        /// Whatever the boundary (self-intersecting, degenerate, NaN,
        /// infinite), the generator answers without panicking, and an answer
        /// has every town.
        #[test]
        fn any_boundary_gives_an_answer_or_an_error(
            rings in prop::collection::vec(
                prop::collection::vec(
                    (
                        prop_oneof![8 => -5.0f64..5.0, 1 => Just(0.0), 1 => Just(1e300), 1 => Just(f64::NAN), 1 => Just(f64::INFINITY)],
                        prop_oneof![8 => -5.0f64..5.0, 1 => Just(0.0), 1 => Just(f64::NEG_INFINITY)],
                    ),
                    0..12,
                ),
                0..4,
            ),
        ) {
            let boundary = MultiPolygon::new(rings.iter().map(|r| polygon(r, &[])).collect());
            let below = [
                region("440507001", "甲街道"),
                region("440507002", "乙街道"),
                region("440507001001", "甲社区居民委员会"),
                region("440507001002", "乙村民委员会"),
            ];
            if let Ok(areas) = generate_county(&code("440507"), &boundary, &below, &GridOptions::default()) {
                let towns = areas.iter().filter(|a| a.region.level() == Level::Town).count();
                prop_assert_eq!(towns, 2);
            }
        }
    }

    /// A 0.1° square county near Shantou with three towns: the first with
    /// two communities, the second with one, the third with none.
    fn square_county() -> (RegionCode, MultiPolygon<f64>, Vec<Region>) {
        let county = code("440507");
        let boundary = MultiPolygon::new(vec![polygon(&rectangle(116.6, 23.3, 116.7, 23.4), &[])]);
        let below = vec![
            region("440507002", "乙街道"),
            region("440507001", "甲街道"),
            region("440507003", "丙镇"),
            region("440507001002", "新溪村民委员会"),
            region("440507001001", "翠洲社区居民委员会"),
            region("440507002001", "鹤洞社区居委会"),
            // Ignored: another county, and levels other than town and community.
            region("440511001", "别县街道"),
            region("440511001001", "别县社区居委会"),
            region("4405", "汕头市"),
            region("440507", "龙湖区"),
        ];
        (county, boundary, below)
    }

    #[test]
    fn a_county_is_divided_into_towns_communities_and_grids() {
        let (county, boundary, below) = square_county();
        let opts = GridOptions::default();
        let areas = generate_county(&county, &boundary, &below, &opts).unwrap();
        let codes: Vec<&str> = areas.iter().map(|a| a.region.code.as_str()).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(codes, sorted, "ordered by code");
        assert!(codes.iter().all(|c| c.starts_with("440507")));
        let of_level = |level| areas.iter().filter(move |a| a.region.level() == level);
        assert_eq!(of_level(Level::Town).count(), 3);
        assert_eq!(of_level(Level::Community).count(), 3);
        for community in ["440507001001", "440507001002", "440507002001"] {
            let n = grid_count(&code(community), &opts);
            let grids: Vec<&GeneratedArea> = of_level(Level::Grid)
                .filter(|a| a.region.code.parent() == Some(code(community)))
                .collect();
            assert_eq!(grids.len() as u32, n);
            for (i, grid) in grids.iter().enumerate() {
                assert_eq!(
                    grid.region.code,
                    code(community).child(i as u32 + 1).unwrap()
                );
            }
        }
        let names: Vec<&str> = of_level(Level::Grid)
            .map(|a| a.region.name.as_str())
            .collect();
        assert!(names.contains(&"翠洲社区第1网格"));
        assert!(names.contains(&"新溪村第2网格"));
        assert!(names.contains(&"鹤洞社区第3网格"));

        // Towns by number of communities (2 : 1 : 1, the third has none).
        let total = boundary.unsigned_area();
        let town_area = |c: &str| {
            areas
                .iter()
                .find(|a| a.region.code.as_str() == c)
                .unwrap()
                .boundary
                .unsigned_area()
        };
        assert!((town_area("440507001") - total / 2.0).abs() < 1e-9 * total);
        assert!((town_area("440507002") - total / 4.0).abs() < 1e-9 * total);
        assert!((town_area("440507003") - total / 4.0).abs() < 1e-9 * total);
        // Communities roughly equal, grids equal.
        let community_area = town_area("440507001001");
        assert!(
            community_area > 0.3 * town_area("440507001")
                && community_area < 0.7 * town_area("440507001")
        );
        let grid_areas: Vec<f64> = of_level(Level::Grid)
            .filter(|a| a.region.code.as_str().starts_with("440507001001"))
            .map(|a| a.boundary.unsigned_area())
            .collect();
        for a in &grid_areas {
            assert!((a - community_area / grid_areas.len() as f64).abs() < 1e-9 * community_area);
        }

        // Same inputs, same output; another seed, another layout.
        let again = generate_county(&county, &boundary, &below, &opts).unwrap();
        assert!(
            areas
                .iter()
                .zip(&again)
                .all(|(a, b)| a.region == b.region && a.boundary == b.boundary)
        );
        let other =
            generate_county(&county, &boundary, &below, &GridOptions { seed: 7, ..opts }).unwrap();
        assert!(
            areas
                .iter()
                .zip(&other)
                .any(|(a, b)| a.boundary != b.boundary)
        );
    }

    #[test]
    fn a_county_with_no_towns_gives_nothing() {
        let (county, boundary, _) = square_county();
        let below = [region("440511001", "别县街道")];
        assert!(
            generate_county(&county, &boundary, &below, &GridOptions::default())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn bad_inputs_are_refused_with_the_code() {
        let (county, boundary, below) = square_county();
        let opts = GridOptions::default();
        let message = |r: Result<Vec<GeneratedArea>, GenerateError>| r.unwrap_err().to_string();

        assert!(
            message(generate_county(
                &code("440507001"),
                &boundary,
                &below,
                &opts
            ))
            .contains("440507001")
        );
        let empty = MultiPolygon::new(Vec::new());
        assert!(message(generate_county(&county, &empty, &below, &opts)).contains("440507"));
        let flat = MultiPolygon::new(vec![polygon(
            &[(116.6, 23.3), (116.7, 23.3), (116.65, 23.3)],
            &[],
        )]);
        assert!(matches!(
            generate_county(&county, &flat, &below, &opts),
            Err(GenerateError::EmptyBoundary { .. })
        ));
        let nan = MultiPolygon::new(vec![polygon(
            &[(116.6, 23.3), (f64::NAN, 23.3), (116.65, 23.4)],
            &[],
        )]);
        assert!(matches!(
            generate_county(&county, &nan, &below, &opts),
            Err(GenerateError::NonFiniteCoordinate { .. })
        ));
        for mean in [0.0, -1.0, f64::NAN, 1000.0] {
            let bad = GridOptions {
                grids_per_community: mean,
                seed: 0,
            };
            assert!(matches!(
                generate_county(&county, &boundary, &below, &bad),
                Err(GenerateError::BadOptions { .. })
            ));
        }

        let mut orphan = below.clone();
        orphan.push(region("440507009001", "孤儿社区居委会"));
        let err = message(generate_county(&county, &boundary, &orphan, &opts));
        assert!(
            err.contains("440507009001") && err.contains("440507009"),
            "{err}"
        );

        let mut twice = below.clone();
        twice.push(region("440507002001", "鹤洞社区居委会"));
        assert!(
            message(generate_county(&county, &boundary, &twice, &opts)).contains("440507002001")
        );
    }

    #[test]
    fn self_intersecting_boundaries_are_repaired() {
        // A bow tie: two triangles meeting at a point, written as one ring.
        let county = code("440507");
        let bow_tie = MultiPolygon::new(vec![polygon(
            &[(0.0, 0.0), (2.0, 2.0), (2.0, 0.0), (0.0, 2.0)],
            &[],
        )]);
        let (_, _, below) = square_county();
        let areas = generate_county(&county, &bow_tie, &below, &GridOptions::default()).unwrap();
        let towns: f64 = areas
            .iter()
            .filter(|a| a.region.level() == Level::Town)
            .map(|a| a.boundary.unsigned_area())
            .sum();
        assert!(
            (towns - 2.0).abs() < 1e-9,
            "towns cover {towns}, the bow tie 2"
        );
    }
}
