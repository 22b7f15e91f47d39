//! Point to grid on Shantou's generated grids (about 8,700 grids in 1,091
//! communities, 67 towns and 7 counties): lookups per second on one core for
//! random points inside the city, against a reference run in the same
//! process — a linear scan that tests each grid's bounding box, then the
//! polygon, which is what a lookup costs without a spatial index.
//!
//! Needs the shared data folder (or GONGZHI_SHARED_DATA); without it the
//! benchmark says so and measures nothing.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use geo::{BoundingRect, Coord, Intersects, MultiPolygon, Rect};
use gongzhi_domain::{Crs, Level, LngLat, RegionCode, seeded::seeded_hash};
use gongzhi_geo::{
    gridgen::{GridOptions, generate_county},
    locator::Locator,
    read::{ReadOptions, read_features},
};
use gongzhi_testkit::shared_data;
use std::path::Path;

#[path = "../tests/common/mod.rs"]
mod common;
use common::divisions;

/// Every generated area of Shantou, with the county boundaries.
fn shantou(data: &Path) -> Vec<(RegionCode, MultiPolygon<f64>)> {
    let opts = ReadOptions {
        crs: Crs::Gcj02,
        repair: true,
    };
    let counties = read_features(&data.join("boundaries/guangdong/4405.geojson"), opts).unwrap();
    let mut below = divisions(data, "streets-44.csv", "4405");
    below.extend(divisions(data, "villages-44.csv", "4405"));
    let mut areas = Vec::new();
    for f in counties.features {
        let code = RegionCode::parse(f.id.as_deref().unwrap()).unwrap();
        let generated =
            generate_county(&code, &f.geometry, &below, &GridOptions::default()).unwrap();
        areas.extend(generated.into_iter().map(|a| (a.region.code, a.boundary)));
        areas.push((code, f.geometry));
    }
    areas
}

fn bench(c: &mut Criterion) {
    let Some(data) = shared_data() else { return };
    let areas = shantou(&data);
    let grids: Vec<(Rect<f64>, &MultiPolygon<f64>)> = areas
        .iter()
        .filter(|(c, _)| c.level() == Level::Grid)
        .map(|(_, mp)| (mp.bounding_rect().unwrap(), mp))
        .collect();
    let locator = Locator::build(Vec::new(), areas.iter().cloned());
    let bounds = areas
        .iter()
        .filter(|(c, _)| c.level() == Level::County)
        .filter_map(|(_, mp)| mp.bounding_rect())
        .reduce(|a, b| {
            Rect::new(
                Coord {
                    x: a.min().x.min(b.min().x),
                    y: a.min().y.min(b.min().y),
                },
                Coord {
                    x: a.max().x.max(b.max().x),
                    y: a.max().y.max(b.max().y),
                },
            )
        })
        .unwrap();
    // Random points inside the city: uniform in its box, kept when a grid holds them.
    let unit = |i: u64, salt: u64| {
        (seeded_hash(42, &i.to_string(), salt) >> 11) as f64 / (1u64 << 53) as f64
    };
    let points: Vec<LngLat> = (0u64..)
        .map(|i| LngLat {
            lng: bounds.min().x + unit(i, 1) * bounds.width(),
            lat: bounds.min().y + unit(i, 2) * bounds.height(),
        })
        .filter(|p| locator.locate(*p).is_some_and(|c| c.level() == Level::Grid))
        .take(10_000)
        .collect();
    eprintln!("{} grids, {} points", grids.len(), points.len());

    let mut group = c.benchmark_group("point_to_grid");
    group.throughput(Throughput::Elements(points.len() as u64));
    group.bench_function(BenchmarkId::new("locator", grids.len()), |b| {
        b.iter(|| {
            points
                .iter()
                .filter(|p| locator.locate(**p).is_some())
                .count()
        })
    });
    group.bench_function(
        BenchmarkId::new("reference_linear_scan", grids.len()),
        |b| {
            b.iter(|| {
                points
                    .iter()
                    .filter(|p| {
                        let c = Coord { x: p.lng, y: p.lat };
                        grids
                            .iter()
                            .any(|(r, mp)| r.intersects(&c) && mp.intersects(&c))
                    })
                    .count()
            })
        },
    );
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
