//! Divides every county of Shantou (4405) and Guangzhou (4401) into its real
//! towns and communities and into generated grids, from the real division
//! list and county boundaries in the shared data folder, and checks that
//! every level tiles its parent: the counts match the division list, the
//! areas of the children add up to the parent's, siblings do not overlap
//! and every child lies within its parent.
//!
//! It takes about a second in release mode and a few in debug mode:
//! `cargo test -p gongzhi-geo --release --test gridgen_tiling -- --nocapture`
//! prints the generation time and the worst errors found.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use geo::{Area, BooleanOps, BoundingRect, MultiPolygon};
use gongzhi_domain::{Crs, Level, Region, RegionCode};
use gongzhi_geo::convert;
use gongzhi_geo::gridgen::{GeneratedArea, GridOptions, generate_county};
use gongzhi_testkit::shared_data;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, Envelope, RTree};

/// Towns and communities of one city from the division list.
fn divisions(dir: &Path, city: &str) -> Vec<Region> {
    let mut regions = common::divisions(dir, "streets-44.csv", city);
    regions.extend(common::divisions(dir, "villages-44.csv", city));
    regions
}

/// County boundaries of one city, converted from GCJ-02 to WGS-84.
fn boundaries(dir: &Path, city: &str) -> BTreeMap<RegionCode, MultiPolygon<f64>> {
    let path = dir.join(format!("boundaries/guangdong/{city}.geojson"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let collection: geojson::FeatureCollection = text.parse().expect("a FeatureCollection");
    let mut counties = BTreeMap::new();
    for feature in collection.features {
        let id = match feature.id.as_ref().expect("a feature id") {
            geojson::feature::Id::String(s) => s.clone(),
            geojson::feature::Id::Number(n) => n.to_string(),
        };
        let code = RegionCode::parse(&id).expect("a county code");
        let geometry = feature.geometry.expect("a geometry");
        let gcj: MultiPolygon<f64> = match geo::Geometry::<f64>::try_from(geometry) {
            Ok(geo::Geometry::Polygon(p)) => p.into(),
            Ok(geo::Geometry::MultiPolygon(mp)) => mp,
            other => panic!("county {code} is not a polygon: {other:?}"),
        };
        counties.insert(code, convert::to_wgs84(&gcj, Crs::Gcj02));
    }
    counties
}

/// What a city must give.
struct Expected {
    city: &'static str,
    counties: usize,
    towns: usize,
    communities: usize,
    /// Bounds of the number of grids: 7.9 per community on average.
    grids: (usize, usize),
}

/// The generated areas of a whole city, with the county boundaries.
struct City {
    counties: BTreeMap<RegionCode, MultiPolygon<f64>>,
    areas: Vec<GeneratedArea>,
    elapsed: Duration,
}

fn generate_city(dir: &Path, city: &str) -> City {
    let below = divisions(dir, city);
    let counties = boundaries(dir, city);
    let opts = GridOptions::default();
    let start = Instant::now();
    let mut areas = Vec::new();
    for (code, boundary) in &counties {
        let generated = generate_county(code, boundary, &below, &opts)
            .unwrap_or_else(|e| panic!("county {code}: {e}"));
        areas.extend(generated);
    }
    City {
        counties,
        areas,
        elapsed: start.elapsed(),
    }
}

fn check_city(expected: &Expected) {
    let Some(dir) = shared_data() else { return };
    let city = generate_city(&dir, expected.city);
    let count = |level| {
        city.areas
            .iter()
            .filter(|a| a.region.level() == level)
            .count()
    };
    let (towns, communities, grids) = (
        count(Level::Town),
        count(Level::Community),
        count(Level::Grid),
    );
    eprintln!(
        "{}: {} counties, {towns} towns, {communities} communities, {grids} grids generated in {:.2?}",
        expected.city,
        city.counties.len(),
        city.elapsed
    );

    // (a) counts
    assert_eq!(city.counties.len(), expected.counties, "counties");
    assert_eq!(towns, expected.towns, "towns");
    assert_eq!(communities, expected.communities, "communities");
    let (lo, hi) = expected.grids;
    assert!(
        (lo..=hi).contains(&grids),
        "{grids} grids, expected {lo}..={hi}"
    );
    for area in &city.areas {
        assert!(
            !area.boundary.0.is_empty(),
            "{} has no polygon",
            area.region.code
        );
    }
    assert!(
        city.areas
            .windows(2)
            .all(|w| w[0].region.code < w[1].region.code),
        "every code appears once, in order"
    );
    // Grids are numbered 1..=n in each community and named after it.
    let mut number = 0;
    for area in &city.areas {
        match area.region.level() {
            Level::Community => number = 0,
            Level::Grid => {
                number += 1;
                let community = area.region.code.parent().expect("a community");
                assert_eq!(Some(&area.region.code), community.child(number).as_ref());
                let name = &area.region.name;
                assert!(
                    name.ends_with(&format!("第{number}网格"))
                        && !name.contains("委员会")
                        && !name.contains("居委"),
                    "grid {} is named {name}",
                    area.region.code
                );
            }
            _ => {}
        }
    }

    // Children grouped under their parents; the counties are the roots.
    let mut polygons: BTreeMap<&RegionCode, &MultiPolygon<f64>> = city.counties.iter().collect();
    let mut children: BTreeMap<RegionCode, Vec<&GeneratedArea>> = BTreeMap::new();
    for area in &city.areas {
        polygons.insert(&area.region.code, &area.boundary);
        let parent = area.region.code.parent().expect("a parent");
        children.entry(parent).or_default().push(area);
    }

    let start = Instant::now();
    let mut worst_sum = 0f64;
    let mut worst_overlap = 0f64;
    let mut worst_outside = 0f64;
    let mut pairs = 0usize;
    for (parent, kids) in &children {
        let parent_polygon = polygons
            .get(parent)
            .unwrap_or_else(|| panic!("parent {parent} of generated regions has no polygon"));
        let parent_area = parent_polygon.unsigned_area();

        // (b) the areas add up. A county boundary that is not a valid
        // polygon (most published ones: rings touching themselves) is
        // repaired by an overlay first, which moves vertices by up to a
        // billionth of its extent, hence errors near 1e-10 at that level.
        let sum: f64 = kids.iter().map(|k| k.boundary.unsigned_area()).sum();
        let relative = (sum - parent_area).abs() / parent_area;
        worst_sum = worst_sum.max(relative);
        assert!(
            relative < 1e-6,
            "children of {parent}: areas add up to {sum}, parent has {parent_area} (relative error {relative:e})"
        );

        // (c) siblings do not overlap
        let boxes: Vec<GeomWithData<Rectangle<[f64; 2]>, usize>> = kids
            .iter()
            .enumerate()
            .map(|(i, k)| GeomWithData::new(Rectangle::from_aabb(envelope(&k.boundary)), i))
            .collect();
        let tree = RTree::bulk_load(boxes);
        for (i, kid) in kids.iter().enumerate() {
            for candidate in tree.locate_in_envelope_intersecting(&envelope(&kid.boundary)) {
                let j = candidate.data;
                if j <= i {
                    continue;
                }
                pairs += 1;
                let other = kids[j];
                let overlap = kid.boundary.intersection(&other.boundary).unsigned_area();
                let smaller = kid
                    .boundary
                    .unsigned_area()
                    .min(other.boundary.unsigned_area());
                worst_overlap = worst_overlap.max(overlap / smaller);
                assert!(
                    overlap < 1e-9 * smaller,
                    "{} and {} overlap by {overlap:e} deg² ({:e} of the smaller)",
                    kid.region.code,
                    other.region.code,
                    overlap / smaller
                );
            }
        }

        // (d) every child lies within its parent. The overlay rounds
        // coordinates to a grid of 2^-29 of the larger half-extent of its
        // operands, so a child that is exactly within its parent may stick
        // out by up to one step along its boundary (visible where the child
        // has a vertex on an edge of the parent, as every town has on the
        // county boundary); a real defect is millions of times larger.
        let parent_box = envelope(parent_polygon);
        for kid in kids {
            let own = kid.boundary.unsigned_area();
            let outside = kid.boundary.difference(*parent_polygon).unsigned_area();
            let extent = {
                let mut both = parent_box;
                both.merge(&envelope(&kid.boundary));
                let (lo, hi) = (both.lower(), both.upper());
                (hi[0] - lo[0]).max(hi[1] - lo[1])
            };
            let noise = perimeter(&kid.boundary) * extent / f64::from(1u32 << 29);
            worst_outside = worst_outside.max(outside / noise);
            assert!(
                outside <= noise && outside < 1e-6 * own,
                "{} sticks out of {parent} by {outside:e} deg² ({:e} of its area, {:e} of the rounding noise)",
                kid.region.code,
                outside / own,
                outside / noise
            );
        }
    }
    eprintln!(
        "{}: checked {} parents and {pairs} sibling pairs in {:.2?}; worst relative area sum error {worst_sum:e}, \
         worst overlap {worst_overlap:e}, worst part outside the parent {worst_outside:e} of the rounding noise",
        expected.city,
        children.len(),
        start.elapsed()
    );
    assert!(
        pairs > grids,
        "the bounding-box search found too few sibling pairs: {pairs}"
    );
}

/// Length of every ring of a multipolygon.
fn perimeter(mp: &MultiPolygon<f64>) -> f64 {
    mp.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|ring| ring.lines())
        .map(|line| line.dx().hypot(line.dy()))
        .sum()
}

/// Bounding box of a multipolygon for the R-tree.
fn envelope(mp: &MultiPolygon<f64>) -> AABB<[f64; 2]> {
    let rect = mp.bounding_rect().expect("a non-empty polygon");
    AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y])
}

#[test]
fn shantou_is_tiled_exactly_at_every_level() {
    check_city(&Expected {
        city: "4405",
        counties: 7,
        towns: 67,
        communities: 1091,
        grids: (8000, 9200),
    });
}

#[test]
fn guangzhou_is_tiled_exactly_at_every_level() {
    check_city(&Expected {
        city: "4401",
        counties: 11,
        towns: 178,
        communities: 2851,
        grids: (21_000, 24_000),
    });
}

#[test]
fn generation_is_deterministic() {
    let Some(dir) = shared_data() else { return };
    let first = generate_city(&dir, "4405");
    let second = generate_city(&dir, "4405");
    assert_eq!(first.areas.len(), second.areas.len());
    for (a, b) in first.areas.iter().zip(&second.areas) {
        assert_eq!(a.region, b.region);
        assert_eq!(
            a.boundary, b.boundary,
            "{} differs between runs",
            a.region.code
        );
    }
    let names: Vec<&str> = first
        .areas
        .iter()
        .filter(|a| a.region.level() == Level::Grid)
        .map(|a| a.region.name.as_str())
        .take(3)
        .collect();
    eprintln!("first grid names: {names:?}");
}
