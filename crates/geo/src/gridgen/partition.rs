//! The recursive weighted bisection: dividing a piece among children with
//! given weights by straight cuts, the first child to the west or north.
//! This module chooses the cuts: for each of several directions the offset
//! that gives the two sides their shares of the area, and among those the
//! shortest cut, penalised if it would leave a side in several parts. The
//! split along the chosen line is done by `split`.

use std::f64::consts::PI;

use geo::Coord;
use gongzhi_domain::seeded::mix;

use super::conform::ON_EDGE;
use super::draws::unit;
use super::shape::{Shape, cross};
use super::split::{Frame, SplitError, cut_point, split};

/// Number of cut directions tried for each split, evenly spaced over 180°.
const DIRECTIONS: u32 = 6;

/// Divides `shape` into `weights.len()` pieces whose areas are proportional
/// to the weights (all positive), in order; neighbouring pieces in the list
/// are neighbours on the ground. `key` seeds the cut directions.
pub(super) fn partition(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gridgen::conform::conform;
    use crate::gridgen::fixtures::{polygon, rectangle};
    use geo::{Area, BooleanOps, Centroid, MultiPolygon};
    use proptest::prelude::*;

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
}
