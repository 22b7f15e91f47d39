//! Queries over events: the filters a queue, a map or a statistic applies,
//! and how they are written in SQL that means the same on both backends.

use chrono::NaiveDateTime;
use gongzhi_domain::access::Scope;
use gongzhi_domain::calendar::epoch_of_local;
use gongzhi_domain::event::Channel;
use gongzhi_domain::event_flow::EventState;
use gongzhi_domain::sla::SlaColour;
use gongzhi_domain::{Level, LngLat, RegionCode};
use serde::{Deserialize, Serialize};

/// Which events: every field narrows the set, an empty one does not.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    /// In any of these states.
    pub states: Vec<EventState>,
    /// Showing this SLA colour at `now`.
    pub colour: Option<SlaColour>,
    /// The instant colours are judged at.
    pub now: Option<NaiveDateTime>,
    /// Filed under any of these class or category codes (a class code
    /// covers its categories).
    pub categories: Vec<String>,
    /// Come in by any of these channels.
    pub channels: Vec<Channel>,
    /// Located in this region's subtree.
    pub region: Option<RegionCode>,
    /// Located in this grid.
    pub grid: Option<RegionCode>,
    /// Dispatched to this department (as lead).
    pub department: Option<String>,
    /// Reported at or after.
    pub from: Option<NaiveDateTime>,
    /// Reported before.
    pub to: Option<NaiveDateTime>,
    /// Number, title, description or address contains this text.
    pub text: Option<String>,
    /// Flagged outside the jurisdiction (or not).
    pub outside: Option<bool>,
    /// Merged into this master.
    pub master: Option<String>,
}

/// The order of a list of events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventSort {
    /// Newest reports first.
    #[default]
    Newest,
    /// Oldest reports first.
    Oldest,
    /// Nearest deadline first; events without a running clock last.
    Due,
}

/// A page of a filtered list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventPage {
    /// The events of the page.
    pub events: Vec<gongzhi_domain::event::Event>,
    /// How many events match the filter in all.
    pub total: u64,
}

/// What statistics are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatsGroup {
    /// The event's region at a level (county, town, community, grid …).
    Region(Level),
    /// The class (大类).
    Class,
    /// The category.
    Category,
    /// The state.
    State,
    /// The channel.
    Channel,
    /// The lead department.
    Department,
    /// The local day of the report, `YYYY-MM-DD`.
    Day,
}

/// A located event as a point on the map: what a map draws and colours,
/// without the body.
#[derive(Debug, Clone, PartialEq)]
pub struct EventPoint {
    /// Its number.
    pub number: String,
    /// Where it is, in WGS-84.
    pub location: LngLat,
    /// Its catalogue code.
    pub category: String,
    /// Its state.
    pub state: EventState,
    /// When the running phase turns yellow.
    pub warn_at: Option<NaiveDateTime>,
    /// When the running phase is overdue.
    pub due_at: Option<NaiveDateTime>,
    /// When it was reported.
    pub created_at: NaiveDateTime,
}

/// One group of a statistic: its keys, in the order asked, and its counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsRow {
    /// The group's keys; `None` where the event has none (no region, no
    /// department).
    pub keys: Vec<Option<String>>,
    /// Events.
    pub count: u64,
    /// 结案数: closed (or evaluated).
    pub closed: u64,
    /// 按期结案数: closed with no phase run over.
    pub closed_on_time: u64,
    /// 应结案数: closed, or open with a phase run over.
    pub due: u64,
    /// Evaluated.
    pub rated: u64,
    /// Evaluated 4 or 5.
    pub satisfied: u64,
    /// Seconds from report to closure, summed over the closed.
    pub handling_seconds: u64,
    /// Closed events by the level they were resolved at: grid, community,
    /// town, county, city.
    pub resolved_at: [u64; 5],
}

/// The levels of [`StatsRow::resolved_at`], in order.
pub const RESOLUTION_LEVELS: [Level; 5] = [
    Level::Grid,
    Level::Community,
    Level::Town,
    Level::County,
    Level::City,
];

/// A value bound to a statement built at run time.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text.
    Text(String),
    /// An integer.
    Int(i64),
    /// A real number.
    Real(f64),
}

/// SQL text with `$n` parameters and the values they stand for.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    /// The statement so far.
    pub text: String,
    /// The values of `$1`, `$2`, ….
    pub values: Vec<Value>,
}

impl Sql {
    /// Appends `$n` for a new value and returns it.
    pub fn param(&mut self, value: Value) -> String {
        self.values.push(value);
        format!("${}", self.values.len())
    }

    /// Appends ` AND (clause)`, where `clause` is built with parameters.
    fn and(&mut self, clause: impl FnOnce(&mut Sql) -> String) {
        let c = clause(self);
        self.text.push_str(" AND (");
        self.text.push_str(&c);
        self.text.push(')');
    }
}

/// The stored name of a state.
fn state_names(states: &[EventState]) -> Vec<&'static str> {
    states.iter().map(|s| s.as_str()).collect()
}

/// The states whose work is finished (closed or merged or rejected).
pub fn finished_states() -> Vec<&'static str> {
    state_names(
        &EventState::ALL
            .into_iter()
            .filter(|s| s.is_finished())
            .collect::<Vec<_>>(),
    )
}

/// `column IN ($a, $b, …)` for `values`.
fn one_of(sql: &mut Sql, column: &str, values: &[&str]) -> String {
    let params: Vec<String> = values
        .iter()
        .map(|v| sql.param(Value::Text((*v).to_owned())))
        .collect();
    format!("{column} IN ({})", params.join(", "))
}

/// `region_path` within `root`'s subtree, with events placed nowhere where
/// the scope covers them ([`Scope::covers_unplaced`]).
fn within(sql: &mut Sql, root: &RegionCode) -> String {
    let (lower, upper) = crate::sql::subtree_bounds(Some(root));
    let (l, u) = (sql.param(Value::Text(lower)), sql.param(Value::Text(upper)));
    let subtree = format!("region_path >= {l} AND region_path < {u}");
    if Scope::covers_unplaced(root) {
        format!("{subtree} OR region_path IS NULL")
    } else {
        subtree
    }
}

/// The condition of `scope`, as [`Scope::admits`] judges it.
fn scope_condition(sql: &mut Sql, scope: &Scope) -> String {
    match scope {
        Scope::All => "1 = 1".into(),
        Scope::Region(root) => within(sql, root),
        Scope::Department { region, department } => {
            let subtree = within(sql, region);
            let d = sql.param(Value::Text(department.clone()));
            format!("({subtree}) AND department = {d}")
        }
        Scope::Grids(grids) => {
            let codes: Vec<&str> = grids.iter().map(RegionCode::as_str).collect();
            if codes.is_empty() {
                "1 = 0".into()
            } else {
                one_of(sql, "grid_code", &codes)
            }
        }
        Scope::Reporter(key) => {
            format!("reporter_key = {}", sql.param(Value::Text(key.clone())))
        }
        Scope::Nothing => "1 = 0".into(),
    }
}

/// ` WHERE …` for what `scope` admits of `filter`, appended to `sql`.
pub fn where_clause(sql: &mut Sql, scope: &Scope, filter: &EventFilter) {
    sql.text.push_str(" WHERE 1 = 1");
    if *scope != Scope::All {
        sql.and(|s| scope_condition(s, scope));
    }
    if !filter.states.is_empty() {
        sql.and(|s| one_of(s, "state", &state_names(&filter.states)));
    }
    if let Some(colour) = filter.colour {
        let now = epoch_of_local(filter.now.unwrap_or_default());
        sql.and(|s| {
            let n = s.param(Value::Int(now));
            match colour {
                SlaColour::Red => format!("due_at < {n}"),
                SlaColour::Yellow => format!("warn_at <= {n} AND due_at >= {n}"),
                SlaColour::Green => format!("warn_at > {n}"),
            }
        });
    }
    if !filter.categories.is_empty() {
        sql.and(|s| {
            filter
                .categories
                .iter()
                .map(|c| {
                    let p = s.param(Value::Text(format!("{}%", crate::sql::like_escape(c))));
                    format!(r"category LIKE {p} ESCAPE '\'")
                })
                .collect::<Vec<_>>()
                .join(" OR ")
        });
    }
    if !filter.channels.is_empty() {
        let names: Vec<&str> = filter.channels.iter().map(|c| c.as_str()).collect();
        sql.and(|s| one_of(s, "channel", &names));
    }
    if let Some(region) = &filter.region {
        let (lower, upper) = crate::sql::subtree_bounds(Some(region));
        sql.and(|s| {
            let (l, u) = (s.param(Value::Text(lower)), s.param(Value::Text(upper)));
            format!("region_path >= {l} AND region_path < {u}")
        });
    }
    if let Some(grid) = &filter.grid {
        sql.and(|s| format!("grid_code = {}", s.param(Value::Text(grid.as_str().into()))));
    }
    if let Some(d) = &filter.department {
        sql.and(|s| format!("department = {}", s.param(Value::Text(d.clone()))));
    }
    if let Some(from) = filter.from {
        sql.and(|s| {
            format!(
                "created_at >= {}",
                s.param(Value::Int(epoch_of_local(from)))
            )
        });
    }
    if let Some(to) = filter.to {
        sql.and(|s| format!("created_at < {}", s.param(Value::Int(epoch_of_local(to)))));
    }
    if let Some(text) = filter.text.as_deref().filter(|t| !t.trim().is_empty()) {
        let pattern = format!("%{}%", crate::sql::like_escape(&text.trim().to_lowercase()));
        sql.and(|s| {
            format!(
                r"search_text LIKE {} ESCAPE '\'",
                s.param(Value::Text(pattern))
            )
        });
    }
    if let Some(outside) = filter.outside {
        sql.text.push_str(if outside {
            " AND outside"
        } else {
            " AND NOT outside"
        });
    }
    if let Some(m) = &filter.master {
        sql.and(|s| format!("master = {}", s.param(Value::Text(m.clone()))));
    }
}

/// The ORDER BY of `sort`, with the id breaking ties so pages never
/// overlap.
pub fn order_by(sort: EventSort) -> &'static str {
    match sort {
        EventSort::Newest => " ORDER BY created_at DESC, id DESC",
        EventSort::Oldest => " ORDER BY created_at, id",
        EventSort::Due => " ORDER BY CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at, id",
    }
}

/// The SQL expression of a statistics group's key, as text.
pub fn group_key(group: StatsGroup) -> String {
    match group {
        StatsGroup::Region(level) => {
            format!("substr(region_code, 1, {})", level.code_len())
        }
        StatsGroup::Class => "substr(category, 1, 2)".into(),
        StatsGroup::Category => "category".into(),
        StatsGroup::State => "state".into(),
        StatsGroup::Channel => "channel".into(),
        StatsGroup::Department => "department".into(),
        // Local days: seconds shifted to China time, whole days since the epoch.
        StatsGroup::Day => "CAST((created_at + 28800) / 86400 AS TEXT)".into(),
    }
}

/// `COUNT` of the rows where `condition` holds, named `name`; 0 over no
/// rows, where a plain `SUM` is NULL.
fn count_when(condition: &str, name: &str) -> String {
    format!("COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0) AS {name}")
}

/// The counts every statistics row carries, as SQL select items.
pub fn stats_columns() -> String {
    let finished = finished_states()
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut columns = vec![
        "COUNT(*) AS n".to_owned(),
        count_when("closed_at IS NOT NULL", "closed"),
        count_when("closed_at IS NOT NULL AND NOT ever_overdue", "on_time"),
        count_when(
            &format!("closed_at IS NOT NULL OR (ever_overdue AND state NOT IN ({finished}))"),
            "due",
        ),
        "COUNT(satisfaction) AS rated".into(),
        count_when("satisfaction >= 4", "satisfied"),
        "CAST(COALESCE(SUM(closed_at - created_at), 0) AS BIGINT) AS handling".into(),
    ];
    for (i, level) in RESOLUTION_LEVELS.iter().enumerate() {
        columns.push(count_when(
            &format!("resolved_level = {}", level.depth()),
            &format!("level{i}"),
        ));
    }
    columns.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_bind_every_value() {
        let mut sql = Sql::default();
        let filter = EventFilter {
            states: vec![EventState::Reported, EventState::Accepted],
            categories: vec!["01".into()],
            text: Some(" 100%垃圾 ".into()),
            outside: Some(false),
            ..EventFilter::default()
        };
        where_clause(&mut sql, &Scope::All, &filter);
        assert_eq!(
            sql.text,
            r" WHERE 1 = 1 AND (state IN ($1, $2)) AND (category LIKE $3 ESCAPE '\') AND (search_text LIKE $4 ESCAPE '\') AND NOT outside"
        );
        assert_eq!(sql.values[2], Value::Text("01%".into()));
        assert_eq!(sql.values[3], Value::Text(r"%100\%垃圾%".into()));
    }

    #[test]
    fn finished_states_are_the_domains() {
        assert_eq!(
            finished_states(),
            vec!["rejected", "closed", "evaluated", "merged"]
        );
    }
}
