//! How the SQL backends write levels, subtrees and search text in SQL, read
//! stored values back and report database errors, so that both give every
//! query the same meaning.

use crate::{LevelCount, StoreError, StoreResult};
use gongzhi_domain::{GridStaff, Level, Region, RegionCode, StaffRole};

/// The stored form of a level: its depth, 0 for a province to 6 for a
/// micro-grid (the `level` column).
pub fn level_number(level: Level) -> i16 {
    i16::from(level.depth())
}

/// The inclusive range of stored levels to select: the one level asked for,
/// or every level. Binding a range keeps the SQL text static.
pub fn level_bounds(level: Option<Level>) -> (i16, i16) {
    match level {
        Some(level) => (level_number(level), level_number(level)),
        None => (
            level_number(Level::ALL[0]),
            level_number(Level::ALL[Level::ALL.len() - 1]),
        ),
    }
}

/// The inclusive range of stored levels from `level` down to the deepest,
/// as [`level_bounds`] gives them: the regions a replaced subtree
/// ([`RegionBatch::replace`](crate::RegionBatch::replace)) holds.
pub fn levels_from(level: Level) -> (i16, i16) {
    (level_number(level), level_bounds(None).1)
}

/// Reads back a stored level.
fn level_from_number(number: i16) -> StoreResult<Level> {
    u8::try_from(number)
        .ok()
        .and_then(Level::from_depth)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown level number {number}")))
}

/// The half-open range `[lower, upper)` of materialised paths in the subtree
/// of `root` (the whole tree for `None`), for `path >= lower AND path < upper`.
///
/// Paths hold only digits and slashes, and `/` is the character just before
/// `0`, so the paths starting with `/44/4405/` are exactly those in
/// `['/44/4405/', '/44/44050')`. Unlike `LIKE` with a bound pattern, a range
/// is served by an ordinary index on `path` whatever the query plan cache
/// does, on both backends.
pub fn subtree_bounds(root: Option<&RegionCode>) -> (String, String) {
    match root {
        Some(root) => {
            let lower = root.path();
            let upper = format!("{}0", &lower[..lower.len() - 1]);
            (lower, upper)
        }
        None => ("/".to_owned(), "0".to_owned()),
    }
}

/// `text` with the `LIKE` wildcards `%` and `_` and the escape character `\`
/// escaped, for a pattern written with `ESCAPE '\'`, so user text matches
/// literally.
pub fn like_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Maps an sqlx error to the store's: a stored value that cannot be decoded
/// is [`StoreError::Corrupt`], anything else [`StoreError::Backend`]. The
/// message is sqlx's, which names no file and repeats no URL: sqlx raises
/// its errors after the URL is parsed.
pub fn db_error(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
            StoreError::Corrupt(e.to_string())
        }
        // PostgreSQL's text cannot hold U+0000 (SQLite's can).
        sqlx::Error::Database(d) if d.code().as_deref() == Some("22021") => {
            StoreError::Invalid("text holds a NUL character, which is never stored".into())
        }
        e => StoreError::Backend(e.to_string()),
    }
}

/// Reads back a region from its stored code and name.
pub(crate) fn region(code: &str, name: String) -> StoreResult<Region> {
    let code = RegionCode::parse(code).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(Region::new(code, name))
}

/// Reads back a staff member of `grid` from their stored name and role
/// (stored as [`StaffRole::as_str`]).
pub(crate) fn staff_member(grid: &RegionCode, name: String, role: &str) -> StoreResult<GridStaff> {
    let role = StaffRole::parse(role)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown staff role {role:?}")))?;
    Ok(GridStaff {
        grid: grid.clone(),
        name,
        role,
    })
}

/// Reads back one row of `count_by_level`: the stored level and its counts.
pub(crate) fn level_count(
    level: i16,
    regions: i64,
    with_boundary: i64,
    staff: i64,
) -> StoreResult<LevelCount> {
    let count =
        |n: i64| u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("negative count {n}")));
    Ok(LevelCount {
        level: level_from_number(level)?,
        regions: count(regions)?,
        with_boundary: count(with_boundary)?,
        staff: count(staff)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn subtree_bounds_hold_exactly_the_descendants() {
        let (lower, upper) = subtree_bounds(Some(&code("4405")));
        let inside = |path: &str| lower.as_str() <= path && path < upper.as_str();
        assert!(inside(&code("4405").path()));
        assert!(inside(&code("440507").path()));
        assert!(inside(&code("440507001001001002").path()));
        assert!(!inside(&code("44").path()));
        assert!(!inside(&code("4401").path()));
        assert!(!inside(&code("440106").path()));
        assert!(!inside(&code("4406").path()));
        let (lower, upper) = subtree_bounds(None);
        assert!(lower.as_str() <= "/11/" && "/99/9999/" < upper.as_str());
    }

    #[test]
    fn levels_round_trip() {
        for level in Level::ALL {
            assert_eq!(level_from_number(level_number(level)).unwrap(), level);
        }
        assert_eq!(level_bounds(None), (0, 6));
        assert_eq!(level_bounds(Some(Level::Town)), (3, 3));
        assert_eq!(levels_from(Level::Grid), (5, 6));
        assert!(level_from_number(7).is_err());
        assert!(level_from_number(-1).is_err());
    }

    #[test]
    fn stored_values_are_checked() {
        assert!(matches!(
            region("4405x", "x".into()),
            Err(StoreError::Corrupt(_))
        ));
        assert!(matches!(
            staff_member(&code("440507001001001"), "x".into(), "boss"),
            Err(StoreError::Corrupt(_))
        ));
        assert!(matches!(
            level_count(2, -1, 0, 0),
            Err(StoreError::Corrupt(_))
        ));
        assert_eq!(level_count(2, 3, 2, 1).unwrap().level, Level::County);
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_escape(r"100%_a\b"), r"100\%\_a\\b");
        assert_eq!(like_escape("龙湖"), "龙湖");
    }
}
