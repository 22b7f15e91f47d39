//! Reading boundary files: the real Guangdong boundaries, and files that are
//! wrong in each of the ways the importer must explain.

use geo::{Area, Polygon};
use gongzhi_domain::Crs;
use gongzhi_geo::read::{ReadError, ReadOptions, read_features};
use gongzhi_testkit::shared_data;
use shapefile::dbase::{self, FieldValue, TableWriterBuilder};
use std::path::{Path, PathBuf};

fn gcj(repair: bool) -> ReadOptions {
    ReadOptions {
        crs: Crs::Gcj02,
        repair,
    }
}

fn write(dir: &Path, name: &str, body: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

/// The relative area change a repair note reports, in percent (0 for
/// "less than 0.0001%").
fn area_change(note: &str) -> Option<f64> {
    let (_, change) = note.rsplit_once("; repaired, area changed by ")?;
    match change {
        "less than 0.0001%" => Some(0.0),
        _ => change.strip_suffix('%')?.parse().ok(),
    }
}

#[test]
fn every_guangdong_city_reads_with_no_rejected_feature_and_no_degenerate_ring() {
    let Some(data) = shared_data() else { return };
    let (mut total, mut repaired, mut worst) = (0, 0, 0f64);
    for entry in std::fs::read_dir(data.join("boundaries/guangdong")).unwrap() {
        let path = entry.unwrap().path();
        let file = read_features(&path, gcj(true)).unwrap();
        assert!(
            file.rejected.is_empty(),
            "{}: {:?}",
            path.display(),
            file.rejected
        );
        let city = path.file_stem().unwrap().to_str().unwrap();
        for f in &file.features {
            let id = f.id.as_deref().unwrap();
            assert!(id.starts_with(city), "{city}: {id}");
            let whole = f.geometry.unsigned_area();
            let rings = f
                .geometry
                .iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()));
            for ring in rings {
                let area = Polygon::new(ring.clone(), vec![]).unsigned_area();
                assert!(
                    area > 1e-12 && area > 1e-9 * whole,
                    "{id}: a ring of {} vertices encloses {area:e} square degrees of {whole:e}",
                    ring.0.len()
                );
            }
        }
        for r in &file.repaired {
            let change = area_change(&r.reason)
                .unwrap_or_else(|| panic!("{city} feature {}: {}", r.number, r.reason));
            assert!(change < 1.0, "{city} feature {}: {}", r.number, r.reason);
            worst = worst.max(change);
        }
        total += file.features.len();
        repaired += file.repaired.len();
    }
    eprintln!("{total} features, {repaired} repaired, largest area change {worst}%");
    // 124 county-level divisions in Guangdong less 光明区, which has no polygon.
    assert_eq!(total, 123);
    // Quantised web-map boundaries self-intersect here and there (Foshan's
    // five districts among them); each repair is reported.
    assert_eq!(repaired, 81);
    assert!(worst > 0.0 && worst < 0.01, "{worst}%");
}

#[test]
fn bad_features_are_reported_by_number_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let body = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","id":"440507","properties":{"name":"ok"},"geometry":{"type":"Polygon","coordinates":[[[116.7,23.3],[116.8,23.3],[116.8,23.4],[116.7,23.3]]]}},
      {"type":"Feature","id":"440511","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}},
      {"type":"Feature","properties":{"name":"远方"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[200,0],[1,1],[0,0]]]}},
      {"type":"Feature","id":9,"properties":{},"geometry":{"type":"Point","coordinates":[1,1]}},
      {"type":"Feature","id":"x","properties":{},"geometry":{"type":"Polygon","coordinates":[]}},
      {"type":"Feature","id":"y","properties":{},"geometry":null},
      {"type":"Feature","id":"z","geometry":{"type":"Polygon","coordinates":"nope"}}
    ]}"#;
    let file = read_features(
        &write(dir.path(), "b.geojson", body.as_bytes()),
        ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(file.features.len(), 1);
    assert_eq!(file.features[0].id.as_deref(), Some("440507"));
    let got: Vec<(usize, Option<&str>, &str)> = file
        .rejected
        .iter()
        .map(|r| (r.number, r.label.as_deref(), r.reason.as_str()))
        .collect();
    assert_eq!(got.len(), 6, "{got:?}");
    assert!(
        got[0].0 == 2 && got[0].1 == Some("440511") && got[0].2.contains("self-intersection"),
        "{got:?}"
    );
    assert!(
        got[1].0 == 3 && got[1].1 == Some("远方") && got[1].2.contains("out of range"),
        "{got:?}"
    );
    assert!(
        got[2].1 == Some("9") && got[2].2.contains("Point"),
        "{got:?}"
    );
    assert!(got[3].2.contains("empty"), "{got:?}");
    assert!(got[4].2.contains("no geometry"), "{got:?}");
    assert!(got[5].2.contains("malformed geometry"), "{got:?}");
}

#[test]
fn unreadable_files_name_the_file_and_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 5] = [
        ("a.geojson", b"{not json", "not valid JSON"),
        ("b.geojson", br#"{"type":"Feature"}"#, "FeatureCollection"),
        (
            "c.geojson",
            br#"{"type":"FeatureCollection"}"#,
            "no \"features\" array",
        ),
        ("d.geojson", &[0x7b, 0xc9, 0xee, 0xdb, 0xda], "not UTF-8"),
        ("e.kml", b"<kml/>", "unknown file type"),
    ];
    for (name, body, why) in cases {
        let path = write(dir.path(), name, body);
        let err = read_features(&path, ReadOptions::default()).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, ReadError::Malformed { .. }), "{msg}");
        assert!(msg.contains(name) && msg.contains(why), "{name}: {msg}");
    }
    let missing =
        read_features(&dir.path().join("none.geojson"), ReadOptions::default()).unwrap_err();
    assert!(matches!(missing, ReadError::Io { .. }));
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let body = "\u{feff}{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"id\":\"440507\",\"properties\":{},\
        \"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[116.7,23.3],[116.8,23.3],[116.8,23.4],[116.7,23.3]]]}}]}";
    let file = read_features(
        &write(dir.path(), "bom.geojson", body.as_bytes()),
        ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(file.features.len(), 1, "{:?}", file.rejected);
}

/// Writes `grids.shp` (with .shx and .dbf) in `dir` holding one grid named
/// 第1网格, its attributes in the table's encoding.
fn write_grid_shapefile(dir: &Path, table: TableWriterBuilder) -> PathBuf {
    let path = dir.join("grids.shp");
    let table = table
        .add_character_field("code".try_into().unwrap(), 20)
        .add_character_field("name".try_into().unwrap(), 60);
    let mut writer = shapefile::Writer::from_path(&path, table).unwrap();
    let ring = vec![
        shapefile::Point::new(116.70, 23.30),
        shapefile::Point::new(116.70, 23.31),
        shapefile::Point::new(116.71, 23.31),
        shapefile::Point::new(116.71, 23.30),
        shapefile::Point::new(116.70, 23.30),
    ];
    let poly = shapefile::Polygon::new(shapefile::PolygonRing::Outer(ring));
    let mut record = dbase::Record::default();
    record.insert(
        "code".into(),
        FieldValue::Character(Some("440507001001001".into())),
    );
    record.insert("name".into(), FieldValue::Character(Some("第1网格".into())));
    writer.write_shape_and_record(&poly, &record).unwrap();
    path
}

#[test]
fn shapefiles_read_polygons_with_their_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_grid_shapefile(dir.path(), TableWriterBuilder::new());
    let file = read_features(&path, gcj(true)).unwrap();
    assert!(file.rejected.is_empty(), "{:?}", file.rejected);
    assert_eq!(file.features.len(), 1);
    let f = &file.features[0];
    assert_eq!(f.field("code").as_deref(), Some("440507001001001"));
    assert_eq!(f.field("name").as_deref(), Some("第1网格"));
    // Converted from GCJ-02: WGS-84 lies a few hundred metres south-west.
    let x = f.geometry.0[0].exterior().0[0].x;
    assert!(x < 116.70 && x > 116.69, "{x}");
}

#[test]
fn gbk_attributes_need_a_cpg_file_and_are_refused_garbled_without_one() {
    let dir = tempfile::tempdir().unwrap();
    let gbk = dbase::encoding::EncodingRs::from(dbase::encoding_rs::GBK);
    let path = write_grid_shapefile(dir.path(), TableWriterBuilder::with_encoding(gbk));
    // Many GBK tables say nothing of their code page (language driver 0).
    let dbf = path.with_extension("dbf");
    let mut bytes = std::fs::read(&dbf).unwrap();
    bytes[29] = 0;
    std::fs::write(&dbf, bytes).unwrap();

    let file = read_features(&path, gcj(false)).unwrap();
    assert!(file.features.is_empty());
    assert_eq!(file.rejected.len(), 1);
    let reason = &file.rejected[0].reason;
    assert!(
        reason.contains("\"name\"")
            && reason.contains("not valid UTF-8")
            && reason.contains("GBK")
            && reason.contains(".cpg"),
        "{reason}"
    );

    for label in ["GBK", "gb2312\n", "CP936", "\u{feff}GB18030"] {
        std::fs::write(path.with_extension("cpg"), label).unwrap();
        let file = read_features(&path, gcj(false)).unwrap();
        assert!(file.rejected.is_empty(), "{label}: {:?}", file.rejected);
        assert_eq!(
            file.features[0].field("name").as_deref(),
            Some("第1网格"),
            "{label}"
        );
    }

    // A .cpg that names the wrong encoding is named in the reason.
    std::fs::write(path.with_extension("cpg"), "UTF-8").unwrap();
    let file = read_features(&path, gcj(false)).unwrap();
    let reason = &file.rejected[0].reason;
    assert!(
        reason.contains("\"name\" is not valid UTF-8 text, the encoding the .cpg file names"),
        "{reason}"
    );
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    fn coordinate() -> impl Strategy<Value = String> {
        prop_oneof![
            (-400.0f64..400.0).prop_map(|v| v.to_string()),
            Just("1e308".to_owned()),
            Just("-1e400".to_owned()),
            Just("\"x\"".to_owned()),
            Just("null".to_owned()),
        ]
    }

    fn ring() -> impl Strategy<Value = String> {
        prop::collection::vec((coordinate(), coordinate()), 0..7).prop_map(|pts| {
            let pts: Vec<String> = pts.iter().map(|(x, y)| format!("[{x},{y}]")).collect();
            format!("[{}]", pts.join(","))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn arbitrary_geometry_is_read_or_refused(rings in prop::collection::vec(ring(), 0..3), kind in "(Polygon|MultiPolygon|Point|Nope)", repair: bool) {
            let dir = tempfile::tempdir().unwrap();
            let coordinates = if kind == "MultiPolygon" { format!("[[{}]]", rings.join(",")) } else { format!("[{}]", rings.join(",")) };
            let body = format!(r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","id":"440507","properties":{{}},"geometry":{{"type":"{kind}","coordinates":{coordinates}}}}}]}}"#);
            let path = write(dir.path(), "p.geojson", body.as_bytes());
            let opts = ReadOptions { crs: Crs::Gcj02, repair };
            if let Ok(file) = read_features(&path, opts) {
                prop_assert_eq!(file.features.len() + file.rejected.len(), 1);
            }
        }

        #[test]
        fn arbitrary_bytes_are_refused_not_panicked_on(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let dir = tempfile::tempdir().unwrap();
            let path = write(dir.path(), "r.geojson", &bytes);
            let _ = read_features(&path, ReadOptions::default());
        }
    }
}
