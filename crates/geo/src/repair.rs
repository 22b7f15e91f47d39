//! Repairing invalid polygons, for `--repair`, and saying what the repair
//! changed.
//!
//! Rings are first cleaned of what encloses nothing: repeated vertices,
//! spikes (a vertex the ring runs out to and straight back from) and
//! degenerate rings (see [`validate::is_degenerate`]), dropping a polygon
//! with its exterior. When that alone makes the polygons valid, the repair
//! is accepted whatever it did to the area, since it removed only parts
//! without ground. Otherwise geo's `make_valid` rebuilds the polygons under
//! the odd-even rule and the result is cleaned again; because that rule
//! turns misplaced rings into ground (a hole outside its shell becomes an
//! island), a rebuild that changes the area by more than
//! [`MAX_AREA_CHANGE`] is refused. Every accepted repair reports its area
//! change against the area the rings describe: each exterior's minus its
//! holes', as drawn.

use crate::validate;
use geo::algorithm::validation::InvalidPolygon;
use geo::{Area, Coord, LineString, MakeValid, MultiPolygon, Polygon, Validation};

/// The largest relative change of area a rebuild may make: 1%.
const MAX_AREA_CHANGE: f64 = 0.01;

/// The repaired polygons and a note saying what was wrong (`why`) and how
/// much the area changed, or the reason the polygons cannot be repaired.
pub(crate) fn repair(
    mp: &MultiPolygon<f64>,
    why: &str,
) -> Result<(MultiPolygon<f64>, String), String> {
    let before = drawn_area(mp);
    let cleaned = without_degenerate_parts(mp);
    let (fixed, rebuilt) = if validate::check(&cleaned).is_ok() {
        (cleaned, false)
    } else {
        let rebuilt = cleaned
            .make_valid()
            .map_err(|e| format!("the polygon is invalid: {why}; it cannot be repaired: {e}"))?;
        let fixed = without_degenerate_parts(&rebuilt);
        validate::check(&fixed)
            .map_err(|e| format!("the polygon is invalid: {why}; its repair failed: {e}"))?;
        (fixed, true)
    };
    let change = (fixed.unsigned_area() - before) / before;
    let small = change.abs() <= MAX_AREA_CHANGE;
    if !rebuilt || small {
        return Ok((
            fixed,
            format!("{why}; repaired, area changed by {}", percent(change)),
        ));
    }
    // The guard is for misplaced rings, which do not cross themselves; a
    // ring that crosses itself (a bow-tie) has no drawn area to compare.
    let crossing = mp
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .any(crosses_itself);
    if !crossing || change.is_nan() {
        return Err(format!(
            "the polygon is invalid: {why}; repairing it would change its area by {}, more than 1%, \
             which means misplaced rings (a hole outside its shell, say), not a small defect: correct the file",
            percent(change)
        ));
    }
    Ok((
        fixed,
        format!("{why}; repaired (a ring crossing itself has no drawn area to compare with)"),
    ))
}

/// Whether a ring crosses itself: its loops cancel in the area sum, so its
/// drawn area says nothing about the ground it covers.
fn crosses_itself(ring: &LineString<f64>) -> bool {
    Polygon::new(ring.clone(), vec![])
        .validation_errors()
        .iter()
        .any(|e| matches!(e, InvalidPolygon::SelfIntersection(_)))
}

/// The size of a relative change, as a percentage with four decimals.
fn percent(change: f64) -> String {
    let p = change.abs() * 100.0;
    if !p.is_finite() {
        "an unknown amount (the rings as drawn enclose no area)".into()
    } else if p < 0.00005 {
        "less than 0.0001%".into()
    } else {
        format!("{p:.4}%")
    }
}

/// The area the rings describe as drawn: each exterior's area less its
/// holes', whatever their orientation, placement or crossings.
fn drawn_area(mp: &MultiPolygon<f64>) -> f64 {
    mp.iter()
        .map(|p| {
            let holes: f64 = p.interiors().iter().map(validate::ring_area).sum();
            validate::ring_area(p.exterior()) - holes
        })
        .sum()
}

/// `mp` with spikes and repeated vertices removed and degenerate rings
/// dropped; a polygon whose exterior is dropped goes with its holes. A
/// self-crossing ring is kept whatever its area, since its loops cancel in
/// the area sum (a bow-tie "encloses" nothing) and only a rebuild can
/// tell what ground it covers.
fn without_degenerate_parts(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let whole = validate::outline_area(mp);
    let keep = |ring: &LineString<f64>| {
        without_spikes(ring).filter(|r| crosses_itself(r) || !validate::is_degenerate(r, whole))
    };
    MultiPolygon(
        mp.iter()
            .filter_map(|p| {
                let exterior = keep(p.exterior())?;
                Some(Polygon::new(
                    exterior,
                    p.interiors().iter().filter_map(keep).collect(),
                ))
            })
            .collect(),
    )
}

/// The closed ring without repeated consecutive vertices and without
/// spikes (A, B, A becomes A), removed until none is left, across the
/// closing vertex too; `None` when fewer than three vertices remain.
fn without_spikes(ring: &LineString<f64>) -> Option<LineString<f64>> {
    let mut open: Vec<Coord<f64>> = Vec::with_capacity(ring.0.len());
    for &c in &ring.0 {
        let n = open.len();
        if open.last() == Some(&c) {
            continue;
        }
        if n >= 2 && open[n - 2] == c {
            open.pop();
            continue;
        }
        open.push(c);
    }
    // The ring is a cycle: undo the closing vertex, then spikes at the seam.
    loop {
        let n = open.len();
        if n >= 2 && open[0] == open[n - 1] {
            open.pop();
        } else if n >= 3 && open[n - 2] == open[0] {
            open.truncate(n - 2);
        } else if n >= 3 && open[n - 1] == open[1] {
            open.remove(0);
            open.pop();
        } else {
            break;
        }
    }
    if open.len() < 3 {
        return None;
    }
    open.push(open[0]);
    Some(LineString::new(open))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{line_string, polygon};

    fn square(x0: f64, y0: f64, side: f64) -> Vec<Coord<f64>> {
        vec![
            Coord { x: x0, y: y0 },
            Coord {
                x: x0 + side,
                y: y0,
            },
            Coord {
                x: x0 + side,
                y: y0 + side,
            },
            Coord {
                x: x0,
                y: y0 + side,
            },
            Coord { x: x0, y: y0 },
        ]
    }

    #[test]
    fn spikes_and_repeated_vertices_go_wherever_they_are() {
        let expected = LineString::new(square(0.0, 0.0, 1.0));
        // A spike out of an edge, one of two steps, and a repeated vertex.
        let inner = line_string![
            (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 2.0, y: 0.5), (x: 3.0, y: 0.5), (x: 2.0, y: 0.5),
            (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0), (x: 0.0, y: 0.0)
        ];
        assert_eq!(without_spikes(&inner), Some(expected.clone()));
        // A spike whose tip is where the ring starts and ends.
        let at_seam = line_string![
            (x: -1.0, y: -1.0), (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0),
            (x: 0.0, y: 0.0), (x: -1.0, y: -1.0)
        ];
        let got = without_spikes(&at_seam).unwrap();
        assert_eq!(validate::ring_area(&got), 1.0);
        assert_eq!(got.0.len(), 5, "{got:?}");
        assert!(got.is_closed());
        // A spike whose base is the seam.
        let before_seam = line_string![
            (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0), (x: -1.0, y: -1.0),
            (x: 0.0, y: 1.0), (x: 0.0, y: 0.0)
        ];
        let got = without_spikes(&before_seam).unwrap();
        assert_eq!(got.0.len(), 5, "{got:?}");
        // Nothing but a line out and back.
        let line = line_string![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 0.0, y: 0.0)];
        assert_eq!(without_spikes(&line), None);
    }

    #[test]
    fn a_self_crossing_ring_is_repaired_and_its_area_change_reported() {
        // A 1×1 square whose corner is pulled across the opposite edge by a hair.
        let pinched = polygon![
            (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.5, y: 1.0),
            (x: 0.5, y: -0.001), (x: 0.499, y: 1.0), (x: 0.0, y: 1.0)
        ];
        let mp = MultiPolygon(vec![pinched]);
        assert!(!mp.is_valid());
        let (fixed, note) = repair(&mp, "exterior ring has a self-intersection").unwrap();
        assert!(fixed.is_valid());
        let change: f64 = note
            .strip_prefix("exterior ring has a self-intersection; repaired, area changed by ")
            .and_then(|n| n.strip_suffix('%'))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{note}"));
        assert!(change > 0.0 && change < 0.1, "{note}");
    }

    #[test]
    fn a_hole_outside_its_shell_is_refused_not_made_an_island() {
        let shell = polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)],
            interiors: [[(x: 2.0, y: 0.0), (x: 2.5, y: 0.0), (x: 2.5, y: 0.5), (x: 2.0, y: 0.5)]],
        );
        let err = repair(
            &MultiPolygon(vec![shell]),
            "interior ring at index 0 is not contained within the polygon's exterior",
        )
        .unwrap_err();
        assert!(
            err.contains("not contained")
                && err.contains("66.6667%")
                && err.contains("more than 1%"),
            "{err}"
        );
    }

    #[test]
    fn dropping_degenerate_parts_is_accepted_whatever_the_area() {
        let real = Polygon::new(LineString::new(square(0.0, 0.0, 1e-4)), vec![]);
        // A speck polygon and a polygon of two distinct points.
        let speck = Polygon::new(LineString::new(square(5.0, 5.0, 1e-7)), vec![]);
        let flat = polygon![(x: 3.0, y: 3.0), (x: 3.1, y: 3.0), (x: 3.0, y: 3.0)];
        let mp = MultiPolygon(vec![speck, real.clone(), flat]);
        let (fixed, note) = repair(&mp, "polygon at index 2 is invalid").unwrap();
        assert_eq!(fixed, MultiPolygon(vec![real]));
        assert!(note.ends_with("area changed by 0.0001%"), "{note}");
    }

    #[test]
    fn repairs_leave_no_degenerate_ring() {
        // A square with a sliver, 2 nm wide at its end, pinched off its side.
        let mp = MultiPolygon(vec![polygon![
            (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0), (x: 0.0, y: 0.5),
            (x: -1.0, y: 0.5 + 1e-9), (x: -1.0, y: 0.5 - 1e-9), (x: 0.0, y: 0.5)
        ]]);
        assert!(!mp.is_valid());
        let (fixed, note) = repair(&mp, "self-intersection").unwrap();
        assert_eq!(validate::check(&fixed), Ok(()));
        assert_eq!(fixed.0.len(), 1, "{fixed:?}");
        assert!(fixed.0[0].interiors().is_empty(), "{fixed:?}");
        assert_eq!(fixed.unsigned_area(), 1.0);
        assert!(
            note.ends_with("area changed by less than 0.0001%"),
            "{note}"
        );
    }
}
