//! Coordinate reference systems used in China and conversions between them.
//!
//! gongzhi stores every coordinate in WGS-84 (CGCS2000 is treated as equal to
//! it: they differ by centimetres). Chinese web maps use GCJ-02, the
//! obfuscated datum required for published maps, and Baidu uses BD-09, a
//! further shift of GCJ-02. Points are converted at the edge: on import, for
//! the API's `crs` parameter and for display.
//!
//! The forward conversions (WGS-84 → GCJ-02 → BD-09) are the published
//! formulas; the inverses are found by fixed-point iteration on the forward
//! conversion, which converges to well under a micro-degree.

use serde::{Deserialize, Serialize};
use std::f64::consts::PI;
use std::fmt;

/// A longitude/latitude pair in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LngLat {
    /// Longitude, east positive.
    pub lng: f64,
    /// Latitude, north positive.
    pub lat: f64,
}

/// Why a coordinate pair was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CoordError {
    /// Longitude outside [-180, 180] or not a number.
    #[error("longitude {0} is out of range [-180, 180]")]
    Longitude(f64),
    /// Latitude outside [-90, 90] or not a number.
    #[error("latitude {0} is out of range [-90, 90]")]
    Latitude(f64),
}

impl LngLat {
    /// A checked pair: refuses NaN and values out of range.
    pub fn new(lng: f64, lat: f64) -> Result<Self, CoordError> {
        if !(-180.0..=180.0).contains(&lng) {
            return Err(CoordError::Longitude(lng));
        }
        if !(-90.0..=90.0).contains(&lat) {
            return Err(CoordError::Latitude(lat));
        }
        Ok(LngLat { lng, lat })
    }
}

/// A coordinate reference system accepted at the edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Crs {
    /// WGS-84 (and CGCS2000): GPS, international data. The storage datum.
    #[default]
    Wgs84,
    /// GCJ-02: Gaode/AMap, Tencent, most Chinese web maps.
    Gcj02,
    /// BD-09: Baidu maps.
    Bd09,
}

impl Crs {
    /// Stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            Crs::Wgs84 => "wgs84",
            Crs::Gcj02 => "gcj02",
            Crs::Bd09 => "bd09",
        }
    }

    /// Converts a point in this CRS to WGS-84.
    pub fn to_wgs84(self, p: LngLat) -> LngLat {
        match self {
            Crs::Wgs84 => p,
            Crs::Gcj02 => gcj02_to_wgs84(p),
            Crs::Bd09 => gcj02_to_wgs84(bd09_to_gcj02(p)),
        }
    }

    /// Converts a WGS-84 point to this CRS.
    pub fn from_wgs84(self, p: LngLat) -> LngLat {
        match self {
            Crs::Wgs84 => p,
            Crs::Gcj02 => wgs84_to_gcj02(p),
            Crs::Bd09 => gcj02_to_bd09(wgs84_to_gcj02(p)),
        }
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown CRS name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown coordinate system {0:?}; expected wgs84 (or cgcs2000, epsg:4326), gcj02 or bd09")]
pub struct UnknownCrs(pub String);

impl std::str::FromStr for Crs {
    type Err = UnknownCrs;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_'], "")
            .as_str()
        {
            "wgs84" | "cgcs2000" | "epsg:4326" | "epsg:4490" => Ok(Crs::Wgs84),
            "gcj02" => Ok(Crs::Gcj02),
            "bd09" | "bd09ll" => Ok(Crs::Bd09),
            _ => Err(UnknownCrs(s.to_owned())),
        }
    }
}

/// Semi-major axis of the Krasovsky 1940 ellipsoid used by GCJ-02.
const KRASOVSKY_A: f64 = 6_378_245.0;
/// First eccentricity squared of the Krasovsky 1940 ellipsoid.
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943;
/// Baidu's angular constant.
const X_PI: f64 = PI * 3000.0 / 180.0;

/// GCJ-02 leaves points outside mainland China's bounding box unchanged.
fn outside_china(p: LngLat) -> bool {
    !(72.004..=137.8347).contains(&p.lng) || !(0.8293..=55.8271).contains(&p.lat)
}

fn shift_lat(x: f64, y: f64) -> f64 {
    -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * x.abs().sqrt()
        + (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0
        + (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0
        + (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0
}

fn shift_lng(x: f64, y: f64) -> f64 {
    300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * x.abs().sqrt()
        + (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0
        + (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0
        + (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0
}

/// WGS-84 to GCJ-02 (the published forward formula).
pub fn wgs84_to_gcj02(p: LngLat) -> LngLat {
    if outside_china(p) {
        return p;
    }
    let d_lat = shift_lat(p.lng - 105.0, p.lat - 35.0);
    let d_lng = shift_lng(p.lng - 105.0, p.lat - 35.0);
    let rad_lat = p.lat / 180.0 * PI;
    let magic = 1.0 - KRASOVSKY_EE * rad_lat.sin().powi(2);
    let sqrt_magic = magic.sqrt();
    let d_lat =
        (d_lat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * PI);
    let d_lng = (d_lng * 180.0) / (KRASOVSKY_A / sqrt_magic * rad_lat.cos() * PI);
    LngLat {
        lng: p.lng + d_lng,
        lat: p.lat + d_lat,
    }
}

/// GCJ-02 to BD-09 (the published forward formula).
pub fn gcj02_to_bd09(p: LngLat) -> LngLat {
    let (x, y) = (p.lng, p.lat);
    let z = (x * x + y * y).sqrt() + 0.000_02 * (y * X_PI).sin();
    let theta = y.atan2(x) + 0.000_003 * (x * X_PI).cos();
    LngLat {
        lng: z * theta.cos() + 0.0065,
        lat: z * theta.sin() + 0.006,
    }
}

/// GCJ-02 to WGS-84, by iterating the forward conversion.
pub fn gcj02_to_wgs84(p: LngLat) -> LngLat {
    invert(wgs84_to_gcj02, p)
}

/// BD-09 to GCJ-02, by iterating the forward conversion.
pub fn bd09_to_gcj02(p: LngLat) -> LngLat {
    invert(gcj02_to_bd09, p)
}

/// Solves `forward(x) = target` for a conversion that is a small shift of the
/// identity: start at the target and correct by the residual until it is
/// below 1e-10 degrees (about 10 µm) or 30 steps have been taken.
fn invert(forward: fn(LngLat) -> LngLat, target: LngLat) -> LngLat {
    let mut x = target;
    for _ in 0..30 {
        let y = forward(x);
        let (e_lng, e_lat) = (y.lng - target.lng, y.lat - target.lat);
        x = LngLat {
            lng: x.lng - e_lng,
            lat: x.lat - e_lat,
        };
        if e_lng.abs() < 1e-10 && e_lat.abs() < 1e-10 {
            break;
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: LngLat, b: LngLat, tol: f64) -> bool {
        (a.lng - b.lng).abs() <= tol && (a.lat - b.lat).abs() <= tol
    }

    /// The widely published test point (Tiananmen): the same numbers are used
    /// as a WGS-84 input and, in the BD-09 vector, as a GCJ-02 input.
    const POINT: LngLat = LngLat {
        lng: 116.404,
        lat: 39.915,
    };
    const GCJ_OF_WGS_POINT: LngLat = LngLat {
        lng: 116.410_244_499_169_38,
        lat: 39.916_404_281_501_64,
    };
    const BD_OF_GCJ_POINT: LngLat = LngLat {
        lng: 116.410_369_493_710_29,
        lat: 39.921_336_993_510_21,
    };

    #[test]
    fn published_vectors() {
        assert!(close(Crs::Gcj02.from_wgs84(POINT), GCJ_OF_WGS_POINT, 1e-12));
        assert!(close(Crs::Gcj02.to_wgs84(GCJ_OF_WGS_POINT), POINT, 1e-9));
        assert!(close(gcj02_to_bd09(POINT), BD_OF_GCJ_POINT, 1e-12));
        assert!(close(bd09_to_gcj02(BD_OF_GCJ_POINT), POINT, 1e-9));
        let bd = Crs::Bd09.from_wgs84(POINT);
        assert!(close(bd, gcj02_to_bd09(GCJ_OF_WGS_POINT), 1e-12));
        assert!(close(Crs::Bd09.to_wgs84(bd), POINT, 1e-9));
    }

    #[test]
    fn outside_china_is_unchanged() {
        let tokyo = LngLat {
            lng: 139.69,
            lat: 35.69,
        };
        assert_eq!(wgs84_to_gcj02(tokyo), tokyo);
        assert_eq!(gcj02_to_wgs84(tokyo), tokyo);
    }

    #[test]
    fn names_parse_and_unknown_names_are_refused() {
        assert_eq!("GCJ-02".parse::<Crs>(), Ok(Crs::Gcj02));
        assert_eq!("cgcs2000".parse::<Crs>(), Ok(Crs::Wgs84));
        assert_eq!("bd09".parse::<Crs>(), Ok(Crs::Bd09));
        let err = "mercator".parse::<Crs>().unwrap_err();
        assert!(err.to_string().contains("mercator"));
    }

    #[test]
    fn out_of_range_coordinates_are_refused() {
        assert_eq!(LngLat::new(181.0, 0.0), Err(CoordError::Longitude(181.0)));
        assert!(matches!(
            LngLat::new(0.0, f64::NAN),
            Err(CoordError::Latitude(_))
        ));
        assert!(LngLat::new(116.68, 23.35).is_ok());
    }

    proptest! {
        #[test]
        fn gcj_to_wgs_inverts_the_forward_conversion(lng in 73.0f64..135.0, lat in 3.9f64..53.5) {
            let wgs = LngLat { lng, lat };
            let back = Crs::Gcj02.to_wgs84(Crs::Gcj02.from_wgs84(wgs));
            prop_assert!(close(back, wgs, 1e-6), "{wgs:?} -> {back:?}");
        }

        #[test]
        fn bd_to_wgs_inverts_the_forward_conversion(lng in 73.0f64..135.0, lat in 3.9f64..53.5) {
            let wgs = LngLat { lng, lat };
            let back = Crs::Bd09.to_wgs84(Crs::Bd09.from_wgs84(wgs));
            prop_assert!(close(back, wgs, 1e-6), "{wgs:?} -> {back:?}");
        }
    }
}
