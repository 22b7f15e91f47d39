//! Derived town, community and grid polygons inside real county boundaries.
//!
//! No city publishes the polygons of its grids (网格), and county boundaries
//! are the finest level of open data. For demos and load tests gongzhi
//! therefore derives the levels below a county itself: the county is divided
//! into its towns, each town into its communities and each community into a
//! plausible number of grids, so that the region tree of a real city can be
//! shown on a map and every point of the county falls in exactly one grid.
//!
//! The division is a recursive weighted bisection. A piece that must hold
//! `n` children with weights `w` is cut by one straight line into two pieces
//! whose areas are in the ratio of the first and the second half of `w`
//! (the offset of the line is found by bisection on the area on one side);
//! each half is cut again until every child has its own piece. Among six cut
//! directions (a start drawn from the seed, then every 30°) the shortest cut
//! wins, and cuts that would enter the piece more than once are penalised,
//! which keeps pieces compact and in one part where the coast allows. The
//! first piece lies to the west or north, so neighbouring codes are
//! neighbours on the ground.
//!
//! The cut is our own exact polygon-by-line split (not an overlay), so the
//! two sides share the very same cut vertices and keep every vertex of the
//! parent: the pieces tile their parent with no gap and no overlap, and
//! their areas add up to float rounding. At the end every vertex that lies
//! on an edge of a neighbour is inserted into that edge too, so that shared
//! boundaries are identical vertex for vertex. Everything is deterministic:
//! the same inputs and seed give the same output, byte for byte.
//!
//! Areas are measured in degrees², in which the shares inside a county are
//! within a fraction of a percent of the true shares; cut directions are
//! compared in a local metric (longitude scaled by the cosine of the
//! latitude) so that "compact" means compact on the ground. Generating all
//! of Guangzhou (2,851 communities, 22,600 grids) takes well under a second.

use std::collections::BTreeMap;
use std::f64::consts::PI;

use geo::{BooleanOps, Coord, CoordsIter, LineString, MultiPolygon, Polygon, Validation};
use gongzhi_domain::seeded::{mix, seeded_hash};
use gongzhi_domain::{Level, Region, RegionCode};
use rstar::{AABB, RTree};

/// Options of the generator.
#[derive(Debug, Clone)]
pub struct GridOptions {
    /// Mean number of grids per community (default 7.9, the ratio of
    /// Shantou's 8,624 grids to its 1,091 communities). Each community gets
    /// between about half and one and a half times this many, drawn
    /// deterministically from its code and the seed; must be in (0, 999].
    pub grids_per_community: f64,
    /// Seed of every deterministic draw: grid counts, area jitter of the
    /// communities and cut directions. Another seed gives another layout.
    pub seed: u64,
}

impl Default for GridOptions {
    fn default() -> Self {
        GridOptions {
            grids_per_community: 7.9,
            seed: 0,
        }
    }
}

/// A derived region and its polygon (WGS-84).
#[derive(Debug, Clone)]
pub struct GeneratedArea {
    /// The region: a town or community from the division list, or a new grid.
    pub region: Region,
    /// Its derived boundary; several polygons when a cut or the county's
    /// islands leave it in parts.
    pub boundary: MultiPolygon<f64>,
}

/// Why a county could not be divided. Every message names the code at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GenerateError {
    /// The code given as the county is not a county code.
    #[error("{code} is not a county code: a county code has 6 digits")]
    NotACounty {
        /// The code as given.
        code: RegionCode,
    },
    /// The options are out of range.
    #[error(
        "cannot divide county {county}: grids_per_community must be a number in (0, 999], got {value}"
    )]
    BadOptions {
        /// The county being divided.
        county: RegionCode,
        /// The offending mean.
        value: f64,
    },
    /// The county boundary has no polygon with a (finite) area.
    #[error("the boundary of county {county} is empty or has no finite area")]
    EmptyBoundary {
        /// The county.
        county: RegionCode,
    },
    /// The county boundary has a NaN or infinite coordinate.
    #[error("the boundary of county {county} has a coordinate that is not a finite number")]
    NonFiniteCoordinate {
        /// The county.
        county: RegionCode,
    },
    /// The county boundary is not a valid polygon and could not be repaired.
    #[error(
        "the boundary of county {county} is not a valid polygon and could not be repaired: {reason}"
    )]
    InvalidBoundary {
        /// The county.
        county: RegionCode,
        /// What is wrong with it.
        reason: String,
    },
    /// The same town or community appears twice in the division list.
    #[error("region {code} appears more than once in the division list")]
    DuplicateCode {
        /// The repeated code.
        code: RegionCode,
    },
    /// A community of the county whose town is not in the division list.
    #[error("community {code} belongs to town {town}, which is not in the division list")]
    OrphanCommunity {
        /// The community.
        code: RegionCode,
        /// Its missing town.
        town: RegionCode,
    },
    /// The polygon of a region could not be divided among its children.
    #[error("cannot divide the polygon of {code} among its children: {reason}")]
    Split {
        /// The region whose polygon was being divided.
        code: RegionCode,
        /// What went wrong.
        reason: &'static str,
    },
}

/// Divides one county into its towns, each town into its communities and each community into grids.
///
/// `below` holds the towns (9-digit) and communities (12-digit) of the county from the division list;
/// other levels and codes not under `county` are ignored.
/// Returns a polygon for every town and community in `below` plus the new grid regions (level Grid,
/// codes `community.child(1..=n)`), ordered by code.
///
/// Towns get areas proportional to their number of communities (at least
/// one), communities of a town roughly equal areas (jittered by ±25 %), and
/// the grids of a community equal areas. A county with no town in `below`
/// gives an empty list. `boundary` must be in WGS-84 (or any lng/lat datum:
/// the pieces are in the datum of the boundary).
pub fn generate_county(
    county: &RegionCode,
    boundary: &MultiPolygon<f64>,
    below: &[Region],
    opts: &GridOptions,
) -> Result<Vec<GeneratedArea>, GenerateError> {
    if county.level() != Level::County {
        return Err(GenerateError::NotACounty {
            code: county.clone(),
        });
    }
    let mean = opts.grids_per_community;
    if !(mean > 0.0 && mean <= f64::from(MAX_CHILDREN)) {
        return Err(GenerateError::BadOptions {
            county: county.clone(),
            value: mean,
        });
    }

    // Towns with their communities, both in code order.
    let mut towns: BTreeMap<&RegionCode, (&Region, Vec<&Region>)> = BTreeMap::new();
    for region in below.iter().filter(|r| r.code.is_within(county)) {
        if region.level() == Level::Town
            && towns.insert(&region.code, (region, Vec::new())).is_some()
        {
            return Err(GenerateError::DuplicateCode {
                code: region.code.clone(),
            });
        }
    }
    if towns.is_empty() {
        return Ok(Vec::new());
    }
    let mut communities: Vec<&Region> = below
        .iter()
        .filter(|r| r.level() == Level::Community && r.code.is_within(county))
        .collect();
    communities.sort_by(|a, b| a.code.cmp(&b.code));
    for pair in communities.windows(2) {
        if pair[0].code == pair[1].code {
            return Err(GenerateError::DuplicateCode {
                code: pair[0].code.clone(),
            });
        }
    }
    for community in communities {
        let town = community.code.parent().unwrap_or_else(|| county.clone());
        match towns.get_mut(&town) {
            Some((_, members)) => members.push(community),
            None => {
                return Err(GenerateError::OrphanCommunity {
                    code: community.code.clone(),
                    town,
                });
            }
        }
    }

    let shape = county_shape(county, boundary)?;
    let metric = metric_scale(&shape);
    let seed = opts.seed;
    let split_error = |code: &RegionCode| {
        let code = code.clone();
        move |reason| GenerateError::Split { code, reason }
    };

    let mut regions: Vec<Region> = Vec::new();
    let mut shapes: Vec<Shape> = Vec::new();
    let town_weights: Vec<f64> = towns
        .values()
        .map(|(_, members)| members.len().max(1) as f64)
        .collect();
    let town_shapes = partition(shape, &town_weights, hash(seed, county, SALT_CUTS), metric)
        .map_err(split_error(county))?;
    for ((town, members), town_shape) in towns.into_values().zip(town_shapes) {
        if !members.is_empty() {
            let weights: Vec<f64> = members
                .iter()
                .map(|c| 0.75 + 0.5 * unit(hash(seed, &c.code, SALT_AREA)))
                .collect();
            let community_shapes = partition(
                town_shape.clone(),
                &weights,
                hash(seed, &town.code, SALT_CUTS),
                metric,
            )
            .map_err(split_error(&town.code))?;
            for (community, community_shape) in members.into_iter().zip(community_shapes) {
                let n = grid_count(&community.code, opts);
                let grids = partition(
                    community_shape.clone(),
                    &vec![1.0; n as usize],
                    hash(seed, &community.code, SALT_CUTS),
                    metric,
                )
                .map_err(split_error(&community.code))?;
                let stem = grid_stem(&community.name);
                for (number, grid_shape) in (1..=n).zip(grids) {
                    let code = community.code.child(number).ok_or(GenerateError::Split {
                        code: community.code.clone(),
                        reason: "too many grids for a 3-digit grid number",
                    })?;
                    regions.push(Region::new(code, format!("{stem}第{number}网格")));
                    shapes.push(grid_shape);
                }
                regions.push(community.clone());
                shapes.push(community_shape);
            }
        }
        regions.push(town.clone());
        shapes.push(town_shape);
    }
    conform(&mut shapes);
    let mut out: Vec<GeneratedArea> = regions
        .into_iter()
        .zip(shapes)
        .map(|(region, shape)| GeneratedArea {
            region,
            boundary: shape.into_multi_polygon(),
        })
        .collect();
    out.sort_by(|a, b| a.region.code.cmp(&b.region.code));
    Ok(out)
}

/// Largest number of children a region can have: local numbers have 3 digits.
const MAX_CHILDREN: u32 = 999;

/// Salt of the draw of a community's number of grids.
const SALT_COUNT: u64 = 1;
/// Salt of the draw that rounds a community's number of grids.
const SALT_ROUND: u64 = 2;
/// Salt of the area jitter of a community.
const SALT_AREA: u64 = 3;
/// Salt of the cut directions inside a region.
const SALT_CUTS: u64 = 4;

/// Number of grids of a community: `mean × (0.5 + u)` for a uniform `u`
/// drawn from the code and seed, rounded up or down at random in proportion
/// to its fraction, so that the expected count is exactly the mean (7.9 gives
/// 3 to 12 grids, mostly 4 to 11).
fn grid_count(community: &RegionCode, opts: &GridOptions) -> u32 {
    let mean = opts.grids_per_community;
    let spread = mean * (0.5 + unit(hash(opts.seed, community, SALT_COUNT)));
    let rounded = (spread + unit(hash(opts.seed, community, SALT_ROUND))).floor();
    // In range by the clamp; the cast cannot truncate.
    rounded.clamp(1.0, f64::from(MAX_CHILDREN)) as u32
}

/// Committee suffixes of community names, as published (typos included),
/// and what replaces them; a suffix comes before the shorter ones it ends
/// with. A grid is named after its community, not after its committee.
const COMMITTEE_SUFFIXES: [(&str, &str); 10] = [
    ("居民委员会", ""),
    ("村民委员会", "村"),
    ("居委委员会", ""),
    ("居委员会", ""),
    ("居委会会", ""),
    ("村民委会", "村"),
    ("居委会", ""),
    ("村委会", "村"),
    ("委员会", ""),
    ("居委", ""),
];

/// The part of a community's name that its grids are named after:
/// "翠洲社区居民委员会" → "翠洲社区", "新溪村民委员会" → "新溪村",
/// "永兴村委会" → "永兴村". A name that would become empty stays whole.
fn grid_stem(community_name: &str) -> String {
    let name = community_name.trim();
    COMMITTEE_SUFFIXES
        .iter()
        .find_map(|(suffix, replacement)| {
            let stem = name.strip_suffix(suffix)?;
            (!stem.is_empty()).then(|| format!("{stem}{replacement}"))
        })
        .unwrap_or_else(|| name.to_owned())
}

/// A stable draw for a region: the same on every platform and version.
fn hash(seed: u64, code: &RegionCode, salt: u64) -> u64 {
    seeded_hash(seed, code.as_str(), salt)
}

/// A hash as a uniform number in [0, 1).
fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

// ---------------------------------------------------------------------------
// Geometry: polygons as open rings, split by straight lines.

/// An open ring: the first vertex is not repeated at the end.
type Ring = Vec<Coord<f64>>;

/// A polygon: `rings[0]` is the exterior, counter-clockwise; the others are
/// holes, clockwise. Every ring has at least 3 vertices and a non-zero area.
#[derive(Debug, Clone)]
struct Poly {
    rings: Vec<Ring>,
}

/// A piece being divided: disjoint polygons.
#[derive(Debug, Clone, Default)]
struct Shape {
    polys: Vec<Poly>,
}

impl Shape {
    /// The polygons of `mp` with repeated vertices dropped and rings
    /// oriented; rings with fewer than 3 vertices, no area or a non-finite
    /// coordinate are dropped, and so are polygons whose exterior is.
    fn from_multi_polygon(mp: &MultiPolygon<f64>) -> Shape {
        let polys = mp
            .iter()
            .filter_map(|polygon| {
                let exterior = clean_ring(polygon.exterior(), true)?;
                let holes = polygon
                    .interiors()
                    .iter()
                    .filter_map(|h| clean_ring(h, false));
                Some(Poly {
                    rings: std::iter::once(exterior).chain(holes).collect(),
                })
            })
            .collect();
        Shape { polys }
    }

    /// The shape as a geo `MultiPolygon` with closed rings.
    fn into_multi_polygon(self) -> MultiPolygon<f64> {
        let close = |mut ring: Ring| {
            if let Some(&first) = ring.first() {
                ring.push(first);
            }
            LineString::new(ring)
        };
        MultiPolygon::new(
            self.polys
                .into_iter()
                .map(|p| {
                    let mut rings = p.rings.into_iter().map(close);
                    let exterior = rings.next().unwrap_or_else(|| LineString::new(Vec::new()));
                    Polygon::new(exterior, rings.collect())
                })
                .collect(),
        )
    }

    /// Area in squared coordinate units (holes subtracted).
    fn area(&self) -> f64 {
        self.polys
            .iter()
            .flat_map(|p| &p.rings)
            .map(|r| ring_area(r))
            .sum()
    }

    /// Every vertex of every ring.
    fn coords(&self) -> impl Iterator<Item = Coord<f64>> + '_ {
        self.polys
            .iter()
            .flat_map(|p| &p.rings)
            .flat_map(|r| r.iter().copied())
    }

    /// Centre of the bounding box, or `None` for an empty shape.
    fn centre(&self) -> Option<Coord<f64>> {
        let mut coords = self.coords();
        let first = coords.next()?;
        let (mut lo, mut hi) = (first, first);
        for c in coords {
            lo.x = lo.x.min(c.x);
            lo.y = lo.y.min(c.y);
            hi.x = hi.x.max(c.x);
            hi.y = hi.y.max(c.y);
        }
        Some((lo + hi) / 2.0)
    }
}

/// `ring` without its closing vertex and repeated vertices, oriented
/// counter-clockwise for an exterior and clockwise for a hole; `None` for a
/// degenerate ring (fewer than 3 vertices, no area, a non-finite coordinate).
fn clean_ring(ring: &LineString<f64>, exterior: bool) -> Option<Ring> {
    let mut out: Ring = Vec::with_capacity(ring.0.len());
    for &c in &ring.0 {
        if out.last() != Some(&c) {
            out.push(c);
        }
    }
    while out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    let area = ring_area(&out);
    let finite = out.iter().all(|c| c.x.is_finite() && c.y.is_finite());
    if out.len() < 3 || area == 0.0 || !area.is_finite() || !finite {
        return None;
    }
    if (area > 0.0) != exterior {
        out.reverse();
    }
    Some(out)
}

/// Signed area of an open ring (positive when counter-clockwise), computed
/// relative to its first vertex for precision far from the origin.
fn ring_area(ring: &[Coord<f64>]) -> f64 {
    let Some(&o) = ring.first() else {
        return 0.0;
    };
    let twice: f64 = ring
        .windows(2)
        .skip(1)
        .map(|w| cross(w[0] - o, w[1] - o))
        .sum();
    twice / 2.0
}

/// The z component of the cross product of two vectors.
fn cross(a: Coord<f64>, b: Coord<f64>) -> f64 {
    a.x * b.y - a.y * b.x
}

/// The point where edge `p`→`q` meets the line `s = c`, given the
/// projections `sp`, `sq` of its ends, which lie on opposite sides.
fn cut_point(p: Coord<f64>, q: Coord<f64>, sp: f64, sq: f64, c: f64) -> Coord<f64> {
    let lambda = ((c - sp) / (sq - sp)).clamp(0.0, 1.0);
    p + (q - p) * lambda
}

/// The county boundary as a [`Shape`], repaired first if it is not valid:
/// published boundaries often have rings that touch or cross themselves
/// and parts that touch along a line, which the overlay resolves (moving
/// vertices by at most a billionth of the extent).
fn county_shape(county: &RegionCode, boundary: &MultiPolygon<f64>) -> Result<Shape, GenerateError> {
    if boundary
        .coords_iter()
        .any(|c| !(c.x.is_finite() && c.y.is_finite()))
    {
        return Err(GenerateError::NonFiniteCoordinate {
            county: county.clone(),
        });
    }
    let repaired;
    let usable = if boundary.is_valid() {
        boundary
    } else {
        repaired = boundary.union(&MultiPolygon::new(Vec::new()));
        if let Err(e) = repaired.check_validation() {
            return Err(GenerateError::InvalidBoundary {
                county: county.clone(),
                reason: e.to_string(),
            });
        }
        &repaired
    };
    let shape = Shape::from_multi_polygon(usable);
    let area = shape.area();
    if area > 0.0 && area.is_finite() {
        Ok(shape)
    } else {
        Err(GenerateError::EmptyBoundary {
            county: county.clone(),
        })
    }
}

/// How much a degree of longitude is worth against a degree of latitude at
/// the centre of `shape`: lengths are compared in this local metric.
fn metric_scale(shape: &Shape) -> f64 {
    match shape.centre() {
        Some(c) if c.y.abs() <= 89.0 => c.y.to_radians().cos(),
        Some(_) => 89f64.to_radians().cos(),
        None => 1.0,
    }
}

/// Why a piece could not be split; the caller adds the region code.
type SplitError = &'static str;

/// A cut direction: `s` is the position across the cut line, `t` the
/// position along it, both in the local metric and relative to an origin.
/// The `s` axis points east-south-east-ish (`u.x > u.y` in the metric), so
/// the first piece of a split lies to the west or north.
#[derive(Debug, Clone, Copy)]
struct Frame {
    origin: Coord<f64>,
    sx: f64,
    sy: f64,
    tx: f64,
    ty: f64,
}

impl Frame {
    fn new(angle: f64, metric: f64, origin: Coord<f64>) -> Frame {
        let (mut ux, mut uy) = (angle.cos(), angle.sin());
        if ux < uy {
            (ux, uy) = (-ux, -uy);
        }
        Frame {
            origin,
            sx: ux * metric,
            sy: uy,
            tx: -uy * metric,
            ty: ux,
        }
    }

    /// Position of `p` across the line direction.
    fn s(&self, p: Coord<f64>) -> f64 {
        self.sx * (p.x - self.origin.x) + self.sy * (p.y - self.origin.y)
    }

    /// Position of `p` along the line direction.
    fn t(&self, p: Coord<f64>) -> f64 {
        self.tx * (p.x - self.origin.x) + self.ty * (p.y - self.origin.y)
    }
}

/// Number of cut directions tried for each split, evenly spaced over 180°.
const DIRECTIONS: u32 = 6;

/// Divides `shape` into `weights.len()` pieces whose areas are proportional
/// to the weights (all positive), in order; neighbouring pieces in the list
/// are neighbours on the ground. `key` seeds the cut directions.
fn partition(
    shape: Shape,
    weights: &[f64],
    key: u64,
    metric: f64,
) -> Result<Vec<Shape>, SplitError> {
    let mut out = Vec::with_capacity(weights.len());
    partition_into(shape, weights, key, metric, &mut out)?;
    Ok(out)
}

fn partition_into(
    shape: Shape,
    weights: &[f64],
    key: u64,
    metric: f64,
    out: &mut Vec<Shape>,
) -> Result<(), SplitError> {
    if weights.len() <= 1 {
        if !weights.is_empty() {
            out.push(shape);
        }
        return Ok(());
    }
    let total: f64 = weights.iter().sum();
    if !total.is_finite() || weights.iter().any(|w| !w.is_finite() || *w <= 0.0) {
        return Err("weights must be positive numbers");
    }
    // Split the list where the two halves weigh most nearly the same.
    let mut prefix = 0.0;
    let mut best = (f64::INFINITY, 1);
    for (k, w) in weights.iter().enumerate().take(weights.len() - 1) {
        prefix += w;
        let imbalance = (2.0 * prefix - total).abs();
        if imbalance < best.0 {
            best = (imbalance, k + 1);
        }
    }
    let k = best.1;
    let share = weights[..k].iter().sum::<f64>() / total;
    let (first, second) = bisect(&shape, share, key, metric)?;
    partition_into(first, &weights[..k], mix(key ^ 1), metric, out)?;
    partition_into(second, &weights[k..], mix(key ^ 2), metric, out)
}

/// A candidate cut: its frame, offset and cost (see [`cut_cost`]).
#[derive(Debug, Clone, Copy)]
struct Cut {
    frame: Frame,
    offset: f64,
    cost: f64,
}

/// Cuts `shape` with a straight line into a first piece holding `share` of
/// its area and a second piece holding the rest. The line is the cheapest
/// (about: the shortest) of [`DIRECTIONS`] candidates at angles seeded by
/// `key`.
fn bisect(shape: &Shape, share: f64, key: u64, metric: f64) -> Result<(Shape, Shape), SplitError> {
    let total = shape.area();
    let origin = shape.centre().ok_or("the piece is empty")?;
    if !(total > 0.0 && total.is_finite()) {
        return Err("the piece has no area");
    }
    let target = share * total;
    let start = unit(key) * PI / f64::from(DIRECTIONS);
    let mut best: Option<Cut> = None;
    let mut projections = Vec::new();
    let mut crossings = Vec::new();
    for i in 0..DIRECTIONS {
        let frame = Frame::new(
            start + f64::from(i) * PI / f64::from(DIRECTIONS),
            metric,
            origin,
        );
        projections.clear();
        projections.extend(shape.coords().map(|p| frame.s(p)));
        let offset = balanced_offset(shape, &projections, target);
        let cost = cut_cost(shape, &projections, &frame, offset, &mut crossings);
        if best.is_none_or(|b| cost < b.cost) {
            best = Some(Cut {
                frame,
                offset,
                cost,
            });
        }
    }
    let cut = best.ok_or("no cut direction")?;

    // Keep the line clear of vertices (farther than [`ON_EDGE`], so that
    // `conform` cannot take a vertex for one on the cut), and retry a hair
    // off the balanced offset if the split is inconsistent (near-touching
    // rings): the areas barely move.
    let range = shape
        .coords()
        .map(|p| cut.frame.s(p))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), s| {
            (lo.min(s), hi.max(s))
        });
    let width = range.1 - range.0;
    let clearance = (1e-9 * width).max(10.0 * ON_EDGE);
    let mut last_error = "the cut line grazes a vertex";
    for nudge in [0.0, 3e-9, -3e-9, 1e-7, -1e-7, 1e-5, -1e-5, 1e-3, -1e-3] {
        let offset = cut.offset + nudge * width;
        if shape
            .coords()
            .any(|p| (cut.frame.s(p) - offset).abs() <= clearance)
        {
            continue;
        }
        match split(shape, &cut.frame, offset) {
            Ok((first, second)) => {
                let (a, b) = (first.area(), second.area());
                if first.polys.is_empty() || second.polys.is_empty() {
                    last_error = "a side of the cut is empty";
                } else if (a + b - total).abs() > 1e-9 * total {
                    last_error = "the areas of the two sides do not add up";
                } else {
                    return Ok((first, second));
                }
            }
            Err(e) => last_error = e,
        }
    }
    Err(last_error)
}

/// The offset `c` at which the part of `shape` with `s < c` has area
/// `target`, by bisection (the area is continuous and increasing in `c`).
/// `projections` holds `s` of every vertex in [`Shape::coords`] order.
fn balanced_offset(shape: &Shape, projections: &[f64], target: f64) -> f64 {
    let (mut lo, mut hi) = projections
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &s| {
            (lo.min(s), hi.max(s))
        });
    let tolerance = (hi - lo) * 1e-13;
    while hi - lo > tolerance {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if area_below(shape, projections, mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Area of the part of `shape` with `s < c`: each ring is clipped by the
/// half-plane (Sutherland–Hodgman) and the signed areas added up. The
/// clipped ring may run back and forth along the line, which adds nothing,
/// so the sum is exact even for concave rings and holes.
fn area_below(shape: &Shape, projections: &[f64], c: f64) -> f64 {
    let mut twice = 0.0;
    let mut base = 0;
    for ring in shape.polys.iter().flat_map(|p| &p.rings) {
        let s = &projections[base..base + ring.len()];
        base += ring.len();
        let Some(&o) = ring.first() else { continue };
        let mut first: Option<Coord<f64>> = None;
        let mut prev = o;
        let mut emit = |p: Coord<f64>| {
            let p = p - o;
            if first.is_none() {
                first = Some(p);
            } else {
                twice += cross(prev, p);
            }
            prev = p;
        };
        for i in 0..ring.len() {
            let j = if i + 1 == ring.len() { 0 } else { i + 1 };
            let (inside_i, inside_j) = (s[i] < c, s[j] < c);
            if inside_i != inside_j {
                emit(cut_point(ring[i], ring[j], s[i], s[j], c));
            }
            if inside_j {
                emit(ring[j]);
            }
        }
        if let Some(f) = first {
            twice += cross(prev, f);
        }
    }
    twice / 2.0
}

/// Cost of cutting `shape` along the line `s = c`: the length of the line
/// inside the shape, in the local metric, times one plus the number of
/// extra intervals in which it crosses a polygon: a cut that enters a
/// polygon more than once leaves a piece in several parts, so such cuts win
/// only when they are much shorter than every other.
fn cut_cost(
    shape: &Shape,
    projections: &[f64],
    frame: &Frame,
    c: f64,
    scratch: &mut Vec<f64>,
) -> f64 {
    let mut length = 0.0;
    let mut extra = 0usize;
    let mut base = 0;
    for poly in &shape.polys {
        scratch.clear();
        for ring in &poly.rings {
            let s = &projections[base..base + ring.len()];
            base += ring.len();
            for i in 0..ring.len() {
                let j = if i + 1 == ring.len() { 0 } else { i + 1 };
                if (s[i] < c) != (s[j] < c) {
                    scratch.push(frame.t(cut_point(ring[i], ring[j], s[i], s[j], c)));
                }
            }
        }
        scratch.sort_by(f64::total_cmp);
        length += scratch.chunks_exact(2).map(|p| p[1] - p[0]).sum::<f64>();
        extra += (scratch.len() / 2).saturating_sub(1);
    }
    length * (1 + extra) as f64
}

/// Splits `shape` by the line `s = c` into the part with `s < c` and the
/// part with `s > c`. No vertex may lie on the line.
fn split(shape: &Shape, frame: &Frame, c: f64) -> Result<(Shape, Shape), SplitError> {
    let mut below = Shape::default();
    let mut above = Shape::default();
    for poly in &shape.polys {
        split_poly(poly, frame, c, &mut below.polys, &mut above.polys)?;
    }
    Ok((below, above))
}

/// Where a ring crosses the cut line.
#[derive(Debug, Clone, Copy)]
struct Crossing {
    /// The crossing point, shared by both sides.
    point: Coord<f64>,
    /// Position along the line.
    t: f64,
    /// True when the ring goes from below the line to above it here.
    upward: bool,
    /// Index of the ring in its polygon.
    ring: usize,
    /// Index of the crossed edge: from vertex `edge` to the next.
    edge: usize,
    /// The next crossing along the same ring.
    next: usize,
}

/// Splits one polygon by the line `s = c`.
///
/// The rings are cut at their crossings with the line into arcs, each wholly
/// on one side. Sorted along the line, the crossings pair up into the
/// intervals where the line runs inside the polygon; each piece's boundary
/// follows an arc to its end, jumps along the interval to the other end,
/// where the next arc of the same side begins, and so on until it closes.
/// Rings that do not cross the line (holes) go to the piece containing them.
fn split_poly(
    poly: &Poly,
    frame: &Frame,
    c: f64,
    below: &mut Vec<Poly>,
    above: &mut Vec<Poly>,
) -> Result<(), SplitError> {
    let Some(exterior) = poly.rings.first() else {
        return Ok(());
    };
    let ext_above = exterior.first().is_some_and(|&p| frame.s(p) > c);
    if exterior.iter().all(|&p| (frame.s(p) > c) == ext_above) {
        if ext_above {
            above.push(poly.clone());
        } else {
            below.push(poly.clone());
        }
        return Ok(());
    }

    let mut crossings: Vec<Crossing> = Vec::new();
    let mut whole_rings: Vec<(usize, bool)> = Vec::new();
    let mut sides: Vec<(f64, bool)> = Vec::new();
    for (r, ring) in poly.rings.iter().enumerate() {
        sides.clear();
        sides.extend(ring.iter().map(|&p| {
            let s = frame.s(p);
            (s, s > c)
        }));
        let first = crossings.len();
        for i in 0..ring.len() {
            let j = if i + 1 == ring.len() { 0 } else { i + 1 };
            let ((si, ai), (sj, aj)) = (sides[i], sides[j]);
            if ai != aj {
                let point = cut_point(ring[i], ring[j], si, sj, c);
                crossings.push(Crossing {
                    point,
                    t: frame.t(point),
                    upward: aj,
                    ring: r,
                    edge: i,
                    next: 0,
                });
            }
        }
        let count = crossings.len() - first;
        if count == 0 {
            whole_rings.push((r, sides.first().is_some_and(|s| s.1)));
        }
        for k in 0..count {
            crossings[first + k].next = first + (k + 1) % count;
        }
    }

    // Pair the crossings along the line into the intervals inside the polygon.
    let mut order: Vec<usize> = (0..crossings.len()).collect();
    order.sort_by(|&a, &b| crossings[a].t.total_cmp(&crossings[b].t));
    if !order.len().is_multiple_of(2) {
        return Err("a ring crosses the cut line an odd number of times");
    }
    let mut partner = vec![0; crossings.len()];
    for pair in order.chunks_exact(2) {
        let (a, b) = (pair[0], pair[1]);
        if crossings[a].upward == crossings[b].upward {
            return Err("the rings of the polygon touch or cross each other");
        }
        partner[a] = b;
        partner[b] = a;
    }

    // Walk the arcs. The arc starting at an upward crossing lies above.
    let mut visited = vec![false; crossings.len()];
    let mut pieces: [Vec<Poly>; 2] = [Vec::new(), Vec::new()];
    for start in 0..crossings.len() {
        if visited[start] {
            continue;
        }
        let side_above = crossings[start].upward;
        let mut ring: Ring = Vec::new();
        let mut current = start;
        loop {
            visited[current] = true;
            let from = crossings[current];
            let to = crossings[from.next];
            let vertices = &poly.rings[from.ring];
            ring.push(from.point);
            let mut i = from.edge;
            for _ in 0..vertices.len() {
                i = if i + 1 == vertices.len() { 0 } else { i + 1 };
                ring.push(vertices[i]);
                if i == to.edge {
                    break;
                }
            }
            ring.push(to.point);
            let resume = partner[from.next];
            if crossings[resume].upward != side_above {
                return Err("the rings of the polygon touch or cross each other");
            }
            if resume == start {
                break;
            }
            if visited[resume] {
                return Err("the boundary of a piece does not close");
            }
            current = resume;
        }
        ring.dedup();
        while ring.len() > 1 && ring.first() == ring.last() {
            ring.pop();
        }
        let area = ring_area(&ring);
        if ring.len() >= 3 && area > 0.0 {
            pieces[usize::from(side_above)].push(Poly { rings: vec![ring] });
        } else if area < 0.0 {
            return Err("a piece of the polygon is turned inside out");
        }
    }

    // Holes that do not cross the line go to the piece that contains them.
    // A hole may touch the exterior at a vertex, so the probes are the
    // midpoints of its edges, and the piece containing most of them wins.
    for (r, hole_above) in whole_rings {
        let hole = &poly.rings[r];
        let probes: Vec<Coord<f64>> = hole
            .iter()
            .zip(hole.iter().cycle().skip(1))
            .take(HOLE_PROBES)
            .map(|(&a, &b)| (a + b) / 2.0)
            .collect();
        let side = &mut pieces[usize::from(hole_above)];
        let (owner, votes) = side
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    i,
                    probes.iter().filter(|&&q| contains(&p.rings[0], q)).count(),
                )
            })
            .max_by_key(|&(i, votes)| (votes, std::cmp::Reverse(i)))
            .ok_or("a hole lies outside every piece")?;
        if votes == 0 {
            return Err("a hole lies outside every piece");
        }
        side[owner].rings.push(hole.clone());
    }
    let [b, a] = pieces;
    below.extend(b);
    above.extend(a);
    Ok(())
}

/// Number of edges of a hole whose midpoints vote for the piece holding it.
const HOLE_PROBES: usize = 8;

/// Whether `p` lies inside the open ring `ring` (even-odd rule).
fn contains(ring: &[Coord<f64>], p: Coord<f64>) -> bool {
    let mut inside = false;
    let mut j = ring.len().wrapping_sub(1);
    for (i, &a) in ring.iter().enumerate() {
        let b = ring[j];
        if (a.y > p.y) != (b.y > p.y) && p.x < a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x) {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// Largest distance, in degrees (about a micrometre), at which a vertex of
/// one piece counts as lying on an edge of another. Cut vertices lie within
/// float rounding (1e-14) of the edges they were cut from, and the cuts keep
/// ten times farther from other vertices (see [`bisect`]).
const ON_EDGE: f64 = 1e-11;

/// Inserts into every edge of every piece the vertices of the other pieces
/// that lie on it, in order along the edge.
///
/// A cut inside one piece adds vertices on edges that its neighbours (in
/// other branches, or at other levels) share without them. After this the
/// shared boundaries of neighbours have identical vertices, so that the
/// pieces fit together exactly also for tools that snap coordinates
/// (overlays, topology encoders).
fn conform(shapes: &mut [Shape]) {
    let mut vertices: Vec<[f64; 2]> = shapes
        .iter()
        .flat_map(Shape::coords)
        .map(|c| [c.x, c.y])
        .collect();
    vertices.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    vertices.dedup();
    let tree = RTree::bulk_load(vertices);
    let mut on_edge: Vec<(f64, Coord<f64>)> = Vec::new();
    for shape in shapes.iter_mut() {
        for ring in shape.polys.iter_mut().flat_map(|p| &mut p.rings) {
            let mut out: Ring = Vec::with_capacity(ring.len());
            for i in 0..ring.len() {
                let a = ring[i];
                let b = ring[if i + 1 == ring.len() { 0 } else { i + 1 }];
                out.push(a);
                let envelope = AABB::from_corners(
                    [a.x.min(b.x) - ON_EDGE, a.y.min(b.y) - ON_EDGE],
                    [a.x.max(b.x) + ON_EDGE, a.y.max(b.y) + ON_EDGE],
                );
                let d = b - a;
                let length2 = d.x * d.x + d.y * d.y;
                on_edge.clear();
                for &[x, y] in tree.locate_in_envelope(&envelope) {
                    let p = Coord { x, y };
                    if p == a || p == b {
                        continue;
                    }
                    let along = (p - a).x * d.x + (p - a).y * d.y;
                    let off = cross(d, p - a);
                    if along > 0.0 && along < length2 && off * off <= ON_EDGE * ON_EDGE * length2 {
                        on_edge.push((along, p));
                    }
                }
                on_edge.sort_by(|p, q| p.0.total_cmp(&q.0));
                out.extend(on_edge.iter().map(|&(_, p)| p));
            }
            *ring = out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, Centroid};
    use proptest::prelude::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    fn polygon(points: &[(f64, f64)], holes: &[Vec<(f64, f64)>]) -> Polygon<f64> {
        let ring = |pts: &[(f64, f64)]| LineString::from(pts.to_vec());
        Polygon::new(ring(points), holes.iter().map(|h| ring(h)).collect())
    }

    fn rectangle(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<(f64, f64)> {
        vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    }

    /// A star-shaped polygon around `centre`: vertices at increasing angles
    /// (from the increments) with the given radii.
    fn star(centre: (f64, f64), spokes: &[(f64, f64)]) -> Vec<(f64, f64)> {
        let total: f64 = spokes.iter().map(|s| s.0).sum();
        let mut angle = 0.0;
        spokes
            .iter()
            .map(|&(step, radius)| {
                angle += step / total * 2.0 * PI;
                (
                    centre.0 + radius * angle.cos(),
                    centre.1 + radius * angle.sin(),
                )
            })
            .collect()
    }

    /// Partitions `whole` by `weights` and checks the outcome: every piece
    /// has its share of the area, the pieces add up to the whole, no two
    /// overlap and none sticks out of the whole.
    fn check_partition(whole: &MultiPolygon<f64>, weights: &[f64], key: u64) {
        let shape = Shape::from_multi_polygon(whole);
        let total = shape.area();
        let pieces = partition(shape.clone(), weights, key, 0.9).unwrap();
        assert_eq!(pieces.len(), weights.len());
        // Conform the whole too, so that the overlay sees identical edges.
        let mut all = pieces;
        all.push(shape);
        conform(&mut all);
        let whole = all.pop().unwrap().into_multi_polygon();
        let pieces: Vec<MultiPolygon<f64>> =
            all.into_iter().map(Shape::into_multi_polygon).collect();

        let weight_sum: f64 = weights.iter().sum();
        let mut sum = 0.0;
        for (piece, weight) in pieces.iter().zip(weights) {
            let area = piece.unsigned_area();
            let expected = weight / weight_sum * total;
            assert!(
                (area - expected).abs() < 1e-6 * total,
                "piece has area {area}, expected {expected} of {total}"
            );
            sum += area;
            let outside = piece.difference(&whole).unsigned_area();
            assert!(outside < 1e-9 * total, "piece sticks out by {outside}");
        }
        assert!(
            (sum - total).abs() < 1e-9 * total,
            "pieces sum to {sum}, whole is {total}"
        );
        for (i, a) in pieces.iter().enumerate() {
            for b in &pieces[i + 1..] {
                let overlap = a.intersection(b).unsigned_area();
                assert!(overlap < 1e-9 * total, "pieces overlap by {overlap}");
            }
        }
    }

    proptest! {
        #[test]
        fn star_polygons_split_by_weight(
            spokes in prop::collection::vec((0.05f64..1.0, 0.2f64..1.0), 3..40),
            centre in (-60.0f64..60.0, -60.0f64..60.0),
            weights in prop::collection::vec(0.5f64..2.0, 1..12),
            key in any::<u64>(),
        ) {
            let whole = MultiPolygon::new(vec![polygon(&star(centre, &spokes), &[])]);
            check_partition(&whole, &weights, key);
        }

        #[test]
        fn rectangles_with_holes_split_by_weight(
            size in (1.0f64..10.0, 1.0f64..10.0),
            cells in prop::collection::vec((any::<bool>(), 0.05f64..0.45, 0.05f64..0.45, 0.05f64..0.45, 0.05f64..0.45), 9),
            weights in prop::collection::vec(0.5f64..2.0, 1..12),
            key in any::<u64>(),
        ) {
            let (w, h) = size;
            let holes: Vec<Vec<(f64, f64)>> = cells
                .iter()
                .enumerate()
                .filter(|(_, cell)| cell.0)
                .map(|(i, &(_, left, bottom, right, top))| {
                    let (cw, ch) = (w / 3.0, h / 3.0);
                    let (x, y) = ((i % 3) as f64 * cw, (i / 3) as f64 * ch);
                    let mut hole = rectangle(x + left * cw, y + bottom * ch, x + cw - right * cw, y + ch - top * ch);
                    hole.reverse();
                    hole
                })
                .collect();
            let whole = MultiPolygon::new(vec![polygon(&rectangle(0.0, 0.0, w, h), &holes)]);
            check_partition(&whole, &weights, key);
        }

        #[test]
        fn islands_split_by_weight(
            first in prop::collection::vec((0.05f64..1.0, 0.2f64..1.0), 3..20),
            second in prop::collection::vec((0.05f64..1.0, 0.1f64..0.5), 3..20),
            weights in prop::collection::vec(0.5f64..2.0, 1..8),
            key in any::<u64>(),
        ) {
            let whole = MultiPolygon::new(vec![
                polygon(&star((116.7, 23.4), &first), &[]),
                polygon(&star((118.5, 23.0), &second), &[]),
            ]);
            check_partition(&whole, &weights, key);
        }

        /// Whatever the boundary (self-intersecting, degenerate, NaN,
        /// infinite), the generator answers without panicking, and an answer
        /// has every town.
        #[test]
        fn any_boundary_gives_an_answer_or_an_error(
            rings in prop::collection::vec(
                prop::collection::vec(
                    (
                        prop_oneof![8 => -5.0f64..5.0, 1 => Just(0.0), 1 => Just(1e300), 1 => Just(f64::NAN), 1 => Just(f64::INFINITY)],
                        prop_oneof![8 => -5.0f64..5.0, 1 => Just(0.0), 1 => Just(f64::NEG_INFINITY)],
                    ),
                    0..12,
                ),
                0..4,
            ),
        ) {
            let boundary = MultiPolygon::new(rings.iter().map(|r| polygon(r, &[])).collect());
            let below = [
                Region::new(code("440507001"), "甲街道"),
                Region::new(code("440507002"), "乙街道"),
                Region::new(code("440507001001"), "甲社区居民委员会"),
                Region::new(code("440507001002"), "乙村民委员会"),
            ];
            if let Ok(areas) = generate_county(&code("440507"), &boundary, &below, &GridOptions::default()) {
                let towns = areas.iter().filter(|a| a.region.level() == Level::Town).count();
                prop_assert_eq!(towns, 2);
            }
        }
    }

    #[test]
    fn grids_are_named_after_the_community() {
        for (committee, stem) in [
            ("翠洲社区居民委员会", "翠洲社区"),
            ("新溪村民委员会", "新溪村"),
            ("鹤洞社区居委会", "鹤洞社区"),
            ("永兴村委会", "永兴村"),
            ("南村村委会", "南村村"),
            ("福成居民委员会", "福成"),
            ("南漖社区居委会会", "南漖社区"),
            ("海湾社区居委委员会", "海湾社区"),
            ("地派镇社区居委员会", "地派镇社区"),
            ("茶山居民区社区委员会", "茶山居民区社区"),
            ("黄麻布社区居委", "黄麻布社区"),
            ("石牌村民委会", "石牌村"),
            ("大澳渔委会", "大澳渔委会"),
            ("居委会", "居委会"),
            ("䃥头社区", "䃥头社区"),
        ] {
            assert_eq!(grid_stem(committee), stem, "{committee}");
        }
    }

    #[test]
    fn grid_counts_spread_around_the_mean() {
        let opts = GridOptions::default();
        let codes: Vec<RegionCode> = (1..=5000)
            .map(|i| {
                code(&format!(
                    "44050{}{:03}{:03}",
                    1 + i % 7,
                    1 + i / 200,
                    1 + i % 200
                ))
            })
            .collect();
        let counts: Vec<u32> = codes.iter().map(|c| grid_count(c, &opts)).collect();
        let mean = counts.iter().sum::<u32>() as f64 / counts.len() as f64;
        assert!((mean - 7.9).abs() < 0.1, "mean {mean}");
        assert!(counts.iter().all(|n| (3..=12).contains(n)));
        for n in 4..=11 {
            assert!(counts.contains(&n), "no community with {n} grids");
        }
        // Deterministic, and another seed gives another draw.
        assert_eq!(counts[0], grid_count(&codes[0], &opts));
        let other = GridOptions { seed: 1, ..opts };
        assert!(
            codes
                .iter()
                .any(|c| grid_count(c, &other) != grid_count(c, &GridOptions::default()))
        );
        let many = GridOptions {
            grids_per_community: 999.0,
            seed: 0,
        };
        assert!(codes.iter().all(|c| grid_count(c, &many) <= 999));
    }

    /// A 0.1° square county near Shantou with three towns: the first with
    /// two communities, the second with one, the third with none.
    fn square_county() -> (RegionCode, MultiPolygon<f64>, Vec<Region>) {
        let county = code("440507");
        let boundary = MultiPolygon::new(vec![polygon(&rectangle(116.6, 23.3, 116.7, 23.4), &[])]);
        let below = vec![
            Region::new(code("440507002"), "乙街道"),
            Region::new(code("440507001"), "甲街道"),
            Region::new(code("440507003"), "丙镇"),
            Region::new(code("440507001002"), "新溪村民委员会"),
            Region::new(code("440507001001"), "翠洲社区居民委员会"),
            Region::new(code("440507002001"), "鹤洞社区居委会"),
            // Ignored: another county, and levels other than town and community.
            Region::new(code("440511001"), "别县街道"),
            Region::new(code("440511001001"), "别县社区居委会"),
            Region::new(code("4405"), "汕头市"),
            Region::new(code("440507"), "龙湖区"),
        ];
        (county, boundary, below)
    }

    #[test]
    fn a_county_is_divided_into_towns_communities_and_grids() {
        let (county, boundary, below) = square_county();
        let opts = GridOptions::default();
        let areas = generate_county(&county, &boundary, &below, &opts).unwrap();
        let codes: Vec<&str> = areas.iter().map(|a| a.region.code.as_str()).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(codes, sorted, "ordered by code");
        assert!(codes.iter().all(|c| c.starts_with("440507")));
        let of_level = |level| areas.iter().filter(move |a| a.region.level() == level);
        assert_eq!(of_level(Level::Town).count(), 3);
        assert_eq!(of_level(Level::Community).count(), 3);
        for community in ["440507001001", "440507001002", "440507002001"] {
            let n = grid_count(&code(community), &opts);
            let grids: Vec<&GeneratedArea> = of_level(Level::Grid)
                .filter(|a| a.region.code.parent() == Some(code(community)))
                .collect();
            assert_eq!(grids.len() as u32, n);
            for (i, grid) in grids.iter().enumerate() {
                assert_eq!(
                    grid.region.code,
                    code(community).child(i as u32 + 1).unwrap()
                );
            }
        }
        let names: Vec<&str> = of_level(Level::Grid)
            .map(|a| a.region.name.as_str())
            .collect();
        assert!(names.contains(&"翠洲社区第1网格"));
        assert!(names.contains(&"新溪村第2网格"));
        assert!(names.contains(&"鹤洞社区第3网格"));

        // Towns by number of communities (2 : 1 : 1, the third has none).
        let total = boundary.unsigned_area();
        let town_area = |c: &str| {
            areas
                .iter()
                .find(|a| a.region.code.as_str() == c)
                .unwrap()
                .boundary
                .unsigned_area()
        };
        assert!((town_area("440507001") - total / 2.0).abs() < 1e-9 * total);
        assert!((town_area("440507002") - total / 4.0).abs() < 1e-9 * total);
        assert!((town_area("440507003") - total / 4.0).abs() < 1e-9 * total);
        // Communities roughly equal, grids equal.
        let community_area = town_area("440507001001");
        assert!(
            community_area > 0.3 * town_area("440507001")
                && community_area < 0.7 * town_area("440507001")
        );
        let grid_areas: Vec<f64> = of_level(Level::Grid)
            .filter(|a| a.region.code.as_str().starts_with("440507001001"))
            .map(|a| a.boundary.unsigned_area())
            .collect();
        for a in &grid_areas {
            assert!((a - community_area / grid_areas.len() as f64).abs() < 1e-9 * community_area);
        }

        // Same inputs, same output; another seed, another layout.
        let again = generate_county(&county, &boundary, &below, &opts).unwrap();
        assert!(
            areas
                .iter()
                .zip(&again)
                .all(|(a, b)| a.region == b.region && a.boundary == b.boundary)
        );
        let other =
            generate_county(&county, &boundary, &below, &GridOptions { seed: 7, ..opts }).unwrap();
        assert!(
            areas
                .iter()
                .zip(&other)
                .any(|(a, b)| a.boundary != b.boundary)
        );
    }

    #[test]
    fn first_pieces_lie_west_or_north() {
        let wide = MultiPolygon::new(vec![polygon(&rectangle(0.0, 0.0, 4.0, 1.0), &[])]);
        let tall = MultiPolygon::new(vec![polygon(&rectangle(0.0, 0.0, 1.0, 4.0), &[])]);
        for key in 0..20 {
            let pieces = partition(Shape::from_multi_polygon(&wide), &[1.0; 4], key, 1.0).unwrap();
            let xs: Vec<f64> = pieces
                .into_iter()
                .map(|p| p.into_multi_polygon().centroid().unwrap().x())
                .collect();
            assert!(xs.windows(2).all(|w| w[0] < w[1]), "{xs:?}");
            let pieces = partition(Shape::from_multi_polygon(&tall), &[1.0; 4], key, 1.0).unwrap();
            let ys: Vec<f64> = pieces
                .into_iter()
                .map(|p| p.into_multi_polygon().centroid().unwrap().y())
                .collect();
            assert!(ys.windows(2).all(|w| w[0] > w[1]), "{ys:?}");
        }
    }

    #[test]
    fn a_county_with_no_towns_gives_nothing() {
        let (county, boundary, _) = square_county();
        let below = [Region::new(code("440511001"), "别县街道")];
        assert!(
            generate_county(&county, &boundary, &below, &GridOptions::default())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn bad_inputs_are_refused_with_the_code() {
        let (county, boundary, below) = square_county();
        let opts = GridOptions::default();
        let message = |r: Result<Vec<GeneratedArea>, GenerateError>| r.unwrap_err().to_string();

        assert!(
            message(generate_county(
                &code("440507001"),
                &boundary,
                &below,
                &opts
            ))
            .contains("440507001")
        );
        let empty = MultiPolygon::new(Vec::new());
        assert!(message(generate_county(&county, &empty, &below, &opts)).contains("440507"));
        let flat = MultiPolygon::new(vec![polygon(
            &[(116.6, 23.3), (116.7, 23.3), (116.65, 23.3)],
            &[],
        )]);
        assert!(matches!(
            generate_county(&county, &flat, &below, &opts),
            Err(GenerateError::EmptyBoundary { .. })
        ));
        let nan = MultiPolygon::new(vec![polygon(
            &[(116.6, 23.3), (f64::NAN, 23.3), (116.65, 23.4)],
            &[],
        )]);
        assert!(matches!(
            generate_county(&county, &nan, &below, &opts),
            Err(GenerateError::NonFiniteCoordinate { .. })
        ));
        for mean in [0.0, -1.0, f64::NAN, 1000.0] {
            let bad = GridOptions {
                grids_per_community: mean,
                seed: 0,
            };
            assert!(matches!(
                generate_county(&county, &boundary, &below, &bad),
                Err(GenerateError::BadOptions { .. })
            ));
        }

        let mut orphan = below.clone();
        orphan.push(Region::new(code("440507009001"), "孤儿社区居委会"));
        let err = message(generate_county(&county, &boundary, &orphan, &opts));
        assert!(
            err.contains("440507009001") && err.contains("440507009"),
            "{err}"
        );

        let mut twice = below.clone();
        twice.push(Region::new(code("440507002001"), "鹤洞社区居委会"));
        assert!(
            message(generate_county(&county, &boundary, &twice, &opts)).contains("440507002001")
        );
    }

    #[test]
    fn self_intersecting_boundaries_are_repaired() {
        // A bow tie: two triangles meeting at a point, written as one ring.
        let county = code("440507");
        let bow_tie = MultiPolygon::new(vec![polygon(
            &[(0.0, 0.0), (2.0, 2.0), (2.0, 0.0), (0.0, 2.0)],
            &[],
        )]);
        let (_, _, below) = square_county();
        let areas = generate_county(&county, &bow_tie, &below, &GridOptions::default()).unwrap();
        let towns: f64 = areas
            .iter()
            .filter(|a| a.region.level() == Level::Town)
            .map(|a| a.boundary.unsigned_area())
            .sum();
        assert!(
            (towns - 2.0).abs() < 1e-9,
            "towns cover {towns}, the bow tie 2"
        );
    }
}
