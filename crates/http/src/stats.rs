//! Statistics of events over HTTP: counts by region, category, state,
//! channel, department or day, with the rates a centre is assessed by.

use crate::caller::Caller;
use crate::events::FilterParams;
use crate::extract::Query;
use crate::{ApiError, AppState};
use axum::{Json, Router, extract::State, routing::get};
use gongzhi_domain::Level;
use gongzhi_domain::rates::{Rates, percent};
use gongzhi_store::event_query::RESOLUTION_LEVELS;
use gongzhi_store::{StatsGroup, StatsRow};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/stats/events", get(stats))
}

/// One group of the statistics.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsRowView {
    /// The group's keys by group name (`region`, `class`, `day` …); null
    /// where events have none.
    pub keys: BTreeMap<String, Option<String>>,
    /// Events.
    pub count: u64,
    /// Counts and rates: 结案率 = closed / due, 按期结案率 = closed on time /
    /// due, 满意率 = satisfied / rated, in percent.
    #[schema(value_type = Object)]
    pub rates: Rates,
    /// Mean hours from report to closure, over the closed.
    pub mean_handling_hours: Option<f64>,
    /// Share of the closed resolved at each level, in percent.
    pub resolved_share: BTreeMap<&'static str, Option<f64>>,
}

/// Statistics.
#[derive(Debug, Serialize, ToSchema)]
pub struct Stats {
    /// The groups, ordered by their keys.
    pub rows: Vec<StatsRowView>,
}

fn parse_group(raw: &str) -> Option<(String, StatsGroup)> {
    let group = match raw {
        "class" => StatsGroup::Class,
        "category" => StatsGroup::Category,
        "state" => StatsGroup::State,
        "channel" => StatsGroup::Channel,
        "department" => StatsGroup::Department,
        "day" => StatsGroup::Day,
        _ => {
            let level = raw.strip_prefix("region:")?;
            let level = Level::parse(level)?;
            StatsGroup::Region(level)
        }
    };
    let name = raw.split(':').next().unwrap_or(raw).to_owned();
    Some((name, group))
}

fn view(names: &[String], row: &StatsRow) -> StatsRowView {
    let closed_levels: u64 = row.resolved_at.iter().sum();
    StatsRowView {
        keys: names
            .iter()
            .cloned()
            .zip(row.keys.iter().cloned())
            .collect(),
        count: row.count,
        rates: Rates::new(
            row.due,
            row.closed,
            row.closed_on_time,
            row.rated,
            row.satisfied,
        ),
        mean_handling_hours: (row.closed > 0)
            .then(|| (row.handling_seconds as f64 / row.closed as f64 / 36.0).round() / 100.0),
        resolved_share: RESOLUTION_LEVELS
            .iter()
            .zip(row.resolved_at)
            .map(|(level, n)| (level.as_str(), percent(n, closed_levels)))
            .collect(),
    }
}

/// Counts and rates of the events matching the filters, grouped by
/// `group`.
#[utoipa::path(get, path = "/api/v1/stats/events", tag = "events", params(FilterParams),
    responses((status = 200, body = Stats), (status = 400, body = crate::error::ErrorBody)))]
pub async fn stats(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(params): Query<FilterParams>,
) -> Result<Json<Stats>, ApiError> {
    let filter = params.filter((state.now)())?;
    let (names, groups): (Vec<String>, Vec<StatsGroup>) = params
        .group
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(|g| {
            parse_group(g).ok_or_else(|| {
                ApiError::invalid_parameter(
                    "group",
                    format!("{g:?} is not region:<level>, class, category, state, channel, department or day"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .unzip();
    let rows = state.service.stats(&caller, &filter, &groups).await?;
    Ok(Json(Stats {
        rows: rows.iter().map(|r| view(&names, r)).collect(),
    }))
}
