//! The `gongzhi` command line: imports that refuse bad input without
//! writing anything, exports, configuration, and the demo run twice.

mod common;

use common::{
    gongzhi, import_divisions, load_synthetic_city, ok, shared_data, sqlite_url, synthetic_city,
    text,
};
use gongzhi_domain::audit::{AuditKind, AuditRecord};
use gongzhi_store::{AccountStore, AuditStore, Store};
use gongzhi_store_sqlite::SqliteStore;
use std::path::Path;

async fn region_count(db: &str) -> u64 {
    let store = SqliteStore::connect(db, gongzhi_testkit::keyring())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    store
        .count_by_level(None)
        .await
        .unwrap()
        .iter()
        .map(|c| c.regions)
        .sum()
}

/// Runs a command expected to be refused: exit code 3 and a message.
fn refused(db: &str, args: &[&str]) -> String {
    expect_refused(gongzhi(db, args))
}

/// Checks that a run was refused (exit code 3) and returns its message.
fn expect_refused(out: std::process::Output) -> String {
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stdout}\n{stderr}");
    stderr
}

fn write(dir: &Path, name: &str, body: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p.to_str().unwrap().to_owned()
}

/// Appends rows to a CSV file.
fn append(file: &Path, rows: &str) {
    let mut body = std::fs::read_to_string(file).unwrap();
    body.push_str(rows);
    std::fs::write(file, body).unwrap();
}

#[tokio::test]
async fn a_division_file_with_a_bad_row_changes_nothing_unless_skipping() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let (divisions, _) = synthetic_city(dir.path());
    append(
        &divisions.join("villages-44.csv"),
        "440508001001,错位社区居民委员会,440507001,44,4405,440507\n",
    );
    let args = [
        "import",
        "divisions",
        "--dir",
        divisions.to_str().unwrap(),
        "--under",
        "4405",
    ];
    let err = refused(&db, &args);
    assert!(
        err.contains("villages-44.csv: row 7, field streetCode"),
        "{err}"
    );
    assert!(
        err.contains("440508001001") && err.contains("nothing was written"),
        "{err}"
    );
    assert_eq!(region_count(&db).await, 0);

    let mut skipping = args.to_vec();
    skipping.push("--skip-invalid");
    let out = ok(gongzhi(&db, &skipping));
    assert!(out.contains("skipped 1") && out.contains("row 7"), "{out}");
    assert_eq!(region_count(&db).await, 10);
    // Running it again duplicates nothing.
    let again = ok(gongzhi(&db, &skipping));
    assert!(again.contains("0 new, 0 renamed, 10 unchanged"), "{again}");
    assert_eq!(region_count(&db).await, 10);
}

#[tokio::test]
async fn a_gbk_division_file_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let (divisions, _) = synthetic_city(dir.path());
    let mut gbk = b"code,name,provinceCode\n4405,".to_vec();
    gbk.extend_from_slice(&[0xc9, 0xc7, 0xcd, 0xb7, 0xca, 0xd0]);
    gbk.extend_from_slice(b",44\n");
    std::fs::write(divisions.join("cities.csv"), gbk).unwrap();
    let err = expect_refused(import_divisions(&db, &divisions, "4405"));
    let missing = expect_refused(import_divisions(&db, &dir.path().join("nope"), "4405"));
    assert!(
        missing.contains("nope: folder: no such folder"),
        "{missing}"
    );
    assert!(
        err.contains("cities.csv: line 2") && err.contains("not UTF-8"),
        "{err}"
    );
    assert_eq!(region_count(&db).await, 0);
}

#[tokio::test]
async fn boundary_files_are_all_or_nothing_and_mismatches_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let (divisions, _) = synthetic_city(dir.path());
    append(&divisions.join("areas.csv"), "440511,金平区,4405,44\n");
    ok(import_divisions(&db, &divisions, "4405"));
    let file = write(dir.path(), "b.geojson", r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","id":"440507","properties":{"name":"龙湖区"},"geometry":{"type":"Polygon","coordinates":[[[116.70,23.34],[116.76,23.34],[116.76,23.40],[116.70,23.34]]]}},
      {"type":"Feature","id":"440599","properties":{"name":"无名区"},"geometry":{"type":"Polygon","coordinates":[[[116.80,23.34],[116.86,23.34],[116.86,23.40],[116.80,23.34]]]}},
      {"type":"Feature","id":"440511","properties":{"name":"金平区"},"geometry":{"type":"Polygon","coordinates":[[[116.6,23.3],[116.7,23.4],[116.7,23.3],[116.6,23.4],[116.6,23.3]]]}}
    ]}"#.as_bytes());
    let err = refused(&db, &["import", "boundaries", &file, "--crs", "gcj02"]);
    assert!(
        err.contains("feature 2 (440599)") && err.contains("no division 440599 无名区 is stored"),
        "{err}"
    );
    assert!(
        err.contains("feature 3 (440511)") && err.contains("self-intersection"),
        "{err}"
    );
    let store = SqliteStore::connect(&db, gongzhi_testkit::keyring())
        .await
        .unwrap();
    let code = |s: &str| gongzhi_domain::RegionCode::parse(s).unwrap();
    assert!(store.boundary(&code("440507")).await.unwrap().is_none());

    let out = ok(gongzhi(
        &db,
        &[
            "import",
            "boundaries",
            &file,
            "--crs",
            "gcj02",
            "--skip-invalid",
        ],
    ));
    assert!(out.contains("1 boundaries"), "{out}");
    assert!(out.contains("skipped 2"), "{out}");
    assert!(out.contains("440511 金平区 has no boundary"), "{out}");
    let stored = store.boundary(&code("440507")).await.unwrap().unwrap();
    // Stored in WGS-84: the GCJ-02 corner moved south-west by a few hundred metres.
    let x = stored.0[0].exterior().0[0].x;
    assert!(x < 116.70 && x > 116.69, "{x}");

    let out = ok(gongzhi(
        &db,
        &[
            "import",
            "boundaries",
            &file,
            "--crs",
            "gcj02",
            "--skip-invalid",
            "--repair",
        ],
    ));
    assert!(
        out.contains("2 boundaries") && out.contains("440511) was repaired"),
        "{out}"
    );

    let bad = [
        ("m.geojson", "{\"type\":", "not valid JSON"),
        (
            "o.geojson",
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"440507","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[200,0],[1,1],[0,0]]]}}]}"#,
            "out of range",
        ),
        (
            "e.geojson",
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"440507","properties":{},"geometry":{"type":"Polygon","coordinates":[]}}]}"#,
            "empty",
        ),
    ];
    for (name, body, why) in bad {
        let file = write(dir.path(), name, body.as_bytes());
        let err = refused(&db, &["import", "boundaries", &file]);
        assert!(err.contains(name) && err.contains(why), "{name}: {err}");
    }
    // An unreadable file among good ones: refused, or skipped and listed.
    let broken = write(dir.path(), "broken.geojson", b"{");
    let err = refused(&db, &["import", "boundaries", &file, &broken, "--repair"]);
    assert!(
        err.contains("broken.geojson: file: not valid JSON"),
        "{err}"
    );
    let out = ok(gongzhi(
        &db,
        &[
            "import",
            "boundaries",
            &file,
            &broken,
            "--repair",
            "--skip-invalid",
        ],
    ));
    assert!(
        out.contains("broken.geojson: file") && out.contains("2 boundaries"),
        "{out}"
    );
    let out = gongzhi(&db, &["import", "boundaries", &file, "--crs", "mercator"]);
    assert!(
        text(&out).1.contains("unknown coordinate system"),
        "{:?}",
        text(&out)
    );
}

/// A 0.01° square GeoJSON ring with its south-west corner at (x, 23.35).
fn square(x: f64) -> String {
    format!(
        "[[[{x},23.35],[{},23.35],[{},23.36],[{x},23.36],[{x},23.35]]]",
        x + 0.01,
        x + 0.01
    )
}

#[tokio::test]
async fn drawn_grids_import_export_and_refuse_codes_outside_their_parent() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let (divisions, _) = synthetic_city(dir.path());
    ok(import_divisions(&db, &divisions, "4405"));
    let feature = |code: &str, name: &str, parent: &str, x: f64| {
        format!(
            r#"{{"type":"Feature","properties":{{"wgbm":"{code}","wgmc":"{name}","sqbm":{parent}}},"geometry":{{"type":"Polygon","coordinates":{}}}}}"#,
            square(x)
        )
    };
    let body = format!(
        r#"{{"type":"FeatureCollection","features":[{},{},{}]}}"#,
        feature("440507001001001", "翠洲一网格", "440507001001", 116.70),
        feature("440507001001002", "翠洲二网格", "440507001001", 116.71),
        feature("440507001002001", "错挂网格", "440507001001", 116.72),
    );
    let file = write(dir.path(), "grids.geojson", body.as_bytes());
    let args = [
        "import",
        "grids",
        &file,
        "--code-field",
        "wgbm",
        "--name-field",
        "wgmc",
        "--parent-field",
        "sqbm",
    ];
    let err = refused(&db, &args);
    assert!(
        err.contains("feature 3, field sqbm")
            && err.contains("does not fit under its parent 440507001001"),
        "{err}"
    );
    let before = region_count(&db).await;

    let mut skipping = args.to_vec();
    skipping.push("--skip-invalid");
    ok(gongzhi(&db, &skipping));
    assert_eq!(region_count(&db).await, before + 2);

    let out = dir.path().join("out/grids.geojson");
    let said = ok(gongzhi(
        &db,
        &[
            "export",
            "grids",
            "--geojson",
            out.to_str().unwrap(),
            "--under",
            "440507",
        ],
    ));
    assert!(said.contains("wrote 2 grids"), "{said}");
    let exported: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let features = exported["features"].as_array().unwrap();
    assert_eq!(features[0]["id"], "440507001001001");
    assert_eq!(features[0]["properties"]["name"], "翠洲一网格");
    assert_eq!(features[1]["properties"]["parent"], "440507001001");
    assert_eq!(
        features[1]["geometry"]["coordinates"][0][0][0],
        serde_json::json!([116.71, 23.35])
    );

    let none = gongzhi(
        &db,
        &[
            "export",
            "grids",
            "--geojson",
            out.to_str().unwrap(),
            "--under",
            "440507002",
        ],
    );
    assert!(
        text(&none)
            .1
            .contains("no grid with a boundary is stored in 440507002"),
        "{:?}",
        text(&none)
    );
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("翠洲一网格"),
        "a failed export keeps the old file"
    );
    let bad_mean = gongzhi(
        &db,
        &[
            "grids",
            "generate",
            "--under",
            "440507",
            "--per-community=0",
        ],
    );
    assert!(
        text(&bad_mean).1.contains("not above 0"),
        "{:?}",
        text(&bad_mean)
    );
    let located = ok(gongzhi(&db, &["locate", "116.705", "23.355"]));
    assert!(
        located.contains("翠洲一网格") && located.contains("龙湖区"),
        "{located}"
    );
}

#[test]
fn generated_grids_cover_the_county_and_locate_finds_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    load_synthetic_city(&db, dir.path());
    for (lng, lat) in [(116.701, 23.341), (116.759, 23.399), (116.73, 23.37)] {
        let out = ok(gongzhi(
            &db,
            &["locate", &lng.to_string(), &lat.to_string()],
        ));
        assert!(out.contains("网格") && out.contains("龙湖区"), "{out}");
    }
    let outside = ok(gongzhi(&db, &["locate", "116.77", "23.37"]));
    assert!(outside.contains("outside the jurisdiction"), "{outside}");
}

#[tokio::test]
async fn a_code_given_twice_is_a_problem_with_both_places() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let (divisions, boundary) = synthetic_city(dir.path());
    append(
        &divisions.join("areas.csv"),
        "440507,龙湖新区,4405,44\n440507,龙湖区,4405,44\n",
    );
    let err = expect_refused(import_divisions(&db, &divisions, "4405"));
    assert!(
        err.contains("areas.csv: row 3, field code")
            && err.contains("440507 appears twice, as \"龙湖新区\""),
        "{err}"
    );
    assert!(err.contains("areas.csv row 2"), "{err}");
    assert!(
        !err.contains("row 4"),
        "an identical repeat is harmless: {err}"
    );
    assert_eq!(region_count(&db).await, 0);
    ok(gongzhi(
        &db,
        &[
            "import",
            "divisions",
            "--dir",
            divisions.to_str().unwrap(),
            "--under",
            "4405",
            "--skip-invalid",
        ],
    ));

    let twice = write(dir.path(), "twice.geojson", std::fs::read_to_string(&boundary).unwrap().replace(
        r#""features":[{"#,
        r#""features":[{"type":"Feature","id":"440507","properties":{},"geometry":{"type":"Polygon","coordinates":[[[116.70,23.34],[116.76,23.34],[116.76,23.40],[116.70,23.34]]]}},{"#,
    ).as_bytes());
    let err = refused(&db, &["import", "boundaries", &twice]);
    assert!(
        err.contains("feature 2 (440507), field id: 440507 appears twice")
            && err.contains("twice.geojson feature 1"),
        "{err}"
    );
}

#[tokio::test]
async fn micro_grids_and_staff_come_with_drawn_grids_in_any_order() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let (divisions, _) = synthetic_city(dir.path());
    ok(import_divisions(&db, &divisions, "4405"));
    let feature = |code: &str, parent: &str, x: f64, staff: &str| {
        format!(
            r#"{{"type":"Feature","properties":{{"code":"{code}","name":"{code}","parent":"{parent}"{staff}}},"geometry":{{"type":"Polygon","coordinates":{}}}}}"#,
            square(x)
        )
    };
    let body = format!(
        r#"{{"type":"FeatureCollection","features":[{},{},{}]}}"#,
        feature("440507001001001001", "440507001001001", 116.70, ""),
        feature(
            "440507001001001",
            "440507001001",
            116.70,
            r#","wgz":"林晓","wgy":"陈思、黄海""#
        ),
        feature("440507001009001001", "440507001009001", 116.72, ""),
    );
    let file = write(dir.path(), "drawn.geojson", body.as_bytes());
    let args = [
        "import",
        "grids",
        &file,
        "--leader-field",
        "wgz",
        "--workers-field",
        "wgy",
        "--skip-invalid",
    ];
    let out = ok(gongzhi(&db, &args));
    assert!(out.contains("skipped 1") && out.contains("parent 440507001009001 of grid 440507001009001001 is neither stored nor an accepted grid"), "{out}");
    let store = SqliteStore::connect(&db, gongzhi_testkit::keyring())
        .await
        .unwrap();
    let code = |s: &str| gongzhi_domain::RegionCode::parse(s).unwrap();
    assert!(
        store
            .region(&code("440507001001001001"))
            .await
            .unwrap()
            .is_some()
    );
    let staff = store.grid_staff(&code("440507001001001")).await.unwrap();
    let names: Vec<(&str, &str)> = staff
        .iter()
        .map(|s| (s.name.as_str(), s.role.as_str()))
        .collect();
    assert_eq!(
        names,
        [("林晓", "leader"), ("陈思", "worker"), ("黄海", "worker")]
    );
}

#[tokio::test]
async fn generating_again_replaces_a_countys_grids_and_the_demo_finishes_what_was_started() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    load_synthetic_city(&db, dir.path());
    let store = SqliteStore::connect(&db, gongzhi_testkit::keyring())
        .await
        .unwrap();
    let county = gongzhi_domain::RegionCode::parse("440507").unwrap();
    let grids = |counts: Vec<gongzhi_store::LevelCount>| {
        counts
            .iter()
            .find(|c| c.level == gongzhi_domain::Level::Grid)
            .map_or(0, |c| c.regions)
    };
    let before = grids(store.count_by_level(Some(&county)).await.unwrap());
    assert!(before >= 20, "{before}");
    ok(gongzhi(
        &db,
        &[
            "grids",
            "generate",
            "--under",
            "440507",
            "--per-community",
            "1",
        ],
    ));
    let after = grids(store.count_by_level(Some(&county)).await.unwrap());
    assert!((3..=10).contains(&after), "{before} grids became {after}");
    let out = gongzhi(&db, &["grids", "generate", "--under", "440507001"]);
    assert!(
        text(&out).1.contains("county by county"),
        "{:?}",
        text(&out)
    );
}

#[test]
fn configuration_layers_and_the_default_file() {
    let defaults = ok(gongzhi("sqlite://unused.db", &["config", "print-default"]));
    for key in [
        "[database]",
        "url = \"sqlite://./data/gongzhi.db\"",
        "[server]",
        "bind = \"127.0.0.1:8080\"",
        "[demo]",
        "city = \"4405\"",
    ] {
        assert!(defaults.contains(key), "{key} missing from\n{defaults}");
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gongzhi"))
        .env("GONGZHI_KEYS", gongzhi_testkit::TEST_KEYS)
        .args(["config", "print"])
        .env("GONGZHI_DATABASE_URL", "postgres://gz:s3cret@db.example/gz")
        .env("GONGZHI__SERVER__BIND", "0.0.0.0:9999")
        .output()
        .unwrap();
    let shown = ok(out);
    assert!(shown.contains("bind = \"0.0.0.0:9999\""), "{shown}");
    assert!(
        shown.contains("postgres://gz:***@db.example/gz") && !shown.contains("s3cret"),
        "{shown}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gongzhi"))
        .env("GONGZHI_KEYS", gongzhi_testkit::TEST_KEYS)
        .args(["config", "print"])
        .env("GONGZHI__SERVER__BYND", "x")
        .output()
        .unwrap();
    assert!(
        !out.status.success() && text(&out).1.contains("bynd"),
        "{:?}",
        text(&out)
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gongzhi"))
        .env("GONGZHI_KEYS", gongzhi_testkit::TEST_KEYS)
        .args(["config", "print"])
        .env("GONGZHI__DEMO__CITY", "0440")
        .env("GONGZHI__SERVER__INDEX_REFRESH_SECS", "9")
        .output()
        .unwrap();
    let shown = ok(out);
    assert!(
        shown.contains("city = \"0440\"") && shown.contains("index_refresh_secs = 9"),
        "{shown}"
    );
}

#[test]
fn the_demo_twice_duplicates_nothing() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let run = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gongzhi"))
            .env("GONGZHI_KEYS", gongzhi_testkit::TEST_KEYS)
            .args(["demo", "--no-serve"])
            .env("GONGZHI_DATABASE_URL", &db)
            .env("GONGZHI__DATA__REFERENCE_DIR", &data)
            .env("GONGZHI__DEMO__EVENTS_PER_DAY", "2")
            .output()
            .unwrap();
        ok(out)
    };
    let first = run();
    let second = run();
    let loaded = |s: &str| {
        let after = s.split("loaded:").nth(1).unwrap();
        after.split("simulating").next().unwrap().to_owned()
    };
    assert_eq!(loaded(&first), loaded(&second));
    assert!(
        second.contains("divisions: 0 new, 0 renamed, 1167 unchanged"),
        "{second}"
    );
    assert!(second.contains("keeping its"), "{second}");
    for run in [&first, &second] {
        assert!(
            run.contains("computed 8 quarters for 7 county, 67 town"),
            "the demo index over Shantou's counties and towns: {run}"
        );
    }
    let made = first.split("history: ").nth(1).unwrap();
    assert!(made.starts_with("227 departments, "), "{first}");
    let events: u64 = made
        .split(", ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((180..200).contains(&events), "{first}");
    assert!(
        second.contains(&format!("history: keeping its {events} events")),
        "{second}"
    );
    for line in ["县级", "乡镇街道", "社区村"] {
        assert!(first.contains(line), "{first}");
    }
    assert!(
        first.contains("     7 (7 with boundary)") && first.contains("    67 (67 with boundary)"),
        "{first}"
    );
    assert!(first.contains("  1091 (1091 with boundary)"), "{first}");
}

#[tokio::test]
async fn every_guangdong_city_imports_and_the_real_mismatches_are_reported() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let divisions = data.join("divisions");
    ok(import_divisions(&db, &divisions, "44"));
    let mut files: Vec<String> = std::fs::read_dir(data.join("boundaries/guangdong"))
        .unwrap()
        .map(|e| e.unwrap().path().to_str().unwrap().to_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), 21);
    let mut args = vec!["import", "boundaries", "--crs", "gcj02"];
    args.extend(files.iter().map(String::as_str));

    // Quantised web-map outlines self-intersect: refused unless repaired.
    let err = refused(&db, &args);
    assert!(
        err.contains("4401.geojson: feature 1 (440103)")
            && err.contains("4406.geojson: feature 1 (440604)")
            && err.contains("--repair"),
        "{err}"
    );

    args.push("--repair");
    let out = ok(gongzhi(&db, &args));
    assert!(out.contains("; 123 boundaries, 0 staff written"), "{out}");
    assert!(out.contains("440311 光明区 has no boundary"), "{out}");
    assert!(
        out.contains("4406.geojson: feature 1 (440604) was repaired"),
        "{out}"
    );
    let store = SqliteStore::connect(&db, gongzhi_testkit::keyring())
        .await
        .unwrap();
    let province = gongzhi_domain::RegionCode::parse("44").unwrap();
    let counts = store.count_by_level(Some(&province)).await.unwrap();
    let county = counts
        .iter()
        .find(|c| c.level == gongzhi_domain::Level::County)
        .unwrap();
    assert_eq!((county.regions, county.with_boundary), (124, 123));
    let communities = counts
        .iter()
        .find(|c| c.level == gongzhi_domain::Level::Community)
        .unwrap();
    assert_eq!(communities.regions, 26_842);
}

/// A database whose audit log holds six sealed entries.
async fn audited_db(dir: &Path) -> String {
    let db = sqlite_url(dir);
    let store = SqliteStore::connect(&db, gongzhi_testkit::keyring())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let records: Vec<AuditRecord> = (0..6)
        .map(|i| AuditRecord {
            at: chrono::NaiveDate::from_ymd_opt(2026, 3, 2)
                .unwrap()
                .and_hms_opt(9, i, 0)
                .unwrap(),
            actor: format!("admin-{i}"),
            role: "admin".into(),
            kind: AuditKind::Permission,
            subject: format!("user:{i}"),
            detail: "{}".into(),
        })
        .collect();
    store.append_audit(&records).await.unwrap();
    db
}

/// `gongzhi audit verify` on a log edited behind its back by `sql`: fails
/// and says what it found.
async fn verify_after(sql: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let db = audited_db(dir.path()).await;
    let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let out = gongzhi(&db, &["audit", "verify"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    stderr
}

#[tokio::test]
async fn audit_verify_passes_an_intact_log_and_names_each_direct_edit() {
    let dir = tempfile::tempdir().unwrap();
    let db = audited_db(dir.path()).await;
    let shown = ok(gongzhi(&db, &["audit", "verify"]));
    assert!(
        shown.contains("audit log verified: 6 entries, 1 to 6"),
        "{shown}"
    );

    let changed = verify_after("UPDATE audit_log SET actor = 'intruder' WHERE seq = 3").await;
    assert!(changed.contains("entry 3 was changed"), "{changed}");

    let removed = verify_after("DELETE FROM audit_log WHERE seq = 4").await;
    assert!(
        removed.contains("entry 4 is missing: entry 5 follows entry 3"),
        "{removed}"
    );

    let cut = verify_after("DELETE FROM audit_log WHERE seq = 6").await;
    assert!(cut.contains("the log ends at entry 5"), "{cut}");

    let swapped = verify_after(
        "UPDATE audit_log SET seq = -5 WHERE seq = 5; \
         UPDATE audit_log SET seq = 5 WHERE seq = 6; \
         UPDATE audit_log SET seq = 6 WHERE seq = -5",
    )
    .await;
    assert!(swapped.contains("entry 5 was changed"), "{swapped}");
    assert!(
        swapped.contains("entry 5 does not follow the entry before it"),
        "{swapped}"
    );
}

#[test]
fn a_retention_under_180_days_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gongzhi"))
        .env("GONGZHI_KEYS", gongzhi_testkit::TEST_KEYS)
        .args(["audit", "purge"])
        .env("GONGZHI_DATABASE_URL", sqlite_url(dir.path()))
        .env("GONGZHI__AUDIT__RETENTION_DAYS", "90")
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "audit.retention_days is 90, but the audit log must be kept at least 180 days"
        ),
        "{stderr}"
    );
}

/// `gongzhi migrate` creates the key file, owner-only; `gongzhi keys
/// rotate` adds a key, makes it primary and seals the stored phones again
/// under it, which the new ring still opens and finds.
#[tokio::test]
async fn keys_are_created_once_and_rotation_reseals() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let key_file = dir.path().join("secret").join("keys.toml");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_gongzhi"))
            .args(args)
            .env("GONGZHI_DATABASE_URL", &db)
            .env("GONGZHI__SECURITY__KEY_FILE", &key_file)
            .env("GONGZHI__LOG__FILTER", "warn")
            .env_remove("GONGZHI_KEYS")
            .output()
            .unwrap()
    };
    ok(run(&["migrate"]));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the key file is the owner's alone");
    }
    let first =
        gongzhi_domain::crypto::Keyring::parse(&std::fs::read_to_string(&key_file).unwrap())
            .unwrap();
    assert_eq!(first.ids(), vec!["k1"]);
    let store = SqliteStore::connect(&db, std::sync::Arc::new(first))
        .await
        .unwrap();
    let when = chrono::NaiveDate::from_ymd_opt(2026, 3, 2)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    let user = gongzhi_store::UserRecord {
        id: "li.na".into(),
        name: "李娜".into(),
        role: "operator".into(),
        region: Some(gongzhi_domain::RegionCode::parse("4405").unwrap()),
        department: None,
        grids: vec![],
        phone: Some("13712345678".into()),
        password_hash: None,
        must_change: false,
        failures: 0,
        locked_until: None,
        disabled: false,
        created_at: when,
        updated_at: when,
    };
    store.insert_user(&user, &[]).await.unwrap();
    drop(store);

    let out = ok(run(&["keys", "rotate"]));
    assert!(out.contains("added key k2"), "{out}");
    let second =
        gongzhi_domain::crypto::Keyring::parse(&std::fs::read_to_string(&key_file).unwrap())
            .unwrap();
    assert_eq!((second.primary(), second.ids()), ("k2", vec!["k1", "k2"]));
    let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
    let sealed: String = sqlx::query_scalar("SELECT phone_sealed FROM users WHERE id = 'li.na'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(sealed.starts_with("sm4:k2:"), "{sealed}");
    let store = SqliteStore::connect(&db, std::sync::Arc::new(second))
        .await
        .unwrap();
    assert_eq!(store.user("li.na").await.unwrap().unwrap(), user);
    let found = store.users_by_phone("137 1234 5678").await.unwrap();
    assert_eq!(found.len(), 1, "the keyed hash follows the new key");
}

/// `gongzhi index`: a definition and values that name a bad row are
/// refused with exit code 3; good ones define, load, compute, show and
/// export a workbook.
#[tokio::test]
async fn indices_from_files_compute_show_and_export() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let (divisions, _) = synthetic_city(dir.path());
    ok(import_divisions(&db, &divisions, "4405"));
    let definition = "code = \"t\"\nname = \"测试指数\"\nperiodicity = \"month\"\n\
        [warnings]\nred_below = 10.0\n\
        [[indicators]]\ncode = \"T\"\nname = \"测试指数\"\nlevel = 2\n\
        [[indicators]]\ncode = \"a\"\nname = \"甲\"\nlevel = 1\nparent = \"T\"\n\
        [[indicators]]\ncode = \"b\"\nname = \"乙\"\nlevel = 1\nparent = \"T\"\ndirection = -1\n";
    let bad = write(
        dir.path(),
        "bad.toml",
        definition
            .replace("parent = \"T\"\ndirection", "parent = \"X\"\ndirection")
            .as_bytes(),
    );
    let err = refused(&db, &["index", "define", &bad]);
    assert!(
        err.contains("bad.toml: indicators row 3 (b), field `parent`"),
        "{err}"
    );
    let good = write(dir.path(), "t.toml", definition.as_bytes());
    assert!(
        ok(gongzhi(&db, &["index", "define", &good]))
            .contains("index t: version 1 saved (2 indicators)")
    );

    let values = "period,unit,a,b\n2026-10,440507001,5,1\n2026-10,440507002,7,3\n2026-11,440507001,4,2\n2026-11,440507002,9,1\n";
    let bad = write(
        dir.path(),
        "bad.csv",
        values.replace("9,1", "9,x").as_bytes(),
    );
    let err = refused(&db, &["index", "load", "t", &bad]);
    assert!(
        err.contains("bad.csv: row 5, column b: `x` is not a number"),
        "{err}"
    );
    let bad = write(
        dir.path(),
        "unit.csv",
        values
            .replace("2026-11,440507002", "2026-11,440599002")
            .as_bytes(),
    );
    let err = refused(&db, &["index", "load", "t", &bad]);
    assert!(
        err.contains("unit.csv: row 7, column unit: no region has the code `440599002`"),
        "{err}"
    );
    let file = write(dir.path(), "v.csv", values.as_bytes());
    assert!(ok(gongzhi(&db, &["index", "load", "t", &file])).contains("8 values loaded"));

    let out = ok(gongzhi(&db, &["index", "compute", "t"]));
    assert!(
        out.contains("2 periods (2026-10 … 2026-11), 2 town"),
        "{out}"
    );
    let out = ok(gongzhi(&db, &["index", "show", "t"]));
    // November: 440507002 is best on a (9) and on b (1): 100; the other 0.
    let lines: Vec<&str> = out.lines().filter(|l| l.contains("4405070")).collect();
    assert!(
        lines[0].contains("1/2") && lines[0].contains("440507002") && lines[0].contains("100.00"),
        "{out}"
    );
    assert!(
        lines[1].contains("440507001") && lines[1].contains("red"),
        "{out}"
    );
    let xlsx = dir.path().join("t.xlsx");
    ok(gongzhi(
        &db,
        &["index", "export", "t", xlsx.to_str().unwrap()],
    ));
    assert_eq!(&std::fs::read(&xlsx).unwrap()[..2], b"PK");
}
