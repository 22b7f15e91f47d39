//! Weights derived rather than written: by AHP from pairwise comparisons
//! ([`ahp`]) and by entropy from the data's dispersion ([`entropy`]).

pub mod ahp;
pub mod entropy;
