//! Reading polygon features from the files cities have: GeoJSON
//! FeatureCollections and ESRI Shapefiles.
//!
//! A file that cannot be read at all is a [`ReadError`]. A file that reads
//! yields its good features and, separately, every feature it refused with
//! the reason, so that the importer can refuse the whole file or, when asked,
//! apply the rest and list what it skipped. Geometry comes out in WGS-84.

use crate::validate::{self, PolygonError};
use crate::{convert, repair};
use geo::MultiPolygon;
use gongzhi_domain::Crs;
use serde_json::{Map, Value};
use shapefile::dbase;
use std::path::{Path, PathBuf};

/// A polygon feature read from a file, in WGS-84.
#[derive(Debug, Clone)]
pub struct Feature {
    /// Position in the file, counting from 1.
    pub number: usize,
    /// The GeoJSON feature `id`, as text, when present.
    pub id: Option<String>,
    /// Attributes: GeoJSON properties or the Shapefile's DBF record.
    pub properties: Map<String, Value>,
    /// The polygon(s), converted to WGS-84.
    pub geometry: MultiPolygon<f64>,
}

impl Feature {
    /// An attribute as text: strings as they are, integers without a
    /// fraction; `None` when absent, null or blank.
    pub fn field(&self, name: &str) -> Option<String> {
        value_text(self.properties.get(name)?)
    }

    /// The feature's `id` when `field` is `None`, else the named attribute.
    pub fn code_from(&self, field: Option<&str>) -> Option<String> {
        match field {
            None => self.id.clone(),
            Some(f) => self.field(f),
        }
    }
}

/// What the reader has to say about one feature: why it refused it, or
/// what it repaired.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureNote {
    /// Position in the file, counting from 1.
    pub number: usize,
    /// Its `id` or, failing that, its `name` attribute, to help find it.
    pub label: Option<String>,
    /// Why it was refused; or, for a repair, what was wrong and by how much
    /// the repair changed the area ("…; repaired, area changed by 0.0012%").
    pub reason: String,
}

/// Everything read from one file.
#[derive(Debug, Clone)]
pub struct FeatureFile {
    /// The file.
    pub path: PathBuf,
    /// Features that passed every check.
    pub features: Vec<Feature>,
    /// Features that did not, with the reason.
    pub rejected: Vec<FeatureNote>,
    /// Features that were invalid and were repaired (with [`ReadOptions::repair`]).
    pub repaired: Vec<FeatureNote>,
}

/// How to read a file.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// The coordinate system of the file.
    pub crs: Crs,
    /// Repair invalid polygons (self-intersecting rings, as quantised web-map
    /// boundaries often have, and rings enclosing next to nothing) instead of
    /// refusing them; each repair is noted with its change of area, and one
    /// that would change the area by more than 1% is refused all the same.
    pub repair: bool,
}

/// A file that could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("{file}: cannot read the file: {reason}")]
    Io {
        /// The file.
        file: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// The file is not what its name says.
    #[error("{file}: {reason}")]
    Malformed {
        /// The file.
        file: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// Reads polygon features from a GeoJSON (`.geojson`, `.json`, UTF-8 with or
/// without a byte-order mark) or Shapefile (`.shp`, with its `.shx` and
/// `.dbf` beside it, and a `.cpg` naming the attributes' encoding when they
/// are not UTF-8).
pub fn read_features(path: &Path, opts: ReadOptions) -> Result<FeatureFile, ReadError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("geojson" | "json") => read_geojson(path, opts),
        Some("shp") => read_shapefile(path, opts),
        _ => Err(ReadError::Malformed {
            file: path.to_owned(),
            reason: "unknown file type: expected .geojson, .json or .shp".into(),
        }),
    }
}

fn read_geojson(path: &Path, opts: ReadOptions) -> Result<FeatureFile, ReadError> {
    let malformed = |reason: String| ReadError::Malformed {
        file: path.to_owned(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| ReadError::Io {
        file: path.to_owned(),
        reason: e.to_string(),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        malformed(format!(
            "not UTF-8 text (byte {}); GeoJSON must be UTF-8 — convert it, e.g. with iconv -f GBK -t UTF-8",
            e.utf8_error().valid_up_to()
        ))
    })?;
    // Windows tools often write a byte-order mark, which JSON does not allow.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let root: Value =
        serde_json::from_str(text).map_err(|e| malformed(format!("not valid JSON: {e}")))?;
    if root.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(malformed(
            "not a GeoJSON FeatureCollection (its \"type\" must be \"FeatureCollection\")".into(),
        ));
    }
    let Some(items) = root.get("features").and_then(Value::as_array) else {
        return Err(malformed(
            "the FeatureCollection has no \"features\" array".into(),
        ));
    };
    let mut out = FeatureFile {
        path: path.to_owned(),
        features: Vec::new(),
        rejected: Vec::new(),
        repaired: Vec::new(),
    };
    for (i, item) in items.iter().enumerate() {
        let number = i + 1;
        let id = item.get("id").and_then(value_text);
        let properties = match item.get("properties") {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        let label = id
            .clone()
            .or_else(|| properties.get("name").and_then(value_text));
        out.add(number, id, label, properties, geojson_geometry(item), opts);
    }
    Ok(out)
}

/// The polygon geometry of one GeoJSON feature, or why it has none.
fn geojson_geometry(item: &Value) -> Result<MultiPolygon<f64>, String> {
    if item.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err("not a GeoJSON Feature".into());
    }
    let geometry = match item.get("geometry") {
        None | Some(Value::Null) => return Err("the feature has no geometry".into()),
        Some(g) => g,
    };
    let geometry: geojson::Geometry =
        serde_json::from_value(geometry.clone()).map_err(|e| format!("malformed geometry: {e}"))?;
    polygonal(
        geo::Geometry::<f64>::try_from(geometry).map_err(|e| format!("malformed geometry: {e}"))?,
    )
}

fn polygonal(g: geo::Geometry<f64>) -> Result<MultiPolygon<f64>, String> {
    match g {
        geo::Geometry::Polygon(p) => Ok(MultiPolygon(vec![p])),
        geo::Geometry::MultiPolygon(mp) => Ok(mp),
        other => Err(format!(
            "the geometry is a {}, expected a Polygon or MultiPolygon",
            geometry_name(&other)
        )),
    }
}

fn geometry_name(g: &geo::Geometry<f64>) -> &'static str {
    match g {
        geo::Geometry::Point(_) => "Point",
        geo::Geometry::Line(_) | geo::Geometry::LineString(_) => "LineString",
        geo::Geometry::MultiPoint(_) => "MultiPoint",
        geo::Geometry::MultiLineString(_) => "MultiLineString",
        geo::Geometry::GeometryCollection(_) => "GeometryCollection",
        geo::Geometry::Rect(_) => "Rect",
        geo::Geometry::Triangle(_) => "Triangle",
        geo::Geometry::Polygon(_) => "Polygon",
        geo::Geometry::MultiPolygon(_) => "MultiPolygon",
    }
}

impl FeatureFile {
    /// Checks, converts and files one feature under `features`, `repaired`
    /// or `rejected`.
    fn add(
        &mut self,
        number: usize,
        id: Option<String>,
        label: Option<String>,
        properties: Map<String, Value>,
        geometry: Result<MultiPolygon<f64>, String>,
        opts: ReadOptions,
    ) {
        let note = |reason: String| FeatureNote {
            number,
            label: label.clone(),
            reason,
        };
        let converted = geometry.and_then(|g| {
            // Range is checked in the file's own coordinates.
            validate::check_range(&g).map_err(|e| e.to_string())?;
            Ok(convert::to_wgs84(&g, opts.crs))
        });
        match converted {
            Err(reason) => self.rejected.push(note(reason)),
            Ok(geometry) => {
                let geometry = match validate::check(&geometry) {
                    Ok(()) => geometry,
                    Err(PolygonError::Invalid(why)) if opts.repair => {
                        match repair::repair(&geometry, &why) {
                            Ok((fixed, what)) => {
                                self.repaired.push(note(what));
                                fixed
                            }
                            Err(reason) => return self.rejected.push(note(reason)),
                        }
                    }
                    Err(PolygonError::Invalid(why)) => {
                        return self.rejected.push(note(format!(
                            "the polygon is invalid: {why} (use --repair to repair it)"
                        )));
                    }
                    Err(e) => return self.rejected.push(note(e.to_string())),
                };
                self.features.push(Feature {
                    number,
                    id,
                    properties,
                    geometry,
                });
            }
        }
    }
}

fn read_shapefile(path: &Path, opts: ReadOptions) -> Result<FeatureFile, ReadError> {
    let failed = |e: shapefile::Error| ReadError::Malformed {
        file: path.to_owned(),
        reason: format!("cannot read the Shapefile (with its .shx and .dbf): {e}"),
    };
    let shapes = shapefile::ShapeReader::from_path(path).map_err(failed)?;
    let dbf = std::fs::File::open(path.with_extension("dbf")).map_err(|e| {
        failed(match e.kind() {
            std::io::ErrorKind::NotFound => shapefile::Error::MissingDbf,
            _ => e.into(),
        })
    })?;
    let cpg = cpg_encoding(path);
    let table = match &cpg {
        Some((_, encoding)) => dbase::ReaderBuilder::new().with_encoding(encoding.clone()),
        None => dbase::ReaderBuilder::new(),
    }
    .build(std::io::BufReader::new(dbf))
    .map_err(|e| failed(e.into()))?;
    let mut reader = shapefile::Reader::new(shapes, table);
    let mut out = FeatureFile {
        path: path.to_owned(),
        features: Vec::new(),
        rejected: Vec::new(),
        repaired: Vec::new(),
    };
    for (i, item) in reader.iter_shapes_and_records().enumerate() {
        let number = i + 1;
        let (shape, record) = item.map_err(failed)?;
        let properties: Map<String, Value> = record
            .into_iter()
            .map(|(name, value)| (name, dbf_value(value)))
            .collect();
        // Text that did not decode holds U+FFFD; stored, it would be garbled for good.
        let garbled = properties
            .iter()
            .find(|(_, v)| v.as_str().is_some_and(|s| s.contains('\u{fffd}')));
        if let Some((field, _)) = garbled {
            let reason = match &cpg {
                Some((label, _)) => format!(
                    "the attribute {field:?} is not valid {label} text, the encoding the .cpg file names"
                ),
                None => format!(
                    "the attribute {field:?} is not valid UTF-8 text: the .dbf is perhaps in GBK without a .cpg file naming it; \
                     add a .cpg file beside the .shp containing GBK, or convert the attributes to UTF-8"
                ),
            };
            out.rejected.push(FeatureNote {
                number,
                label: None,
                reason,
            });
            continue;
        }
        let label = properties.get("name").and_then(value_text);
        let geometry = match shape {
            shapefile::Shape::Polygon(p) => MultiPolygon::try_from(p).map_err(shape_error),
            shapefile::Shape::PolygonM(p) => MultiPolygon::try_from(p).map_err(shape_error),
            shapefile::Shape::PolygonZ(p) => MultiPolygon::try_from(p).map_err(shape_error),
            other => Err(format!(
                "the shape is a {}, expected a Polygon",
                other.shapetype()
            )),
        };
        out.add(number, None, label, properties, geometry, opts);
    }
    Ok(out)
}

/// The encoding named by the `.cpg` file beside a Shapefile, with the name
/// as written, when there is one and it is known. The Chinese names GDAL and
/// ArcGIS write (GBK, GB2312, CP936, 936, GB18030) are read here; the others
/// as the dbase crate knows them.
fn cpg_encoding(shp: &Path) -> Option<(String, dbase::encoding::DynEncoding)> {
    use dbase::encoding::{DynEncoding, EncodingRs};
    let text = std::fs::read_to_string(shp.with_extension("cpg")).ok()?;
    let label = text.trim().trim_start_matches('\u{feff}').trim();
    let encoding = match label.to_ascii_uppercase().as_str() {
        "GBK" | "GB2312" | "CP936" | "936" => {
            DynEncoding::from(EncodingRs::from(dbase::encoding_rs::GBK))
        }
        "GB18030" => DynEncoding::from(EncodingRs::from(dbase::encoding_rs::GB18030)),
        _ => DynEncoding::from_name(label)?,
    };
    Some((label.to_owned(), encoding))
}

fn shape_error(e: impl std::fmt::Display) -> String {
    format!("malformed polygon: {e}")
}

fn dbf_value(v: shapefile::dbase::FieldValue) -> Value {
    use shapefile::dbase::FieldValue as F;
    match v {
        F::Character(Some(s)) | F::Memo(s) => Value::String(s.trim().to_owned()),
        F::Numeric(Some(n)) | F::Double(n) | F::Currency(n) => number(n),
        F::Float(Some(n)) => number(f64::from(n)),
        F::Integer(n) => Value::from(n),
        F::Logical(Some(b)) => Value::Bool(b),
        other => Value::String(format!("{other}")),
    }
}

fn number(n: f64) -> Value {
    serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
}

/// Text of an attribute: strings trimmed, integral numbers without a
/// fraction (so a code stored as a number reads as its digits).
fn value_text(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => match (n.as_u64(), n.as_f64()) {
            (Some(u), _) => u.to_string(),
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 1e18 => format!("{f:.0}"),
            _ => n.to_string(),
        },
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}
