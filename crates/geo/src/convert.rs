//! Polygons between coordinate systems: the one place where a whole
//! `MultiPolygon` is moved to or from WGS-84, the storage datum, so that
//! reading files, exporting and answering the API all convert alike.
//!
//! Each vertex is converted on its own with [`Crs::to_wgs84`] or
//! [`Crs::from_wgs84`]; WGS-84 itself is returned unchanged without touching
//! a vertex.

use geo::{MapCoords, MultiPolygon};
use gongzhi_domain::{Crs, LngLat};

/// The polygons, given in `from`, in WGS-84 degrees.
pub fn to_wgs84(mp: &MultiPolygon<f64>, from: Crs) -> MultiPolygon<f64> {
    if from == Crs::Wgs84 {
        return mp.clone();
    }
    each_vertex(mp, |p| from.to_wgs84(p))
}

/// The polygons, given in WGS-84, in the coordinate system `to`.
pub fn from_wgs84(mp: &MultiPolygon<f64>, to: Crs) -> MultiPolygon<f64> {
    if to == Crs::Wgs84 {
        return mp.clone();
    }
    each_vertex(mp, |p| to.from_wgs84(p))
}

fn each_vertex(mp: &MultiPolygon<f64>, convert: impl Fn(LngLat) -> LngLat) -> MultiPolygon<f64> {
    mp.map_coords(|c| {
        let p = convert(LngLat { lng: c.x, lat: c.y });
        geo::coord! { x: p.lng, y: p.lat }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{CoordsIter, polygon};

    /// A Shantou block with a hole, in WGS-84.
    fn block() -> MultiPolygon<f64> {
        MultiPolygon(vec![polygon!(
            exterior: [(x: 116.70, y: 23.30), (x: 116.72, y: 23.30), (x: 116.72, y: 23.32), (x: 116.70, y: 23.32)],
            interiors: [[(x: 116.705, y: 23.305), (x: 116.71, y: 23.305), (x: 116.71, y: 23.31)]],
        )])
    }

    #[test]
    fn every_crs_round_trips_within_a_micro_degree() {
        let wgs = block();
        for crs in [Crs::Wgs84, Crs::Gcj02, Crs::Bd09] {
            let there = from_wgs84(&wgs, crs);
            let back = to_wgs84(&there, crs);
            assert_eq!(back.coords_count(), wgs.coords_count());
            for (a, b) in back.coords_iter().zip(wgs.coords_iter()) {
                assert!(
                    (a.x - b.x).abs() < 1e-6 && (a.y - b.y).abs() < 1e-6,
                    "{crs}: {a:?} came back from {b:?}"
                );
            }
            if crs != Crs::Wgs84 {
                // A real shift, of a few hundred metres.
                let moved = there.coords_iter().next().unwrap().x - 116.70;
                assert!(moved.abs() > 1e-3, "{crs}: moved by {moved}");
            }
        }
    }

    #[test]
    fn wgs84_is_unchanged() {
        let wgs = block();
        assert_eq!(to_wgs84(&wgs, Crs::Wgs84), wgs);
        assert_eq!(from_wgs84(&wgs, Crs::Wgs84), wgs);
    }
}
