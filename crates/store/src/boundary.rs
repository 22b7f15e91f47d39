//! How boundaries are kept in the database: GeoJSON geometry text in WGS-84,
//! the same on every backend, with the bounding box beside it.

use crate::{StoreError, StoreResult};
use geo::{BoundingRect, MultiPolygon};

/// GeoJSON geometry text for a boundary.
pub fn encode(boundary: &MultiPolygon<f64>) -> String {
    geojson::Geometry::from(boundary).to_string()
}

/// Reads back what [`encode`] wrote; `code` names the region in the error.
pub fn decode(code: &str, text: &str) -> StoreResult<MultiPolygon<f64>> {
    let geometry: geojson::Geometry = text
        .parse()
        .map_err(|e| StoreError::Corrupt(format!("boundary of {code}: {e}")))?;
    match geo::Geometry::<f64>::try_from(geometry) {
        Ok(geo::Geometry::MultiPolygon(mp)) => Ok(mp),
        Ok(geo::Geometry::Polygon(p)) => Ok(MultiPolygon(vec![p])),
        Ok(other) => Err(StoreError::Corrupt(format!(
            "boundary of {code} is a {other:?}, not a polygon"
        ))),
        Err(e) => Err(StoreError::Corrupt(format!("boundary of {code}: {e}"))),
    }
}

/// The bounding box `[min_lng, min_lat, max_lng, max_lat]`, zeros when empty.
pub fn bbox(boundary: &MultiPolygon<f64>) -> [f64; 4] {
    boundary
        .bounding_rect()
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
        .unwrap_or_default()
}
