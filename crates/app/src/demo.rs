//! `gongzhi demo`: a demo city on the embedded database, from real divisions
//! and county boundaries with generated grids, its departments and a
//! simulated past of events. Running it again changes nothing that is
//! already there.

use crate::{
    cli::{DemoArgs, SourceArgs},
    config::Config,
    demo_index, generate,
    history::{self, HistoryOptions},
    import, reference, serve,
};
use gongzhi_domain::{Crs, RegionCode};
use gongzhi_geo::gridgen::GridOptions;
use gongzhi_service::accounts::UserSpec;

/// Sets up the demo city, prints what is loaded, and serves unless asked not to.
pub async fn run(cfg: &Config, args: &DemoArgs) -> anyhow::Result<()> {
    let city = RegionCode::parse(&cfg.demo.city).map_err(|e| anyhow::anyhow!("demo.city: {e}"))?;
    let data = reference::locate(&cfg.data)?;
    let store = serve::open_migrated(cfg).await?;

    println!(
        "importing the divisions of {city} from {} ...",
        data.divisions.display()
    );
    import::divisions::import(store.as_ref(), &data.divisions, &city, false)
        .await?
        .print("divisions");

    let files = reference::boundary_files(&data.boundaries, city.as_str())?;
    anyhow::ensure!(
        !files.is_empty(),
        "no boundary file in {} covers {city}",
        data.boundaries.display()
    );
    let source = SourceArgs {
        crs: Crs::Gcj02,
        repair: true,
        skip_invalid: true,
    };
    import::boundaries::import(store.as_ref(), &files, source, None, Some(&city))
        .await?
        .print("boundaries");

    println!("generating towns, communities and grids inside the county boundaries ...");
    let opts = GridOptions {
        grids_per_community: cfg.demo.grids_per_community,
        seed: cfg.demo.seed,
    };
    generate::generate(
        store.as_ref(),
        &city,
        &opts,
        generate::Counties::WithoutGrids,
    )
    .await?
    .print("grids");

    println!("loaded:");
    for c in store.count_by_level(Some(&city)).await? {
        println!(
            "  {:<10} {:>6} ({} with boundary{})",
            c.level.name_zh(),
            c.regions,
            c.with_boundary,
            if c.staff > 0 {
                format!(", {} staff", c.staff)
            } else {
                String::new()
            }
        );
    }
    println!(
        "simulating {} days of events, about {} a day ...",
        cfg.demo.history_days, cfg.demo.events_per_day
    );
    let service = serve::open_service(store.clone(), cfg).await?;
    let options = HistoryOptions {
        days: cfg.demo.history_days,
        events_per_day: cfg.demo.events_per_day,
        seed: cfg.demo.seed,
    };
    history::simulate(
        &service,
        store.as_ref(),
        &city,
        options,
        gongzhi_http::china_now(),
    )
    .await?
    .print();
    demo_index::set_up(&service, &city, cfg.demo.seed, gongzhi_http::china_now()).await?;
    demo_users(cfg, store.clone(), &service, &city).await?;
    if args.no_serve {
        return Ok(());
    }
    let bind = cfg.server.bind;
    println!("try: curl 'http://{bind}/api/v1/locate?lng=116.68&lat=23.35&crs=gcj02'");
    serve::serve(cfg, store).await
}

/// One user per role, each with a fresh password printed here (demo mode
/// only): the city's centre, a department, a grid and a citizen.
async fn demo_users(
    cfg: &Config,
    store: std::sync::Arc<dyn gongzhi_store::Store>,
    service: &gongzhi_service::Service,
    city: &RegionCode,
) -> anyhow::Result<()> {
    let accounts = serve::open_accounts(store.clone(), cfg).await?;
    let grid = store
        .subtree(Some(city), Some(gongzhi_domain::Level::Grid))
        .await?
        .into_iter()
        .find(|r| r.level() == gongzhi_domain::Level::Grid)
        .map(|r| r.code);
    let department = service
        .rules()
        .responsibility
        .document()
        .departments
        .first()
        .map(|d| d.code.clone());
    println!("demo users (demo mode only; new passwords on every run):");
    for role in accounts.roles().all() {
        let phone = (role.name == "citizen").then(|| DEMO_CITIZEN.to_owned());
        let spec = UserSpec {
            id: format!("demo-{}", role.name.replace('_', "-")),
            name: format!("演示{}", role.title),
            role: role.name.clone(),
            region: Some(city.clone()),
            department: department.clone(),
            grids: grid.iter().cloned().collect(),
            phone,
        };
        let login = spec.id.clone();
        let password = accounts.demo_user(spec, gongzhi_http::china_now()).await?;
        if role.name == "citizen" {
            println!(
                "  {:<28} phone {DEMO_CITIZEN}, signs in with a one-time code (in the log)  {} {}",
                login, role.title, role.title_en
            );
        } else {
            println!("  {login:<28} {password}  {} {}", role.title, role.title_en);
        }
    }
    Ok(())
}

/// The demo citizen's phone.
const DEMO_CITIZEN: &str = "13800138000";
