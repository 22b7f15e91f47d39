//! The HTTP API through a real `gongzhi serve` on a random port.

mod common;

use common::{
    Server, gongzhi, import_divisions, load_synthetic_city, ok, shared_data, sqlite_url,
    synthetic_city, text,
};
use gongzhi_domain::{Crs, LngLat};
use serde_json::Value;

fn codes(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn locate_answers_with_the_grid_and_its_chain_in_any_crs() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    load_synthetic_city(&db, dir.path());
    let server = Server::start(&db);

    let (status, wgs) = server.get("/api/v1/locate?lng=116.73&lat=23.37").await;
    assert_eq!(status, 200, "{wgs}");
    assert_eq!(wgs["status"], "grid");
    let grid = wgs["grid"]["code"].as_str().unwrap();
    assert!(grid.starts_with("440507") && grid.len() == 15, "{grid}");
    let levels: Vec<&str> = wgs["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(
        levels,
        ["province", "city", "county", "town", "community", "grid"]
    );
    assert_eq!(wgs["chain"][2]["name"], "龙湖区");

    for crs in [Crs::Gcj02, Crs::Bd09] {
        let p = crs.from_wgs84(LngLat {
            lng: 116.73,
            lat: 23.37,
        });
        let (_, other) = server
            .get(&format!(
                "/api/v1/locate?lng={}&lat={}&crs={crs}",
                p.lng, p.lat
            ))
            .await;
        assert_eq!(other["grid"]["code"], wgs["grid"]["code"], "{crs}");
        assert!((other["wgs84"]["lng"].as_f64().unwrap() - 116.73).abs() < 1e-6);
    }

    let (_, outside) = server.get("/api/v1/locate?lng=100&lat=30").await;
    assert_eq!(outside["status"], "outside");
    assert_eq!(outside["chain"], serde_json::json!([]));
}

#[tokio::test]
async fn bad_parameters_get_an_error_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    load_synthetic_city(&db, dir.path());
    let server = Server::start(&db);
    let cases = [
        ("/api/v1/locate?lng=abc&lat=23.3", 400, "lng"),
        ("/api/v1/locate?lng=116.7", 400, "lat"),
        ("/api/v1/locate?lng=116.7&lat=95", 400, "lat"),
        ("/api/v1/locate?lng=116.7&lat=23.3&crs=mercator", 400, "crs"),
        ("/api/v1/locate?lng=NaN&lat=23.3", 400, "lng"),
        ("/api/v1/regions/12a", 400, "code"),
        ("/api/v1/regions?parent=4405%27%3B--", 400, "parent"),
        ("/api/v1/regions/search?q=%20", 400, "q"),
        ("/api/v1/regions/search?q=a&limit=0", 400, "limit"),
    ];
    for (path, status, parameter) in cases {
        let (got, body) = server.get(path).await;
        assert_eq!(got, status, "{path}: {body}");
        assert_eq!(body["code"], "invalid_parameter", "{path}: {body}");
        assert_eq!(body["details"]["parameter"], parameter, "{path}: {body}");
        assert!(body["message"].as_str().unwrap().contains("无效"), "{body}");
        assert!(
            body["message_en"].as_str().unwrap().contains(parameter),
            "{body}"
        );
    }
    for path in [
        "/api/v1/regions/search",
        "/api/v1/regions/search?q=a&limit=abc",
        "/api/v1/regions/search?q=a&limit=99999999999",
        "/api/v1/regions/%FF",
    ] {
        let (got, body) = server.get(path).await;
        assert_eq!(
            (got, body["code"].as_str()),
            (400, Some("invalid_parameter")),
            "{path}: {body}"
        );
    }
    let (got, body) = server.get("/api/v1/regions/440507009").await;
    assert_eq!(
        (got, body["code"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    let post = reqwest::Client::new()
        .post(format!("{}/api/v1/locate", server.base))
        .body("x".repeat(64))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status().as_u16(), 405);
    let body: serde_json::Value = post.json().await.unwrap();
    assert_eq!(body["code"], "method_not_allowed", "{body}");
    let (got, body) = server.get("/api/v1/no/such/path").await;
    assert_eq!(
        (got, body["code"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
}

#[tokio::test]
async fn regions_list_read_and_search() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    load_synthetic_city(&db, dir.path());
    let server = Server::start(&db);

    let (_, towns) = server.get("/api/v1/regions?parent=440507").await;
    assert_eq!(codes(&towns, "items"), ["440507001", "440507002"]);
    assert_eq!(towns["items"][0]["name"], "珠池街道");
    assert_eq!(towns["items"][0]["has_boundary"], true);
    let (_, same) = server.get("/api/v1/regions/440507/children").await;
    assert_eq!(same, towns);
    let (_, top) = server.get("/api/v1/regions").await;
    assert_eq!(codes(&top, "items"), ["44"]);

    let (status, community) = server.get("/api/v1/regions/440507001003?crs=gcj02").await;
    assert_eq!(status, 200, "{community}");
    assert_eq!(community["type"], "Feature");
    assert_eq!(community["properties"]["name"], "䢺岗村民委员会");
    assert_eq!(community["properties"]["crs"], "gcj02");
    assert_eq!(
        community["properties"]["ancestors"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let kind = community["geometry"]["type"].as_str().unwrap();
    assert!(kind == "MultiPolygon", "{kind}");
    let (_, wgs) = server.get("/api/v1/regions/440507001003").await;
    let corner = |v: &serde_json::Value| {
        let c = &v["geometry"]["coordinates"][0][0][0];
        LngLat {
            lng: c[0].as_f64().unwrap(),
            lat: c[1].as_f64().unwrap(),
        }
    };
    let expected = Crs::Gcj02.from_wgs84(corner(&wgs));
    let got = corner(&community);
    assert!(
        (got.lng - expected.lng).abs() < 1e-9 && (got.lat - expected.lat).abs() < 1e-9,
        "{got:?} vs {expected:?}"
    );
    assert!(
        (got.lng - corner(&wgs).lng).abs() > 1e-4,
        "GCJ-02 differs from WGS-84 by hundreds of metres"
    );
    let grids = community["properties"]["children"].as_u64().unwrap();
    assert!((1..=20).contains(&grids), "{grids}");

    let grid_code = format!("440507001003{:03}", 1);
    let (_, grid) = server.get(&format!("/api/v1/regions/{grid_code}")).await;
    let staff = grid["properties"]["staff"].as_array().unwrap();
    assert_eq!(staff[0]["role"], "leader");
    assert!(
        staff.len() >= 2 && staff[1..].iter().all(|s| s["role"] == "worker"),
        "{staff:?}"
    );
    assert!(
        grid["properties"]["name"]
            .as_str()
            .unwrap()
            .starts_with("䢺岗村第1网格"),
        "{grid}"
    );

    let (_, found) = server
        .get("/api/v1/regions/search?q=%E7%BF%A0%E6%B4%B2")
        .await; // 翠洲
    let found = codes(&found, "items");
    assert_eq!(found[0], "440507001001", "{found:?}");
    assert!(
        found[1..]
            .iter()
            .all(|c| c.starts_with("440507001001") && c.len() == 15)
    );
    let (_, by_code) = server
        .get("/api/v1/regions/search?q=4405070020&under=440507")
        .await;
    let by_code = codes(&by_code, "items");
    assert_eq!(by_code[..2], ["440507002001", "440507002002"]);
    assert!(
        by_code.iter().all(|c| c.starts_with("4405070020")),
        "{by_code:?}"
    );
    let (_, literal) = server.get("/api/v1/regions/search?q=%25").await;
    assert_eq!(codes(&literal, "items"), Vec::<String>::new());
}

#[tokio::test]
async fn operations_endpoints_and_the_api_document() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    load_synthetic_city(&db, dir.path());
    let server = Server::start(&db);
    assert_eq!(server.get("/healthz").await.1["status"], "ok");
    let (status, ready) = server.get("/readyz").await;
    assert_eq!(status, 200);
    assert_eq!(ready["backend"], "sqlite");
    assert_eq!(ready["indexed"]["county"], 1);
    assert_eq!(ready["indexed"]["community"], 5);
    server.get("/api/v1/locate?lng=116.73&lat=23.37").await;
    let (_, metrics) = server.get("/metrics").await;
    let metrics = metrics.as_str().unwrap().to_owned();
    assert!(
        metrics.contains(
            r#"gongzhi_http_requests_total{method="GET",route="/api/v1/locate",status="200"} 1"#
        ),
        "{metrics}"
    );
    let (_, doc) = server.get("/api/openapi.json").await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/locate",
        "/api/v1/regions",
        "/api/v1/regions/{code}",
        "/api/v1/regions/search",
        "/readyz",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
    let (status, page) = server.get("/api/docs/").await;
    assert_eq!(status, 200);
    assert!(page.as_str().unwrap().contains("swagger-ui"));
}

#[tokio::test]
async fn an_oversized_body_gets_the_json_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    load_synthetic_city(&db, dir.path());
    let server = Server::start_with(&db, &[("GONGZHI__SERVER__BODY_LIMIT_BYTES", "16")]);
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/locate", server.base))
        .body("x".repeat(64))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "payload_too_large", "{body}");
    assert!(body["message"].as_str().unwrap().contains("过大"));
}

#[tokio::test]
async fn grids_imported_while_serving_are_found_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let (divisions, boundary) = synthetic_city(dir.path());
    ok(import_divisions(&db, &divisions, "4405"));
    ok(gongzhi(
        &db,
        &["import", "boundaries", boundary.to_str().unwrap()],
    ));
    let server = Server::start_with(&db, &[("GONGZHI__SERVER__INDEX_REFRESH_SECS", "1")]);
    let path = "/api/v1/locate?lng=116.705&lat=23.355";
    let (_, before) = server.get(path).await;
    assert_eq!(
        (before["status"].as_str(), before["region"]["code"].as_str()),
        (Some("region"), Some("440507")),
        "{before}"
    );

    let grid = dir.path().join("grid.geojson");
    std::fs::write(&grid, r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"440507001001001","name":"翠洲一网格","parent":"440507001001"},
        "geometry":{"type":"Polygon","coordinates":[[[116.70,23.35],[116.71,23.35],[116.71,23.36],[116.70,23.36],[116.70,23.35]]]}}]}"#).unwrap();
    ok(gongzhi(&db, &["import", "grids", grid.to_str().unwrap()]));
    let mut after = serde_json::Value::Null;
    for _ in 0..50 {
        after = server.get(path).await.1;
        if after["status"] == "grid" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(after["grid"]["code"], "440507001001001", "{after}");
    assert_eq!(after["grid"]["name"], "翠洲一网格");
}

#[tokio::test]
async fn the_demo_city_answers_the_readme_lookup() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let reference = format!("GONGZHI__DATA__REFERENCE_DIR={}", data.display());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gongzhi"))
        .args(["demo", "--no-serve"])
        .env("GONGZHI_DATABASE_URL", &db)
        .env("GONGZHI_KEYS", gongzhi_testkit::TEST_KEYS)
        .env("GONGZHI__DEMO__EVENTS_PER_DAY", "3")
        .env(
            reference.split_once('=').unwrap().0,
            reference.split_once('=').unwrap().1,
        )
        .output()
        .unwrap();
    let printed = ok(out);
    let password = |login: &str| {
        printed
            .lines()
            .find_map(|l| l.trim().strip_prefix(login))
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("the demo printed no password for {login}: {printed}"))
            .to_owned()
    };
    let server = Server::start(&db);
    let (status, refused) = server.get("/api/v1/stats/events").await;
    assert_eq!(status, 403, "anonymous callers see nothing: {refused}");
    let leader = server
        .sign_in("demo-leader", &password("demo-leader"))
        .await;
    let (_, hit) = server
        .get("/api/v1/locate?lng=116.68&lat=23.35&crs=gcj02")
        .await;
    assert_eq!(hit["status"], "grid", "{hit}");
    let county = hit["chain"][2]["name"].as_str().unwrap();
    assert!(["金平区", "龙湖区"].contains(&county), "{hit}");
    assert_eq!(hit["chain"][1]["name"], "汕头市");
    let (_, ready) = server.get("/readyz").await;
    let grids = ready["indexed"]["grid"].as_u64().unwrap();
    assert!((8_000..=9_200).contains(&grids), "{grids}");
    let (_, stats) = server
        .get_as(&leader, "/api/v1/stats/events?group=region:county")
        .await;
    let rows = stats["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 7, "every county has history: {stats}");
    let count: u64 = rows.iter().map(|r| r["count"].as_u64().unwrap()).sum();
    assert!((250..300).contains(&count), "{count}");
    for r in rows {
        let closure = r["rates"]["closure_rate"].as_f64().unwrap();
        assert!((70.0..=100.0).contains(&closure), "{r}");
    }
    let (_, open) = server
        .get_as(
            &leader,
            "/api/v1/events?state=reported,accepted,dispatched,signed,in_progress",
        )
        .await;
    assert!(
        open["total"].as_u64().unwrap() > 0,
        "the newest work is still open: {open}"
    );
    drop(server);
    let again = ok(gongzhi(
        &db,
        &["locate", "116.68", "23.35", "--crs", "gcj02"],
    ));
    assert!(again.contains(county) && again.contains("网格"), "{again}");
}

#[tokio::test]
async fn the_binary_imports_generates_and_serves_on_postgresql() {
    let Some(database) = gongzhi_testkit::pg::fresh_database().await else {
        return;
    };
    let db = database.url();
    let dir = tempfile::tempdir().unwrap();
    load_synthetic_city(&db, dir.path());
    let server = Server::start(&db);
    let (_, ready) = server.get("/readyz").await;
    assert_eq!(ready["backend"], "postgres", "{ready}");
    assert_eq!(ready["indexed"]["community"], 5, "{ready}");
    let (_, hit) = server.get("/api/v1/locate?lng=116.73&lat=23.37").await;
    assert_eq!(hit["status"], "grid", "{hit}");
    assert_eq!(hit["chain"][2]["name"], "龙湖区");
    let (_, grid) = server
        .get(&format!(
            "/api/v1/regions/{}",
            hit["grid"]["code"].as_str().unwrap()
        ))
        .await;
    assert_eq!(grid["properties"]["staff"][0]["role"], "leader", "{grid}");
}

/// With a certificate and key configured, `serve` speaks HTTPS (rustls):
/// a client trusting the certificate gets answers, a plain HTTP request on
/// the same port does not.
#[tokio::test]
async fn serve_speaks_tls_when_given_a_certificate() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    let server = Server::start_with(
        &db,
        &[
            ("GONGZHI__SERVER__TLS_CERT", cert.to_str().unwrap()),
            ("GONGZHI__SERVER__TLS_KEY", key.to_str().unwrap()),
        ],
    );
    let address = server
        .base
        .strip_prefix("https://")
        .expect("an https address")
        .to_owned();

    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(made.cert.der().clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(&address).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    tls.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("content-security-policy"), "{answer}");

    let plain = reqwest::get(format!("http://{address}/healthz")).await;
    assert!(
        plain.map_or(true, |r| !r.status().is_success()),
        "plain HTTP is not served"
    );
}

#[tokio::test]
async fn a_configured_basemap_reaches_the_map_and_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(dir.path());
    load_synthetic_city(&db, dir.path());
    let tiles = "https://tiles.example.gov.cn/{z}/{x}/{y}.png";
    let server = Server::start_with(
        &db,
        &[
            ("GONGZHI__MAP__BASEMAP_TILES", tiles),
            ("GONGZHI__MAP__BASEMAP_ATTRIBUTION", "汕头市自然资源局"),
        ],
    );
    let response = reqwest::get(format!("{}/api/v1/map/settings", server.base))
        .await
        .unwrap();
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("img-src 'self' data: blob: https://tiles.example.gov.cn;")
            && csp.contains("connect-src 'self' https://tiles.example.gov.cn;"),
        "{csp}"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        (body["basemap"].as_str(), body["attribution"].as_str()),
        (Some(tiles), Some("汕头市自然资源局"))
    );
    let plain = Server::start(&db);
    let (_, body) = plain.get("/api/v1/map/settings").await;
    assert_eq!(body["basemap"], serde_json::Value::Null, "none by default");

    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_gongzhi"))
        .args(["--database-url", &db, "serve", "--bind", "127.0.0.1:0"])
        .env("GONGZHI__MAP__BASEMAP_TILES", "ftp://tiles/{z}/{x}/{y}")
        .env("GONGZHI_KEYS", gongzhi_testkit::TEST_KEYS)
        .output()
        .unwrap();
    let (_, stderr) = text(&refused);
    assert!(!refused.status.success());
    assert!(
        stderr.contains("map.basemap_tiles") && stderr.contains("not an http or https URL"),
        "{stderr}"
    );
}
