//! Composite indices as use cases: define a version, load values, compute
//! every period (with the built-in indicators counted from the platform's
//! own events), and read scores, ranks, red and black lists and warnings
//! within the caller's scope.
//!
//! Units are compared with the units of their own level: an index loaded
//! for counties and towns ranks counties among counties and towns among
//! towns. Imputation groups a unit with the units of its parent region.

use crate::{Service, ServiceError};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use gongzhi_domain::access::{Permission, Placed, Principal, Scope};
use gongzhi_domain::audit::{AuditKind, AuditRecord};
use gongzhi_domain::event_flow::EventState;
use gongzhi_domain::warning::WarningLevel;
use gongzhi_domain::{Level, RegionCode};
use gongzhi_index::definition::{Builtin, Source, SurgeGroup};
use gongzhi_index::period::Period;
use gongzhi_index::stability::{self, RankStats};
use gongzhi_index::warn::{self, EventCounts, Warning};
use gongzhi_index::{DataError, Definition, DefinitionError, PeriodInput, PeriodResult, Tree};
use gongzhi_store::{EventFilter, IndexResultRecord, IndexValue, StatsGroup, StatsRow};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Why an index use case was refused.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The definition does not check.
    #[error(transparent)]
    Definition(#[from] DefinitionError),
    /// Loaded or computed data that cannot be used.
    #[error(transparent)]
    Data(#[from] DataError),
}

/// Monte Carlo runs of the rank-stability report.
pub const STABILITY_RUNS: usize = 200;
/// How far each weight is perturbed in them (±20%).
pub const STABILITY_SPREAD: f64 = 0.2;

/// A period's stored results: one per level of the units compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexRun {
    /// The period.
    pub period: String,
    /// One result per level, highest level first.
    pub levels: Vec<LevelRun>,
}

/// The results of the units of one level in one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelRun {
    /// The level of the units.
    pub level: Level,
    /// Scores, ranks, changes and the method.
    pub result: PeriodResult,
    /// Each unit's warning with its reasons.
    pub warnings: Vec<Warning>,
    /// Each unit's rank stability under perturbed weights (the newest
    /// period computed only).
    pub stability: Vec<RankStats>,
}

/// One unit's line in a table of scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreRow {
    /// The unit.
    pub unit: String,
    /// Its name.
    pub name: String,
    /// Its level.
    pub level: Level,
    /// Score of the node asked for.
    pub score: Option<f64>,
    /// Rank among the units of its level (1 is best).
    pub rank: Option<u32>,
    /// Units of its level ranked.
    pub of: usize,
    /// Score minus the previous period's.
    pub change: Option<f64>,
    /// The unit's warning.
    pub warning: WarningLevel,
    /// Its reasons.
    pub reasons: Vec<warn::Reason>,
    /// Rank stability (for the index itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stability: Option<RankStats>,
}

/// What a computation did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComputeSummary {
    /// The definition version used.
    pub version: i64,
    /// The periods computed, in order.
    pub periods: Vec<String>,
    /// Units per level.
    pub units: BTreeMap<String, usize>,
    /// Units warned red and yellow in the newest period.
    pub red: usize,
    /// See `red`.
    pub yellow: usize,
}

fn data_error(row: usize, column: &str, reason: impl Into<String>) -> ServiceError {
    IndexError::Data(DataError::at(Some(row), Some(column), reason)).into()
}

fn not_found(code: &str) -> ServiceError {
    ServiceError::NotFound {
        what: "index",
        key: code.to_owned(),
    }
}

/// A value of index `code` as JSON, for the store.
fn to_json<T: Serialize>(code: &str, value: &T) -> Result<String, ServiceError> {
    serde_json::to_string(value).map_err(|e| {
        gongzhi_store::StoreError::Corrupt(format!("index {code} cannot be written as JSON: {e}"))
            .into()
    })
}

/// The audit record of what `caller` did to an index.
fn audit_record(
    caller: &Principal,
    now: NaiveDateTime,
    kind: AuditKind,
    subject: String,
    detail: serde_json::Value,
) -> AuditRecord {
    AuditRecord {
        at: now,
        actor: caller.actor.id.clone(),
        role: caller.actor.role.as_str().to_owned(),
        kind,
        subject,
        detail: detail.to_string(),
    }
}

/// Definitions are read by whoever reads statistics, and by whoever
/// edits them.
fn may_read_definitions(caller: &Principal) -> Result<(), ServiceError> {
    if !caller.may(Permission::EditRules) {
        caller.require(Permission::ReadStatistics)?;
    }
    Ok(())
}

fn visible(scope: &Scope, unit: &str) -> bool {
    RegionCode::parse(unit).is_ok_and(|code| {
        scope.admits(Placed {
            region: Some(&code),
            grid: None,
            department: None,
            reporter: None,
        })
    })
}

impl Service {
    /// Checks a definition and saves it as the index's next version.
    pub async fn define_index(
        &self,
        caller: &Principal,
        definition: Definition,
        now: NaiveDateTime,
    ) -> Result<i64, ServiceError> {
        caller.require(Permission::EditRules)?;
        let tree = Tree::build(definition).map_err(IndexError::from)?;
        let code = tree.definition().code.clone();
        let body = to_json(&code, tree.definition())?;
        let audit = audit_record(
            caller,
            now,
            AuditKind::IndexChange,
            format!("index {code}"),
            serde_json::json!({ "action": "define", "nodes": tree.len(), "leaves": tree.leaves().len() }),
        );
        Ok(self
            .store
            .put_index_definition(
                &code,
                &body,
                &caller.actor.id,
                now.and_utc().timestamp(),
                &[audit],
            )
            .await?)
    }

    /// A definition's version (the newest when `version` is `None`).
    pub async fn index_definition(
        &self,
        caller: &Principal,
        code: &str,
        version: Option<i64>,
    ) -> Result<(i64, Definition), ServiceError> {
        may_read_definitions(caller)?;
        let record = self
            .store
            .index_definition(code, version)
            .await?
            .ok_or_else(|| not_found(code))?;
        let definition: Definition = serde_json::from_str(&record.body)
            .map_err(|e| gongzhi_store::StoreError::Corrupt(format!("index {code}: {e}")))?;
        Ok((record.version, definition))
    }

    /// The newest version of every index: code, version and definition.
    pub async fn index_definitions(
        &self,
        caller: &Principal,
    ) -> Result<Vec<(i64, Definition)>, ServiceError> {
        may_read_definitions(caller)?;
        self.store
            .index_definitions()
            .await?
            .into_iter()
            .map(|r| {
                serde_json::from_str(&r.body)
                    .map(|d| (r.version, d))
                    .map_err(|e| gongzhi_store::StoreError::Corrupt(e.to_string()).into())
            })
            .collect()
    }

    /// Loads values of an index: each row names a period of the index's
    /// periodicity, a known region, and a manual or imported indicator or
    /// a denominator. All rows load or none; a bad one is named by its
    /// 1-based position and column.
    pub async fn load_index_values(
        &self,
        caller: &Principal,
        code: &str,
        values: Vec<gongzhi_index::sheet::Value>,
        now: NaiveDateTime,
    ) -> Result<usize, ServiceError> {
        caller.require(Permission::EditRules)?;
        let (_, definition) = self.index_definition(caller, code, None).await?;
        let loadable: BTreeSet<&str> = definition
            .indicators
            .iter()
            .filter(|i| i.level == 1 && i.source != Source::Computed)
            .map(|i| i.code.as_str())
            .chain(definition.denominators.iter().map(|d| d.code.as_str()))
            .collect();
        let mut known: HashMap<String, bool> = HashMap::new();
        for (i, v) in values.iter().enumerate() {
            let row = i + 1;
            Period::parse(&v.period, definition.periodicity)
                .map_err(|e| data_error(row, "period", e))?;
            if !loadable.contains(v.series.as_str()) {
                let why = match definition.indicators.iter().find(|d| d.code == v.series) {
                    Some(d) if d.source == Source::Computed => {
                        "is computed from events, not loaded"
                    }
                    Some(_) => "is an aggregate, computed from its children",
                    None => "is neither an indicator nor a denominator of this index",
                };
                return Err(data_error(row, "series", format!("`{}` {why}", v.series)));
            }
            if !v.value.is_finite() {
                return Err(data_error(row, "value", "not a finite number"));
            }
            let exists = match known.get(&v.unit) {
                Some(e) => *e,
                None => {
                    let e = match RegionCode::parse(&v.unit) {
                        Ok(c) => self.store.region(&c).await?.is_some(),
                        Err(_) => false,
                    };
                    known.insert(v.unit.clone(), e);
                    e
                }
            };
            if !exists {
                return Err(data_error(
                    row,
                    "unit",
                    format!("no region has the code `{}`", v.unit),
                ));
            }
        }
        let values: Vec<IndexValue> = values
            .into_iter()
            .map(|v| IndexValue {
                period: v.period,
                unit: v.unit,
                series: v.series,
                value: v.value,
            })
            .collect();
        let periods: BTreeSet<&str> = values.iter().map(|v| v.period.as_str()).collect();
        let audit = audit_record(
            caller,
            now,
            AuditKind::IndexChange,
            format!("index {code}"),
            serde_json::json!({ "action": "load", "values": values.len(), "periods": periods }),
        );
        self.store.put_index_values(code, &values, &[audit]).await?;
        Ok(values.len())
    }

    /// Computes every period with loaded values, through `through` when
    /// given, with the newest definition; stores each period's results.
    pub async fn compute_index(
        &self,
        caller: &Principal,
        code: &str,
        through: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<ComputeSummary, ServiceError> {
        caller.require(Permission::EditRules)?;
        let (version, definition) = self.index_definition(caller, code, None).await?;
        let tree = Tree::build(definition).map_err(IndexError::from)?;
        let periodicity = tree.definition().periodicity;
        let values = self.store.index_values(code).await?;
        // period → level → unit → series → value
        type Cells = BTreeMap<Level, BTreeMap<String, HashMap<String, f64>>>;
        let mut by_period: BTreeMap<Period, (String, Cells)> = BTreeMap::new();
        for v in values {
            if through.is_some_and(|t| v.period.as_str() > t) {
                continue;
            }
            let period = Period::parse(&v.period, periodicity).map_err(|e| {
                IndexError::Data(DataError::at(
                    None,
                    Some("period"),
                    format!("stored value: {e}"),
                ))
            })?;
            let Ok(unit) = RegionCode::parse(&v.unit) else {
                continue;
            };
            by_period
                .entry(period)
                .or_insert_with(|| (v.period.clone(), Cells::new()))
                .1
                .entry(unit.level())
                .or_default()
                .entry(v.unit)
                .or_default()
                .insert(v.series, v.value);
        }
        let levels: BTreeSet<Level> = by_period
            .values()
            .flat_map(|(_, c)| c.keys().copied())
            .collect();
        let mut runs: Vec<IndexRun> = by_period
            .values()
            .map(|(name, _)| IndexRun {
                period: name.clone(),
                levels: Vec::new(),
            })
            .collect();
        let mut units = BTreeMap::new();
        for level in levels {
            let mut inputs = Vec::with_capacity(by_period.len());
            for (period, (name, cells)) in &by_period {
                let empty = BTreeMap::new();
                let cells = cells.get(&level).unwrap_or(&empty);
                inputs.push(
                    self.period_input(&tree, *period, name, level, cells)
                        .await?,
                );
            }
            units.insert(
                level.as_str().to_owned(),
                inputs.last().map_or(0, |i| i.units.len()),
            );
            let results =
                gongzhi_index::compute(&tree, version, &inputs).map_err(IndexError::from)?;
            let periods: Vec<Period> = by_period.keys().copied().collect();
            for (k, result) in results.into_iter().enumerate() {
                let counts = self
                    .surge_counts(&tree, &periods, k, level, &result.units, now)
                    .await?;
                let warnings = warn::warn(&tree, &result, &counts);
                // Stability is what a leader reads beside the newest
                // ranking; for every past period it would cost as much.
                let stability = if k + 1 == periods.len() {
                    stability::perturbed_weights(
                        &tree,
                        &result,
                        STABILITY_RUNS,
                        STABILITY_SPREAD,
                        k as u64 + 1,
                    )
                    .map_err(IndexError::from)?
                } else {
                    Vec::new()
                };
                runs[k].levels.push(LevelRun {
                    level,
                    result,
                    warnings,
                    stability,
                });
            }
        }
        let mut records = Vec::with_capacity(runs.len());
        for run in &runs {
            let warnings: Vec<&Warning> = run.levels.iter().flat_map(|l| &l.warnings).collect();
            records.push(IndexResultRecord {
                period: run.period.clone(),
                version,
                body: to_json(code, run)?,
                warnings: to_json(code, &warnings)?,
                computed_at: now.and_utc().timestamp(),
            });
        }
        self.store.put_index_results(code, &records).await?;
        let newest = runs.last();
        let count = |l: WarningLevel| {
            newest.map_or(0, |r| {
                r.levels
                    .iter()
                    .flat_map(|x| &x.warnings)
                    .filter(|w| w.level == l)
                    .count()
            })
        };
        Ok(ComputeSummary {
            version,
            periods: runs.iter().map(|r| r.period.clone()).collect(),
            units,
            red: count(WarningLevel::Red),
            yellow: count(WarningLevel::Yellow),
        })
    }

    /// One period's input for the units of one level: loaded values, and
    /// the computed leaves counted from events.
    async fn period_input(
        &self,
        tree: &Tree,
        period: Period,
        name: &str,
        level: Level,
        cells: &BTreeMap<String, HashMap<String, f64>>,
    ) -> Result<PeriodInput, ServiceError> {
        let definition = tree.definition();
        let units: Vec<String> = cells.keys().cloned().collect();
        let mut input = PeriodInput {
            period: name.to_owned(),
            groups: units
                .iter()
                .map(|u| {
                    RegionCode::parse(u)
                        .ok()
                        .and_then(|c| c.parent())
                        .map(|p| p.as_str().to_owned())
                })
                .collect(),
            units: units.clone(),
            ..PeriodInput::default()
        };
        let column = |series: &str| -> Vec<Option<f64>> {
            units
                .iter()
                .map(|u| cells[u].get(series).copied())
                .collect()
        };
        for d in &definition.denominators {
            input.denominators.insert(d.code.clone(), column(&d.code));
        }
        let mut counted: HashMap<Option<String>, HashMap<String, Tally>> = HashMap::new();
        for &leaf in tree.leaves() {
            let ind = &definition.indicators[leaf];
            let values = match (ind.source, ind.builtin) {
                (Source::Computed, Some(builtin)) => {
                    if !counted.contains_key(&ind.category) {
                        let rows = self.tally(period, level, ind.category.as_deref()).await?;
                        counted.insert(ind.category.clone(), rows);
                    }
                    let tallies = &counted[&ind.category];
                    units
                        .iter()
                        .map(|u| tallies.get(u).copied().unwrap_or_default().value(builtin))
                        .collect()
                }
                _ => column(&ind.code),
            };
            input.indicators.insert(ind.code.clone(), values);
        }
        Ok(input)
    }

    /// Events of a period by region of `level`, optionally of one category.
    async fn tally(
        &self,
        period: Period,
        level: Level,
        category: Option<&str>,
    ) -> Result<HashMap<String, Tally>, ServiceError> {
        let filter = EventFilter {
            from: Some(period.start.and_time(NaiveTime::MIN)),
            to: Some(period.end.and_time(NaiveTime::MIN)),
            categories: category.map(|c| vec![c.to_owned()]).unwrap_or_default(),
            ..EventFilter::default()
        };
        let rows = self
            .count(
                &Scope::All,
                &filter,
                &[StatsGroup::Region(level), StatsGroup::State],
            )
            .await?;
        let mut out: HashMap<String, Tally> = HashMap::new();
        for row in rows {
            let Some(Some(unit)) = row.keys.first() else {
                continue;
            };
            let merged =
                row.keys.get(1).and_then(|s| s.as_deref()) == Some(EventState::Merged.as_str());
            out.entry(unit.clone()).or_default().add(&row, merged);
        }
        Ok(out)
    }

    /// Each unit's event counts per catalogue class or category over the
    /// baseline periods and period `k`, for the surge rule.
    async fn surge_counts(
        &self,
        tree: &Tree,
        periods: &[Period],
        k: usize,
        level: Level,
        units: &[String],
        now: NaiveDateTime,
    ) -> Result<Vec<EventCounts>, ServiceError> {
        let Some(rule) = &tree.definition().warnings.surge else {
            return Ok(Vec::new());
        };
        let periodicity = tree.definition().periodicity;
        let by = match rule.by {
            SurgeGroup::Class => StatsGroup::Class,
            SurgeGroup::Category => StatsGroup::Category,
        };
        let mut span = vec![periods[k]];
        while span.len() <= rule.baseline_periods {
            let before = span[0].previous(periodicity);
            span.insert(0, before);
        }
        let wanted: BTreeSet<&str> = units.iter().map(String::as_str).collect();
        let whole = EventFilter {
            from: Some(span[0].start.and_time(NaiveTime::MIN)),
            to: Some(span[span.len() - 1].end.and_time(NaiveTime::MIN)),
            ..EventFilter::default()
        };
        // The records start on the first day with an event; the period
        // under way ends today. Counts are judged per day covered.
        let days = self.count(&Scope::All, &whole, &[StatsGroup::Day]).await?;
        let first = days
            .iter()
            .filter_map(|r| r.keys.first().cloned().flatten())
            .filter_map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
            .min();
        let today = now.date().succ_opt().unwrap_or(now.date());
        let exposure: Vec<f64> = span
            .iter()
            .map(|p| {
                let from = first.map_or(p.end, |f| f.max(p.start));
                let to = today.min(p.end);
                let covered = (to - from).num_days().max(0) as f64;
                covered / (p.end - p.start).num_days() as f64
            })
            .collect();
        let mut series: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
        for (i, p) in span.iter().enumerate() {
            let filter = EventFilter {
                from: Some(p.start.and_time(NaiveTime::MIN)),
                to: Some(p.end.and_time(NaiveTime::MIN)),
                ..EventFilter::default()
            };
            let rows = self
                .count(&Scope::All, &filter, &[StatsGroup::Region(level), by])
                .await?;
            for row in rows {
                let (Some(Some(unit)), Some(Some(class))) = (row.keys.first(), row.keys.get(1))
                else {
                    continue;
                };
                if wanted.contains(unit.as_str()) {
                    series
                        .entry((unit.clone(), class.clone()))
                        .or_insert_with(|| vec![0; span.len()])[i] = row.count;
                }
            }
        }
        let rules = self.rules();
        Ok(series
            .into_iter()
            .map(|((unit, class), counts)| {
                let entry = rules.catalogue.get(&class);
                EventCounts {
                    unit,
                    name: entry.map_or_else(|| class.clone(), |e| e.name.clone()),
                    name_en: entry.map_or_else(|| class.clone(), |e| e.name_en.clone()),
                    category: class,
                    counts,
                    exposure: exposure.clone(),
                }
            })
            .collect())
    }

    /// A period's stored results (the newest period when `period` is
    /// `None`), with only the units the caller may see.
    pub async fn index_run(
        &self,
        caller: &Principal,
        code: &str,
        period: Option<&str>,
    ) -> Result<IndexRun, ServiceError> {
        caller.require(Permission::ReadStatistics)?;
        let period = match period {
            Some(p) => p.to_owned(),
            None => self
                .store
                .index_periods(code)
                .await?
                .pop()
                .ok_or_else(|| not_found(code))?,
        };
        let record = self
            .store
            .index_result(code, &period)
            .await?
            .ok_or_else(|| ServiceError::NotFound {
                what: "index period",
                key: format!("{code} {period}"),
            })?;
        let mut run: IndexRun = serde_json::from_str(&record.body).map_err(|e| {
            gongzhi_store::StoreError::Corrupt(format!("index {code} {period}: {e}"))
        })?;
        for level in &mut run.levels {
            level.warnings.retain(|w| visible(&caller.scope, &w.unit));
            level.stability.retain(|s| visible(&caller.scope, &s.unit));
        }
        Ok(run)
    }

    /// The table of one node's scores in a period: every visible unit of
    /// `level` (all levels when `None`), best first.
    pub async fn index_scores(
        &self,
        caller: &Principal,
        code: &str,
        period: Option<&str>,
        level: Option<Level>,
        node: Option<&str>,
    ) -> Result<(String, Vec<ScoreRow>), ServiceError> {
        let run = self.index_run(caller, code, period).await?;
        let names = self.unit_names(&run).await?;
        let mut rows = Vec::new();
        for l in run
            .levels
            .iter()
            .filter(|l| level.is_none_or(|x| x == l.level))
        {
            let r = &l.result;
            let n = match node {
                Some(code) => r.nodes.iter().position(|c| c == code).ok_or_else(|| {
                    ServiceError::NotFound {
                        what: "indicator",
                        key: code.to_owned(),
                    }
                })?,
                None => r.root,
            };
            let root = r.root;
            let of = r.ranks[n].iter().flatten().count();
            let warnings: HashMap<&str, &Warning> =
                l.warnings.iter().map(|w| (w.unit.as_str(), w)).collect();
            let stability: HashMap<&str, &RankStats> =
                l.stability.iter().map(|s| (s.unit.as_str(), s)).collect();
            for (u, unit) in r.units.iter().enumerate() {
                let Some(w) = warnings.get(unit.as_str()) else {
                    continue;
                };
                rows.push(ScoreRow {
                    unit: unit.clone(),
                    name: names.get(unit).cloned().unwrap_or_default(),
                    level: l.level,
                    score: r.scores[n][u],
                    rank: r.ranks[n][u],
                    of,
                    change: r.change[n][u],
                    warning: w.level,
                    reasons: w.reasons.clone(),
                    stability: (n == root)
                        .then(|| stability.get(unit.as_str()).map(|s| (*s).clone()))
                        .flatten(),
                });
            }
        }
        rows.sort_by_key(|r| (r.level, r.rank.unwrap_or(u32::MAX)));
        Ok((run.period, rows))
    }

    /// A period (the newest when `None`) as an Excel workbook
    /// ([`crate::index_export`]), audited as an export; returns the period
    /// and the bytes.
    pub async fn index_workbook(
        &self,
        caller: &Principal,
        code: &str,
        period: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<(String, Vec<u8>), ServiceError> {
        caller.require(Permission::Export)?;
        let run = self.index_run(caller, code, period).await?;
        let (_, definition) = self.index_definition(caller, code, None).await?;
        let names = self.unit_names(&run).await?;
        let bytes = crate::index_export::workbook(&definition, &run, &names).map_err(|e| {
            gongzhi_store::StoreError::Backend(format!("writing the workbook: {e}"))
        })?;
        let record = audit_record(
            caller,
            now,
            AuditKind::Export,
            format!("index {code} {}", run.period),
            serde_json::json!({ "index": code, "period": run.period, "units": names.len() }),
        );
        self.store.append_audit(&[record]).await?;
        Ok((run.period, bytes))
    }

    /// The names of a run's visible units (those with a warning), by code:
    /// one read of the regions per level, not one per unit.
    async fn unit_names(&self, run: &IndexRun) -> Result<HashMap<String, String>, ServiceError> {
        let wanted: BTreeSet<&str> = run
            .levels
            .iter()
            .flat_map(|l| &l.warnings)
            .map(|w| w.unit.as_str())
            .collect();
        let mut names = HashMap::with_capacity(wanted.len());
        for level in run.levels.iter().map(|l| l.level) {
            for region in self.store.subtree(None, Some(level)).await? {
                if wanted.contains(region.code.as_str()) {
                    names.insert(region.code.as_str().to_owned(), region.name);
                }
            }
        }
        Ok(names)
    }

    /// The newest warning of every visible unit over all indices, the most
    /// severe where indices differ: what the map colours regions by.
    pub async fn index_warnings(
        &self,
        scope: &Scope,
    ) -> Result<HashMap<String, Warning>, ServiceError> {
        let mut out: HashMap<String, Warning> = HashMap::new();
        for definition in self.store.index_definitions().await? {
            let Some((_, text)) = self.store.index_newest_warnings(&definition.code).await? else {
                continue;
            };
            let warnings: Vec<Warning> = serde_json::from_str(&text).map_err(|e| {
                gongzhi_store::StoreError::Corrupt(format!(
                    "warnings of index {}: {e}",
                    definition.code
                ))
            })?;
            for w in warnings {
                if !visible(scope, &w.unit) {
                    continue;
                }
                match out.get_mut(&w.unit) {
                    Some(have) => {
                        have.level = have.level.max(w.level);
                        have.reasons.extend(w.reasons);
                        have.reasons.sort_by_key(|r| std::cmp::Reverse(r.level));
                    }
                    None => {
                        out.insert(w.unit.clone(), w);
                    }
                }
            }
        }
        Ok(out)
    }
}

/// A unit's events in a period, as the built-ins need them.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    count: u64,
    closed: u64,
    on_time: u64,
    rated: u64,
    satisfied: u64,
    merged: u64,
}

impl Tally {
    fn add(&mut self, row: &StatsRow, merged: bool) {
        self.count += row.count;
        self.closed += row.closed;
        self.on_time += row.closed_on_time;
        self.rated += row.rated;
        self.satisfied += row.satisfied;
        if merged {
            self.merged += row.count;
        }
    }

    /// The built-in's value; a rate over nothing is missing, not zero.
    fn value(&self, builtin: Builtin) -> Option<f64> {
        let pct = |a: u64, b: u64| (b > 0).then(|| 100.0 * a as f64 / b as f64);
        match builtin {
            Builtin::EventRate => Some(self.count as f64),
            Builtin::ClosureRate => pct(self.closed, self.count),
            Builtin::OnTimeRate => pct(self.on_time, self.closed),
            Builtin::SatisfactionRate => pct(self.satisfied, self.rated),
            Builtin::RepeatRate => pct(self.merged, self.count),
        }
    }
}
