//! Codes and polygons shared by the tests of the generator's modules.

use geo::{LineString, Polygon};
use gongzhi_domain::RegionCode;

/// The region code `s`, which must be valid.
pub(super) fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

/// A polygon with the exterior `points` and the `holes`, each given open
/// or closed.
pub(super) fn polygon(points: &[(f64, f64)], holes: &[Vec<(f64, f64)>]) -> Polygon<f64> {
    let ring = |pts: &[(f64, f64)]| LineString::from(pts.to_vec());
    Polygon::new(ring(points), holes.iter().map(|h| ring(h)).collect())
}

/// The corners of the rectangle from (`x0`, `y0`) to (`x1`, `y1`),
/// counter-clockwise from the lower left when `x0 < x1` and `y0 < y1`.
pub(super) fn rectangle(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<(f64, f64)> {
    vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
}
