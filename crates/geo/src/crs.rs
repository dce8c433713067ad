//! Coordinate reference systems used in China and the conversions between them.
//!
//! * **WGS-84** (≈ CGCS2000, Tianditu): what we store.
//! * **GCJ-02** (phone apps, WeChat, AMap, Tencent): WGS-84 plus an obfuscating offset
//!   (a = 6378245.0, ee = 0.00669342162296594323, a sine series in (lng − 105, lat − 35)),
//!   applied only inside mainland China's box. About 500 m at Nanning.
//! * **BD-09** (Baidu): GCJ-02 plus a small rotation/scaling (x_pi = π·3000/180) and the
//!   offsets 0.0065 / 0.006.
//!
//! The forward transforms are closed formulas; the inverses are computed by fixed-point
//! iteration and are accurate to well under a millimetre (the usual one-step inverse is off
//! by about a metre).

use std::f64::consts::PI;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Semi-major axis of the Krasovsky 1940 ellipsoid used by GCJ-02.
pub const GCJ_A: f64 = 6378245.0;
/// First eccentricity squared of the Krasovsky 1940 ellipsoid used by GCJ-02 (the
/// published literal, kept digit for digit).
#[allow(clippy::excessive_precision)]
pub const GCJ_EE: f64 = 0.006_693_421_622_965_943_23;
/// BD-09 rotation constant, π·3000/180.
pub const BD_X_PI: f64 = PI * 3000.0 / 180.0;
/// BD-09 longitude offset.
pub const BD_DLON: f64 = 0.0065;
/// BD-09 latitude offset.
pub const BD_DLAT: f64 = 0.006;

/// The box inside which GCJ-02 applies its offset: lng 72.004–137.8347.
pub const CHINA_LON_MIN: f64 = 72.004;
/// See [`CHINA_LON_MIN`].
pub const CHINA_LON_MAX: f64 = 137.8347;
/// The box inside which GCJ-02 applies its offset: lat 0.8293–55.8271.
pub const CHINA_LAT_MIN: f64 = 0.8293;
/// See [`CHINA_LAT_MIN`].
pub const CHINA_LAT_MAX: f64 = 55.8271;

/// A coordinate reference system accepted on input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Crs {
    /// WGS-84 / CGCS2000 (stored as is).
    Wgs84,
    /// GCJ-02 ("Mars coordinates": AMap, Tencent, WeChat).
    Gcj02,
    /// BD-09 (Baidu).
    Bd09,
}

impl Crs {
    /// The lowercase name ("wgs84", "gcj02", "bd09"), as accepted by [`FromStr`].
    pub fn as_str(self) -> &'static str {
        match self {
            Crs::Wgs84 => "wgs84",
            Crs::Gcj02 => "gcj02",
            Crs::Bd09 => "bd09",
        }
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A CRS name that is not one of "wgs84", "gcj02", "bd09".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "未知坐标系 \"{0}\"，可用值：wgs84、gcj02、bd09 / unknown coordinate reference system \"{0}\"; accepted values: wgs84, gcj02, bd09"
)]
pub struct UnknownCrs(pub String);

impl FromStr for Crs {
    type Err = UnknownCrs;

    /// Case-insensitive; surrounding whitespace is ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("wgs84") {
            Ok(Crs::Wgs84)
        } else if t.eq_ignore_ascii_case("gcj02") {
            Ok(Crs::Gcj02)
        } else if t.eq_ignore_ascii_case("bd09") {
            Ok(Crs::Bd09)
        } else {
            Err(UnknownCrs(s.to_string()))
        }
    }
}

/// A longitude/latitude pair that cannot be a WGS-84 position.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CoordError {
    /// NaN or infinite.
    #[error(
        "坐标不是有限数值：经度 {lon}，纬度 {lat} / coordinate is not a finite number: lon {lon}, lat {lat}"
    )]
    NotFinite {
        /// Longitude as given.
        lon: f64,
        /// Latitude as given.
        lat: f64,
    },
    /// Longitude outside [-180, 180].
    #[error("经度 {lon} 超出范围 [-180, 180] / longitude {lon} is out of range [-180, 180]{hint}")]
    LonOutOfRange {
        /// Longitude as given.
        lon: f64,
        /// Extra hint (e.g. swapped order), may be empty.
        hint: &'static str,
    },
    /// Latitude outside [-90, 90].
    #[error("纬度 {lat} 超出范围 [-90, 90] / latitude {lat} is out of range [-90, 90]{hint}")]
    LatOutOfRange {
        /// Latitude as given.
        lat: f64,
        /// Extra hint (e.g. swapped order), may be empty.
        hint: &'static str,
    },
}

const SWAP_HINT: &str =
    "（经纬度是否写反了？应为 [经度, 纬度]） (longitude and latitude swapped? expected [lon, lat])";

/// Checks that `lon`/`lat` are finite and within [-180, 180] / [-90, 90].
pub fn check_lon_lat(lon: f64, lat: f64) -> Result<(), CoordError> {
    if !lon.is_finite() || !lat.is_finite() {
        return Err(CoordError::NotFinite { lon, lat });
    }
    let swapped = (-90.0..=90.0).contains(&lon) && (-180.0..=180.0).contains(&lat);
    let hint = if swapped { SWAP_HINT } else { "" };
    if !(-180.0..=180.0).contains(&lon) {
        return Err(CoordError::LonOutOfRange { lon, hint });
    }
    if !(-90.0..=90.0).contains(&lat) {
        return Err(CoordError::LatOutOfRange { lat, hint });
    }
    Ok(())
}

/// Whether GCJ-02 applies its offset at this position (the usual rectangular box around
/// mainland China: lng 72.004–137.8347, lat 0.8293–55.8271, bounds included).
pub fn in_mainland_china_box(lon: f64, lat: f64) -> bool {
    (CHINA_LON_MIN..=CHINA_LON_MAX).contains(&lon) && (CHINA_LAT_MIN..=CHINA_LAT_MAX).contains(&lat)
}

fn transform_lat(x: f64, y: f64) -> f64 {
    let mut ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    ret
}

fn transform_lon(x: f64, y: f64) -> f64 {
    let mut ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    ret
}

/// The GCJ-02 offset (dlon, dlat) in degrees at a WGS-84 position (zero outside the box).
fn gcj_offset(lon: f64, lat: f64) -> (f64, f64) {
    if !in_mainland_china_box(lon, lat) {
        return (0.0, 0.0);
    }
    let dlat = transform_lat(lon - 105.0, lat - 35.0);
    let dlon = transform_lon(lon - 105.0, lat - 35.0);
    let radlat = lat / 180.0 * PI;
    let magic = 1.0 - GCJ_EE * radlat.sin() * radlat.sin();
    let sqrtmagic = magic.sqrt();
    let dlat = (dlat * 180.0) / ((GCJ_A * (1.0 - GCJ_EE)) / (magic * sqrtmagic) * PI);
    let dlon = (dlon * 180.0) / (GCJ_A / sqrtmagic * radlat.cos() * PI);
    (dlon, dlat)
}

/// WGS-84 → GCJ-02 (identity outside mainland China's box).
pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    let (dlon, dlat) = gcj_offset(lon, lat);
    (lon + dlon, lat + dlat)
}

/// Solves `forward(x) = target` by fixed-point iteration `x += target - forward(x)`,
/// which converges fast because `forward` is the identity plus a slowly varying offset.
fn invert(
    target: (f64, f64),
    start: (f64, f64),
    forward: impl Fn(f64, f64) -> (f64, f64),
) -> (f64, f64) {
    let (mut x, mut y) = start;
    for _ in 0..30 {
        let (fx, fy) = forward(x, y);
        let (ex, ey) = (target.0 - fx, target.1 - fy);
        x += ex;
        y += ey;
        if ex.abs() < 1e-13 && ey.abs() < 1e-13 {
            break;
        }
    }
    (x, y)
}

/// GCJ-02 → WGS-84, iterative (error far below 0.5 m; identity outside the box).
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    if !lon.is_finite() || !lat.is_finite() {
        return (lon, lat);
    }
    // One-step inverse as the starting point, then refine.
    let (dlon, dlat) = gcj_offset(lon, lat);
    invert((lon, lat), (lon - dlon, lat - dlat), wgs84_to_gcj02)
}

/// GCJ-02 → BD-09.
pub fn gcj02_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let (x, y) = (lon, lat);
    let z = (x * x + y * y).sqrt() + 0.00002 * (y * BD_X_PI).sin();
    let theta = y.atan2(x) + 0.000003 * (x * BD_X_PI).cos();
    (z * theta.cos() + BD_DLON, z * theta.sin() + BD_DLAT)
}

/// BD-09 → GCJ-02 (the published closed-form inverse, refined iteratively so that a round
/// trip through [`gcj02_to_bd09`] is exact to ~1e-12 degrees).
pub fn bd09_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    if !lon.is_finite() || !lat.is_finite() {
        return (lon, lat);
    }
    let x = lon - BD_DLON;
    let y = lat - BD_DLAT;
    let z = (x * x + y * y).sqrt() - 0.00002 * (y * BD_X_PI).sin();
    let theta = y.atan2(x) - 0.000003 * (x * BD_X_PI).cos();
    let start = (z * theta.cos(), z * theta.sin());
    invert((lon, lat), start, gcj02_to_bd09)
}

/// BD-09 → WGS-84.
pub fn bd09_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    let (g0, g1) = bd09_to_gcj02(lon, lat);
    gcj02_to_wgs84(g0, g1)
}

/// WGS-84 → BD-09.
pub fn wgs84_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let (g0, g1) = wgs84_to_gcj02(lon, lat);
    gcj02_to_bd09(g0, g1)
}

/// Converts a position given in `crs` to WGS-84.
pub fn to_wgs84(crs: Crs, lon: f64, lat: f64) -> (f64, f64) {
    match crs {
        Crs::Wgs84 => (lon, lat),
        Crs::Gcj02 => gcj02_to_wgs84(lon, lat),
        Crs::Bd09 => bd09_to_wgs84(lon, lat),
    }
}

/// Converts a WGS-84 position to `crs`.
pub fn from_wgs84(crs: Crs, lon: f64, lat: f64) -> (f64, f64) {
    match crs {
        Crs::Wgs84 => (lon, lat),
        Crs::Gcj02 => wgs84_to_gcj02(lon, lat),
        Crs::Bd09 => wgs84_to_bd09(lon, lat),
    }
}

/// Metres per degree of latitude and of longitude at latitude `lat` (degrees), from the
/// usual series for the WGS-84 ellipsoid.
pub fn metres_per_degree(lat: f64) -> (f64, f64) {
    let p = lat.to_radians();
    let m_lat = 111_132.954 - 559.822 * (2.0 * p).cos() + 1.175 * (4.0 * p).cos();
    let m_lon = 111_412.84 * p.cos() - 93.5 * (3.0 * p).cos() + 0.118 * (5.0 * p).cos();
    (m_lat, m_lon)
}

/// Approximate ground distance in metres between two nearby WGS-84 positions
/// (local equirectangular; fine for the sub-kilometre distances used here).
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (m_lat, m_lon) = metres_per_degree(0.5 * (a.1 + b.1));
    ((a.0 - b.0) * m_lon).hypot((a.1 - b.1) * m_lat)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: (f64, f64), b: (f64, f64), tol: f64) -> bool {
        (a.0 - b.0).abs() <= tol && (a.1 - b.1).abs() <= tol
    }

    #[test]
    #[allow(clippy::excessive_precision)]
    fn constants_match_domain_reference() {
        assert_eq!(GCJ_A, 6378245.0);
        assert_eq!(GCJ_EE, 0.00669342162296594323);
        assert_eq!(BD_X_PI, std::f64::consts::PI * 3000.0 / 180.0);
        assert_eq!((BD_DLON, BD_DLAT), (0.0065, 0.006));
        assert_eq!((CHINA_LON_MIN, CHINA_LON_MAX), (72.004, 137.8347));
        assert_eq!((CHINA_LAT_MIN, CHINA_LAT_MAX), (0.8293, 55.8271));
    }

    // Published outputs of wandergis/coordtransform (test/app.js) for (116.404, 39.915).
    #[test]
    fn published_reference_values() {
        assert!(close(
            wgs84_to_gcj02(116.404, 39.915),
            (116.41024449916938, 39.91640428150164),
            1e-9
        ));
        assert!(close(
            gcj02_to_bd09(116.404, 39.915),
            (116.41036949371029, 39.92133699351021),
            1e-9
        ));
        // Their bd09togcj02 / gcj02towgs84 are one-step inverses; ours are exact inverses,
        // which differ from the one-step results by well under 1e-5 degrees (~1 m).
        assert!(close(
            bd09_to_gcj02(116.404, 39.915),
            (116.39762729119315, 39.90865673957631),
            1e-5
        ));
        assert!(close(
            gcj02_to_wgs84(116.404, 39.915),
            (116.39775550083061, 39.91359571849836),
            1e-5
        ));
    }

    #[test]
    fn tiananmen_pair() {
        let g = wgs84_to_gcj02(116.397428, 39.90923);
        assert!(close(g, (116.403672, 39.910629), 5e-6), "{g:?}");
        let w = gcj02_to_wgs84(116.403672, 39.910629);
        assert!(distance_m(w, (116.397428, 39.90923)) < 1.0, "{w:?}");
    }

    #[test]
    fn nanning_offset_is_about_500_m() {
        let w = (108.3, 22.8);
        let g = wgs84_to_gcj02(w.0, w.1);
        let d = distance_m(w, g);
        assert!((400.0..700.0).contains(&d), "offset {d} m");
        // BD-09 is a further ~1 km away.
        let b = wgs84_to_bd09(w.0, w.1);
        assert!(distance_m(g, b) > 500.0);
    }

    #[test]
    fn no_offset_outside_china() {
        for &(lon, lat) in &[
            (2.35, 48.85),
            (-74.0, 40.7),
            (139.7, 35.7),
            (105.0, 60.0),
            (72.0, 30.0),
        ] {
            assert_eq!(wgs84_to_gcj02(lon, lat), (lon, lat));
            assert_eq!(gcj02_to_wgs84(lon, lat), (lon, lat));
            assert!(!in_mainland_china_box(lon, lat));
        }
        assert!(in_mainland_china_box(108.3, 22.8));
        assert!(in_mainland_china_box(72.004, 0.8293));
        assert!(in_mainland_china_box(137.8347, 55.8271));
    }

    #[test]
    fn round_trips() {
        for &(lon, lat) in &[
            (108.3, 22.8),
            (116.397428, 39.90923),
            (121.47, 31.23),
            (87.6, 43.8),
        ] {
            let (g0, g1) = wgs84_to_gcj02(lon, lat);
            let w = gcj02_to_wgs84(g0, g1);
            assert!(distance_m(w, (lon, lat)) < 0.5);
            assert!(distance_m(w, (lon, lat)) < 1e-6);
            let b = wgs84_to_bd09(lon, lat);
            assert!(distance_m(bd09_to_wgs84(b.0, b.1), (lon, lat)) < 1e-6);
            let g = gcj02_to_bd09(lon, lat);
            assert!(distance_m(bd09_to_gcj02(g.0, g.1), (lon, lat)) < 1e-6);
        }
    }

    #[test]
    fn to_wgs84_dispatch() {
        let w = (108.32, 22.81);
        let g = wgs84_to_gcj02(w.0, w.1);
        let b = gcj02_to_bd09(g.0, g.1);
        assert_eq!(to_wgs84(Crs::Wgs84, w.0, w.1), w);
        assert!(distance_m(to_wgs84(Crs::Gcj02, g.0, g.1), w) < 1e-6);
        assert!(distance_m(to_wgs84(Crs::Bd09, b.0, b.1), w) < 1e-6);
        assert_eq!(from_wgs84(Crs::Bd09, w.0, w.1), b);
    }

    #[test]
    fn parse_crs() {
        assert_eq!("wgs84".parse::<Crs>(), Ok(Crs::Wgs84));
        assert_eq!("GCJ02".parse::<Crs>(), Ok(Crs::Gcj02));
        assert_eq!(" Bd09 ".parse::<Crs>(), Ok(Crs::Bd09));
        let e = "epsg:4326".parse::<Crs>().unwrap_err();
        assert_eq!(e, UnknownCrs("epsg:4326".into()));
        let msg = e.to_string();
        assert!(
            msg.contains("wgs84")
                && msg.contains("gcj02")
                && msg.contains("bd09")
                && msg.contains("epsg:4326")
        );
        for c in [Crs::Wgs84, Crs::Gcj02, Crs::Bd09] {
            assert_eq!(c.to_string().parse::<Crs>(), Ok(c));
            let j = serde_json::to_string(&c).unwrap();
            assert_eq!(j, format!("\"{}\"", c.as_str()));
            assert_eq!(serde_json::from_str::<Crs>(&j).unwrap(), c);
        }
    }

    #[test]
    fn lon_lat_checks() {
        assert!(check_lon_lat(108.3, 22.8).is_ok());
        assert!(check_lon_lat(-180.0, 90.0).is_ok());
        assert!(matches!(
            check_lon_lat(f64::NAN, 0.0),
            Err(CoordError::NotFinite { .. })
        ));
        assert!(matches!(
            check_lon_lat(0.0, f64::INFINITY),
            Err(CoordError::NotFinite { .. })
        ));
        let e = check_lon_lat(180.5, 0.0).unwrap_err();
        assert!(e.to_string().contains("180.5") && e.to_string().contains("longitude"));
        let e = check_lon_lat(22.8, 108.3).unwrap_err();
        assert!(matches!(e, CoordError::LatOutOfRange { .. }));
        assert!(e.to_string().contains("swapped"), "{e}");
    }

    mod prop {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn gcj_round_trip(lon in 73.0f64..135.0, lat in 3.0f64..53.0) {
                let g = wgs84_to_gcj02(lon, lat);
                let w = gcj02_to_wgs84(g.0, g.1);
                prop_assert!(distance_m(w, (lon, lat)) < 0.5);
                prop_assert!(distance_m(w, (lon, lat)) < 1e-4);
                let back = wgs84_to_gcj02(w.0, w.1);
                prop_assert!(distance_m(back, g) < 1e-4);
            }

            #[test]
            fn bd_round_trip(lon in 73.0f64..135.0, lat in 3.0f64..53.0) {
                let b = wgs84_to_bd09(lon, lat);
                let w = bd09_to_wgs84(b.0, b.1);
                prop_assert!(distance_m(w, (lon, lat)) < 0.5);
                prop_assert!(distance_m(w, (lon, lat)) < 1e-4);
                let g = gcj02_to_bd09(lon, lat);
                prop_assert!(distance_m(bd09_to_gcj02(g.0, g.1), (lon, lat)) < 1e-4);
            }

            #[test]
            fn offset_is_bounded(lon in 73.0f64..135.0, lat in 3.0f64..53.0) {
                let d = distance_m(wgs84_to_gcj02(lon, lat), (lon, lat));
                prop_assert!(d < 1_000.0, "GCJ-02 offset {} m", d);
            }
        }
    }
}
