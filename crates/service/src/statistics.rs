//! Event statistics answered from memory: the counted facts of every event
//! (a few dozen bytes each, not the record), scanned and grouped per
//! request. A database sorts to group, and over a million events that
//! takes seconds; a scan in memory takes milliseconds. The store's
//! `event_stats` stays the reference: it answers what memory cannot (a
//! text search, a merge's duplicates) and the tests hold the two equal.
//!
//! The facts are loaded when the service opens, every write through the
//! service records its event's new facts, and [`Statistics::begin_load`] /
//! [`Statistics::finish_load`] reload them for writes made by other
//! processes. Of two facts of one event the higher version wins, so a
//! reload never undoes a write recorded while it ran.

use foldhash::HashMap;
use gongzhi_domain::access::Scope;
use gongzhi_domain::calendar::{epoch_of_local, local_of_epoch};
use gongzhi_domain::event::Channel;
use gongzhi_domain::event_flow::EventState;
use gongzhi_domain::sla::SlaColour;
use gongzhi_domain::{Level, RegionCode};
use gongzhi_store::event_query::RESOLUTION_LEVELS;
use gongzhi_store::{EventFacts, EventFilter, StatsGroup, StatsRow};
use std::sync::RwLock;

/// Most groups a statistic held in memory is grouped by.
const MAX_GROUPS: usize = 8;

/// A key part for "none" (no region, no department).
const NONE: u32 = u32::MAX;

/// An index no fact holds: a filter's string that no event has.
const UNKNOWN: u32 = u32::MAX - 1;

/// Each distinct string once; facts hold its index.
#[derive(Debug, Default)]
struct Dict {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Dict {
    /// The index of `name`, added if new.
    fn id(&mut self, name: &str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(NONE);
        self.ids.insert(name.to_owned(), id);
        self.names.push(name.to_owned());
        id
    }

    /// The index of `name`, or [`UNKNOWN`] where no fact holds it.
    fn find(&self, name: &str) -> u32 {
        self.ids.get(name).copied().unwrap_or(UNKNOWN)
    }

    /// For each region code held, whether it lies within `root`.
    fn within(&self, root: &RegionCode) -> Vec<bool> {
        self.names
            .iter()
            .map(|code| RegionCode::parse(code).is_ok_and(|c| c.is_within(root)))
            .collect()
    }

    /// The index of `name`, or [`NONE`] where there is none.
    fn maybe_id(&mut self, name: Option<&str>) -> u32 {
        name.map_or(NONE, |n| self.id(n))
    }
}

/// One event's facts, with its strings as dictionary indexes.
#[derive(Debug, Clone, Copy)]
struct Fact {
    version: i64,
    created_at: i64,
    closed_at: Option<i64>,
    warn_at: Option<i64>,
    due_at: Option<i64>,
    region: u32,
    grid: u32,
    category: u32,
    department: u32,
    channel: Channel,
    state: EventState,
    outside: bool,
    ever_overdue: bool,
    satisfaction: Option<u8>,
    resolved_level: Option<Level>,
}

/// The facts of every event, by event id.
#[derive(Debug, Default)]
pub struct Facts {
    by_id: HashMap<i64, usize>,
    facts: Vec<Fact>,
    regions: Dict,
    categories: Dict,
    departments: Dict,
    /// The first and last local day of a report, as [`local_day`] numbers.
    days: Option<(i64, i64)>,
}

/// The local (UTC+8) day of an instant, in days since the epoch, as the
/// store's SQL numbers it.
fn local_day(at: i64) -> i64 {
    (at + 28_800) / 86_400
}

/// Most cells of a dense table of groups; beyond it groups are hashed.
const DENSE_CELLS: u64 = 1 << 21;

impl Facts {
    /// The facts of `events`.
    pub fn new(events: &[EventFacts]) -> Facts {
        let mut facts = Facts::default();
        for e in events {
            facts.record(e);
        }
        facts
    }

    /// How many events are counted.
    pub fn len(&self) -> usize {
        self.facts.len()
    }

    /// Whether no event is counted.
    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }

    /// Counts `event` as now: new, or replacing an older version of it.
    pub fn record(&mut self, event: &EventFacts) {
        let fact = Fact {
            version: event.version,
            created_at: event.created_at,
            closed_at: event.closed_at,
            warn_at: event.warn_at,
            due_at: event.due_at,
            region: self
                .regions
                .maybe_id(event.region.as_ref().map(RegionCode::as_str)),
            grid: self
                .regions
                .maybe_id(event.grid.as_ref().map(RegionCode::as_str)),
            category: self.categories.id(&event.category),
            department: self.departments.maybe_id(event.department.as_deref()),
            channel: event.channel,
            state: event.state,
            outside: event.outside,
            ever_overdue: event.ever_overdue,
            satisfaction: event.satisfaction,
            resolved_level: event.resolved_level,
        };
        let day = local_day(event.created_at);
        self.days = Some(
            self.days
                .map_or((day, day), |(a, b)| (a.min(day), b.max(day))),
        );
        match self.by_id.get(&event.id) {
            Some(&at) if self.facts[at].version <= fact.version => self.facts[at] = fact,
            Some(_) => {}
            None => {
                self.by_id.insert(event.id, self.facts.len());
                self.facts.push(fact);
            }
        }
    }

    /// [`gongzhi_store::EventStore::event_stats`] of the counted events;
    /// `None` for what memory does not answer (a text search, a master's
    /// duplicates, more than [`MAX_GROUPS`] groups).
    pub fn stats(
        &self,
        scope: &Scope,
        filter: &EventFilter,
        groups: &[StatsGroup],
    ) -> Option<Vec<StatsRow>> {
        let searches = filter.text.as_deref().is_some_and(|t| !t.trim().is_empty());
        if searches || filter.master.is_some() || groups.len() > MAX_GROUPS {
            return None;
        }
        let bound = Bound::new(self, scope)?;
        let test = Test::new(self, filter);
        let keys = Keys::new(self, groups);
        let mut groups_seen = Groups::new(&keys);
        for fact in self
            .facts
            .iter()
            .filter(|f| bound.admits(f) && test.admits(f))
        {
            groups_seen.tally(keys.of(fact)).add(fact);
        }
        if groups.is_empty() && groups_seen.tallies.is_empty() {
            groups_seen.tally([0; MAX_GROUPS]);
        }
        Some(groups_seen.rows(&keys))
    }
}

/// The groups met while scanning, each with its tally: found through a
/// dense table of every possible key where that is small, else hashed.
struct Groups {
    strides: Vec<u64>,
    dense: Vec<u32>,
    sparse: HashMap<[u32; MAX_GROUPS], u32>,
    keys: Vec<[u32; MAX_GROUPS]>,
    tallies: Vec<Tally>,
}

impl Groups {
    fn new(keys: &Keys) -> Groups {
        let mut strides = Vec::with_capacity(keys.names.len());
        let mut cells: Option<u64> = Some(1);
        for names in &keys.names {
            strides.push(cells.unwrap_or(0));
            cells = cells.and_then(|c| c.checked_mul(names.len() as u64));
        }
        let dense = match cells {
            Some(c) if c <= DENSE_CELLS => vec![u32::MAX; c as usize],
            _ => Vec::new(),
        };
        Groups {
            strides,
            dense,
            sparse: HashMap::default(),
            keys: Vec::new(),
            tallies: Vec::new(),
        }
    }

    /// The tally of the group with `key`, new if first met.
    fn tally(&mut self, key: [u32; MAX_GROUPS]) -> &mut Tally {
        let next = u32::try_from(self.tallies.len()).unwrap_or(u32::MAX);
        let slot = if self.dense.is_empty() {
            *self.sparse.entry(key).or_insert(next)
        } else {
            let cell: u64 = self
                .strides
                .iter()
                .zip(key)
                .map(|(s, part)| s * u64::from(part))
                .sum();
            let slot = &mut self.dense[cell as usize];
            if *slot == u32::MAX {
                *slot = next;
            }
            *slot
        };
        if slot == next {
            self.keys.push(key);
            self.tallies.push(Tally::default());
        }
        &mut self.tallies[slot as usize]
    }

    /// The rows of the groups, ordered by their keys.
    fn rows(self, keys: &Keys) -> Vec<StatsRow> {
        let ranked = |key: &[u32; MAX_GROUPS]| -> Vec<u32> {
            keys.ranks
                .iter()
                .zip(key)
                .map(|(ranks, part)| ranks[*part as usize])
                .collect()
        };
        let mut order: Vec<usize> = (0..self.keys.len()).collect();
        order.sort_by_cached_key(|i| ranked(&self.keys[*i]));
        order
            .into_iter()
            .map(|i| self.tallies[i].row(keys.names(&self.keys[i])))
            .collect()
    }
}

/// The counts of one group while scanning, kept small so that many groups
/// stay in the processor's caches.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    count: u32,
    closed: u32,
    on_time: u32,
    due: u32,
    rated: u32,
    satisfied: u32,
    resolved_at: [u32; 5],
    handling: i64,
}

impl Tally {
    /// Adds one event, as the store's SQL counts it.
    fn add(&mut self, fact: &Fact) {
        let closed = fact.closed_at.is_some();
        self.count += 1;
        self.closed += u32::from(closed);
        self.on_time += u32::from(closed && !fact.ever_overdue);
        self.due += u32::from(closed || (fact.ever_overdue && !fact.state.is_finished()));
        self.rated += u32::from(fact.satisfaction.is_some());
        self.satisfied += u32::from(fact.satisfaction.is_some_and(|s| s >= 4));
        if let Some(at) = fact.closed_at {
            self.handling += at - fact.created_at;
        }
        if let Some(level) = fact.resolved_level
            && let Some(i) = RESOLUTION_LEVELS.iter().position(|l| *l == level)
        {
            self.resolved_at[i] += 1;
        }
    }

    /// The row of a group with `keys`.
    fn row(&self, keys: Vec<Option<String>>) -> StatsRow {
        StatsRow {
            keys,
            count: self.count.into(),
            closed: self.closed.into(),
            closed_on_time: self.on_time.into(),
            due: self.due.into(),
            rated: self.rated.into(),
            satisfied: self.satisfied.into(),
            handling_seconds: u64::try_from(self.handling).unwrap_or(0),
            resolved_at: self.resolved_at.map(u64::from),
        }
    }
}

/// A scope made ready to test facts, as the store's SQL decides it.
enum Bound {
    /// Every fact.
    All,
    /// Facts in regions marked inside (unplaced ones as `unplaced` says),
    /// of the department where one is given.
    Regions {
        inside: Vec<bool>,
        unplaced: bool,
        department: Option<u32>,
    },
    /// Facts in these grids.
    Grids(Vec<u32>),
}

impl Bound {
    /// `None` for scopes memory does not answer (a reporter's own reports,
    /// whose phone is not counted here).
    fn new(facts: &Facts, scope: &Scope) -> Option<Bound> {
        let regions = |root: &RegionCode, department: Option<u32>| Bound::Regions {
            inside: facts.regions.within(root),
            unplaced: Scope::covers_unplaced(root),
            department,
        };
        Some(match scope {
            Scope::All => Bound::All,
            Scope::Region(root) => regions(root, None),
            Scope::Department { region, department } => {
                regions(region, Some(facts.departments.find(department)))
            }
            Scope::Grids(grids) => Bound::Grids(
                grids
                    .iter()
                    .map(|g| facts.regions.find(g.as_str()))
                    .collect(),
            ),
            Scope::Reporter(_) | Scope::Nothing => return None,
        })
    }

    fn admits(&self, fact: &Fact) -> bool {
        match self {
            Bound::All => true,
            Bound::Regions {
                inside,
                unplaced,
                department,
            } => {
                let placed = if fact.region == NONE {
                    *unplaced
                } else {
                    inside.get(fact.region as usize).copied().unwrap_or(false)
                };
                placed && department.is_none_or(|d| fact.department == d)
            }
            Bound::Grids(grids) => grids.contains(&fact.grid),
        }
    }
}

/// A filter made ready to test facts: its strings as indexes, its region
/// as the set of counted regions inside it.
struct Test<'a> {
    filter: &'a EventFilter,
    now: i64,
    categories: Vec<bool>,
    regions: Option<Vec<bool>>,
    grid: Option<u32>,
    department: Option<u32>,
    from: Option<i64>,
    to: Option<i64>,
}

impl<'a> Test<'a> {
    fn new(facts: &Facts, filter: &'a EventFilter) -> Test<'a> {
        Test {
            filter,
            now: epoch_of_local(filter.now.unwrap_or_default()),
            categories: facts
                .categories
                .names
                .iter()
                .map(|c| {
                    filter.categories.is_empty()
                        || filter.categories.iter().any(|p| c.starts_with(p.as_str()))
                })
                .collect(),
            regions: filter
                .region
                .as_ref()
                .map(|root| facts.regions.within(root)),
            grid: filter.grid.as_ref().map(|g| facts.regions.find(g.as_str())),
            department: filter
                .department
                .as_deref()
                .map(|d| facts.departments.find(d)),
            from: filter.from.map(epoch_of_local),
            to: filter.to.map(epoch_of_local),
        }
    }

    /// Whether the filter holds for `fact`, as the store's SQL decides it.
    fn admits(&self, fact: &Fact) -> bool {
        let f = self.filter;
        (f.states.is_empty() || f.states.contains(&fact.state))
            && f.colour.is_none_or(|c| self.shows(c, fact))
            && self.categories[fact.category as usize]
            && (f.channels.is_empty() || f.channels.contains(&fact.channel))
            && self
                .regions
                .as_ref()
                .is_none_or(|inside| inside.get(fact.region as usize).copied().unwrap_or(false))
            && self.grid.is_none_or(|g| fact.grid == g)
            && self.department.is_none_or(|d| fact.department == d)
            && self.from.is_none_or(|from| fact.created_at >= from)
            && self.to.is_none_or(|to| fact.created_at < to)
            && f.outside.is_none_or(|o| fact.outside == o)
    }

    /// Whether `fact` shows `colour` at the filter's instant.
    fn shows(&self, colour: SlaColour, fact: &Fact) -> bool {
        let now = self.now;
        match colour {
            SlaColour::Red => fact.due_at.is_some_and(|d| d < now),
            SlaColour::Yellow => {
                fact.warn_at.is_some_and(|w| w <= now) && fact.due_at.is_some_and(|d| d >= now)
            }
            SlaColour::Green => fact.warn_at.is_some_and(|w| w > now),
        }
    }
}

/// The groups of a statistic made ready to key facts: each group's key
/// parts are small numbers, the last of them "none", with their names and
/// their rank in the order rows are given (none first, then by name).
struct Keys<'a> {
    groups: &'a [StatsGroup],
    /// For a region or class group, the part of each dictionary entry.
    cut: Vec<Vec<u32>>,
    /// For each group, the name of each part.
    names: Vec<Vec<Option<String>>>,
    /// For each group, the rank of each part.
    ranks: Vec<Vec<u32>>,
    first_day: i64,
}

impl<'a> Keys<'a> {
    fn new(facts: &Facts, groups: &'a [StatsGroup]) -> Keys<'a> {
        let (first_day, last_day) = facts.days.unwrap_or((0, 0));
        let mut cut = Vec::with_capacity(groups.len());
        let mut names = Vec::with_capacity(groups.len());
        for group in groups {
            let (parts, named): (Vec<u32>, Vec<String>) = match group {
                StatsGroup::Region(level) => cut_all(&facts.regions, level.code_len()),
                StatsGroup::Class => cut_all(&facts.categories, 2),
                StatsGroup::Category => (Vec::new(), facts.categories.names.clone()),
                StatsGroup::Department => (Vec::new(), facts.departments.names.clone()),
                StatsGroup::State => (
                    Vec::new(),
                    EventState::ALL.iter().map(|s| s.as_str().into()).collect(),
                ),
                StatsGroup::Channel => (
                    Vec::new(),
                    Channel::ALL.iter().map(|c| c.as_str().into()).collect(),
                ),
                StatsGroup::Day => (
                    Vec::new(),
                    (first_day..=last_day)
                        .map(|d| {
                            local_of_epoch(d * 86_400)
                                .map(|t| t.date().to_string())
                                .unwrap_or_default()
                        })
                        .collect(),
                ),
            };
            cut.push(parts);
            names.push(named.into_iter().map(Some).chain([None]).collect());
        }
        let ranks = names
            .iter()
            .map(|named: &Vec<Option<String>>| {
                let mut order: Vec<usize> = (0..named.len()).collect();
                order.sort_by(|a, b| named[*a].cmp(&named[*b]));
                let mut ranks = vec![0; named.len()];
                for (rank, part) in order.into_iter().enumerate() {
                    ranks[part] = u32::try_from(rank).unwrap_or(u32::MAX);
                }
                ranks
            })
            .collect();
        Keys {
            groups,
            cut,
            names,
            ranks,
            first_day,
        }
    }

    /// The key of `fact`'s group.
    fn of(&self, fact: &Fact) -> [u32; MAX_GROUPS] {
        let mut key = [0; MAX_GROUPS];
        for (i, group) in self.groups.iter().enumerate() {
            let none = u32::try_from(self.names[i].len() - 1).unwrap_or(NONE);
            let or_none = |part: u32| if part == NONE { none } else { part };
            let cut = |id: u32| self.cut[i].get(id as usize).copied().unwrap_or(none);
            let part = match group {
                StatsGroup::Region(_) => cut(fact.region),
                StatsGroup::Class => cut(fact.category),
                StatsGroup::Category => fact.category,
                StatsGroup::Department => or_none(fact.department),
                StatsGroup::State => position(&EventState::ALL, &fact.state),
                StatsGroup::Channel => position(&Channel::ALL, &fact.channel),
                StatsGroup::Day => {
                    u32::try_from(local_day(fact.created_at) - self.first_day).unwrap_or(none)
                }
            };
            key[i] = part.min(none);
        }
        key
    }

    /// The names of a key's parts, as the store gives them.
    fn names(&self, key: &[u32; MAX_GROUPS]) -> Vec<Option<String>> {
        self.names
            .iter()
            .zip(key)
            .map(|(names, part)| names.get(*part as usize).cloned().flatten())
            .collect()
    }
}

/// Each entry of `dict` cut to its first `len` characters (as SQL's
/// `substr`): the part of each entry, and the distinct cut names.
fn cut_all(dict: &Dict, len: usize) -> (Vec<u32>, Vec<String>) {
    let mut cuts = Dict::default();
    let parts = dict
        .names
        .iter()
        .map(|name| {
            let end = name.char_indices().nth(len).map_or(name.len(), |(i, _)| i);
            cuts.id(&name[..end])
        })
        .collect();
    (parts, cuts.names)
}

/// Where `item` is in `all`, as a key part.
fn position<T: PartialEq>(all: &[T], item: &T) -> u32 {
    all.iter()
        .position(|x| x == item)
        .and_then(|i| u32::try_from(i).ok())
        .unwrap_or(NONE)
}

/// The facts, once loaded, and the writes recorded while a load runs.
#[derive(Debug, Default)]
struct State {
    facts: Option<Facts>,
    loading: Option<Vec<EventFacts>>,
}

/// Statistics kept in memory for a service. See the module documentation.
#[derive(Debug, Default)]
pub struct Statistics {
    state: RwLock<State>,
}

impl Statistics {
    /// Counts `event` as now saved.
    pub fn record(&self, event: &EventFacts) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if let Some(loading) = &mut state.loading {
            loading.push(event.clone());
        }
        if let Some(facts) = &mut state.facts {
            facts.record(event);
        }
    }

    /// Starts a load: writes recorded from now on are kept for it.
    pub fn begin_load(&self) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.loading = Some(Vec::new());
    }

    /// Ends a load with `loaded`, read from the store after
    /// [`Statistics::begin_load`], and the writes recorded meanwhile.
    pub fn finish_load(&self, mut loaded: Facts) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        for event in state.loading.take().unwrap_or_default() {
            loaded.record(&event);
        }
        state.facts = Some(loaded);
    }

    /// Ends a load that failed: the facts in memory stay as they were.
    pub fn abandon_load(&self) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.loading = None;
    }

    /// [`Facts::stats`]; `None` too before the first load.
    pub fn stats(
        &self,
        scope: &Scope,
        filter: &EventFilter,
        groups: &[StatsGroup],
    ) -> Option<Vec<StatsRow>> {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        state.facts.as_ref()?.stats(scope, filter, groups)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(id: i64, version: i64, state: EventState) -> EventFacts {
        EventFacts {
            id,
            version,
            channel: Channel::Citizen,
            category: "0102".into(),
            state,
            region: None,
            grid: None,
            outside: true,
            department: None,
            created_at: 1_772_000_000,
            closed_at: None,
            warn_at: None,
            due_at: None,
            ever_overdue: false,
            satisfaction: None,
            resolved_level: None,
        }
    }

    /// The events counted per state.
    fn states(statistics: &Statistics) -> Vec<(Option<String>, u64)> {
        statistics
            .stats(&Scope::All, &EventFilter::default(), &[StatsGroup::State])
            .expect("loaded")
            .into_iter()
            .map(|r| (r.keys[0].clone(), r.count))
            .collect()
    }

    #[test]
    fn nothing_is_answered_before_the_first_load() {
        let statistics = Statistics::default();
        statistics.record(&facts(1, 1, EventState::Reported));
        assert!(
            statistics
                .stats(&Scope::All, &EventFilter::default(), &[])
                .is_none()
        );
    }

    #[test]
    fn a_write_recorded_during_a_load_survives_it() {
        let statistics = Statistics::default();
        statistics.finish_load(Facts::new(&[facts(1, 1, EventState::Reported)]));
        statistics.begin_load();
        statistics.record(&facts(1, 2, EventState::Accepted));
        // The load read the store before the write was committed.
        statistics.finish_load(Facts::new(&[
            facts(1, 1, EventState::Reported),
            facts(2, 1, EventState::Reported),
        ]));
        assert_eq!(
            states(&statistics),
            [(Some("accepted".into()), 1), (Some("reported".into()), 1)]
        );
    }

    #[test]
    fn an_older_version_never_replaces_a_newer() {
        let statistics = Statistics::default();
        statistics.finish_load(Facts::default());
        statistics.record(&facts(7, 3, EventState::Closed));
        statistics.record(&facts(7, 2, EventState::Handled));
        assert_eq!(states(&statistics), [(Some("closed".into()), 1)]);
    }

    #[test]
    fn no_groups_is_one_row_even_over_nothing() {
        let statistics = Statistics::default();
        statistics.finish_load(Facts::default());
        let rows = statistics
            .stats(&Scope::All, &EventFilter::default(), &[])
            .expect("loaded");
        assert_eq!(rows, [StatsRow::default()]);
    }
}
