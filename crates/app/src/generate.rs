//! `gongzhi grids generate`: towns, communities and grids derived inside the
//! stored county boundaries, with synthetic staff, one county per
//! transaction. A county's previous grids are replaced, not added to.

use crate::{import::Report, synth};
use anyhow::Context;
use gongzhi_domain::{Level, RegionCode};
use gongzhi_geo::gridgen::{GridOptions, generate_county};
use gongzhi_store::{RegionBatch, Store};

/// Which counties to divide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counties {
    /// Every county, replacing the grids it has.
    All,
    /// Only counties that have no grid yet (resuming an interrupted demo).
    WithoutGrids,
}

/// Generates the counties under `under` and prints progress per county.
pub async fn generate(
    store: &dyn Store,
    under: &RegionCode,
    opts: &GridOptions,
    which: Counties,
) -> anyhow::Result<Report> {
    anyhow::ensure!(
        under.level() <= Level::County,
        "grids are generated county by county: give a province, city or county code ({under} is a {})",
        under.level()
    );
    let counties = store.boundaries(Some(under), Some(Level::County)).await?;
    let mut report = Report::default();
    for county in store.subtree(Some(under), Some(Level::County)).await? {
        if !counties.iter().any(|(c, _)| c.code == county.code) {
            let below = store.subtree(Some(&county.code), None).await?.len() - 1;
            report.notices.push(format!(
                "{} {} has no boundary: its {below} towns and communities get no polygons or grids",
                county.code, county.name
            ));
        }
    }
    if counties.is_empty() {
        anyhow::bail!(
            "no county boundary is stored in {under}: import the divisions and their boundaries first"
        );
    }
    for (county, boundary) in counties {
        let started = std::time::Instant::now();
        let existing = grid_count(store, &county.code).await?;
        if which == Counties::WithoutGrids && existing > 0 {
            println!(
                "  {} {}: keeping its {existing} grids",
                county.code, county.name
            );
            continue;
        }
        let below: Vec<_> = store
            .subtree(Some(&county.code), None)
            .await?
            .into_iter()
            .filter(|r| matches!(r.level(), Level::Town | Level::Community))
            .collect();
        let areas = generate_county(&county.code, &boundary, &below, opts)
            .with_context(|| format!("cannot divide {} {}", county.code, county.name))?;
        if areas.is_empty() {
            report.notices.push(format!(
                "{} {} has no towns in the division list; nothing generated",
                county.code, county.name
            ));
            continue;
        }
        let mut batch = RegionBatch {
            replace: vec![(county.code.clone(), Level::Grid)],
            ..RegionBatch::default()
        };
        let mut grids = 0;
        for area in areas {
            if area.region.level() == Level::Grid {
                grids += 1;
                batch
                    .staff
                    .extend(synth::staff_for(opts.seed, &area.region.code));
            }
            batch
                .boundaries
                .push((area.region.code.clone(), area.boundary));
            batch.regions.push(area.region);
        }
        let outcome = store.apply(&batch).await?;
        println!(
            "  {} {}: {} towns, {} communities, {grids} grids, {} staff ({:.1} s)",
            county.code,
            county.name,
            below.iter().filter(|r| r.level() == Level::Town).count(),
            below
                .iter()
                .filter(|r| r.level() == Level::Community)
                .count(),
            outcome.staff,
            started.elapsed().as_secs_f64()
        );
        report.outcome += outcome;
    }
    Ok(report)
}

/// How many grids lie in a region's subtree.
pub async fn grid_count(store: &dyn Store, root: &RegionCode) -> anyhow::Result<u64> {
    Ok(store
        .count_by_level(Some(root))
        .await?
        .into_iter()
        .find(|c| c.level == Level::Grid)
        .map_or(0, |c| c.regions))
}
