//! The command line of `gongzhi`.

use clap::{Args, Parser, Subcommand};
use gongzhi_domain::{Crs, RegionCode};
use std::{net::SocketAddr, path::PathBuf};

/// gongzhi 共治 — the command centre of municipal social governance.
#[derive(Debug, Parser)]
#[command(name = "gongzhi", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (TOML); default ./gongzhi.toml when present.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database URL (sqlite://PATH or postgres://...); overrides GONGZHI_DATABASE_URL.
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (and, later, the web app).
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, value_name = "ADDR")]
        bind: Option<SocketAddr>,
    },
    /// Set up a demo city on the embedded database and serve it.
    Demo(DemoArgs),
    /// Apply pending database migrations.
    Migrate,
    /// Import divisions, boundaries or grids.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export what is stored.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Say which grid, and which chain of regions, holds a point.
    Locate {
        /// Longitude.
        #[arg(allow_negative_numbers = true)]
        lng: f64,
        /// Latitude.
        #[arg(allow_negative_numbers = true)]
        lat: f64,
        /// Coordinate system of the point: wgs84, gcj02 or bd09.
        #[arg(long, default_value = "wgs84")]
        crs: Crs,
    },
    /// Work with grids.
    #[command(subcommand)]
    Grids(GridsCommand),
    /// Show the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Manage the keys that seal personal data.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Check or prune the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Composite indices: define, load values, compute, show, export.
    #[command(subcommand)]
    Index(IndexCommand),
}

/// `gongzhi index ...`
#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Save a definition (.toml, .json or .xlsx) as the index's next version.
    Define {
        /// The definition file.
        file: PathBuf,
    },
    /// Load values from .csv or .xlsx: `period,unit,series,value` rows, or
    /// `period,unit` and one column per indicator.
    Load {
        /// The index's code.
        code: String,
        /// The values file.
        file: PathBuf,
    },
    /// Compute every period with values and store the results.
    Compute {
        /// The index's code.
        code: String,
        /// The last period to compute.
        #[arg(long)]
        through: Option<String>,
    },
    /// Show a period's ranking with warnings.
    Show {
        /// The index's code.
        code: String,
        /// The period; the newest without it.
        #[arg(long)]
        period: Option<String>,
        /// Units of this level only (county, town …).
        #[arg(long)]
        level: Option<String>,
    },
    /// Write a period's scores, ranks, warnings and method to an Excel file.
    Export {
        /// The index's code.
        code: String,
        /// The .xlsx file to write.
        file: PathBuf,
        /// The period; the newest without it.
        #[arg(long)]
        period: Option<String>,
    },
}

/// `gongzhi keys ...`
#[derive(Debug, clap::Subcommand)]
pub enum KeysCommand {
    /// Add a fresh key to the key file, make it primary, and seal every
    /// personal datum in the database again under it. The old keys stay in
    /// the file until removed by hand once this has run.
    Rotate,
}

/// `gongzhi audit ...`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain: find any entry changed, removed or reordered.
    Verify,
    /// Remove the entries older than the retention period
    /// (`audit.retention_days`).
    Purge,
}

/// Options of `gongzhi demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<SocketAddr>,
    /// Set up the data, then exit instead of serving.
    #[arg(long)]
    pub no_serve: bool,
}

/// `gongzhi import ...`
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Administrative divisions from CSV files in the layout of the national
    /// statistical codes (provinces.csv, cities.csv, areas.csv, streets*.csv, villages*.csv).
    Divisions {
        /// Folder holding the CSV files.
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// Import only this region, its ancestors and everything below it (e.g. 4405).
        #[arg(long, value_name = "CODE")]
        under: RegionCode,
        /// Apply the valid rows and list the invalid ones instead of refusing the import.
        #[arg(long)]
        skip_invalid: bool,
    },
    /// Boundaries of stored divisions from GeoJSON or Shapefile.
    Boundaries {
        /// The files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        source: SourceArgs,
        /// Feature property holding the code; default: the feature's `id`.
        #[arg(long, value_name = "NAME")]
        code_field: Option<String>,
        /// Import only features inside this region.
        #[arg(long, value_name = "CODE")]
        under: Option<RegionCode>,
    },
    /// Grid polygons a city has drawn, from GeoJSON or Shapefile.
    Grids {
        /// The files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        source: SourceArgs,
        /// Property holding the grid code (15 digits; 18 for a micro-grid).
        #[arg(long, default_value = "code", value_name = "NAME")]
        code_field: String,
        /// Property holding the grid name.
        #[arg(long, default_value = "name", value_name = "NAME")]
        name_field: String,
        /// Property holding the code of the parent community (or grid, for a micro-grid).
        #[arg(long, default_value = "parent", value_name = "NAME")]
        parent_field: String,
        /// Property holding the grid leader's name (网格长), if the files carry it.
        #[arg(long, value_name = "NAME")]
        leader_field: Option<String>,
        /// Property holding the grid workers' names (网格员), separated by commas or 、.
        #[arg(long, value_name = "NAME")]
        workers_field: Option<String>,
    },
}

/// How to read a polygon file.
#[derive(Debug, Clone, Copy, Args)]
pub struct SourceArgs {
    /// Coordinate system of the file: wgs84 (also cgcs2000), gcj02 or bd09.
    #[arg(long, default_value = "wgs84")]
    pub crs: Crs,
    /// Repair self-intersecting polygons instead of refusing them (each repair is listed).
    #[arg(long)]
    pub repair: bool,
    /// Apply the valid features and list the invalid ones instead of refusing the file.
    #[arg(long)]
    pub skip_invalid: bool,
}

/// `gongzhi export ...`
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Grids with their boundaries as a GeoJSON FeatureCollection.
    Grids {
        /// Output file.
        #[arg(long, value_name = "FILE")]
        geojson: PathBuf,
        /// Export the grids inside this region.
        #[arg(long, value_name = "CODE")]
        under: RegionCode,
        /// Coordinate system to write: wgs84, gcj02 or bd09.
        #[arg(long, default_value = "wgs84")]
        crs: Crs,
    },
}

/// `gongzhi grids ...`
#[derive(Debug, Subcommand)]
pub enum GridsCommand {
    /// Derive town, community and grid polygons inside the stored county
    /// boundaries, with synthetic grid staff (for demos and load tests).
    Generate {
        /// A province, city or county whose counties are divided.
        #[arg(long, value_name = "CODE")]
        under: RegionCode,
        /// Mean number of grids per community, above 0 and at most 999 [default: demo.grids_per_community].
        #[arg(long, value_parser = grids_per_community)]
        per_community: Option<f64>,
        /// Seed of the generators [default: demo.seed].
        #[arg(long)]
        seed: Option<u64>,
    },
}

/// `gongzhi config ...`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the default configuration, every key, as TOML.
    PrintDefault,
    /// Print the configuration in effect (secrets redacted).
    Print,
}

/// A mean number of grids per community: a number above 0 and at most 999.
fn grids_per_community(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if v > 0.0 && v <= 999.0 {
        Ok(v)
    } else {
        Err(format!("{s} is not above 0 and at most 999"))
    }
}
