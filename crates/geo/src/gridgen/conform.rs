//! Making the shared boundaries of neighbours identical vertex for vertex.
//! A cut adds vertices to the edges of the piece it divides, but not to the
//! same edges as seen from the pieces beyond them, in other branches of the
//! division or at other levels; one pass over every piece of the county at
//! the end inserts them there too.

use geo::Coord;
use rstar::{AABB, RTree};

use super::shape::{Ring, Shape, cross};

/// Largest distance, in degrees (about a micrometre), at which a vertex of
/// one piece counts as lying on an edge of another. Cut vertices lie within
/// float rounding (1e-14) of the edges they were cut from, and the cuts keep
/// ten times farther from other vertices (see `bisect` in
/// [`partition`](mod@super::partition)).
pub(super) const ON_EDGE: f64 = 1e-11;

/// Inserts into every edge of every piece the vertices of the other pieces
/// that lie on it, in order along the edge.
///
/// A cut inside one piece adds vertices on edges that its neighbours (in
/// other branches, or at other levels) share without them. After this the
/// shared boundaries of neighbours have identical vertices, so that the
/// pieces fit together exactly also for tools that snap coordinates
/// (overlays, topology encoders).
pub(super) fn conform(shapes: &mut [Shape]) {
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
