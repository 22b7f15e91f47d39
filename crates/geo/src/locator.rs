//! Point to grid: which region holds a point, answered from memory.
//!
//! The locator keeps one R-tree of bounding boxes per level, deepest first.
//! A lookup asks the grid layer first and climbs only when no grid holds the
//! point, so a point outside every grid resolves to the deepest region that
//! holds it, or to nothing ("outside the jurisdiction"). A point on an edge
//! shared by several regions of the same level resolves to the one with the
//! smallest code, whatever the order the regions were loaded in.
//!
//! [`Locator::resolve`] gives the whole answer the API and the command line
//! print: whether a grid, only a coarser region or nothing holds the point,
//! and the chain of regions down to the one that does.

use geo::{BoundingRect, Coord, Intersects, MultiPolygon};
use gongzhi_domain::{Level, LngLat, Region, RegionCode};
use rstar::{AABB, RTree, primitives::GeomWithData};
use std::collections::HashMap;

type Entry = GeomWithData<rstar::primitives::Rectangle<[f64; 2]>, u32>;

/// The polygons of one level.
struct Layer {
    level: Level,
    tree: RTree<Entry>,
    /// Sorted by code, so that a smaller index means a smaller code.
    shapes: Vec<(RegionCode, MultiPolygon<f64>)>,
}

impl Layer {
    fn build(level: Level, mut shapes: Vec<(RegionCode, MultiPolygon<f64>)>) -> Layer {
        shapes.sort_by(|a, b| a.0.cmp(&b.0));
        let entries = shapes
            .iter()
            .enumerate()
            .filter_map(|(i, (_, mp))| {
                let r = mp.bounding_rect()?;
                let rect = rstar::primitives::Rectangle::from_corners(
                    [r.min().x, r.min().y],
                    [r.max().x, r.max().y],
                );
                Some(GeomWithData::new(rect, u32::try_from(i).ok()?))
            })
            .collect();
        Layer {
            level,
            tree: RTree::bulk_load(entries),
            shapes,
        }
    }

    /// The index of the smallest-coded shape that holds `c`, edges included.
    fn find(&self, c: Coord<f64>) -> Option<usize> {
        let mut best: Option<usize> = None;
        for e in self
            .tree
            .locate_in_envelope_intersecting(&AABB::from_point([c.x, c.y]))
        {
            let i = e.data as usize;
            if best.is_none_or(|b| i < b) && self.shapes[i].1.intersects(&c) {
                best = Some(i);
            }
        }
        best
    }
}

/// How precisely a point was placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A grid (or micro-grid) holds the point.
    Grid,
    /// No grid holds it, but a coarser region does: the jurisdiction is not
    /// yet fully divided into grids there.
    Region,
    /// No region with a boundary holds it: outside the jurisdiction.
    Outside,
}

impl Status {
    /// Stable machine name, as used in the API: `grid`, `region`, `outside`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Grid => "grid",
            Status::Region => "region",
            Status::Outside => "outside",
        }
    }
}

/// Where a point lies: how precisely, and in which regions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// Grid, region or outside.
    pub status: Status,
    /// The deepest region holding the point and its known ancestors, from
    /// the top of the tree down; empty when the point is outside.
    pub chain: Vec<Region>,
}

/// An in-memory index answering which region holds a point.
pub struct Locator {
    names: HashMap<RegionCode, String>,
    /// Deepest level first.
    layers: Vec<Layer>,
}

impl Locator {
    /// Builds the index from every region (for names) and every boundary
    /// (WGS-84). Boundaries of regions missing from `regions` are indexed
    /// all the same; their names read as empty.
    pub fn build(
        regions: impl IntoIterator<Item = Region>,
        boundaries: impl IntoIterator<Item = (RegionCode, MultiPolygon<f64>)>,
    ) -> Locator {
        let names = regions.into_iter().map(|r| (r.code, r.name)).collect();
        let mut by_level: HashMap<Level, Vec<(RegionCode, MultiPolygon<f64>)>> = HashMap::new();
        for (code, mp) in boundaries {
            by_level.entry(code.level()).or_default().push((code, mp));
        }
        let mut layers: Vec<Layer> = by_level
            .into_iter()
            .map(|(level, shapes)| Layer::build(level, shapes))
            .collect();
        layers.sort_by_key(|l| std::cmp::Reverse(l.level));
        Locator { names, layers }
    }

    /// The code of the deepest region holding the WGS-84 point, or `None`
    /// when the point lies outside every region with a boundary.
    pub fn locate(&self, p: LngLat) -> Option<&RegionCode> {
        let c = Coord { x: p.lng, y: p.lat };
        self.layers
            .iter()
            .find_map(|layer| layer.find(c).map(|i| &layer.shapes[i].0))
    }

    /// The region and its known ancestors, from the top of the tree down.
    /// The region itself is always last, with an empty name when it was not
    /// among the regions the locator was built from.
    pub fn chain(&self, code: &RegionCode) -> Vec<Region> {
        let name = |c: &RegionCode| self.names.get(c).cloned();
        code.ancestors()
            .into_iter()
            .filter_map(|c| Some(Region::new(c.clone(), name(&c)?)))
            .chain(std::iter::once(Region::new(
                code.clone(),
                name(code).unwrap_or_default(),
            )))
            .collect()
    }

    /// Where the WGS-84 point lies: the deepest region holding it with its
    /// chain, and whether that region is a grid.
    pub fn resolve(&self, p: LngLat) -> Resolution {
        match self.locate(p) {
            None => Resolution {
                status: Status::Outside,
                chain: Vec::new(),
            },
            Some(code) => Resolution {
                status: if code.level() >= Level::Grid {
                    Status::Grid
                } else {
                    Status::Region
                },
                chain: self.chain(code),
            },
        }
    }

    /// Number of indexed boundaries of each level, deepest first.
    pub fn counts(&self) -> Vec<(Level, usize)> {
        self.layers
            .iter()
            .map(|l| (l.level, l.shapes.len()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{MultiPolygon, polygon};
    use proptest::prelude::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![
            polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)],
        ])
    }

    /// A county [0,2]×[0,1] with one community split into two grids at x=1,
    /// and a strip [1.5,2]×[0,1] of the county left without any grid.
    fn fixture(reversed: bool) -> Locator {
        let regions = vec![
            Region::new(code("440507"), "龙湖区"),
            Region::new(code("440507001"), "珠池街道"),
            Region::new(code("440507001001"), "翠洲社区"),
            Region::new(code("440507001001001"), "第1网格"),
            Region::new(code("440507001001002"), "第2网格"),
        ];
        let mut boundaries = vec![
            (code("440507"), square(0.0, 0.0, 2.0, 1.0)),
            (code("440507001"), square(0.0, 0.0, 1.5, 1.0)),
            (code("440507001001"), square(0.0, 0.0, 1.5, 1.0)),
            (code("440507001001001"), square(0.0, 0.0, 1.0, 1.0)),
            (code("440507001001002"), square(1.0, 0.0, 1.5, 1.0)),
        ];
        if reversed {
            boundaries.reverse();
        }
        Locator::build(regions, boundaries)
    }

    fn at(lng: f64, lat: f64) -> LngLat {
        LngLat { lng, lat }
    }

    #[test]
    fn a_point_inside_a_grid_gets_the_grid_and_its_chain() {
        let loc = fixture(false);
        let hit = loc.locate(at(0.5, 0.5)).unwrap();
        assert_eq!(hit, &code("440507001001001"));
        let chain: Vec<_> = loc.chain(hit).into_iter().map(|r| r.name).collect();
        assert_eq!(chain, ["龙湖区", "珠池街道", "翠洲社区", "第1网格"]);
    }

    #[test]
    fn outside_every_grid_resolves_to_the_deepest_region_or_nothing() {
        let loc = fixture(false);
        assert_eq!(loc.locate(at(1.8, 0.5)), Some(&code("440507")));
        assert_eq!(loc.locate(at(3.0, 0.5)), None);
    }

    #[test]
    fn a_point_on_a_shared_edge_resolves_to_the_smaller_code_in_any_load_order() {
        for reversed in [false, true] {
            let loc = fixture(reversed);
            assert_eq!(loc.locate(at(1.0, 0.5)), Some(&code("440507001001001")));
        }
    }

    #[test]
    fn resolve_says_grid_region_or_outside_with_the_chain() {
        let loc = fixture(false);
        let names = |r: &Resolution| r.chain.iter().map(|r| r.name.clone()).collect::<Vec<_>>();
        let grid = loc.resolve(at(1.2, 0.5));
        assert_eq!((grid.status, grid.status.as_str()), (Status::Grid, "grid"));
        assert_eq!(names(&grid), ["龙湖区", "珠池街道", "翠洲社区", "第2网格"]);
        let region = loc.resolve(at(1.8, 0.5));
        assert_eq!(
            (region.status, region.status.as_str()),
            (Status::Region, "region")
        );
        assert_eq!(names(&region), ["龙湖区"]);
        let outside = loc.resolve(at(3.0, 0.5));
        assert_eq!(outside.status.as_str(), "outside");
        assert_eq!(
            outside,
            Resolution {
                status: Status::Outside,
                chain: Vec::new()
            }
        );
    }

    #[test]
    fn micro_grids_count_as_grids_and_unnamed_regions_end_the_chain() {
        let micro = code("440507001001001001");
        let loc = Locator::build(
            vec![Region::new(code("440507"), "龙湖区")],
            vec![(micro.clone(), square(0.0, 0.0, 1.0, 1.0))],
        );
        let r = loc.resolve(at(0.5, 0.5));
        assert_eq!(r.status, Status::Grid);
        assert_eq!(
            r.chain,
            [
                Region::new(code("440507"), "龙湖区"),
                Region::new(micro, "")
            ]
        );
    }

    proptest! {
        #[test]
        fn every_point_of_the_county_resolves_to_the_grid_holding_it(x in 0.0f64..2.0, y in 0.0f64..1.0) {
            let loc = fixture(false);
            let expected = if x <= 1.0 { "440507001001001" } else if x <= 1.5 { "440507001001002" } else { "440507" };
            prop_assert_eq!(loc.locate(at(x, y)), Some(&code(expected)));
        }
    }
}
