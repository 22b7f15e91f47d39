//! A real server on a random port over a fresh store, SQLite or PostgreSQL,
//! holding a small piece of 龙湖区 (two grids of one community) and its
//! departments, on a clock the test moves.

#![allow(dead_code)]

use chrono::{NaiveDate, NaiveDateTime};
use geo::{MultiPolygon, Rect, coord};
use gongzhi_domain::access::MobileNumber;
use gongzhi_domain::access::{Principal, Roles};
use gongzhi_domain::calendar::Calendar;
use gongzhi_domain::event::DuplicateWindow;
use gongzhi_domain::{Region, RegionCode};
use gongzhi_geo::locator::Locator;
use gongzhi_http::{AppState, Limits};
use gongzhi_service::Accounts;
use gongzhi_service::Service;
use gongzhi_service::accounts::{SignInPolicy, SmsSender};
use gongzhi_store::{RegionBatch, Store, TokenRecord, UserRecord};
use serde_json::{Value, json};
use std::any::Any;
use std::sync::{Arc, Mutex};

/// The test city's community; its grids are `…001` (west) and `…002` (east).
pub const COMMUNITY: &str = "440507001001";
pub const WEST_GRID: &str = "440507001001001";

/// A point in the west grid.
pub const WEST: (f64, f64) = (116.705, 23.365);

/// The one Open311 API key the server accepts.
pub const OPEN311_KEY: &str = "test-key";

pub fn at(day: u32, h: u32, m: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 3, day)
        .unwrap()
        .and_hms_opt(h, m, 0)
        .unwrap()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![
        Rect::new(coord! {x: x0, y: y0}, coord! {x: x1, y: y1}).to_polygon(),
    ])
}

/// Which database the story runs on.
#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The running server.
pub struct Server {
    pub base: String,
    /// The database's URL, for benchmarks that reach it directly.
    pub url: String,
    pub client: reqwest::Client,
    pub clock: Arc<Mutex<NaiveDateTime>>,
    pub service: Arc<Service>,
    pub store: Arc<dyn Store>,
    /// The one-time codes sent, as `(phone, code)`.
    pub outbox: Arc<Mutex<Vec<(String, String)>>>,
    _guard: Box<dyn Any + Send>,
}

/// An SMS sender that keeps what it sends, for the tests to read.
struct Outbox(Arc<Mutex<Vec<(String, String)>>>);

impl SmsSender for Outbox {
    fn send_code(&self, phone: &MobileNumber, code: &str) -> Result<(), String> {
        self.0
            .lock()
            .unwrap()
            .push((phone.as_str().to_owned(), code.to_owned()));
        Ok(())
    }
}

/// The phone of the test citizen, as the stories' reports give it.
pub const CITIZEN_PHONE: &str = "13812345678";

/// The login of the test user of `role` (of `department`).
pub fn login(role: &str, department: Option<&str>) -> String {
    match department {
        Some(d) => format!("{role}.{d}"),
        None => format!("{role}-1"),
    }
}

/// The API token of the test user of `role` (of `department`).
pub fn token_of(role: &str, department: Option<&str>) -> String {
    format!("test-token-{}", login(role, department))
}

/// A user of `role` working for the whole test city (a grid worker for
/// both grids), with an API token [`token_of`].
pub async fn add_user(store: &dyn Store, role: &str, department: Option<&str>) {
    let grids: &[&str] = if role == "grid_worker" {
        &[WEST_GRID, "440507001001002"]
    } else {
        &[]
    };
    let region = (role != "citizen").then_some("4405");
    let phone = (role == "citizen").then_some(CITIZEN_PHONE);
    let token = add_user_with(
        store,
        &login(role, department),
        role,
        region,
        department,
        grids,
        phone,
    )
    .await;
    assert_eq!(token, token_of(role, department));
}

/// A user `login` of `role` with this jurisdiction; returns their API
/// token.
pub async fn add_user_with(
    store: &dyn Store,
    login: &str,
    role: &str,
    region: Option<&str>,
    department: Option<&str>,
    grids: &[&str],
    phone: Option<&str>,
) -> String {
    let user = UserRecord {
        id: login.into(),
        name: login.into(),
        role: role.into(),
        region: region.map(code),
        department: department.map(str::to_owned),
        grids: grids.iter().map(|g| code(g)).collect(),
        phone: phone.map(str::to_owned),
        password_hash: None,
        must_change: false,
        failures: 0,
        locked_until: None,
        disabled: false,
        created_at: at(1, 9, 0),
        updated_at: at(1, 9, 0),
    };
    store.insert_user(&user, &[]).await.unwrap();
    let token = format!("test-token-{login}");
    let record = TokenRecord {
        id: login.into(),
        token_hash: gongzhi_service::accounts::token_hash(&token),
        name: "tests".into(),
        user_id: login.into(),
        created_at: at(1, 9, 0),
        revoked_at: None,
    };
    store.insert_token(&record, &[]).await.unwrap();
    token
}

async fn store(backend: Backend) -> Option<(Arc<dyn Store>, String, Box<dyn Any + Send>)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}/g.db", dir.path().display());
            let store =
                gongzhi_store_sqlite::SqliteStore::connect(&url, gongzhi_testkit::keyring())
                    .await
                    .unwrap();
            Some((Arc::new(store), url, Box::new(dir)))
        }
        Backend::Postgres => {
            let db = gongzhi_testkit::pg::fresh_database().await?;
            let store = gongzhi_store_pg::PgStore::connect(&db.url(), gongzhi_testkit::keyring())
                .await
                .unwrap();
            Some((Arc::new(store), db.url(), Box::new(db)))
        }
    }
}

impl Server {
    /// A server over a fresh store, or `None` (after a loud skip) when the
    /// backend is not configured here.
    pub async fn start(backend: Backend) -> Option<Server> {
        let (store, url, guard) = store(backend).await?;
        store.migrate().await.unwrap();
        let regions = [
            ("44", "广东省"),
            ("4405", "汕头市"),
            ("440507", "龙湖区"),
            ("440507001", "珠池街道"),
            (COMMUNITY, "金砂社区"),
            (WEST_GRID, "金砂社区第一网格"),
            ("440507001001002", "金砂社区第二网格"),
        ];
        let boundaries = vec![
            (code(WEST_GRID), square(116.70, 23.36, 116.71, 23.37)),
            (
                code("440507001001002"),
                square(116.71, 23.36, 116.72, 23.37),
            ),
            (code(COMMUNITY), square(116.70, 23.36, 116.72, 23.37)),
        ];
        let batch = RegionBatch {
            regions: regions
                .iter()
                .map(|(c, n)| Region::new(code(c), *n))
                .collect(),
            boundaries: boundaries.clone(),
            ..RegionBatch::default()
        };
        store.apply(&batch).await.unwrap();
        let locator = Locator::build(store.subtree(None, None).await.unwrap(), boundaries);
        let clock = Arc::new(Mutex::new(at(2, 9, 0)));
        let service = Service::open(
            store.clone(),
            Calendar::china(),
            DuplicateWindow::default(),
            at(1, 9, 0),
        )
        .await
        .unwrap();
        let list = gongzhi_domain::fixtures::City::new()
            .responsibility
            .document()
            .clone();
        let departments: Vec<String> = list.departments.iter().map(|d| d.code.clone()).collect();
        service
            .save_responsibility(1, list, &Principal::system(), at(1, 9, 0))
            .await
            .unwrap();
        let service = Arc::new(service);
        let outbox = Arc::new(Mutex::new(Vec::new()));
        let accounts = Arc::new(
            Accounts::new(
                store.clone(),
                Roles::built_in(),
                Box::new(Outbox(outbox.clone())),
                SignInPolicy::default(),
            )
            .unwrap(),
        );
        for (role, department) in [
            ("citizen", None),
            ("grid_worker", None),
            ("operator", None),
            ("supervisor", None),
            ("leader", None),
            ("admin", None),
        ]
        .into_iter()
        .chain(
            departments
                .iter()
                .map(|d| ("department_handler", Some(d.as_str()))),
        )
        .chain(departments.iter().map(|d| ("mediator", Some(d.as_str()))))
        {
            add_user(store.as_ref(), role, department).await;
        }
        let now = clock.clone();
        let state = AppState::new(
            store.clone(),
            locator,
            service.clone(),
            accounts,
            gongzhi_http::metrics_handle(),
        )
        .with_clock(Arc::new(move || *now.lock().unwrap()))
        .with_open311_keys(vec![OPEN311_KEY.into()]);
        let app = gongzhi_http::router(state, Limits::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Some(Server {
            base,
            url,
            client: reqwest::Client::new(),
            clock,
            service,
            store,
            outbox,
            _guard: guard,
        })
    }

    /// The codes of the catalogue's categories (小类) in force.
    pub fn categories(&self) -> Vec<String> {
        self.service
            .rules()
            .catalogue
            .categories()
            .filter(|c| c.code.len() == 4)
            .map(|c| c.code.clone())
            .collect()
    }

    /// Moves the clock to `t`.
    pub fn set_time(&self, t: NaiveDateTime) {
        *self.clock.lock().unwrap() = t;
    }

    fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        role: &str,
        department: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let r = self.client.request(method, format!("{}{path}", self.base));
        if role == "anonymous" {
            r
        } else {
            r.bearer_auth(token_of(role, department))
        }
    }

    async fn send(r: reqwest::RequestBuilder) -> (u16, Value) {
        let response = r.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// GET as `role`.
    pub async fn get(&self, path: &str, role: &str) -> (u16, Value) {
        Server::send(self.request(reqwest::Method::GET, path, role, None)).await
    }

    /// POST JSON as `role` (of `department`).
    pub async fn post(
        &self,
        path: &str,
        role: &str,
        department: Option<&str>,
        body: &Value,
    ) -> (u16, Value) {
        Server::send(
            self.request(reqwest::Method::POST, path, role, department)
                .json(body),
        )
        .await
    }

    /// PUT JSON as `role`.
    pub async fn put(&self, path: &str, role: &str, body: &Value) -> (u16, Value) {
        Server::send(
            self.request(reqwest::Method::PUT, path, role, None)
                .json(body),
        )
        .await
    }

    /// Reports a matter of `category` at `(lng, lat)` as `role`; returns the event.
    pub async fn report(
        &self,
        role: &str,
        category: &str,
        point: (f64, f64),
        title: &str,
    ) -> Value {
        let body = json!({
            "category": category,
            "title": title,
            "description": "详见照片",
            "address": "金砂路 88 号",
            "location": {"lng": point.0, "lat": point.1},
            "reporter": {"name": "王小明", "phone": "13812345678"},
        });
        let (status, v) = self.post("/api/v1/events", role, None, &body).await;
        assert_eq!(status, 201, "{v}");
        v
    }

    /// Takes a step as `role`, expecting success; returns the event.
    pub async fn step(
        &self,
        number: &str,
        role: &str,
        department: Option<&str>,
        step: Value,
    ) -> Value {
        let (status, v) = self
            .post(
                &format!("/api/v1/events/{number}/actions"),
                role,
                department,
                &step,
            )
            .await;
        assert_eq!(status, 200, "{step} as {role}: {v}");
        v
    }

    /// Takes each `(role, department, step)` in turn; returns the event
    /// after the last.
    pub async fn walk(&self, number: &str, steps: &[(&str, Option<&str>, Value)]) -> Value {
        let mut last = Value::Null;
        for (role, department, step) in steps {
            last = self.step(number, role, *department, step.clone()).await;
        }
        last
    }

    /// An event's reporter in full, as an operator reveals them.
    pub async fn reveal(&self, number: &str) -> Value {
        let (status, full) = self
            .get(&format!("/api/v1/events/{number}/reporter"), "operator")
            .await;
        assert_eq!(status, 200, "{full}");
        full
    }

    /// The actions of an event's timeline.
    pub async fn timeline(&self, number: &str) -> Vec<String> {
        let (status, v) = self
            .get(&format!("/api/v1/events/{number}/timeline"), "operator")
            .await;
        assert_eq!(status, 200, "{v}");
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// One `#[tokio::test]` per story and backend.
#[macro_export]
macro_rules! on_both_backends {
    ($($story:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $story() {
                    let server = $crate::common::Server::start($crate::common::Backend::Sqlite).await.unwrap();
                    super::$story(server).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $story() {
                    let Some(server) = $crate::common::Server::start($crate::common::Backend::Postgres).await else {
                        return;
                    };
                    super::$story(server).await;
                }
            )+
        }
    };
}
