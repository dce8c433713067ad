//! GeoJSON (RFC 7946) import and export of grid layers.
//!
//! Hand-written on top of `serde_json` (see docs/adr/0002-grid-index.md): we only need
//! FeatureCollections of Polygons. Input is read leniently where the meaning is clear
//! (ring orientation is not enforced, a `MultiPolygon` holding exactly one polygon is
//! accepted, a third coordinate is ignored) and strictly where it is not.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::crs::check_lon_lat;
use crate::polygon::{Polygon, Ring, ring_is_closed, ring_signed_area};

/// One usable grid feature.
#[derive(Clone, Debug, PartialEq)]
pub struct GridFeature {
    /// Position of the feature in the collection (0-based).
    pub index: usize,
    /// The grid code (property `code`, or `grid_code`), if present.
    pub code: Option<String>,
    /// All properties of the feature, as given.
    pub properties: Map<String, Value>,
    /// The geometry.
    pub polygon: Polygon,
}

/// One feature that cannot be used, and why. Every bad feature is reported.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FeatureProblem {
    /// Position of the feature in the collection (0-based).
    pub index: usize,
    /// The grid code, if the feature has one.
    pub code: Option<String>,
    /// What is wrong (Chinese, then English), all issues of the feature separated by "; ".
    pub reason: String,
}

/// The document as a whole cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum GeoJsonError {
    /// Not JSON at all.
    #[error(
        "不是合法的 JSON（第 {line} 行第 {column} 列）：{message} / not valid JSON at line {line}, column {column}: {message}"
    )]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The top level is not a JSON object.
    #[error("顶层不是 JSON 对象 / the top level is not a JSON object (found {found})")]
    NotAnObject {
        /// What was found instead.
        found: &'static str,
    },
    /// The object is not a FeatureCollection.
    #[error(
        "不是 FeatureCollection（type 为 {found}）/ not a GeoJSON FeatureCollection (type is {found})"
    )]
    NotFeatureCollection {
        /// The `type` member as found.
        found: String,
    },
    /// `features` missing or not an array.
    #[error(
        "FeatureCollection 缺少 features 数组 / the FeatureCollection has no \"features\" array"
    )]
    NoFeatures,
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn code_of(props: &Map<String, Value>) -> Option<String> {
    for key in ["code", "grid_code"] {
        match props.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => return Some(s.trim().to_string()),
            Some(Value::Number(n)) if n.is_u64() || n.is_i64() => return Some(n.to_string()),
            _ => {}
        }
    }
    None
}

/// (Chinese, English) name of ring `k` (0 = exterior).
fn ring_label(k: usize) -> (String, String) {
    if k == 0 {
        ("外环".to_string(), "exterior ring".to_string())
    } else {
        (format!("第 {k} 个内环"), format!("hole {k}"))
    }
}

/// Parses one ring; pushes problems and returns the ring if usable.
fn parse_ring(v: &Value, k: usize, issues: &mut Vec<String>) -> Option<Ring> {
    let (zh, en) = ring_label(k);
    let Value::Array(positions) = v else {
        issues.push(format!(
            "{zh} 不是坐标数组 / {en} is not an array of positions"
        ));
        return None;
    };
    let mut ring = Vec::with_capacity(positions.len());
    for (i, p) in positions.iter().enumerate() {
        let xy = match p {
            Value::Array(a) if a.len() >= 2 => match (a[0].as_f64(), a[1].as_f64()) {
                (Some(x), Some(y)) if a[2..].iter().all(Value::is_number) => Some([x, y]),
                _ => None,
            },
            _ => None,
        };
        let Some([x, y]) = xy else {
            issues.push(format!(
                "{zh} 第 {i} 个坐标不是 [经度, 纬度] 数值 / {en}, position {i} is not a [lon, lat] pair of numbers: {}",
                truncate(&p.to_string(), 60)
            ));
            return None;
        };
        if let Err(e) = check_lon_lat(x, y) {
            issues.push(format!("{zh} 第 {i} 个坐标 / {en}, position {i}: {e}"));
            return None;
        }
        ring.push([x, y]);
    }
    let mut ok = true;
    if ring.len() < 4 {
        issues.push(format!(
            "{zh} 只有 {} 个坐标，至少需要 4 个 / {en} has {} positions, at least 4 are required",
            ring.len(),
            ring.len()
        ));
        ok = false;
    }
    if !ring.is_empty() && !ring_is_closed(&ring) {
        let (f, l) = (ring[0], ring[ring.len() - 1]);
        issues.push(format!(
            "{zh} 未闭合（首点 [{}, {}] ≠ 末点 [{}, {}]）/ {en} is not closed (first position [{}, {}] ≠ last [{}, {}])",
            f[0], f[1], l[0], l[1], f[0], f[1], l[0], l[1]
        ));
        ok = false;
    }
    ok.then_some(ring)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n).collect::<String>() + "…"
    }
}

/// Parses polygon coordinates (`[[ring], [hole], ...]`).
fn parse_polygon_coords(v: Option<&Value>, issues: &mut Vec<String>) -> Option<Polygon> {
    let Some(Value::Array(rings)) = v else {
        issues.push(
            "几何缺少 coordinates 数组 / the geometry has no \"coordinates\" array".to_string(),
        );
        return None;
    };
    if rings.is_empty() {
        issues.push("多边形没有任何环 / the polygon has no rings".to_string());
        return None;
    }
    let before = issues.len();
    let parsed: Vec<Option<Ring>> = rings
        .iter()
        .enumerate()
        .map(|(k, r)| parse_ring(r, k, issues))
        .collect();
    if issues.len() > before {
        return None;
    }
    let mut it = parsed.into_iter().flatten();
    let exterior = it.next()?;
    Some(Polygon {
        exterior,
        holes: it.collect(),
    })
}

fn parse_feature(
    f: &Value,
    issues: &mut Vec<String>,
) -> (Option<String>, Map<String, Value>, Option<Polygon>) {
    let Value::Object(obj) = f else {
        issues.push(format!(
            "不是 Feature 对象 / not a Feature object (found {})",
            json_kind(f)
        ));
        return (None, Map::new(), None);
    };
    let properties = match obj.get("properties") {
        Some(Value::Object(m)) => m.clone(),
        None | Some(Value::Null) => Map::new(),
        Some(other) => {
            issues.push(format!(
                "properties 不是对象 / \"properties\" is not an object (found {})",
                json_kind(other)
            ));
            Map::new()
        }
    };
    let code = code_of(&properties);
    match obj.get("type") {
        Some(Value::String(t)) if t == "Feature" => {}
        Some(Value::String(t)) => issues.push(format!(
            "type 为 {t:?}，应为 \"Feature\" / type is {t:?}, expected \"Feature\""
        )),
        _ => issues.push("缺少 type: \"Feature\" / missing \"type\": \"Feature\"".to_string()),
    }
    let geometry = match obj.get("geometry") {
        None | Some(Value::Null) => {
            issues.push(
                "没有几何（geometry 为空）/ no geometry (geometry is null or missing)".to_string(),
            );
            return (code, properties, None);
        }
        Some(Value::Object(g)) => g,
        Some(other) => {
            issues.push(format!(
                "geometry 不是对象 / \"geometry\" is not an object (found {})",
                json_kind(other)
            ));
            return (code, properties, None);
        }
    };
    let polygon = match geometry.get("type").and_then(Value::as_str) {
        Some("Polygon") => parse_polygon_coords(geometry.get("coordinates"), issues),
        Some("MultiPolygon") => match geometry.get("coordinates") {
            Some(Value::Array(polys)) if polys.len() == 1 => {
                parse_polygon_coords(polys.first(), issues)
            }
            Some(Value::Array(polys)) => {
                issues.push(format!(
                    "MultiPolygon 含 {} 个多边形，每个网格只能是一个多边形 / MultiPolygon with {} polygons; a grid must be a single polygon",
                    polys.len(),
                    polys.len()
                ));
                None
            }
            _ => {
                issues.push(
                    "几何缺少 coordinates 数组 / the geometry has no \"coordinates\" array"
                        .to_string(),
                );
                None
            }
        },
        Some(t) => {
            issues.push(format!(
                "几何类型为 {t}，应为 Polygon 或单个多边形的 MultiPolygon / geometry type is {t}, expected Polygon (or a MultiPolygon with one polygon)"
            ));
            None
        }
        None => {
            issues.push("几何缺少 type / the geometry has no \"type\"".to_string());
            None
        }
    };
    (code, properties, polygon)
}

/// Parses a FeatureCollection of grid polygons.
///
/// `Err` when the document as a whole is unusable; otherwise the usable features and one
/// [`FeatureProblem`] per unusable feature (every one of them, not just the first).
pub fn parse_feature_collection(
    text: &str,
) -> Result<(Vec<GridFeature>, Vec<FeatureProblem>), GeoJsonError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| GeoJsonError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let Value::Object(obj) = &doc else {
        return Err(GeoJsonError::NotAnObject {
            found: json_kind(&doc),
        });
    };
    match obj.get("type") {
        Some(Value::String(t)) if t == "FeatureCollection" => {}
        Some(Value::String(t)) => {
            return Err(GeoJsonError::NotFeatureCollection {
                found: format!("{t:?}"),
            });
        }
        Some(v) => {
            return Err(GeoJsonError::NotFeatureCollection {
                found: json_kind(v).to_string(),
            });
        }
        None => {
            return Err(GeoJsonError::NotFeatureCollection {
                found: "missing".to_string(),
            });
        }
    }
    let Some(Value::Array(features)) = obj.get("features") else {
        return Err(GeoJsonError::NoFeatures);
    };
    let mut good = Vec::with_capacity(features.len());
    let mut bad = Vec::new();
    for (index, f) in features.iter().enumerate() {
        let mut issues = Vec::new();
        let (code, properties, polygon) = parse_feature(f, &mut issues);
        match polygon {
            Some(polygon) if issues.is_empty() => good.push(GridFeature {
                index,
                code,
                properties,
                polygon,
            }),
            _ => bad.push(FeatureProblem {
                index,
                code,
                reason: issues.join("; "),
            }),
        }
    }
    Ok((good, bad))
}

fn oriented_ring(r: &[[f64; 2]], ccw: bool) -> Vec<Value> {
    let mut v: Vec<[f64; 2]> = r.to_vec();
    if !v.is_empty() && !ring_is_closed(&v) {
        v.push(v[0]);
    }
    if (ring_signed_area(&v) > 0.0) != ccw {
        v.reverse();
    }
    v.into_iter()
        .map(|[x, y]| Value::Array(vec![num(x), num(y)]))
        .collect()
}

fn num(x: f64) -> Value {
    serde_json::Number::from_f64(x)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// Writes a FeatureCollection: one Feature per `(properties, polygon)`, rings closed, the
/// exterior counter-clockwise and holes clockwise (RFC 7946 §3.1.6). Coordinates are
/// written in shortest round-trip form, so parsing the output gives the same doubles.
pub fn write_feature_collection(features: &[(Map<String, Value>, &Polygon)]) -> String {
    let feats: Vec<Value> = features
        .iter()
        .map(|(props, poly)| {
            let mut rings = vec![Value::Array(oriented_ring(&poly.exterior, true))];
            rings.extend(
                poly.holes
                    .iter()
                    .map(|h| Value::Array(oriented_ring(h, false))),
            );
            let mut geometry = Map::new();
            geometry.insert("type".into(), Value::String("Polygon".into()));
            geometry.insert("coordinates".into(), Value::Array(rings));
            let mut f = Map::new();
            f.insert("type".into(), Value::String("Feature".into()));
            f.insert("properties".into(), Value::Object(props.clone()));
            f.insert("geometry".into(), Value::Object(geometry));
            Value::Object(f)
        })
        .collect();
    let mut fc = Map::new();
    fc.insert("type".into(), Value::String("FeatureCollection".into()));
    fc.insert("features".into(), Value::Array(feats));
    Value::Object(fc).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fc(features: Vec<Value>) -> String {
        json!({"type": "FeatureCollection", "features": features}).to_string()
    }

    fn square_feature(code: &str, x: f64) -> Value {
        json!({"type": "Feature", "properties": {"code": code, "name": "网格"},
               "geometry": {"type": "Polygon", "coordinates": [[[x, 22.0], [x + 0.01, 22.0], [x + 0.01, 22.01], [x, 22.01], [x, 22.0]]]}})
    }

    #[test]
    fn parses_good_features() {
        let text = fc(vec![
            square_feature("450103001001001", 108.0),
            square_feature("450103001001002", 108.01),
        ]);
        let (good, bad) = parse_feature_collection(&text).unwrap();
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(good.len(), 2);
        assert_eq!(good[1].index, 1);
        assert_eq!(good[0].code.as_deref(), Some("450103001001001"));
        assert_eq!(good[0].properties["name"], "网格");
        assert_eq!(good[0].polygon.exterior.len(), 5);
    }

    #[test]
    fn grid_code_property_and_single_multipolygon() {
        let text = fc(vec![
            json!({"type": "Feature", "properties": {"grid_code": "450103001001003"},
            "geometry": {"type": "MultiPolygon", "coordinates": [[[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]]}}),
        ]);
        let (good, bad) = parse_feature_collection(&text).unwrap();
        assert!(bad.is_empty());
        assert_eq!(good[0].code.as_deref(), Some("450103001001003"));
    }

    #[test]
    fn bad_json_reports_position() {
        let text = "{\n  \"type\": \"FeatureCollection\",\n  \"features\": [ ,\n]}";
        match parse_feature_collection(text) {
            Err(GeoJsonError::Json { line, column, .. }) => {
                assert_eq!(line, 3);
                assert!(column > 10, "column {column}");
            }
            other => panic!("{other:?}"),
        }
        let msg = parse_feature_collection("[1,").unwrap_err().to_string();
        assert!(msg.contains("line 1"), "{msg}");
    }

    #[test]
    fn document_level_errors() {
        assert!(matches!(
            parse_feature_collection("[]"),
            Err(GeoJsonError::NotAnObject { .. })
        ));
        assert!(matches!(
            parse_feature_collection(r#"{"type":"Feature"}"#),
            Err(GeoJsonError::NotFeatureCollection { .. })
        ));
        assert!(matches!(
            parse_feature_collection(r#"{"type":"FeatureCollection"}"#),
            Err(GeoJsonError::NoFeatures)
        ));
    }

    #[test]
    fn every_bad_feature_is_reported() {
        let text = fc(vec![
            square_feature("A", 108.0),
            json!({"type": "Feature", "properties": {"code": "B"}, "geometry": null}),
            json!({"type": "Feature", "properties": {"code": "C"}, "geometry": {"type": "Point", "coordinates": [108.0, 22.0]}}),
            json!({"type": "Feature", "properties": {"code": "D"}, "geometry": {"type": "Polygon", "coordinates": [[[108.0, 22.0], ["x", 22.0], [108.0, 22.1], [108.0, 22.0]]]}}),
            json!({"type": "Feature", "properties": {"code": "E"}, "geometry": {"type": "Polygon", "coordinates": [[[108.0, 22.0], [108.1, 22.0], [108.1, 22.1], [108.0, 22.1]]]}}),
            json!({"type": "Feature", "properties": {"code": "F"}, "geometry": {"type": "Polygon", "coordinates": [[[108.0, 22.0], [108.1, 22.0], [108.0, 22.0]]]}}),
            json!({"type": "Feature", "properties": {"code": "G"}, "geometry": {"type": "Polygon", "coordinates": [[[22.0, 108.0], [22.1, 108.0], [22.1, 108.1], [22.0, 108.0]]]}}),
            json!({"type": "Feature", "properties": {"code": "H"}, "geometry": {"type": "MultiPolygon", "coordinates": [[], []]}}),
            json!(42),
            square_feature("J", 108.02),
        ]);
        let (good, bad) = parse_feature_collection(&text).unwrap();
        assert_eq!(good.iter().map(|g| g.index).collect::<Vec<_>>(), vec![0, 9]);
        assert_eq!(
            bad.iter().map(|b| b.index).collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5, 6, 7, 8]
        );
        let reason = |i: usize| bad.iter().find(|b| b.index == i).unwrap().reason.clone();
        assert!(reason(1).contains("no geometry"));
        assert!(reason(2).contains("Point"));
        assert!(reason(3).contains("position 1"));
        assert!(reason(4).contains("not closed"));
        assert!(reason(5).contains("at least 4"));
        assert!(reason(6).contains("latitude 108"), "{}", reason(6));
        assert!(reason(7).contains("2 polygons"));
        assert!(reason(8).contains("not a Feature"));
        assert_eq!(bad[0].code.as_deref(), Some("B"));
    }

    #[test]
    fn write_then_parse_round_trip() {
        // Clockwise exterior, counter-clockwise hole, unclosed hole: all normalised.
        let poly = Polygon {
            exterior: vec![
                [108.0, 22.0],
                [108.0, 22.1],
                [108.1, 22.1],
                [108.1, 22.0],
                [108.0, 22.0],
            ],
            holes: vec![vec![
                [108.02, 22.02],
                [108.05, 22.02],
                [108.05, 22.05],
                [108.02, 22.05],
            ]],
        };
        let other = Polygon::rect(108.123_456_789_012_3, 22.1, 108.2, 22.2);
        let mut props = Map::new();
        props.insert("code".into(), json!("450103001001001"));
        let text = write_feature_collection(&[(props.clone(), &poly), (Map::new(), &other)]);
        let (good, bad) = parse_feature_collection(&text).unwrap();
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(good.len(), 2);
        assert_eq!(good[0].properties, props);
        let p = &good[0].polygon;
        assert!(ring_signed_area(&p.exterior) > 0.0, "exterior must be CCW");
        assert!(ring_signed_area(&p.holes[0]) < 0.0, "holes must be CW");
        assert!(ring_is_closed(&p.holes[0]));
        assert_eq!(p.area_deg2(), poly.area_deg2());
        assert_eq!(good[1].polygon, other, "coordinates must survive exactly");
        // Writing the parsed result again is byte-identical.
        let again = write_feature_collection(&[
            (good[0].properties.clone(), &good[0].polygon),
            (Map::new(), &good[1].polygon),
        ]);
        assert_eq!(again, text);
    }
}
