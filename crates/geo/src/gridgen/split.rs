//! The exact split of a piece by a straight line. It is our own rather than
//! an overlay, so that the two sides share the very same cut vertices and
//! keep every vertex of the parent: they tile it with no gap and no overlap,
//! and their areas add up to float rounding. A line is `s = c` in a
//! [`Frame`]; choosing the line is the business of `partition`.

use geo::Coord;

use super::shape::{Poly, Ring, Shape, ring_area};

/// Why a piece could not be split; the caller adds the region code.
pub(super) type SplitError = &'static str;

/// A cut direction: `s` is the position across the cut line, `t` the
/// position along it, both in the local metric and relative to an origin.
/// The `s` axis points east-south-east-ish (`u.x > u.y` in the metric), so
/// the first piece of a split lies to the west or north.
#[derive(Debug, Clone, Copy)]
pub(super) struct Frame {
    origin: Coord<f64>,
    sx: f64,
    sy: f64,
    tx: f64,
    ty: f64,
}

impl Frame {
    pub(super) fn new(angle: f64, metric: f64, origin: Coord<f64>) -> Frame {
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
    pub(super) fn s(&self, p: Coord<f64>) -> f64 {
        self.sx * (p.x - self.origin.x) + self.sy * (p.y - self.origin.y)
    }

    /// Position of `p` along the line direction.
    pub(super) fn t(&self, p: Coord<f64>) -> f64 {
        self.tx * (p.x - self.origin.x) + self.ty * (p.y - self.origin.y)
    }
}

/// The point where edge `p`→`q` meets the line `s = c`, given the
/// projections `sp`, `sq` of its ends, which lie on opposite sides.
pub(super) fn cut_point(p: Coord<f64>, q: Coord<f64>, sp: f64, sq: f64, c: f64) -> Coord<f64> {
    let lambda = ((c - sp) / (sq - sp)).clamp(0.0, 1.0);
    p + (q - p) * lambda
}

/// Splits `shape` by the line `s = c` into the part with `s < c` and the
/// part with `s > c`. No vertex may lie on the line.
pub(super) fn split(shape: &Shape, frame: &Frame, c: f64) -> Result<(Shape, Shape), SplitError> {
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
            // Only a ring that crosses itself or another, which a valid
            // polygon has not, can give a piece running clockwise.
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
