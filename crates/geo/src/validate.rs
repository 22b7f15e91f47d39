//! Checks a polygon must pass before it is stored: not empty, coordinates
//! finite and in range, and valid in the OGC sense (closed rings of at least
//! three distinct points, no self-intersection, holes inside their shell).

use geo::{CoordsIter, MultiPolygon, Validation};

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

/// Checks range and OGC validity.
pub fn check(mp: &MultiPolygon<f64>) -> Result<(), PolygonError> {
    check_range(mp)?;
    mp.check_validation()
        .map_err(|e| PolygonError::Invalid(e.to_string()))
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
