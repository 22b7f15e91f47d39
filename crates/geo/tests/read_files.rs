//! Reading boundary files: the real Guangdong boundaries, and files that are
//! wrong in each of the ways the importer must explain.

use gongzhi_domain::Crs;
use gongzhi_geo::read::{ReadError, ReadOptions, read_features};
use gongzhi_testkit::shared_data;
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

#[test]
fn every_guangdong_city_reads_with_no_rejected_feature() {
    let Some(data) = shared_data() else { return };
    let (mut total, mut repaired) = (0, 0);
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
            assert!(
                f.id.as_deref().unwrap().starts_with(city),
                "{city}: {:?}",
                f.id
            );
        }
        total += file.features.len();
        repaired += file.repaired.len();
    }
    // 124 county-level divisions in Guangdong less 光明区, which has no polygon.
    assert_eq!(total, 123);
    // Quantised web-map boundaries self-intersect here and there (Foshan's
    // five districts among them); each repair is reported.
    assert!(repaired >= 5, "{repaired} repaired");
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
fn shapefiles_read_polygons_with_their_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("grids.shp");
    let table = shapefile::dbase::TableWriterBuilder::new()
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
    let mut record = shapefile::dbase::Record::default();
    record.insert(
        "code".into(),
        shapefile::dbase::FieldValue::Character(Some("440507001001001".into())),
    );
    record.insert(
        "name".into(),
        shapefile::dbase::FieldValue::Character(Some("第1网格".into())),
    );
    writer.write_shape_and_record(&poly, &record).unwrap();
    drop(writer);
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
