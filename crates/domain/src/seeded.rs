//! Deterministic pseudo-randomness for generated demo data: the same seed
//! and key always give the same number, on every machine and in every
//! version, so generated grids and people are reproducible.

/// A well-mixed 64-bit hash of `key` under `seed` and `salt` (SplitMix64
/// finaliser over the bytes). Not for security.
pub fn seeded_hash(seed: u64, key: &str, salt: u64) -> u64 {
    let mut h = mix(seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    for b in key.bytes() {
        h = mix(h ^ u64::from(b));
    }
    h
}

/// The SplitMix64 finaliser: spreads every input bit over the output, so
/// that derived keys (`mix(key ^ 1)`) give independent draws.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_sensitive_to_every_input() {
        let h = seeded_hash(0, "440507001001", 1);
        assert_eq!(h, seeded_hash(0, "440507001001", 1));
        assert_ne!(h, seeded_hash(1, "440507001001", 1));
        assert_ne!(h, seeded_hash(0, "440507001002", 1));
        assert_ne!(h, seeded_hash(0, "440507001001", 2));
    }

    #[test]
    fn spreads_evenly_over_small_ranges() {
        let mut buckets = [0u32; 10];
        for i in 0..10_000 {
            buckets[(seeded_hash(7, &i.to_string(), 0) % 10) as usize] += 1;
        }
        assert!(
            buckets.iter().all(|&n| (900..1100).contains(&n)),
            "{buckets:?}"
        );
    }
}
