//! The closed loop's part of the store: configuration documents kept in
//! versions, events with their timelines, idempotent intake, photos and
//! statistics. [`EventStore`] is part of every [`Store`](crate::Store); the
//! one implementation below serves every [`SqlBackend`].
//!
//! An event is kept as its whole record in JSON plus the columns queries
//! filter and count by, written together from the record. A save names the
//! version it replaces, so of two operators acting on one event at once
//! exactly one wins and the other gets [`StoreError::Conflict`].

use crate::backend::{SqlBackend, StoreRow, fetch};
use crate::event_query::{
    self, EventFilter, EventPage, EventPoint, EventSort, Sql, StatsGroup, StatsRow, Value,
};
use crate::{EventFacts, StoreError, StoreResult, audit, personal, sql};
use async_trait::async_trait;
use chrono::NaiveDateTime;
use futures_util::TryStreamExt;
use gongzhi_domain::access::Scope;
use gongzhi_domain::audit::AuditRecord;
use gongzhi_domain::calendar::{epoch_of_local, local_of_epoch};
use gongzhi_domain::crypto::Crypto;
use gongzhi_domain::event::{Candidate, Channel, DuplicateWindow, Event, TimelineEntry};
use gongzhi_domain::event_flow::EventState;
use gongzhi_domain::{Level, LngLat, RegionCode};
use serde::{Deserialize, Serialize};
use sqlx::query::Query;
use std::collections::HashMap;
// Statements built at run time (filters, the event columns) are assembled
// from fixed fragments; every value is bound as a parameter.
use sqlx::{AssertSqlSafe, Database, Encode, Executor, IntoArguments, Transaction, Type};

/// The kinds of configuration document kept in versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigKind {
    /// The category catalogue (事项清单).
    Catalogue,
    /// Departments and the responsibility list (权责清单).
    Responsibility,
}

impl ConfigKind {
    /// Stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigKind::Catalogue => "catalogue",
            ConfigKind::Responsibility => "responsibility",
        }
    }
}

/// One stored version of a configuration document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigVersion {
    /// From 1, growing by one per edit.
    pub version: i64,
    /// The document, JSON.
    pub document: String,
    /// Who saved it.
    pub author: String,
    /// When.
    pub created_at: NaiveDateTime,
}

/// The latest version of a document up to `up_to`.
async fn latest_config<DB>(
    pool: &sqlx::Pool<DB>,
    kind: ConfigKind,
    up_to: i64,
) -> StoreResult<Option<ConfigVersion>>
where
    DB: Database<Row: StoreRow, Arguments: IntoArguments<DB>>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    i64: for<'q> Encode<'q, DB> + Type<DB>,
{
    let query = sqlx::query(
        "SELECT version, document, author, created_at FROM config_versions \
         WHERE kind = $1 AND version <= $2 ORDER BY version DESC LIMIT 1",
    )
    .bind(kind.as_str())
    .bind(up_to);
    fetch(pool, query).await?.first().map(config_of).transpose()
}

/// An idempotency key with the hash of the request it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// The caller's key.
    pub key: String,
    /// A hash of the request body: the same key with another body is refused.
    pub request_hash: String,
}

/// What an intake did.
#[derive(Debug, Clone, PartialEq)]
pub enum Intake {
    /// A new event, with its identity and number.
    Created(Event),
    /// The key was seen with the same request: the event it created.
    Replayed(Event),
}

/// A stored photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Identifier (the SHA-256 of the bytes, hex).
    pub id: String,
    /// MIME type, checked from the bytes.
    pub content_type: String,
    /// The bytes.
    pub data: Vec<u8>,
    /// When stored.
    pub created_at: NaiveDateTime,
}

/// The closed loop's storage. See the module documentation.
#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// The latest version of a configuration document, if any was saved.
    async fn config(&self, kind: ConfigKind) -> StoreResult<Option<ConfigVersion>>;

    /// One version of a configuration document.
    async fn config_version(
        &self,
        kind: ConfigKind,
        version: i64,
    ) -> StoreResult<Option<ConfigVersion>>;

    /// Saves a new version of a document, which must follow `based_on`
    /// (0 for the first): an edit made on an older version is a
    /// [`StoreError::Conflict`]. Returns the new version.
    async fn put_config(
        &self,
        kind: ConfigKind,
        based_on: i64,
        document: &str,
        author: &str,
        at: NaiveDateTime,
    ) -> StoreResult<i64>;

    /// Stores new events, each with its first timeline entry, numbering
    /// them within their day, in one transaction: how concurrent intakes
    /// share one commit. Each answer is the event created, or for a key
    /// seen before (in the store or earlier in the batch) the event the key
    /// created when the request hash is the same, else
    /// [`StoreError::Conflict`]. One bad item fails only itself.
    async fn create_events(&self, batch: &[NewEvent]) -> StoreResult<Vec<StoreResult<Intake>>>;

    /// Stores one new event: [`EventStore::create_events`] of one.
    async fn create_event(
        &self,
        event: &Event,
        entry: &TimelineEntry,
        key: Option<&IdempotencyKey>,
    ) -> StoreResult<Intake> {
        let item = NewEvent {
            event: event.clone(),
            entry: entry.clone(),
            key: key.cloned(),
        };
        self.create_events(std::slice::from_ref(&item))
            .await?
            .pop()
            .unwrap_or_else(|| Err(StoreError::Corrupt("no answer for the event".into())))
    }

    /// The event with this number, if `scope` admits it.
    async fn event(&self, scope: &Scope, number: &str) -> StoreResult<Option<Event>>;

    /// Saves a step: `event` replaces the stored record whose version is
    /// one less, and `entries` (of this event or others, such as a master's
    /// note of a merge) are appended, all or nothing. A stored version other
    /// than `event.version - 1` is a [`StoreError::Conflict`].
    async fn save_event(&self, event: &Event, entries: &[TimelineEntry]) -> StoreResult<()>;

    /// An event's timeline, oldest first.
    async fn timeline(&self, event_id: i64) -> StoreResult<Vec<TimelineEntry>>;

    /// A page of the events `scope` admits that match `filter`.
    async fn events(
        &self,
        scope: &Scope,
        filter: &EventFilter,
        sort: EventSort,
        offset: u64,
        limit: u32,
    ) -> StoreResult<EventPage>;

    /// The located events `scope` admits that match `filter`, as points,
    /// newest first: everything a map needs, in one statement.
    async fn event_points(
        &self,
        scope: &Scope,
        filter: &EventFilter,
    ) -> StoreResult<Vec<EventPoint>>;

    /// For each probe, the open events of its category within `window` of
    /// it, nearest first, with their distance in metres: the
    /// [`DUPLICATES_SHOWN`] nearest of the [`DUPLICATE_CANDIDATES`] most
    /// recent, so a hotspot with hundreds of reports stays cheap. One
    /// statement serves all the probes, so the reports of an intake batch
    /// are searched together.
    async fn duplicates(
        &self,
        probes: &[DuplicateProbe],
        window: DuplicateWindow,
    ) -> StoreResult<Vec<Vec<(Candidate, f64)>>>;

    /// Events whose running phase is overdue at `now` but not yet marked,
    /// oldest deadline first, at most `limit`.
    async fn overdue_unmarked(&self, now: NaiveDateTime, limit: u32) -> StoreResult<Vec<Event>>;

    /// Counts of the events `scope` admits that match `filter`, grouped by
    /// `groups`, ordered by the keys.
    async fn event_stats(
        &self,
        scope: &Scope,
        filter: &EventFilter,
        groups: &[StatsGroup],
    ) -> StoreResult<Vec<StatsRow>>;

    /// Hands the counted facts of every event to `each`, one at a time so
    /// that a million events never sit in memory twice; returns how many.
    async fn event_facts(&self, each: &mut (dyn FnMut(EventFacts) + Send)) -> StoreResult<u64>;

    /// Stores a photo (storing the same bytes again changes nothing).
    async fn put_attachment(&self, attachment: &Attachment) -> StoreResult<()>;

    /// A stored photo.
    async fn attachment(&self, id: &str) -> StoreResult<Option<Attachment>>;

    /// Which of `ids` are stored photos.
    async fn known_attachments(&self, ids: &[String]) -> StoreResult<Vec<String>>;
}

/// A duplicate search: where, when and of what category a report is.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateProbe {
    /// The report's category.
    pub category: String,
    /// Where it is.
    pub at: LngLat,
    /// When it was made.
    pub now: NaiveDateTime,
}

/// How many of the most recent candidates a duplicate search weighs.
pub const DUPLICATE_CANDIDATES: i64 = 100;

/// How many suggested duplicates a search returns at most.
pub const DUPLICATES_SHOWN: usize = 10;

/// `query` with `values` bound in order.
fn bind_values<'q, DB>(
    mut query: Query<'q, DB, DB::Arguments>,
    values: &'q [Value],
) -> Query<'q, DB, DB::Arguments>
where
    DB: Database,
    String: for<'e> Encode<'e, DB> + Type<DB>,
    i64: for<'e> Encode<'e, DB> + Type<DB>,
    f64: for<'e> Encode<'e, DB> + Type<DB>,
{
    for v in values {
        query = match v {
            Value::Text(t) => query.bind(t.clone()),
            Value::Int(i) => query.bind(*i),
            Value::Real(x) => query.bind(*x),
        };
    }
    query
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn state_of(name: &str) -> StoreResult<EventState> {
    EventState::ALL
        .into_iter()
        .find(|s| s.as_str() == name)
        .ok_or_else(|| corrupt("event state", name))
}

fn instant(secs: i64) -> StoreResult<NaiveDateTime> {
    local_of_epoch(secs).ok_or_else(|| corrupt("instant", secs))
}

/// An event from a row with `id`, `version` and `body`, its reporter
/// opened.
fn event_of(crypto: &dyn Crypto, row: &impl StoreRow) -> StoreResult<Event> {
    let mut event: Event =
        serde_json::from_str(&row.text("body")?).map_err(|e| corrupt("event record", e))?;
    event.id = row.count("id")?;
    event.version = row.count("version")?;
    event.reporter = personal::open_reporter(crypto, event.reporter)?;
    Ok(event)
}

/// The facts of a row of [`EventStore::event_facts`].
fn facts_of(row: &impl StoreRow) -> StoreResult<EventFacts> {
    let code = |column: &str| {
        row.maybe_text(column)?
            .map(|c| RegionCode::parse(&c).map_err(|e| corrupt(column, e)))
            .transpose()
    };
    let small = |column: &str| {
        row.maybe_count(column)?
            .map(|n| u8::try_from(n).map_err(|e| corrupt(column, e)))
            .transpose()
    };
    let channel = row.text("channel")?;
    Ok(EventFacts {
        id: row.count("id")?,
        version: row.count("version")?,
        channel: Channel::parse(&channel).ok_or_else(|| corrupt("channel", &channel))?,
        category: row.text("category")?,
        state: state_of(&row.text("state")?)?,
        region: code("region_code")?,
        grid: code("grid_code")?,
        outside: row.flag("outside")?,
        department: row.maybe_text("department")?,
        created_at: row.count("created_at")?,
        closed_at: row.maybe_count("closed_at")?,
        warn_at: row.maybe_count("warn_at")?,
        due_at: row.maybe_count("due_at")?,
        ever_overdue: row.flag("ever_overdue")?,
        satisfaction: small("satisfaction")?,
        resolved_level: small("resolved_level")?
            .map(|d| Level::from_depth(d).ok_or_else(|| corrupt("resolved level", d)))
            .transpose()?,
    })
}

fn point_of(row: &impl StoreRow) -> StoreResult<EventPoint> {
    let moment = |column: &str| row.maybe_count(column)?.map(instant).transpose();
    Ok(EventPoint {
        number: row.text("number")?,
        location: LngLat {
            lng: row.real("lng")?,
            lat: row.real("lat")?,
        },
        category: row.text("category")?,
        state: state_of(&row.text("state")?)?,
        warn_at: moment("warn_at")?,
        due_at: moment("due_at")?,
        created_at: instant(row.count("created_at")?)?,
    })
}

/// The integer `column` of the first of `rows`, if any.
fn first_count<R: StoreRow>(rows: &[R], column: &str) -> StoreResult<Option<i64>> {
    rows.first().map(|r| r.count(column)).transpose()
}

fn events_of<R: StoreRow>(crypto: &dyn Crypto, rows: &[R]) -> StoreResult<Vec<Event>> {
    rows.iter().map(|row| event_of(crypto, row)).collect()
}

fn config_of(row: &impl StoreRow) -> StoreResult<ConfigVersion> {
    Ok(ConfigVersion {
        version: row.count("version")?,
        document: row.text("document")?,
        author: row.text("author")?,
        created_at: instant(row.count("created_at")?)?,
    })
}

/// An event row as stored: the text and integer columns, the first of
/// [`EVENT_COLUMNS`], and the keyed hash of the reporter's phone, the last;
/// [`bind_event`] binds the rest.
struct EventRow {
    values: Vec<Value>,
    reporter_key: Option<String>,
}

/// The whole record of `event` as stored, its reporter sealed.
fn body_at_rest(crypto: &dyn Crypto, event: &Event) -> StoreResult<String> {
    let at_rest = Event {
        reporter: personal::seal_reporter(crypto, &event.reporter),
        ..event.clone()
    };
    serde_json::to_string(&at_rest).map_err(|e| StoreError::Invalid(e.to_string()))
}

/// The keyed hash of the reporter's phone.
fn reporter_key(crypto: &dyn Crypto, event: &Event) -> Option<String> {
    event
        .reporter
        .phone
        .as_deref()
        .map(|p| personal::phone_key(crypto, p))
}

/// The row of `event`, its reporter sealed.
fn event_values(crypto: &dyn Crypto, event: &Event) -> StoreResult<EventRow> {
    let text = |s: &str| Value::Text(s.to_owned());
    let body = body_at_rest(crypto, event)?;
    let search = format!(
        "{} {} {} {}",
        event.number, event.title, event.description, event.address
    )
    .to_lowercase();
    let values = vec![
        text(&event.number),
        text(&event.title),
        Value::Int(event.version),
        text(event.channel.as_str()),
        text(&event.category),
        text(event.flow.state.as_str()),
        text(event.urgency.as_str()),
        Value::Text(search),
        Value::Text(body),
        Value::Int(epoch_of_local(event.created_at)),
        Value::Int(epoch_of_local(event.updated_at)),
    ];
    Ok(EventRow {
        values,
        reporter_key: reporter_key(crypto, event),
    })
}

/// Binds the nullable and typed columns of an event, after
/// [`event_values`].
fn bind_event<'q, DB>(
    query: Query<'q, DB, DB::Arguments>,
    row: &'q EventRow,
    event: &'q Event,
) -> Query<'q, DB, DB::Arguments>
where
    DB: Database,
    String: for<'e> Encode<'e, DB> + Type<DB>,
    i64: for<'e> Encode<'e, DB> + Type<DB>,
    i16: for<'e> Encode<'e, DB> + Type<DB>,
    f64: for<'e> Encode<'e, DB> + Type<DB>,
    bool: for<'e> Encode<'e, DB> + Type<DB>,
    Option<String>: for<'e> Encode<'e, DB> + Type<DB>,
    Option<i64>: for<'e> Encode<'e, DB> + Type<DB>,
    Option<i16>: for<'e> Encode<'e, DB> + Type<DB>,
    Option<f64>: for<'e> Encode<'e, DB> + Type<DB>,
{
    let region = event.placement.region.as_ref();
    let time = |t: Option<NaiveDateTime>| t.map(epoch_of_local);
    bind_values(query, &row.values)
        .bind(event.flow.suspended)
        .bind(region.map(|r| r.as_str().to_owned()))
        .bind(region.map(|r| r.path()))
        .bind(event.placement.grid.as_ref().map(|g| g.as_str().to_owned()))
        .bind(event.placement.outside)
        .bind(event.centre.as_ref().map(|c| c.as_str().to_owned()))
        .bind(event.department.clone())
        .bind(event.master.clone())
        .bind(event.location.map(|l| l.lng))
        .bind(event.location.map(|l| l.lat))
        .bind(time(event.closed_at))
        .bind(time(event.warn_at))
        .bind(time(event.due_at))
        .bind(event.overdue)
        .bind(event.ever_overdue)
        .bind(event.flow.satisfaction.map(i16::from))
        .bind(event.resolved_level.map(|l| i16::from(l.depth())))
        .bind(row.reporter_key.clone())
}

/// The event columns, in the order [`event_values`] and [`bind_event`]
/// bind them.
const EVENT_COLUMNS: &str = "number, title, version, channel, category, state, urgency, search_text, \
     body, created_at, updated_at, suspended, region_code, region_path, grid_code, outside, \
     centre_code, department, master, lng, lat, closed_at, warn_at, due_at, overdue, \
     ever_overdue, satisfaction, resolved_level, reporter_key";

/// How many columns [`EVENT_COLUMNS`] names.
fn event_column_count() -> usize {
    EVENT_COLUMNS.split(',').count()
}

/// Whether an sqlx error is a unique-key violation (a lost race).
fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}

/// Appends timeline entries inside `tx`, each at the end of its event's
/// timeline.
async fn append_entries<DB>(
    tx: &mut Transaction<'_, DB>,
    entries: &[TimelineEntry],
) -> StoreResult<()>
where
    DB: Database<Arguments: IntoArguments<DB>>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    String: for<'e> Encode<'e, DB> + Type<DB>,
    i64: for<'e> Encode<'e, DB> + Type<DB>,
{
    for entry in entries {
        let body = serde_json::to_string(entry).map_err(|e| StoreError::Invalid(e.to_string()))?;
        sqlx::query(
            "INSERT INTO event_timeline (event_id, seq, at, action, body) \
             SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4 FROM event_timeline WHERE event_id = $1",
        )
        .bind(entry.event_id)
        .bind(epoch_of_local(entry.at))
        .bind(entry.action.clone())
        .bind(body)
        .execute(&mut **tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict(format!(
                    "event {} changed at the same time: try again",
                    entry.event_id
                ))
            } else {
                sql::db_error(e)
            }
        })?;
    }
    Ok(())
}

/// A new event to store: its record, its first timeline entry and the
/// idempotency key it came with.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// The record, without identity or number.
    pub event: Event,
    /// Its first timeline entry.
    pub entry: TimelineEntry,
    /// The caller's key, if any.
    pub key: Option<IdempotencyKey>,
}

/// What becomes of one item of a batch.
enum Planned {
    /// Its key was seen with the same request: this event answers.
    Replay(Box<Event>),
    /// Its key was seen with another request.
    Conflict(String),
    /// Its key came earlier in the batch with the same request: that
    /// item's event answers.
    SameAs(usize),
    /// A new event.
    New,
}

/// The stored keys among `keys`, each with its request hash and event.
async fn replays<DB>(
    tx: &mut Transaction<'_, DB>,
    crypto: &dyn Crypto,
    keys: &[&IdempotencyKey],
) -> StoreResult<HashMap<String, (String, Event)>>
where
    DB: Database<Row: StoreRow, Arguments: IntoArguments<DB>>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    String: for<'e> Encode<'e, DB> + Type<DB>,
    i64: for<'e> Encode<'e, DB> + Type<DB>,
    f64: for<'e> Encode<'e, DB> + Type<DB>,
{
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql {
        text: "SELECT k.key, k.request_hash, e.id, e.version, e.body FROM idempotency_keys k \
               JOIN events e ON e.id = k.event_id WHERE k.key IN ("
            .into(),
        values: keys.iter().map(|k| Value::Text(k.key.clone())).collect(),
    };
    let params: Vec<String> = (1..=keys.len()).map(|i| format!("${i}")).collect();
    sql.text.push_str(&params.join(", "));
    sql.text.push(')');
    let rows = bind_values(sqlx::query(AssertSqlSafe(sql.text)), &sql.values)
        .fetch_all(&mut **tx)
        .await
        .map_err(sql::db_error)?;
    rows.iter()
        .map(|row| {
            Ok((
                row.text("key")?,
                (row.text("request_hash")?, event_of(crypto, row)?),
            ))
        })
        .collect()
}

/// Decides each item of a batch against the stored keys and the keys
/// earlier in the batch.
fn plan_batch(batch: &[NewEvent], seen: &HashMap<String, (String, Event)>) -> Vec<Planned> {
    let conflict = |key: &str| format!("idempotency key {key:?} was used with a different request");
    let mut first: HashMap<&str, (usize, &str)> = HashMap::new();
    batch
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let Some(k) = &item.key else {
                return Planned::New;
            };
            if let Some((hash, event)) = seen.get(&k.key) {
                return if *hash == k.request_hash {
                    Planned::Replay(Box::new(event.clone()))
                } else {
                    Planned::Conflict(conflict(&k.key))
                };
            }
            match first.get(k.key.as_str()) {
                Some((j, hash)) if *hash == k.request_hash => Planned::SameAs(*j),
                Some(_) => Planned::Conflict(conflict(&k.key)),
                None => {
                    first.insert(&k.key, (i, &k.request_hash));
                    Planned::New
                }
            }
        })
        .collect()
}

/// The answers of a written batch: `stored` holds the new events in the
/// order of the items planned [`Planned::New`].
fn answers(plan: Vec<Planned>, stored: Vec<Event>) -> Vec<StoreResult<Intake>> {
    let mut fresh = stored.into_iter();
    let mut by_item: Vec<Option<Event>> = Vec::with_capacity(plan.len());
    let mut out = Vec::with_capacity(plan.len());
    for p in plan {
        let (answer, created) = match p {
            Planned::New => {
                let event = fresh.next().expect("one stored event per new item");
                (Ok(Intake::Created(event.clone())), Some(event))
            }
            Planned::Replay(event) => (Ok(Intake::Replayed(*event)), None),
            Planned::SameAs(j) => {
                let event = by_item[j].clone().expect("the first use of a key is new");
                (Ok(Intake::Replayed(event)), None)
            }
            Planned::Conflict(why) => (Err(StoreError::Conflict(why)), None),
        };
        by_item.push(created);
        out.push(answer);
    }
    out
}

/// `$a, $b, …` for `count` parameters after the first `from`.
fn params(from: usize, count: usize) -> String {
    (from + 1..=from + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Numbers, inserts and keys the new events of a batch inside `tx`, with
/// their first timeline entries; returns them as stored, in order.
async fn insert_fresh<DB>(
    tx: &mut Transaction<'_, DB>,
    crypto: &dyn Crypto,
    fresh: &[&NewEvent],
) -> StoreResult<Vec<Event>>
where
    DB: Database<Row: StoreRow, Arguments: IntoArguments<DB>>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    String: for<'e> Encode<'e, DB> + Type<DB>,
    i64: for<'e> Encode<'e, DB> + Type<DB>,
    i16: for<'e> Encode<'e, DB> + Type<DB>,
    f64: for<'e> Encode<'e, DB> + Type<DB>,
    bool: for<'e> Encode<'e, DB> + Type<DB>,
    Option<String>: for<'e> Encode<'e, DB> + Type<DB>,
    Option<i64>: for<'e> Encode<'e, DB> + Type<DB>,
    Option<i16>: for<'e> Encode<'e, DB> + Type<DB>,
    Option<f64>: for<'e> Encode<'e, DB> + Type<DB>,
{
    if fresh.is_empty() {
        return Ok(Vec::new());
    }
    let mut stored: Vec<Event> = fresh.iter().map(|n| n.event.clone()).collect();
    let mut days: std::collections::BTreeMap<chrono::NaiveDate, Vec<usize>> = Default::default();
    for (i, e) in stored.iter().enumerate() {
        days.entry(e.created_at.date()).or_default().push(i);
    }
    for (day, items) in &days {
        let count = i64::try_from(items.len()).unwrap_or(i64::MAX);
        let rows = sqlx::query(
            "INSERT INTO event_numbers (day, last) VALUES ($1, $2) \
             ON CONFLICT (day) DO UPDATE SET last = event_numbers.last + $2 RETURNING last",
        )
        .bind(day.format("%Y%m%d").to_string())
        .bind(count)
        .fetch_all(&mut **tx)
        .await
        .map_err(sql::db_error)?;
        let last = first_count(&rows, "last")?.unwrap_or(count);
        for (k, i) in items.iter().enumerate() {
            let seq = last - count + 1 + i64::try_from(k).unwrap_or(0);
            let seq = u32::try_from(seq).map_err(|_| corrupt("event sequence", seq))?;
            stored[*i].number = gongzhi_domain::event::number(*day, seq);
        }
    }
    let values = stored
        .iter()
        .map(|e| event_values(crypto, e))
        .collect::<StoreResult<Vec<_>>>()?;
    let width = event_column_count();
    let rows: Vec<String> = (0..stored.len())
        .map(|r| format!("({})", params(r * width, width)))
        .collect();
    let statement = format!(
        "INSERT INTO events ({EVENT_COLUMNS}) VALUES {} RETURNING id, number",
        rows.join(", ")
    );
    let mut insert = sqlx::query(AssertSqlSafe(statement));
    for (v, e) in values.iter().zip(&stored) {
        insert = bind_event(insert, v, e);
    }
    let ids: HashMap<String, i64> = insert
        .fetch_all(&mut **tx)
        .await
        .map_err(sql::db_error)?
        .iter()
        .map(|row| Ok((row.text("number")?, row.count("id")?)))
        .collect::<StoreResult<_>>()?;
    for e in &mut stored {
        e.id = *ids
            .get(&e.number)
            .ok_or_else(|| corrupt("event", "no id returned"))?;
    }
    let entries: Vec<(i64, i64, String, String)> = fresh
        .iter()
        .zip(&stored)
        .map(|(n, e)| {
            let mut entry = n.entry.clone();
            entry.event_id = e.id;
            entry.seq = 1;
            let body =
                serde_json::to_string(&entry).map_err(|e| StoreError::Invalid(e.to_string()))?;
            Ok((e.id, epoch_of_local(entry.at), entry.action, body))
        })
        .collect::<StoreResult<_>>()?;
    let rows: Vec<String> = (0..entries.len())
        .map(|r| {
            format!(
                "({}, 1, {})",
                format_args!("${}", r * 4 + 1),
                params(r * 4 + 1, 3)
            )
        })
        .collect();
    let statement = format!(
        "INSERT INTO event_timeline (event_id, seq, at, action, body) VALUES {}",
        rows.join(", ")
    );
    let mut insert = sqlx::query(AssertSqlSafe(statement));
    for (id, at, action, body) in &entries {
        insert = insert
            .bind(*id)
            .bind(*at)
            .bind(action.clone())
            .bind(body.clone());
    }
    insert.execute(&mut **tx).await.map_err(sql::db_error)?;
    let reports: Vec<AuditRecord> = fresh
        .iter()
        .zip(&stored)
        .map(|(n, e)| AuditRecord::state_change(&e.number, &n.entry))
        .collect();
    audit::append_in(tx, &reports).await?;
    let keyed: Vec<(&IdempotencyKey, &Event)> = fresh
        .iter()
        .zip(&stored)
        .filter_map(|(n, e)| n.key.as_ref().map(|k| (k, e)))
        .collect();
    if !keyed.is_empty() {
        let rows: Vec<String> = (0..keyed.len())
            .map(|r| format!("({})", params(r * 4, 4)))
            .collect();
        let statement = format!(
            "INSERT INTO idempotency_keys (key, request_hash, event_id, created_at) VALUES {}",
            rows.join(", ")
        );
        let mut insert = sqlx::query(AssertSqlSafe(statement));
        for (k, e) in &keyed {
            insert = insert
                .bind(k.key.clone())
                .bind(k.request_hash.clone())
                .bind(e.id)
                .bind(epoch_of_local(e.created_at));
        }
        insert.execute(&mut **tx).await.map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict("an idempotency key was stored meanwhile".into())
            } else {
                sql::db_error(e)
            }
        })?;
    }
    Ok(stored)
}

#[async_trait]
impl<B> EventStore for B
where
    B: SqlBackend,
    for<'c> &'c mut <B::Db as Database>::Connection: Executor<'c, Database = B::Db>,
    for<'q> &'q str: Encode<'q, B::Db> + Type<B::Db>,
    String: for<'q> Encode<'q, B::Db> + Type<B::Db>,
    i16: for<'q> Encode<'q, B::Db> + Type<B::Db>,
    i64: for<'q> Encode<'q, B::Db> + Type<B::Db>,
    f64: for<'q> Encode<'q, B::Db> + Type<B::Db>,
    bool: for<'q> Encode<'q, B::Db> + Type<B::Db>,
    Vec<u8>: for<'q> Encode<'q, B::Db> + Type<B::Db>,
    Option<String>: for<'q> Encode<'q, B::Db> + Type<B::Db>,
    Option<i64>: for<'q> Encode<'q, B::Db> + Type<B::Db>,
    Option<i16>: for<'q> Encode<'q, B::Db> + Type<B::Db>,
    Option<f64>: for<'q> Encode<'q, B::Db> + Type<B::Db>,
{
    async fn config(&self, kind: ConfigKind) -> StoreResult<Option<ConfigVersion>> {
        latest_config(self.pool(), kind, i64::MAX).await
    }

    async fn config_version(
        &self,
        kind: ConfigKind,
        version: i64,
    ) -> StoreResult<Option<ConfigVersion>> {
        let found = latest_config(self.pool(), kind, version).await?;
        Ok(found.filter(|c| c.version == version))
    }

    async fn put_config(
        &self,
        kind: ConfigKind,
        based_on: i64,
        document: &str,
        author: &str,
        at: NaiveDateTime,
    ) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(
            "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) AS version FROM config_versions WHERE kind = $1",
        )
        .bind(kind.as_str())
        .fetch_all(&mut *tx)
        .await
        .map_err(sql::db_error)?;
        let latest = first_count(&rows, "version")?.unwrap_or(0);
        if latest != based_on {
            return Err(StoreError::Conflict(format!(
                "the {} is at version {latest}, not {based_on}: reload and edit again",
                kind.as_str()
            )));
        }
        sqlx::query(
            "INSERT INTO config_versions (kind, version, document, author, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(kind.as_str())
        .bind(latest + 1)
        .bind(document)
        .bind(author)
        .bind(epoch_of_local(at))
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict(format!("the {} was edited at the same time", kind.as_str()))
            } else {
                sql::db_error(e)
            }
        })?;
        tx.commit().await.map_err(sql::db_error)?;
        Ok(latest + 1)
    }

    async fn create_events(&self, batch: &[NewEvent]) -> StoreResult<Vec<StoreResult<Intake>>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await?;
        let written = async {
            let keys: Vec<&IdempotencyKey> = batch.iter().filter_map(|n| n.key.as_ref()).collect();
            let seen = replays(&mut tx, self.crypto(), &keys).await?;
            let plan = plan_batch(batch, &seen);
            let fresh: Vec<&NewEvent> = plan
                .iter()
                .zip(batch)
                .filter(|(p, _)| matches!(p, Planned::New))
                .map(|(_, n)| n)
                .collect();
            let stored = insert_fresh(&mut tx, self.crypto(), &fresh).await?;
            Ok::<_, StoreError>((plan, stored))
        }
        .await;
        match written {
            Ok((plan, stored)) => {
                tx.commit().await.map_err(sql::db_error)?;
                Ok(answers(plan, stored))
            }
            Err(e) => {
                drop(tx);
                match batch {
                    // A key inserted by another process meanwhile: answer as it was answered.
                    [one] if matches!(e, StoreError::Conflict(_)) && one.key.is_some() => {
                        let key = one.key.as_ref().expect("checked");
                        let mut tx = self.begin_write().await?;
                        let again = replays(&mut tx, self.crypto(), &[key]).await?;
                        Ok(vec![match again.get(&key.key) {
                            Some((hash, event)) if *hash == key.request_hash => {
                                Ok(Intake::Replayed(event.clone()))
                            }
                            _ => Err(e),
                        }])
                    }
                    [_] => Err(e),
                    // Something in the batch failed: each on its own, so only it fails.
                    _ => {
                        let mut out = Vec::with_capacity(batch.len());
                        for item in batch {
                            out.push(match self.create_events(std::slice::from_ref(item)).await {
                                Ok(mut one) => one
                                    .pop()
                                    .unwrap_or_else(|| Err(corrupt("batch", "no answer"))),
                                Err(e) => Err(e),
                            });
                        }
                        Ok(out)
                    }
                }
            }
        }
    }

    async fn event(&self, scope: &Scope, number: &str) -> StoreResult<Option<Event>> {
        let mut one = Sql {
            text: "SELECT id, version, body FROM events".into(),
            values: vec![],
        };
        event_query::where_clause(&mut one, scope, &EventFilter::default());
        let n = one.param(Value::Text(number.to_owned()));
        one.text.push_str(&format!(" AND number = {n}"));
        fetch(
            self.pool(),
            bind_values(sqlx::query(AssertSqlSafe(one.text)), &one.values),
        )
        .await?
        .first()
        .map(|row| event_of(self.crypto(), row))
        .transpose()
    }

    async fn save_event(&self, event: &Event, entries: &[TimelineEntry]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let values = event_values(self.crypto(), event)?;
        let assignments: Vec<String> = EVENT_COLUMNS
            .split(',')
            .enumerate()
            .map(|(i, c)| format!("{} = ${}", c.trim(), i + 1))
            .collect();
        let n = event_column_count();
        let statement = format!(
            "UPDATE events SET {} WHERE id = ${} AND version = ${} RETURNING id",
            assignments.join(", "),
            n + 1,
            n + 2
        );
        let done = bind_event(sqlx::query(AssertSqlSafe(statement)), &values, event)
            .bind(event.id)
            .bind(event.version - 1)
            .fetch_all(&mut *tx)
            .await
            .map_err(sql::db_error)?;
        if done.len() != 1 {
            return Err(StoreError::Conflict(format!(
                "event {} was changed by someone else: reload it and try again",
                event.number
            )));
        }
        append_entries(&mut tx, entries).await?;
        let changes: Vec<AuditRecord> = entries
            .iter()
            .filter(|e| e.event_id == event.id)
            .map(|e| AuditRecord::state_change(&event.number, e))
            .collect();
        audit::append_in(&mut tx, &changes).await?;
        tx.commit().await.map_err(sql::db_error)
    }

    async fn timeline(&self, event_id: i64) -> StoreResult<Vec<TimelineEntry>> {
        let query =
            sqlx::query("SELECT seq, body FROM event_timeline WHERE event_id = $1 ORDER BY seq")
                .bind(event_id);
        fetch(self.pool(), query)
            .await?
            .iter()
            .map(|row| {
                let mut entry: TimelineEntry = serde_json::from_str(&row.text("body")?)
                    .map_err(|e| corrupt("timeline entry", e))?;
                entry.seq = row.count("seq")?;
                entry.event_id = event_id;
                Ok(entry)
            })
            .collect()
    }

    async fn events(
        &self,
        scope: &Scope,
        filter: &EventFilter,
        sort: EventSort,
        offset: u64,
        limit: u32,
    ) -> StoreResult<EventPage> {
        let mut count = Sql {
            text: "SELECT COUNT(*) AS n FROM events".into(),
            values: vec![],
        };
        event_query::where_clause(&mut count, scope, filter);
        let total = fetch(
            self.pool(),
            bind_values(sqlx::query(AssertSqlSafe(count.text)), &count.values),
        )
        .await?
        .first()
        .map(|r| r.count("n"))
        .transpose()?
        .unwrap_or(0);
        let mut list = Sql {
            text: "SELECT id, version, body FROM events".into(),
            values: vec![],
        };
        event_query::where_clause(&mut list, scope, filter);
        list.text.push_str(event_query::order_by(sort));
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        list.text.push_str(&format!(
            " LIMIT ${} OFFSET ${}",
            list.values.len() + 1,
            list.values.len() + 2
        ));
        list.values.push(Value::Int(i64::from(limit)));
        list.values.push(Value::Int(offset));
        let rows = fetch(
            self.pool(),
            bind_values(sqlx::query(AssertSqlSafe(list.text)), &list.values),
        )
        .await?;
        Ok(EventPage {
            events: events_of(self.crypto(), &rows)?,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    async fn duplicates(
        &self,
        probes: &[DuplicateProbe],
        window: DuplicateWindow,
    ) -> StoreResult<Vec<Vec<(Candidate, f64)>>> {
        let mut found = vec![Vec::new(); probes.len()];
        if probes.is_empty() {
            return Ok(found);
        }
        let mut sql = Sql::default();
        let rows: Vec<String> = probes
            .iter()
            .enumerate()
            .map(|(i, probe)| {
                let (lo, hi) = window.bbox(probe.at);
                let since = probe.now - chrono::Duration::hours(window.hours);
                let row: Vec<String> = [
                    Value::Int(i64::try_from(i).unwrap_or(i64::MAX)),
                    Value::Text(probe.category.clone()),
                    Value::Real(lo.lat),
                    Value::Real(hi.lat),
                    Value::Real(lo.lng),
                    Value::Real(hi.lng),
                    Value::Int(epoch_of_local(since)),
                ]
                .into_iter()
                .map(|v| sql.param(v))
                .collect();
                format!("({})", row.join(", "))
            })
            .collect();
        let limit = sql.param(Value::Int(DUPLICATE_CANDIDATES));
        sql.text = format!(
            "WITH probe (i, category, lat_lo, lat_hi, lng_lo, lng_hi, since) AS (VALUES {}) \
             SELECT i, number, title, category, state, created_at, lng, lat FROM ( \
             SELECT p.i, e.number, e.title, e.category, e.state, e.created_at, e.lng, e.lat, \
             ROW_NUMBER() OVER (PARTITION BY p.i ORDER BY e.created_at DESC) AS r \
             FROM probe AS p JOIN events AS e ON e.category = p.category \
             AND e.closed_at IS NULL AND e.lat BETWEEN p.lat_lo AND p.lat_hi \
             AND e.lng BETWEEN p.lng_lo AND p.lng_hi AND e.created_at >= p.since \
             AND e.state NOT IN ('rejected', 'merged')) AS ranked WHERE r <= {limit}",
            rows.join(", ")
        );
        let query = bind_values(sqlx::query(AssertSqlSafe(sql.text)), &sql.values);
        for row in fetch(self.pool(), query).await? {
            let i = usize::try_from(row.count("i")?).map_err(|e| corrupt("probe", e))?;
            let probe = probes.get(i).ok_or_else(|| corrupt("probe", i))?;
            let candidate = Candidate {
                number: row.text("number")?,
                title: row.text("title")?,
                category: row.text("category")?,
                state: state_of(&row.text("state")?)?,
                created_at: instant(row.count("created_at")?)?,
                location: LngLat {
                    lng: row.real("lng")?,
                    lat: row.real("lat")?,
                },
            };
            if let Some(d) = window.matches(&probe.category, probe.at, probe.now, &candidate) {
                found[i].push((candidate, d));
            }
        }
        for list in &mut found {
            list.sort_by(|a, b| a.1.total_cmp(&b.1));
            list.truncate(DUPLICATES_SHOWN);
        }
        Ok(found)
    }

    async fn overdue_unmarked(&self, now: NaiveDateTime, limit: u32) -> StoreResult<Vec<Event>> {
        let query = sqlx::query(
            "SELECT id, version, body FROM events \
             WHERE NOT overdue AND due_at IS NOT NULL AND due_at < $1 ORDER BY due_at LIMIT $2",
        )
        .bind(epoch_of_local(now))
        .bind(i64::from(limit));
        events_of(self.crypto(), &fetch(self.pool(), query).await?)
    }

    async fn event_stats(
        &self,
        scope: &Scope,
        filter: &EventFilter,
        groups: &[StatsGroup],
    ) -> StoreResult<Vec<StatsRow>> {
        let keys: Vec<String> = groups
            .iter()
            .enumerate()
            .map(|(i, g)| format!("{} AS k{i}", event_query::group_key(*g)))
            .collect();
        let mut select = keys.clone();
        select.push(event_query::stats_columns());
        let mut stats = Sql {
            text: format!("SELECT {} FROM events", select.join(", ")),
            values: vec![],
        };
        event_query::where_clause(&mut stats, scope, filter);
        if !groups.is_empty() {
            let positions: Vec<String> = (1..=groups.len()).map(|i| i.to_string()).collect();
            stats.text.push_str(&format!(
                " GROUP BY {} ORDER BY {}",
                positions.join(", "),
                positions.join(", ")
            ));
        }
        let rows = fetch(
            self.pool(),
            bind_values(sqlx::query(AssertSqlSafe(stats.text)), &stats.values),
        )
        .await?;
        rows.iter()
            .map(|row| {
                let count = |c: &str| row.count(c).map(|n| u64::try_from(n).unwrap_or(0));
                let mut resolved_at = [0; 5];
                for (i, slot) in resolved_at.iter_mut().enumerate() {
                    *slot = count(&format!("level{i}"))?;
                }
                let keys = groups
                    .iter()
                    .enumerate()
                    .map(|(i, g)| {
                        let key = row.maybe_text(&format!("k{i}"))?;
                        Ok(match (g, key) {
                            (StatsGroup::Day, Some(days)) => Some(day_of(&days)?),
                            (_, key) => key,
                        })
                    })
                    .collect::<StoreResult<Vec<_>>>()?;
                Ok(StatsRow {
                    keys,
                    count: count("n")?,
                    closed: count("closed")?,
                    closed_on_time: count("on_time")?,
                    due: count("due")?,
                    rated: count("rated")?,
                    satisfied: count("satisfied")?,
                    handling_seconds: count("handling")?,
                    resolved_at,
                })
            })
            .collect()
    }

    async fn event_points(
        &self,
        scope: &Scope,
        filter: &EventFilter,
    ) -> StoreResult<Vec<EventPoint>> {
        let mut sql = Sql {
            text: "SELECT number, lng, lat, category, state, warn_at, due_at, created_at \
                   FROM events"
                .into(),
            values: vec![],
        };
        event_query::where_clause(&mut sql, scope, filter);
        sql.text
            .push_str(" AND lng IS NOT NULL AND lat IS NOT NULL");
        sql.text.push_str(event_query::order_by(EventSort::Newest));
        let rows = fetch(
            self.pool(),
            bind_values(sqlx::query(AssertSqlSafe(sql.text)), &sql.values),
        )
        .await?;
        rows.iter().map(point_of).collect()
    }

    async fn event_facts(&self, each: &mut (dyn FnMut(EventFacts) + Send)) -> StoreResult<u64> {
        let query = sqlx::query(
            "SELECT id, version, channel, category, state, region_code, grid_code, outside, \
             department, created_at, closed_at, warn_at, due_at, ever_overdue, \
             CAST(satisfaction AS BIGINT) AS satisfaction, \
             CAST(resolved_level AS BIGINT) AS resolved_level FROM events",
        );
        let mut rows = query.fetch(self.pool());
        let mut counted = 0;
        while let Some(row) = rows.try_next().await.map_err(sql::db_error)? {
            each(facts_of(&row)?);
            counted += 1;
        }
        Ok(counted)
    }

    async fn put_attachment(&self, attachment: &Attachment) -> StoreResult<()> {
        let size = i64::try_from(attachment.data.len()).unwrap_or(i64::MAX);
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO attachments (id, content_type, size, data, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
        )
        .bind(attachment.id.clone())
        .bind(attachment.content_type.clone())
        .bind(size)
        .bind(attachment.data.clone())
        .bind(epoch_of_local(attachment.created_at))
        .execute(&mut *tx)
        .await
        .map_err(sql::db_error)?;
        tx.commit().await.map_err(sql::db_error)
    }

    async fn attachment(&self, id: &str) -> StoreResult<Option<Attachment>> {
        let query =
            sqlx::query("SELECT id, content_type, data, created_at FROM attachments WHERE id = $1")
                .bind(id);
        fetch(self.pool(), query)
            .await?
            .first()
            .map(|row| {
                Ok(Attachment {
                    id: row.text("id")?,
                    content_type: row.text("content_type")?,
                    data: row.bytes("data")?,
                    created_at: instant(row.count("created_at")?)?,
                })
            })
            .transpose()
    }

    async fn known_attachments(&self, ids: &[String]) -> StoreResult<Vec<String>> {
        let mut known = Vec::new();
        for id in ids {
            let query = sqlx::query("SELECT id FROM attachments WHERE id = $1").bind(id.as_str());
            if let Some(row) = fetch(self.pool(), query).await?.first() {
                known.push(row.text("id")?);
            }
        }
        Ok(known)
    }
}

/// A local day from its number of days since the epoch, as `YYYY-MM-DD`.
fn day_of(days: &str) -> StoreResult<String> {
    let n: i64 = days.parse().map_err(|e| corrupt("day", e))?;
    let day = local_of_epoch(n * 86_400).ok_or_else(|| corrupt("day", n))?;
    Ok(day.date().to_string())
}

/// Seals every event's reporter again under the primary key and
/// recomputes the keyed hash of its phone ([`crate::AccountStore::reseal`]);
/// returns how many events changed.
pub(crate) async fn reseal_events<B>(store: &B) -> StoreResult<u64>
where
    B: SqlBackend,
    for<'c> &'c mut <B::Db as Database>::Connection: Executor<'c, Database = B::Db>,
    String: for<'q> Encode<'q, B::Db> + Type<B::Db>,
    i64: for<'q> Encode<'q, B::Db> + Type<B::Db>,
    Option<String>: for<'q> Encode<'q, B::Db> + Type<B::Db>,
    <B::Db as Database>::Arguments: IntoArguments<B::Db>,
{
    const PAGE: i64 = 500;
    let crypto = store.crypto();
    let (mut after, mut changed) = (0, 0);
    loop {
        let query =
            sqlx::query("SELECT id, version, body FROM events WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(after)
                .bind(PAGE);
        let rows = fetch(store.pool(), query).await?;
        let mut tx = store.begin_write().await?;
        for row in &rows {
            let event = event_of(crypto, row)?;
            after = event.id;
            if event.reporter.is_anonymous() {
                continue;
            }
            sqlx::query("UPDATE events SET body = $1, reporter_key = $2 WHERE id = $3")
                .bind(body_at_rest(crypto, &event)?)
                .bind(reporter_key(crypto, &event))
                .bind(event.id)
                .execute(&mut *tx)
                .await
                .map_err(sql::db_error)?;
            changed += 1;
        }
        tx.commit().await.map_err(sql::db_error)?;
        if rows.len() < PAGE as usize {
            return Ok(changed);
        }
    }
}
