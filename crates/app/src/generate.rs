//! `gongzhi grids generate`: towns, communities and grids derived inside the
//! stored county boundaries, with synthetic staff, one county per transaction.

use crate::{import::Report, synth};
use anyhow::Context;
use gongzhi_domain::{Level, RegionCode};
use gongzhi_geo::gridgen::{GridOptions, generate_county};
use gongzhi_store::{RegionBatch, Store};

/// Generates every county under `under` and prints progress per county.
pub async fn generate(
    store: &dyn Store,
    under: &RegionCode,
    opts: &GridOptions,
) -> anyhow::Result<Report> {
    let counties = store.boundaries(Some(under), Some(Level::County)).await?;
    if counties.is_empty() {
        anyhow::bail!(
            "no county boundary is stored in {under}: import the divisions and their boundaries first"
        );
    }
    let mut report = Report::default();
    for (county, boundary) in counties {
        let started = std::time::Instant::now();
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
        let mut batch = RegionBatch::default();
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
        let o = &mut report.outcome;
        o.inserted += outcome.inserted;
        o.renamed += outcome.renamed;
        o.unchanged += outcome.unchanged;
        o.boundaries += outcome.boundaries;
        o.staff += outcome.staff;
    }
    Ok(report)
}
