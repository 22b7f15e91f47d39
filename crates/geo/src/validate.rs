//! Checks a polygon must pass before it is stored: not empty, coordinates
//! finite and in range, valid in the OGC sense (closed rings of at least
//! three distinct points, no self-intersection, holes inside their shell),
//! and no ring that encloses next to nothing.
//!
//! OGC validity lets through rings of three nearly collinear points, slivers
//! a millimetre wide that quantised web-map outlines and their repairs are
//! full of. They carry no ground, yet they have no reliable orientation, so
//! later overlays and containment tests treat them unpredictably; a ring is
//! refused as degenerate when it encloses less than 1e-12 square degrees
//! (about 0.01 m²), less than a billionth of its multipolygon, or is on
//! average narrower than 1e-7 degrees (about a centimetre).

use geo::{CoordsIter, LineString, MultiPolygon, Validation};

/// Smallest area a ring may enclose, in square degrees: about a hundredth of
/// a square metre in southern China.
const MIN_RING_AREA: f64 = 1e-12;

/// Smallest share of its multipolygon's outline area a ring may enclose.
const MIN_RING_SHARE: f64 = 1e-9;

/// Smallest mean width of a ring (twice its area over its perimeter), in
/// degrees: about a centimetre, far below any real boundary.
const MIN_RING_WIDTH: f64 = 1e-7;

/// Why a polygon was refused, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolygonError {
    /// No polygon, or polygons without any point.
    #[error("the polygon is empty")]
    Empty,
    /// A coordinate lies outside [-180, 180] × [-90, 90] or is not a number.
    #[error(
        "coordinate ({lng}, {lat}) is out of range: longitude must be in [-180, 180] and latitude in [-90, 90]"
    )]
    OutOfRange {
        /// Longitude as given.
        lng: String,
        /// Latitude as given.
        lat: String,
    },
    /// The geometry breaks a validity rule, such as a self-intersecting ring.
    #[error("the polygon is invalid: {0}")]
    Invalid(String),
}

/// Checks that the coordinates are finite and within the range of degrees.
/// Run this before converting between coordinate systems.
pub fn check_range(mp: &MultiPolygon<f64>) -> Result<(), PolygonError> {
    if mp.0.is_empty() || mp.coords_count() == 0 {
        return Err(PolygonError::Empty);
    }
    match mp
        .coords_iter()
        .find(|c| !(-180.0..=180.0).contains(&c.x) || !(-90.0..=90.0).contains(&c.y))
    {
        Some(c) => Err(PolygonError::OutOfRange {
            lng: c.x.to_string(),
            lat: c.y.to_string(),
        }),
        None => Ok(()),
    }
}

/// Checks range, OGC validity and that no ring is degenerate.
pub fn check(mp: &MultiPolygon<f64>) -> Result<(), PolygonError> {
    check_range(mp)?;
    mp.check_validation()
        .map_err(|e| PolygonError::Invalid(e.to_string()))?;
    let whole = outline_area(mp);
    for (i, polygon) in mp.iter().enumerate() {
        let rings = std::iter::once(polygon.exterior()).chain(polygon.interiors());
        for (j, ring) in rings.enumerate() {
            if is_degenerate(ring, whole) {
                let role = match j {
                    0 => "exterior ring".to_owned(),
                    j => format!("interior ring at index {}", j - 1),
                };
                return Err(PolygonError::Invalid(format!(
                    "polygon at index {i} is invalid: {role} encloses next to no area ({:.1e} square degrees)",
                    ring_area(ring)
                )));
            }
        }
    }
    Ok(())
}

/// True when a closed ring encloses no ground worth storing: less than
/// [`MIN_RING_AREA`], less than [`MIN_RING_SHARE`] of `whole` (the
/// [`outline_area`] of its multipolygon), or a mean width under
/// [`MIN_RING_WIDTH`].
pub(crate) fn is_degenerate(ring: &LineString<f64>, whole: f64) -> bool {
    let area = ring_area(ring);
    let perimeter: f64 = ring.lines().map(|l| l.dx().hypot(l.dy())).sum();
    area < MIN_RING_AREA || area < MIN_RING_SHARE * whole || 2.0 * area < MIN_RING_WIDTH * perimeter
}

/// The area a closed ring encloses, whatever its orientation, in square
/// degrees; a self-crossing ring counts its loops against each other.
pub(crate) fn ring_area(ring: &LineString<f64>) -> f64 {
    // Relative to the first vertex, so that the products stay small and
    // slivers of 1e-15 square degrees are measured, not rounded away.
    let Some(&origin) = ring.0.first() else {
        return 0.0;
    };
    let twice: f64 = ring
        .lines()
        .map(|l| {
            let (a, b) = (l.start - origin, l.end - origin);
            a.x * b.y - b.x * a.y
        })
        .sum();
    twice.abs() / 2.0
}

/// The summed area of the exterior rings, holes not subtracted: the scale
/// against which [`MIN_RING_SHARE`] is measured.
pub(crate) fn outline_area(mp: &MultiPolygon<f64>) -> f64 {
    mp.iter().map(|p| ring_area(p.exterior())).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{MultiPolygon, polygon};

    #[test]
    fn a_square_passes() {
        let sq = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)];
        assert_eq!(check(&MultiPolygon(vec![sq])), Ok(()));
    }

    #[test]
    fn a_bow_tie_is_refused_as_self_intersecting() {
        let bow = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0), (x: 1.0, y: 0.0), (x: 0.0, y: 1.0)];
        let err = check(&MultiPolygon(vec![bow])).unwrap_err();
        assert!(err.to_string().contains("self-intersection"), "{err}");
    }

    #[test]
    fn slivers_and_specks_are_refused_as_degenerate() {
        let sq = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)];
        // Three nearly collinear vertices, 4 mm apart across 20 km.
        let sliver = polygon![(x: 2.0, y: 0.0), (x: 2.2, y: 4e-8), (x: 2.1, y: 0.0)];
        let err = check(&MultiPolygon(vec![sq.clone(), sliver])).unwrap_err();
        assert!(
            err.to_string()
                .contains("polygon at index 1 is invalid: exterior ring encloses next to no area"),
            "{err}"
        );
        let speck = polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)],
            interiors: [[(x: 0.5, y: 0.5), (x: 0.5, y: 0.50001), (x: 0.50001, y: 0.5)]],
        );
        let err = check(&MultiPolygon(vec![speck])).unwrap_err();
        assert!(
            err.to_string().contains("interior ring at index 0"),
            "{err}"
        );
        let alone =
            polygon![(x: 0.0, y: 0.0), (x: 9e-7, y: 0.0), (x: 9e-7, y: 9e-7), (x: 0.0, y: 9e-7)];
        assert!(matches!(
            check(&MultiPolygon(vec![alone])),
            Err(PolygonError::Invalid(_))
        ));
        // A small real ring, ten metres across, passes.
        let plot = polygon![(x: 3.0, y: 0.0), (x: 3.0001, y: 0.0), (x: 3.0001, y: 0.0001), (x: 3.0, y: 0.0001)];
        assert_eq!(check(&MultiPolygon(vec![sq, plot])), Ok(()));
    }

    #[test]
    fn ring_areas_are_measured_far_from_the_origin() {
        let tiny =
            polygon![(x: 113.0, y: 22.0), (x: 113.0 + 1e-7, y: 22.0), (x: 113.0, y: 22.0 + 1e-7)];
        let area = ring_area(tiny.exterior());
        assert!((area - 5e-15).abs() < 1e-20, "{area:e}");
    }

    #[test]
    fn empty_and_out_of_range_are_refused() {
        assert_eq!(check(&MultiPolygon(vec![])), Err(PolygonError::Empty));
        let far = polygon![(x: 0.0, y: 0.0), (x: 200.0, y: 0.0), (x: 1.0, y: 1.0)];
        assert_eq!(
            check(&MultiPolygon(vec![far])),
            Err(PolygonError::OutOfRange {
                lng: "200".into(),
                lat: "0".into()
            })
        );
        let nan = polygon![(x: 0.0, y: 0.0), (x: f64::NAN, y: 0.0), (x: 1.0, y: 1.0)];
        assert!(matches!(
            check(&MultiPolygon(vec![nan])),
            Err(PolygonError::OutOfRange { .. })
        ));
    }
}
