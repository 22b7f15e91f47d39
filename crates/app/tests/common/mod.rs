//! Shared helpers of the binary's tests: running `gongzhi`, a small
//! synthetic city on disk, and a real server on a random port.
#![allow(dead_code)] // each test binary uses a different part

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
};

/// Runs the binary against the given database with the given arguments.
pub fn gongzhi(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gongzhi"))
        .args(args)
        .env("GONGZHI_DATABASE_URL", db)
        .env("GONGZHI_KEYS", gongzhi_testkit::TEST_KEYS)
        .env("GONGZHI__LOG__FILTER", "warn")
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs")
}

/// Stdout and stderr of a run, for assertions and failure messages.
pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts success and returns stdout.
pub fn ok(out: Output) -> String {
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "failed: {stderr}\n{stdout}");
    stdout
}

/// `gongzhi import divisions --dir DIR --under CODE`.
pub fn import_divisions(db: &str, dir: &Path, under: &str) -> Output {
    gongzhi(
        db,
        &[
            "import",
            "divisions",
            "--dir",
            dir.to_str().unwrap(),
            "--under",
            under,
        ],
    )
}

/// A SQLite URL for a fresh database in `dir`.
pub fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("gongzhi.db").display())
}

pub use gongzhi_testkit::shared_data;

/// A small synthetic city written to `dir`: divisions CSVs of 广东省 /
/// 汕头市 / 龙湖区 with two streets and five communities, and the county's
/// boundary, a WGS-84 rectangle [116.70, 116.76] × [23.34, 23.40].
pub fn synthetic_city(dir: &Path) -> (PathBuf, PathBuf) {
    let divisions = dir.join("divisions");
    std::fs::create_dir_all(&divisions).unwrap();
    let files = [
        ("provinces.csv", "code,name\n44,广东省\n"),
        ("cities.csv", "code,name,provinceCode\n4405,汕头市,44\n"),
        (
            "areas.csv",
            "code,name,cityCode,provinceCode\n440507,龙湖区,4405,44\n",
        ),
        (
            "streets-44.csv",
            "code,name,areaCode,provinceCode,cityCode\n440507001,珠池街道,440507,44,4405\n440507002,新津街道,440507,44,4405\n",
        ),
        (
            "villages-44.csv",
            "code,name,streetCode,provinceCode,cityCode,areaCode\n\
             440507001001,翠洲社区居民委员会,440507001,44,4405,440507\n\
             440507001002,珠池社区居民委员会,440507001,44,4405,440507\n\
             440507001003,䢺岗村民委员会,440507001,44,4405,440507\n\
             440507002001,新津社区居民委员会,440507002,44,4405,440507\n\
             440507002002,丹霞社区居民委员会,440507002,44,4405,440507\n",
        ),
    ];
    for (name, body) in files {
        std::fs::write(divisions.join(name), body).unwrap();
    }
    let boundary = dir.join("440507.geojson");
    std::fs::write(
        &boundary,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"440507","properties":{"name":"龙湖区"},
        "geometry":{"type":"Polygon","coordinates":[[[116.70,23.34],[116.76,23.34],[116.76,23.40],[116.70,23.40],[116.70,23.34]]]}}]}"#,
    )
    .unwrap();
    (divisions, boundary)
}

/// Imports the synthetic city into `db` and generates its grids.
pub fn load_synthetic_city(db: &str, dir: &Path) {
    let (divisions, boundary) = synthetic_city(dir);
    ok(import_divisions(db, &divisions, "4405"));
    ok(gongzhi(
        db,
        &["import", "boundaries", boundary.to_str().unwrap()],
    ));
    ok(gongzhi(db, &["grids", "generate", "--under", "4405"]));
}

/// A `gongzhi serve` process on a random port, killed on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Server {
    /// Starts the server on `db` and waits until it listens.
    pub fn start(db: &str) -> Server {
        Server::start_with(db, &[])
    }

    /// Starts the server with extra environment variables.
    pub fn start_with(db: &str, env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gongzhi"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("GONGZHI_DATABASE_URL", db)
            .env("GONGZHI_KEYS", gongzhi_testkit::TEST_KEYS)
            .env("GONGZHI__LOG__FILTER", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server starts");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("the server printed its address before exiting")
                .unwrap();
            if let Some(rest) = line.split("listening on ").nth(1) {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Server { child, base }
    }

    /// GET a path and return the status and the JSON body.
    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        Server::answer(reqwest::get(format!("{}{path}", self.base)).await.unwrap()).await
    }

    async fn answer(resp: reqwest::Response) -> (u16, serde_json::Value) {
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        (status, body)
    }

    /// Signs in with a password; returns the session cookie (`name=value`).
    pub async fn sign_in(&self, login: &str, password: &str) -> String {
        let resp = reqwest::Client::new()
            .post(format!("{}/api/v1/session", self.base))
            .json(&serde_json::json!({"login": login, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "signing in as {login}");
        let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        cookie.split(';').next().unwrap().to_owned()
    }

    /// GET a path in a session.
    pub async fn get_as(&self, cookie: &str, path: &str) -> (u16, serde_json::Value) {
        let resp = reqwest::Client::new()
            .get(format!("{}{path}", self.base))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        Server::answer(resp).await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
