//! The pieces being divided, as plain lists of vertices: valid polygons of
//! open rings, exteriors counter-clockwise and holes clockwise, with no
//! repeated or degenerate ring. The county boundary enters here, repaired if
//! it is not valid, and every piece leaves as a geo `MultiPolygon`; in between,
//! the splits and the conforming work on the vertex lists directly, which is
//! what lets the two sides of a cut share the very same vertices.

use geo::{BooleanOps, Coord, CoordsIter, LineString, MultiPolygon, Polygon, Validation};
use gongzhi_domain::RegionCode;

use super::GenerateError;

/// An open ring: the first vertex is not repeated at the end.
pub(super) type Ring = Vec<Coord<f64>>;

/// A polygon: `rings[0]` is the exterior, counter-clockwise; the others are
/// holes, clockwise. Every ring has at least 3 vertices and a non-zero area,
/// and no ring crosses itself or another: the orientation of a ring is then
/// the side its interior lies on, which the split relies on.
#[derive(Debug, Clone)]
pub(super) struct Poly {
    pub(super) rings: Vec<Ring>,
}

/// A piece being divided: disjoint polygons.
#[derive(Debug, Clone, Default)]
pub(super) struct Shape {
    pub(super) polys: Vec<Poly>,
}

impl Shape {
    /// The polygons of `mp`, which must have finite coordinates, repaired
    /// first if they are not valid: rings that touch or cross themselves or
    /// each other (a bow tie) and parts that overlap or touch along a line
    /// are resolved by the overlay, which moves vertices by at most a
    /// billionth of the extent. Then [`Shape::cleaned`]. Fails, with the
    /// reason, when even the overlay's result is not valid.
    pub(super) fn repaired(mp: &MultiPolygon<f64>) -> Result<Shape, String> {
        if mp.is_valid() {
            return Ok(Shape::cleaned(mp));
        }
        let union = mp.union(&MultiPolygon::new(Vec::new()));
        union.check_validation().map_err(|e| e.to_string())?;
        Ok(Shape::cleaned(&union))
    }

    /// [`Shape::repaired`] for polygons that the overlay can make valid.
    #[cfg(test)]
    pub(super) fn from_multi_polygon(mp: &MultiPolygon<f64>) -> Shape {
        Shape::repaired(mp).expect("the overlay makes the polygons valid")
    }

    /// The polygons of the valid `mp` with repeated vertices dropped and
    /// rings oriented; rings with fewer than 3 vertices, no area or a
    /// non-finite coordinate are dropped, and so are polygons whose exterior
    /// is.
    fn cleaned(mp: &MultiPolygon<f64>) -> Shape {
        let polys = mp
            .iter()
            .filter_map(|polygon| {
                let exterior = clean_ring(polygon.exterior(), true)?;
                let holes = polygon
                    .interiors()
                    .iter()
                    .filter_map(|h| clean_ring(h, false));
                Some(Poly {
                    rings: std::iter::once(exterior).chain(holes).collect(),
                })
            })
            .collect();
        Shape { polys }
    }

    /// The shape as a geo `MultiPolygon` with closed rings.
    pub(super) fn into_multi_polygon(self) -> MultiPolygon<f64> {
        let close = |mut ring: Ring| {
            if let Some(&first) = ring.first() {
                ring.push(first);
            }
            LineString::new(ring)
        };
        MultiPolygon::new(
            self.polys
                .into_iter()
                .map(|p| {
                    let mut rings = p.rings.into_iter().map(close);
                    let exterior = rings.next().unwrap_or_else(|| LineString::new(Vec::new()));
                    Polygon::new(exterior, rings.collect())
                })
                .collect(),
        )
    }

    /// Area in squared coordinate units (holes subtracted).
    pub(super) fn area(&self) -> f64 {
        self.polys
            .iter()
            .flat_map(|p| &p.rings)
            .map(|r| ring_area(r))
            .sum()
    }

    /// Every vertex of every ring.
    pub(super) fn coords(&self) -> impl Iterator<Item = Coord<f64>> + '_ {
        self.polys
            .iter()
            .flat_map(|p| &p.rings)
            .flat_map(|r| r.iter().copied())
    }

    /// Centre of the bounding box, or `None` for an empty shape.
    pub(super) fn centre(&self) -> Option<Coord<f64>> {
        let mut coords = self.coords();
        let first = coords.next()?;
        let (mut lo, mut hi) = (first, first);
        for c in coords {
            lo.x = lo.x.min(c.x);
            lo.y = lo.y.min(c.y);
            hi.x = hi.x.max(c.x);
            hi.y = hi.y.max(c.y);
        }
        Some((lo + hi) / 2.0)
    }
}

/// `ring` without its closing vertex and repeated vertices, oriented
/// counter-clockwise for an exterior and clockwise for a hole; `None` for a
/// degenerate ring (fewer than 3 vertices, no area, a non-finite coordinate).
fn clean_ring(ring: &LineString<f64>, exterior: bool) -> Option<Ring> {
    let mut out: Ring = Vec::with_capacity(ring.0.len());
    for &c in &ring.0 {
        if out.last() != Some(&c) {
            out.push(c);
        }
    }
    while out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    let area = ring_area(&out);
    let finite = out.iter().all(|c| c.x.is_finite() && c.y.is_finite());
    if out.len() < 3 || area == 0.0 || !area.is_finite() || !finite {
        return None;
    }
    if (area > 0.0) != exterior {
        out.reverse();
    }
    Some(out)
}

/// Signed area of an open ring (positive when counter-clockwise), computed
/// relative to its first vertex for precision far from the origin.
pub(super) fn ring_area(ring: &[Coord<f64>]) -> f64 {
    let Some(&o) = ring.first() else {
        return 0.0;
    };
    let twice: f64 = ring
        .windows(2)
        .skip(1)
        .map(|w| cross(w[0] - o, w[1] - o))
        .sum();
    twice / 2.0
}

/// The z component of the cross product of two vectors.
pub(super) fn cross(a: Coord<f64>, b: Coord<f64>) -> f64 {
    a.x * b.y - a.y * b.x
}

/// The county boundary as a [`Shape`], repaired first if it is not valid
/// (see [`Shape::repaired`]): published boundaries often have rings that
/// touch or cross themselves and parts that touch along a line.
pub(super) fn county_shape(
    county: &RegionCode,
    boundary: &MultiPolygon<f64>,
) -> Result<Shape, GenerateError> {
    if boundary
        .coords_iter()
        .any(|c| !(c.x.is_finite() && c.y.is_finite()))
    {
        return Err(GenerateError::NonFiniteCoordinate {
            county: county.clone(),
        });
    }
    let shape = Shape::repaired(boundary).map_err(|reason| GenerateError::InvalidBoundary {
        county: county.clone(),
        reason,
    })?;
    let area = shape.area();
    if area > 0.0 && area.is_finite() {
        Ok(shape)
    } else {
        Err(GenerateError::EmptyBoundary {
            county: county.clone(),
        })
    }
}

/// How much a degree of longitude is worth against a degree of latitude at
/// the centre of `shape`: lengths are compared in this local metric.
pub(super) fn metric_scale(shape: &Shape) -> f64 {
    match shape.centre() {
        Some(c) if c.y.abs() <= 89.0 => c.y.to_radians().cos(),
        Some(_) => 89f64.to_radians().cos(),
        None => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gridgen::fixtures::polygon;
    use crate::gridgen::split::{Frame, split};

    /// A ring that crosses itself at (1.2, 1.2): a bow tie of a lobe of
    /// area 1.2 on the left and one of 2.7 on the right, running opposite ways.
    fn bow_tie() -> MultiPolygon<f64> {
        MultiPolygon::new(vec![polygon(
            &[(0.0, 0.0), (3.0, 3.0), (3.0, 0.0), (0.0, 2.0)],
            &[],
        )])
    }

    #[test]
    fn rings_that_cross_themselves_are_repaired() {
        let shape = Shape::repaired(&bow_tie()).unwrap();
        assert_eq!(shape.polys.len(), 2);
        for poly in &shape.polys {
            assert_eq!(poly.rings.len(), 1);
            assert!(ring_area(&poly.rings[0]) > 0.0);
        }
        // Both lobes are ground, not the difference of their signed areas.
        assert!((shape.area() - 3.9).abs() < 1e-9, "{}", shape.area());
    }

    /// The split relies on the orientation of the rings: cut as drawn, the
    /// part of the left lobe west of `x = 0.5` runs clockwise and the split
    /// fails; repaired, both sides are ground.
    #[test]
    fn a_repaired_bow_tie_can_be_cut_through_either_lobe() {
        let frame = Frame::new(0.0, 1.0, Coord { x: 0.0, y: 0.0 });
        let as_drawn = Shape::cleaned(&bow_tie());
        assert_eq!(
            split(&as_drawn, &frame, 0.5).unwrap_err(),
            "a piece of the polygon is turned inside out"
        );
        let shape = Shape::repaired(&bow_tie()).unwrap();
        for c in [0.5, 2.0] {
            let (west, east) = split(&shape, &frame, c).unwrap();
            assert!(west.area() > 0.0 && east.area() > 0.0);
            assert!((west.area() + east.area() - 3.9).abs() < 1e-9);
        }
    }

    #[test]
    fn valid_polygons_are_kept_vertex_for_vertex() {
        let square = MultiPolygon::new(vec![polygon(
            &[(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0), (0.0, 0.0)],
            &[],
        )]);
        let shape = Shape::repaired(&square).unwrap();
        let ring: Vec<(f64, f64)> = shape.polys[0].rings[0].iter().map(|c| (c.x, c.y)).collect();
        assert_eq!(ring, [(1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)]);
    }
}
