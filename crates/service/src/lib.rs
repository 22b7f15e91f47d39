//! The closed loop's use cases over a [`Store`]: reporting a matter,
//! taking a step, sweeping for overdue work, and editing the city's rules
//! (the catalogue and the responsibility list). The HTTP handlers, the
//! background jobs and the demo all go through here, so a step means the
//! same wherever it is taken.
//!
//! The rules are read from the store when the service opens (the built-in
//! catalogue and an empty responsibility list are saved as version 1 of a
//! fresh store) and kept in memory; an edit through the service swaps them
//! at once, and [`Service::reload`] picks up edits made by another process.

pub mod accounts;
mod error;
pub mod index_export;
pub mod indices;
mod statistics;

pub use accounts::Accounts;
pub use error::ServiceError;
pub use statistics::{Facts, Statistics};

use arc_swap::ArcSwap;
use chrono::NaiveDateTime;
use gongzhi_domain::access::{Permission, Principal, Scope};
use gongzhi_domain::calendar::Calendar;
use gongzhi_domain::catalogue::{Catalogue, CatalogueDocument};
use gongzhi_domain::event::{Candidate, DuplicateWindow, Event, Intake, Placement, Rules, Step};
use gongzhi_domain::event_flow::{Action, EventState};
use gongzhi_domain::responsibility::{Responsibility, ResponsibilityDocument};
use gongzhi_domain::sla::SlaColour;
use gongzhi_domain::warning::OpenWork;
use gongzhi_domain::{Level, LngLat, RegionCode};
use gongzhi_geo::locator::{Locator, Status};
use gongzhi_store::{
    ConfigKind, DuplicateProbe, EventFacts, EventFilter, EventPoint, EventSort, IdempotencyKey,
    NewEvent, StatsGroup, StatsRow, Store, StoreError, StoreResult,
};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// The city's rules in force, with the versions they were saved as.
#[derive(Debug, Clone)]
pub struct CityRules {
    /// The category catalogue.
    pub catalogue: Catalogue,
    /// Its version.
    pub catalogue_version: i64,
    /// Departments and the responsibility list.
    pub responsibility: Responsibility,
    /// Its version.
    pub responsibility_version: i64,
}

/// The outcome of a report.
#[derive(Debug, Clone)]
pub struct Reported {
    /// The event (the one first created, for a replayed key).
    pub event: Event,
    /// Whether the idempotency key had been seen: nothing new was created.
    pub replayed: bool,
    /// Open events of the same category nearby and recent, nearest first,
    /// with their distance in metres.
    pub duplicates: Vec<(Candidate, f64)>,
}

/// The work of one region, as a map shows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegionWork {
    /// Its open work now.
    pub open: OpenWork,
    /// Events reported in the period asked for.
    pub reported: u64,
}

/// The closed loop over a store. See the crate documentation.
pub struct Service {
    store: Arc<dyn Store>,
    calendar: Calendar,
    rules: ArcSwap<CityRules>,
    window: DuplicateWindow,
    intake: mpsc::Sender<Pending>,
    statistics: Arc<Statistics>,
}

/// A report waiting for the intake writer.
struct Pending {
    item: NewEvent,
    reply: oneshot::Sender<StoreResult<Written>>,
}

/// A report as stored, with its suggested duplicates.
type Written = (gongzhi_store::Intake, Vec<(Candidate, f64)>);

/// Most reports written in one transaction.
const MAX_BATCH: usize = 64;

/// Writes reports as they come, every report waiting when a write begins
/// in one transaction (group commit): under load a commit serves many
/// intakes, and alone a report waits for nobody. The duplicates of a
/// batch are searched together while the next batch is written.
async fn write_intakes(
    store: Arc<dyn Store>,
    statistics: Arc<Statistics>,
    window: DuplicateWindow,
    mut queue: mpsc::Receiver<Pending>,
) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let (items, replies): (Vec<NewEvent>, Vec<_>) =
            batch.into_iter().map(|p| (p.item, p.reply)).unzip();
        let written = store.create_events(&items).await;
        for answer in written.iter().flatten().flatten() {
            if let gongzhi_store::Intake::Created(event) = answer {
                statistics.record(&EventFacts::of(event));
            }
        }
        tokio::spawn(answer_intakes(store.clone(), window, written, replies));
    }
}

/// Answers the reports of a written batch, each with its duplicates.
async fn answer_intakes(
    store: Arc<dyn Store>,
    window: DuplicateWindow,
    written: StoreResult<Vec<StoreResult<gongzhi_store::Intake>>>,
    replies: Vec<oneshot::Sender<StoreResult<Written>>>,
) {
    let fail_all = |e: StoreError, replies: Vec<oneshot::Sender<StoreResult<Written>>>| {
        for reply in replies {
            let _ = reply.send(Err(e.again()));
        }
    };
    let answers = match written {
        Ok(answers) => answers,
        Err(e) => return fail_all(e, replies),
    };
    let events: Vec<Option<&Event>> = answers
        .iter()
        .map(|a| a.as_ref().ok().map(stored_event))
        .collect();
    let found = match duplicates_of_all(store.as_ref(), window, &events).await {
        Ok(found) => found,
        Err(e) => return fail_all(e, replies),
    };
    for ((reply, answer), duplicates) in replies.into_iter().zip(answers).zip(found) {
        let _ = reply.send(answer.map(|intake| (intake, duplicates)));
    }
}

/// The event an intake stored or replayed.
fn stored_event(intake: &gongzhi_store::Intake) -> &Event {
    match intake {
        gongzhi_store::Intake::Created(e) | gongzhi_store::Intake::Replayed(e) => e,
    }
}

/// Open events that may report the same matter as each of `events`
/// (itself excluded), in one search; none for a missing event or one with
/// no location.
async fn duplicates_of_all(
    store: &dyn Store,
    window: DuplicateWindow,
    events: &[Option<&Event>],
) -> StoreResult<Vec<Vec<(Candidate, f64)>>> {
    let located: Vec<(usize, &Event, DuplicateProbe)> = events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let e = (*e)?;
            let probe = DuplicateProbe {
                category: e.category.clone(),
                at: e.location?,
                now: e.created_at,
            };
            Some((i, e, probe))
        })
        .collect();
    let probes: Vec<DuplicateProbe> = located.iter().map(|(_, _, p)| p.clone()).collect();
    let found = store.duplicates(&probes, window).await?;
    let mut out = vec![Vec::new(); events.len()];
    for ((i, event, _), list) in located.into_iter().zip(found) {
        out[i] = list
            .into_iter()
            .filter(|(c, _)| c.number != event.number)
            .collect();
    }
    Ok(out)
}

/// Where the point index places a location; no location, or a point
/// outside every region, is flagged for the centre.
pub fn place(locator: &Locator, location: Option<LngLat>) -> Placement {
    let Some(point) = location else {
        return Placement {
            outside: true,
            ..Placement::default()
        };
    };
    let found = locator.resolve(point);
    let deepest = found.chain.last().map(|r| r.code.clone());
    Placement {
        grid: deepest.clone().filter(|_| found.status == Status::Grid),
        region: deepest,
        outside: found.status == Status::Outside,
    }
}

fn parse<T: serde::de::DeserializeOwned>(kind: ConfigKind, text: &str) -> Result<T, ServiceError> {
    serde_json::from_str(text).map_err(|e| {
        ServiceError::Store(StoreError::Corrupt(format!(
            "stored {} document: {e}",
            kind.as_str()
        )))
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("documents serialise")
}

impl Service {
    /// Opens the loop over `store`, saving the built-in catalogue and an
    /// empty responsibility list as version 1 when the store has none.
    pub async fn open(
        store: Arc<dyn Store>,
        calendar: Calendar,
        window: DuplicateWindow,
        now: NaiveDateTime,
    ) -> Result<Service, ServiceError> {
        for (kind, document) in [
            (
                ConfigKind::Catalogue,
                to_json(Catalogue::built_in().document()),
            ),
            (
                ConfigKind::Responsibility,
                to_json(&ResponsibilityDocument::default()),
            ),
        ] {
            if store.config(kind).await?.is_none() {
                match store.put_config(kind, 0, &document, "system", now).await {
                    // Another process seeded it first.
                    Ok(_) | Err(StoreError::Conflict(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        let rules = load_rules(store.as_ref()).await?;
        let statistics = Arc::new(Statistics::default());
        let (intake, queue) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(write_intakes(
            store.clone(),
            statistics.clone(),
            window,
            queue,
        ));
        let service = Service {
            store,
            calendar,
            rules: ArcSwap::from_pointee(rules),
            window,
            intake,
            statistics,
        };
        service.reload_statistics().await?;
        Ok(service)
    }

    /// Reads the counted facts of every event again, for statistics in
    /// memory to include writes made by other processes; returns how many
    /// events are counted.
    pub async fn reload_statistics(&self) -> Result<usize, ServiceError> {
        self.statistics.begin_load();
        let mut facts = Facts::default();
        match self.store.event_facts(&mut |f| facts.record(&f)).await {
            Ok(_) => {
                let counted = facts.len();
                self.statistics.finish_load(facts);
                Ok(counted)
            }
            Err(e) => {
                self.statistics.abandon_load();
                Err(e.into())
            }
        }
    }

    /// Counts of the events matching `filter`, grouped by `groups`
    /// ([`gongzhi_store::EventStore::event_stats`]), from memory where it
    /// can answer.
    pub async fn stats(
        &self,
        caller: &Principal,
        filter: &EventFilter,
        groups: &[StatsGroup],
    ) -> Result<Vec<StatsRow>, ServiceError> {
        caller.require(Permission::ReadStatistics)?;
        self.count(&caller.scope, filter, groups).await
    }

    /// Counts by [`Statistics`] in memory, or by the store when memory
    /// cannot answer.
    async fn count(
        &self,
        scope: &Scope,
        filter: &EventFilter,
        groups: &[StatsGroup],
    ) -> Result<Vec<StatsRow>, ServiceError> {
        // A scan of a million events takes tens of milliseconds: off the
        // threads that answer requests.
        let (statistics, owned) = (
            self.statistics.clone(),
            (scope.clone(), filter.clone(), groups.to_vec()),
        );
        let scanned =
            tokio::task::spawn_blocking(move || statistics.stats(&owned.0, &owned.1, &owned.2))
                .await
                .map_err(|e| StoreError::Backend(format!("the statistics scan failed: {e}")))?;
        match scanned {
            Some(rows) => Ok(rows),
            None => Ok(self.store.event_stats(scope, filter, groups).await?),
        }
    }

    /// For each region at `level` under `under` that the caller may see,
    /// keyed by code: its open work now, and the events reported in
    /// `period` (its `from` and `to`); what a map colours and labels
    /// regions by.
    pub async fn region_work(
        &self,
        caller: &Principal,
        under: &RegionCode,
        level: Level,
        period: &EventFilter,
        now: NaiveDateTime,
    ) -> Result<HashMap<String, RegionWork>, ServiceError> {
        caller.require(Permission::ReadEvents)?;
        let open = EventFilter {
            states: EventState::ALL
                .into_iter()
                .filter(|s| !s.is_finished())
                .collect(),
            region: Some(under.clone()),
            now: Some(now),
            ..EventFilter::default()
        };
        let reported = EventFilter {
            region: Some(under.clone()),
            from: period.from,
            to: period.to,
            ..EventFilter::default()
        };
        let passes = [
            (open.clone(), 0),
            (
                EventFilter {
                    colour: Some(SlaColour::Yellow),
                    ..open.clone()
                },
                1,
            ),
            (
                EventFilter {
                    colour: Some(SlaColour::Red),
                    ..open
                },
                2,
            ),
            (reported, 3),
        ];
        let mut work: HashMap<String, RegionWork> = HashMap::new();
        for (filter, pass) in passes {
            let rows = self
                .count(&caller.scope, &filter, &[StatsGroup::Region(level)])
                .await?;
            for row in rows {
                let Some(Some(code)) = row.keys.into_iter().next() else {
                    continue;
                };
                let entry = work.entry(code).or_default();
                *match pass {
                    0 => &mut entry.open.open,
                    1 => &mut entry.open.yellow,
                    2 => &mut entry.open.red,
                    _ => &mut entry.reported,
                } = row.count;
            }
        }
        Ok(work)
    }

    /// The located events the caller may see that match `filter`, as map
    /// points.
    pub async fn event_points(
        &self,
        caller: &Principal,
        filter: &EventFilter,
    ) -> Result<Vec<EventPoint>, ServiceError> {
        caller.require(Permission::ReadEvents)?;
        Ok(self.store.event_points(&caller.scope, filter).await?)
    }

    /// A page of the events the caller may see that match `filter`.
    pub async fn events(
        &self,
        caller: &Principal,
        filter: &EventFilter,
        sort: EventSort,
        offset: u64,
        limit: u32,
    ) -> Result<gongzhi_store::EventPage, ServiceError> {
        caller.require(Permission::ReadEvents)?;
        Ok(self
            .store
            .events(&caller.scope, filter, sort, offset, limit)
            .await?)
    }

    /// Reads the rules again when another process saved a new version of
    /// either; returns whether they changed.
    pub async fn refresh(&self) -> Result<bool, ServiceError> {
        let current = self.rules();
        let stored = (
            self.store
                .config(ConfigKind::Catalogue)
                .await?
                .map(|c| c.version),
            self.store
                .config(ConfigKind::Responsibility)
                .await?
                .map(|c| c.version),
        );
        if stored
            == (
                Some(current.catalogue_version),
                Some(current.responsibility_version),
            )
        {
            return Ok(false);
        }
        self.reload().await?;
        Ok(true)
    }

    /// Reads the rules again.
    pub async fn reload(&self) -> Result<(), ServiceError> {
        let rules = load_rules(self.store.as_ref()).await?;
        self.rules.store(Arc::new(rules));
        Ok(())
    }

    /// The rules in force.
    pub fn rules(&self) -> Arc<CityRules> {
        self.rules.load_full()
    }

    /// The working calendar.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// The statistics kept in memory.
    pub fn statistics(&self) -> &Statistics {
        &self.statistics
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Reports a matter: checks and routes it, starts its clock, stores it
    /// (once per idempotency key) and finds suggested duplicates.
    pub async fn report(
        &self,
        mut intake: Intake,
        placement: Placement,
        caller: &Principal,
        now: NaiveDateTime,
        key: Option<IdempotencyKey>,
    ) -> Result<Reported, ServiceError> {
        caller.require(Permission::ReportEvents)?;
        if let Some(phone) = &caller.phone {
            // A signed-in citizen's report is theirs to follow and rate.
            intake.reporter.phone = Some(phone.as_str().to_owned());
        }
        let actor = &caller.actor;
        self.check_attachments(&intake.attachments).await?;
        let city = self.rules();
        let rules = rules_of(&city, &self.calendar);
        let (event, entry) = Event::report(intake, placement, actor, now, rules)?;
        let (reply, answer) = oneshot::channel();
        let item = NewEvent { event, entry, key };
        let stopped =
            || ServiceError::Store(StoreError::Backend("the intake writer stopped".into()));
        self.intake
            .send(Pending { item, reply })
            .await
            .map_err(|_| stopped())?;
        let (intake, duplicates) = answer.await.map_err(|_| stopped())??;
        let (event, replayed) = match intake {
            gongzhi_store::Intake::Created(e) => (e, false),
            gongzhi_store::Intake::Replayed(e) => (e, true),
        };
        Ok(Reported {
            event,
            replayed,
            duplicates,
        })
    }

    /// Open events the caller may see that may report the same matter as
    /// `event`.
    pub async fn duplicates_of(
        &self,
        caller: &Principal,
        event: &Event,
    ) -> Result<Vec<(Candidate, f64)>, ServiceError> {
        caller.require(Permission::ReadEvents)?;
        let found = duplicates_of_all(self.store.as_ref(), self.window, &[Some(event)])
            .await?
            .pop()
            .unwrap_or_default();
        let mut seen = Vec::with_capacity(found.len());
        for (candidate, distance) in found {
            if self
                .store
                .event(&caller.scope, &candidate.number)
                .await?
                .is_some()
            {
                seen.push((candidate, distance));
            }
        }
        Ok(seen)
    }

    async fn check_attachments(&self, ids: &[String]) -> Result<(), ServiceError> {
        let known = self.store.known_attachments(ids).await?;
        match ids.iter().find(|id| !known.contains(id)) {
            Some(missing) => Err(ServiceError::NotFound {
                what: "attachment",
                key: missing.clone(),
            }),
            None => Ok(()),
        }
    }

    /// The event with `number`, if the caller may see it; one they may
    /// not see is not found, so that its existence does not leak.
    pub async fn event(&self, caller: &Principal, number: &str) -> Result<Event, ServiceError> {
        caller.require(Permission::ReadEvents)?;
        let well_formed =
            number.len() <= 32 && number.bytes().all(|b| b.is_ascii_digit() || b == b'-');
        if !well_formed {
            return Err(ServiceError::NotFound {
                what: "event",
                key: number.chars().take(32).collect(),
            });
        }
        self.store
            .event(&caller.scope, number)
            .await?
            .ok_or_else(|| ServiceError::NotFound {
                what: "event",
                key: number.to_owned(),
            })
    }

    /// The reporter of event `number` in full, for a caller who may see
    /// personal data; the reveal is audited.
    pub async fn reveal_reporter(
        &self,
        caller: &Principal,
        number: &str,
        now: NaiveDateTime,
    ) -> Result<gongzhi_domain::event::Reporter, ServiceError> {
        caller.require(Permission::RevealPersonalData)?;
        let event = self.event(caller, number).await?;
        let record = gongzhi_domain::audit::AuditRecord {
            at: now,
            actor: caller.actor.id.clone(),
            role: caller.actor.role.as_str().into(),
            kind: gongzhi_domain::audit::AuditKind::Reveal,
            subject: number.to_owned(),
            detail: r#"{"fields":"reporter"}"#.into(),
        };
        self.store.append_audit(&[record]).await?;
        Ok(event.reporter)
    }

    /// Takes `step` on the event `number` as `actor` at `now`. With
    /// `expected_version`, the step applies only to that version, so an
    /// operator never acts on a state they have not seen. A merge notes
    /// the duplicate on its master's timeline; closing a master notes it on
    /// the timelines of the duplicates merged into it, so their reporters
    /// learn of it.
    pub async fn act(
        &self,
        number: &str,
        step: &Step,
        caller: &Principal,
        now: NaiveDateTime,
        expected_version: Option<i64>,
    ) -> Result<Event, ServiceError> {
        caller.require(Permission::ActOnEvents)?;
        let actor = &caller.actor;
        self.check_attachments(&step.attachments).await?;
        let event = self.event(caller, number).await?;
        if let Some(expected) = expected_version.filter(|v| *v != event.version) {
            return Err(ServiceError::Store(StoreError::Conflict(format!(
                "event {number} is at version {}, not {expected}: reload it and try again",
                event.version
            ))));
        }
        let city = self.rules();
        let master = match (&step.action, &step.into) {
            (Action::Merge, Some(into)) => {
                let master = self.event(caller, into).await?;
                event.check_master(&master)?;
                Some(master)
            }
            _ => None,
        };
        let (next, entry) = event.act(step, actor, now, rules_of(&city, &self.calendar))?;
        let mut entries = vec![entry];
        if let Some(master) = &master {
            entries.push(master.merged_in_notice(&event, actor, now));
        }
        if next.flow.state == EventState::Closed && event.flow.state != EventState::Closed {
            let merged = EventFilter {
                master: Some(next.number.clone()),
                ..EventFilter::default()
            };
            let page = self
                .store
                .events(&Scope::All, &merged, EventSort::Oldest, 0, u32::MAX)
                .await?;
            entries.extend(
                page.events
                    .iter()
                    .map(|d| d.master_closed_notice(&next, now)),
            );
        }
        self.store.save_event(&next, &entries).await?;
        self.statistics.record(&EventFacts::of(&next));
        Ok(next)
    }

    /// Marks every event whose running phase is overdue at `now`, each with
    /// a timeline entry; returns how many were marked. An event changed
    /// meanwhile is left for the next sweep.
    pub async fn sweep_overdue(&self, now: NaiveDateTime) -> Result<u64, ServiceError> {
        const BATCH: u32 = 500;
        let mut marked = 0;
        loop {
            let due = self.store.overdue_unmarked(now, BATCH).await?;
            let mut progressed = false;
            for event in &due {
                let Some((late, entry)) = event.mark_overdue(now) else {
                    continue;
                };
                match self.store.save_event(&late, &[entry]).await {
                    Ok(()) => {
                        self.statistics.record(&EventFacts::of(&late));
                        marked += 1;
                        progressed = true;
                    }
                    Err(StoreError::Conflict(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            if due.len() < BATCH as usize || !progressed {
                return Ok(marked);
            }
        }
    }

    /// Saves a new catalogue after version `based_on`; it applies to events
    /// reported from now on. Refused when the responsibility list in force
    /// names a category or department kind the new catalogue lacks.
    pub async fn save_catalogue(
        &self,
        based_on: i64,
        document: CatalogueDocument,
        caller: &Principal,
        now: NaiveDateTime,
    ) -> Result<i64, ServiceError> {
        caller.require(Permission::EditRules)?;
        let catalogue = Catalogue::new(document)?;
        let current = self.rules();
        Responsibility::new(current.responsibility.document().clone(), &catalogue)?;
        let version = self
            .store
            .put_config(
                ConfigKind::Catalogue,
                based_on,
                &to_json(catalogue.document()),
                &caller.actor.id,
                now,
            )
            .await?;
        self.reload().await?;
        Ok(version)
    }

    /// Saves a new responsibility list after version `based_on`.
    pub async fn save_responsibility(
        &self,
        based_on: i64,
        document: ResponsibilityDocument,
        caller: &Principal,
        now: NaiveDateTime,
    ) -> Result<i64, ServiceError> {
        caller.require(Permission::EditRules)?;
        let current = self.rules();
        let list = Responsibility::new(document, &current.catalogue)?;
        let version = self
            .store
            .put_config(
                ConfigKind::Responsibility,
                based_on,
                &to_json(list.document()),
                &caller.actor.id,
                now,
            )
            .await?;
        self.reload().await?;
        Ok(version)
    }
}

fn rules_of<'a>(city: &'a CityRules, calendar: &'a Calendar) -> Rules<'a> {
    Rules {
        calendar,
        catalogue: &city.catalogue,
        catalogue_version: city.catalogue_version,
        responsibility: &city.responsibility,
    }
}

async fn load_rules(store: &dyn Store) -> Result<CityRules, ServiceError> {
    let missing = |kind: ConfigKind| {
        ServiceError::Store(StoreError::Corrupt(format!(
            "no {} is stored",
            kind.as_str()
        )))
    };
    let catalogue = store
        .config(ConfigKind::Catalogue)
        .await?
        .ok_or_else(|| missing(ConfigKind::Catalogue))?;
    let responsibility = store
        .config(ConfigKind::Responsibility)
        .await?
        .ok_or_else(|| missing(ConfigKind::Responsibility))?;
    let catalogue_doc: CatalogueDocument = parse(ConfigKind::Catalogue, &catalogue.document)?;
    let list: ResponsibilityDocument = parse(ConfigKind::Responsibility, &responsibility.document)?;
    let built = Catalogue::new(catalogue_doc)?;
    let list = Responsibility::new(list, &built)?;
    Ok(CityRules {
        catalogue: built,
        catalogue_version: catalogue.version,
        responsibility: list,
        responsibility_version: responsibility.version,
    })
}

#[cfg(test)]
mod tests;
