//! The `gongzhi` binary: commands, configuration and wiring. The work itself
//! lives in the domain, geo, store and http crates.

mod audit;
mod cli;
mod config;
mod demo;
mod demo_index;
mod export;
mod generate;
mod history;
mod import;
mod index;
mod keys;
mod reference;
mod serve;
mod synth;

use clap::Parser;
use cli::{
    AuditCommand, Cli, Command, ConfigCommand, ExportCommand, GridsCommand, ImportCommand,
    IndexCommand, KeysCommand,
};
use config::{Config, Overrides};
use gongzhi_domain::LngLat;
use gongzhi_geo::gridgen::GridOptions;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            // 3: the input was refused (2 is a usage error); 1: anything else.
            if e.downcast_ref::<import::Refused>().is_some()
                || e.downcast_ref::<index::Refused>().is_some()
            {
                ExitCode::from(3)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let bind = match &cli.command {
        Command::Serve { bind } => *bind,
        Command::Demo(args) => args.bind,
        _ => None,
    };
    let overrides = Overrides {
        database_url: cli.database_url.clone(),
        bind,
    };
    let cfg = Config::load(cli.config.as_deref(), &overrides)?;
    init_tracing(&cfg.log);
    match cli.command {
        Command::Config(ConfigCommand::PrintDefault) => print!("{}", Config::default_toml()),
        Command::Config(ConfigCommand::Print) => {
            let mut shown = cfg.clone();
            shown.database.url = config::redact_url(&shown.database.url);
            for key in &mut shown.open311.api_keys {
                *key = "***".into();
            }
            print!("{}", toml::to_string_pretty(&shown)?);
        }
        Command::Migrate => {
            serve::open_migrated(&cfg).await?;
            println!(
                "migrations applied to {}",
                config::redact_url(&cfg.database.url)
            );
        }
        Command::Serve { .. } => {
            let store = serve::open_migrated(&cfg).await?;
            serve::serve(&cfg, store).await?;
        }
        Command::Demo(args) => demo::run(&cfg, &args).await?,
        Command::Import(cmd) => {
            let store = serve::open_migrated(&cfg).await?;
            let (what, report) = match cmd {
                ImportCommand::Divisions {
                    dir,
                    under,
                    skip_invalid,
                } => (
                    "divisions",
                    import::divisions::import(store.as_ref(), &dir, &under, skip_invalid).await?,
                ),
                ImportCommand::Boundaries {
                    files,
                    source,
                    code_field,
                    under,
                } => (
                    "boundaries",
                    import::boundaries::import(
                        store.as_ref(),
                        &files,
                        source,
                        code_field.as_deref(),
                        under.as_ref(),
                    )
                    .await?,
                ),
                ImportCommand::Grids {
                    files,
                    source,
                    code_field,
                    name_field,
                    parent_field,
                    leader_field,
                    workers_field,
                } => {
                    let fields = import::grids::Fields {
                        code: &code_field,
                        name: &name_field,
                        parent: &parent_field,
                        leader: leader_field.as_deref(),
                        workers: workers_field.as_deref(),
                    };
                    (
                        "grids",
                        import::grids::import(store.as_ref(), &files, source, fields).await?,
                    )
                }
            };
            report.print(what);
        }
        Command::Export(ExportCommand::Grids {
            geojson,
            under,
            crs,
        }) => {
            let store = serve::open_migrated(&cfg).await?;
            let n = export::grids(store.as_ref(), &under, &geojson, crs).await?;
            println!(
                "wrote {n} grids under {under} to {} ({crs})",
                geojson.display()
            );
        }
        Command::Grids(GridsCommand::Generate {
            under,
            per_community,
            seed,
        }) => {
            let store = serve::open_migrated(&cfg).await?;
            let opts = GridOptions {
                grids_per_community: per_community.unwrap_or(cfg.demo.grids_per_community),
                seed: seed.unwrap_or(cfg.demo.seed),
            };
            generate::generate(store.as_ref(), &under, &opts, generate::Counties::All)
                .await?
                .print("grids");
        }
        Command::Audit(AuditCommand::Verify) => {
            let store = serve::open_migrated(&cfg).await?;
            audit::verify(store.as_ref()).await?;
        }
        Command::Keys(KeysCommand::Rotate) => {
            let ring = std::sync::Arc::new(keys::rotate(&cfg)?);
            let store = serve::open_store(&cfg.database.url, ring).await?;
            store.migrate().await?;
            let n = store.reseal().await?;
            println!("sealed {n} records again under the new key");
        }
        Command::Audit(AuditCommand::Purge) => {
            let store = serve::open_migrated(&cfg).await?;
            let now = gongzhi_http::china_now();
            audit::purge(store.as_ref(), cfg.audit.retention_days, now).await?;
        }
        Command::Index(cmd) => {
            let store = serve::open_migrated(&cfg).await?;
            let service = serve::open_service(store, &cfg).await?;
            let now = gongzhi_http::china_now();
            match cmd {
                IndexCommand::Define { file } => index::define(&service, &file, now).await?,
                IndexCommand::Load { code, file } => {
                    index::load(&service, &code, &file, now).await?
                }
                IndexCommand::Compute { code, through } => {
                    index::compute(&service, &code, through.as_deref(), now).await?
                }
                IndexCommand::Show {
                    code,
                    period,
                    level,
                } => index::show(&service, &code, period.as_deref(), level.as_deref()).await?,
                IndexCommand::Export { code, file, period } => {
                    index::export(&service, &code, period.as_deref(), &file, now).await?
                }
            }
        }
        Command::Locate { lng, lat, crs } => {
            let point = LngLat::new(lng, lat)?;
            let store = serve::open_migrated(&cfg).await?;
            let locator = serve::load_locator(store.as_ref()).await?;
            let wgs = crs.to_wgs84(point);
            println!(
                "point ({lng}, {lat}) {crs} = ({:.7}, {:.7}) wgs84",
                wgs.lng, wgs.lat
            );
            let found = locator.resolve(wgs);
            println!("status: {}", found.status.as_str());
            if found.chain.is_empty() {
                println!("outside the jurisdiction: no stored region holds this point");
            }
            for r in found.chain {
                println!("  {:<18} {:<10} {}", r.code, r.level().name_zh(), r.name);
            }
        }
    }
    Ok(())
}

fn init_tracing(cfg: &config::LogConfig) {
    use tracing_subscriber::{EnvFilter, fmt};
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&cfg.filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    if cfg.json {
        builder.json().init();
    } else {
        builder.init();
    }
}
