//! `gongzhi demo`: a demo city on the embedded database, from real divisions
//! and county boundaries with generated grids, its departments and a
//! simulated past of events. Running it again changes nothing that is
//! already there.

use crate::{
    cli::{DemoArgs, SourceArgs},
    config::Config,
    generate,
    history::{self, HistoryOptions},
    import, reference, serve,
};
use gongzhi_domain::{Crs, RegionCode};
use gongzhi_geo::gridgen::GridOptions;

/// Sets up the demo city, prints what is loaded, and serves unless asked not to.
pub async fn run(cfg: &Config, args: &DemoArgs) -> anyhow::Result<()> {
    let city = RegionCode::parse(&cfg.demo.city).map_err(|e| anyhow::anyhow!("demo.city: {e}"))?;
    let data = reference::locate(&cfg.data)?;
    let store = serve::open_migrated(&cfg.database.url).await?;

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
    if args.no_serve {
        return Ok(());
    }
    let bind = cfg.server.bind;
    println!("try: curl 'http://{bind}/api/v1/locate?lng=116.68&lat=23.35&crs=gcj02'");
    serve::serve(cfg, store).await
}
