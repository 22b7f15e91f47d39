//! Contract cases of the closed loop ([`EventStore`]).

use super::code;
use crate::events::{Attachment, ConfigKind, DuplicateProbe, IdempotencyKey, Intake, NewEvent};
use crate::{EventFilter, EventSort, StatsGroup, Store, StoreError};
use chrono::{NaiveDate, NaiveDateTime};
use gongzhi_domain::access::Scope;
use gongzhi_domain::actor::{Actor, Role};
use gongzhi_domain::event::{
    self, Channel, DuplicateWindow, Event, Placement, Reporter, Rules, Step, TimelineEntry, Urgency,
};
use gongzhi_domain::event_flow::{Action, EventState};
use gongzhi_domain::fixtures::{self, person};
use gongzhi_domain::sla::SlaColour;
use gongzhi_domain::{Level, LngLat};

pub(super) fn at(day: u32, h: u32, m: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 3, day)
        .unwrap()
        .and_hms_opt(h, m, 0)
        .unwrap()
}

/// The test city, with the steps the cases take.
pub(super) struct City(fixtures::City);

impl City {
    pub(super) fn new() -> City {
        City(fixtures::City::new())
    }

    fn rules(&self) -> Rules<'_> {
        self.0.rules()
    }

    /// A new event of `category` at grid `grid`, `lng` east, reported at `now`.
    pub(super) fn report(
        &self,
        category: &str,
        grid: &str,
        lng: f64,
        title: &str,
        now: NaiveDateTime,
    ) -> (Event, TimelineEntry) {
        let intake = event::Intake {
            channel: Channel::GridPatrol,
            category: category.into(),
            title: title.into(),
            description: "现场发现".into(),
            address: "金砂路".into(),
            location: Some(LngLat { lng, lat: 23.37 }),
            reporter: Reporter {
                name: Some("李四".into()),
                phone: Some("13900001111".into()),
                id_number: Some("11010519491231002X".into()),
            },
            urgency: Urgency::Normal,
            attachments: vec![],
        };
        let placement = Placement {
            grid: Some(code(grid)),
            region: Some(code(grid)),
            outside: false,
        };
        Event::report(intake, placement, &operator(), now, self.rules()).unwrap()
    }

    pub(super) fn step(
        &self,
        event: &Event,
        action: Action,
        now: NaiveDateTime,
    ) -> (Event, TimelineEntry) {
        let actor = match action {
            Action::Sign | Action::Handle => {
                person(Role::DepartmentHandler, Some("440507-chengguan"))
            }
            Action::ResolveOnSpot => person(Role::GridWorker, None),
            _ => operator(),
        };
        event
            .act(&Step::new(action).note("处理"), &actor, now, self.rules())
            .unwrap()
    }
}

fn operator() -> Actor {
    person(Role::Operator, None)
}

/// Codes of the built-in catalogue used below: two of class 01 (one
/// resolvable on the spot), and one of another class.
pub(super) const RUBBISH: &str = "0102";
const OTHER_CLASS: &str = "0603";

pub(super) async fn create(store: &dyn Store, event: &(Event, TimelineEntry)) -> Event {
    match store.create_event(&event.0, &event.1, None).await.unwrap() {
        Intake::Created(e) => e,
        Intake::Replayed(_) => panic!("a new event without a key is never a replay"),
    }
}

/// Saves each version of a configuration document after the last, and
/// refuses an edit made on an older one.
pub async fn config_versions_grow_and_refuse_stale_edits(store: &dyn Store) {
    let kind = ConfigKind::Catalogue;
    assert_eq!(store.config(kind).await.unwrap(), None);
    let v1 = store
        .put_config(kind, 0, "{\"a\":1}", "admin", at(2, 9, 0))
        .await
        .unwrap();
    let v2 = store
        .put_config(kind, v1, "{\"a\":2}", "admin", at(2, 9, 5))
        .await
        .unwrap();
    assert_eq!((v1, v2), (1, 2));
    let stale = store
        .put_config(kind, v1, "{\"a\":3}", "other", at(2, 9, 6))
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let latest = store.config(kind).await.unwrap().unwrap();
    assert_eq!((latest.version, latest.document.as_str()), (2, "{\"a\":2}"));
    assert_eq!(latest.created_at, at(2, 9, 5));
    let first = store.config_version(kind, 1).await.unwrap().unwrap();
    assert_eq!(first.document, "{\"a\":1}");
    assert_eq!(
        store.config(ConfigKind::Responsibility).await.unwrap(),
        None
    );
}

/// Numbers run per local day from 1; an event and its timeline read back
/// exactly as written.
pub async fn events_are_numbered_per_day_and_read_back(store: &dyn Store) {
    let city = City::new();
    let a = create(
        store,
        &city.report(RUBBISH, "440507001001001", 116.70, "垃圾", at(2, 9, 0)),
    )
    .await;
    let b = create(
        store,
        &city.report(RUBBISH, "440507001001001", 116.70, "垃圾", at(2, 23, 59)),
    )
    .await;
    let c = create(
        store,
        &city.report(RUBBISH, "440507001001001", 116.70, "垃圾", at(3, 0, 0)),
    )
    .await;
    assert_eq!(
        [a.number.as_str(), b.number.as_str(), c.number.as_str()],
        ["20260302-000001", "20260302-000002", "20260303-000001"]
    );
    assert!(a.id > 0 && a.id != b.id);
    let read = store.event(&Scope::All, &b.number).await.unwrap().unwrap();
    assert_eq!(read, b);
    assert_eq!(read.reporter.phone.as_deref(), Some("13900001111"));
    assert_eq!(
        store.event(&Scope::All, "20260302-000009").await.unwrap(),
        None
    );
    let timeline = store.timeline(b.id).await.unwrap();
    assert_eq!(timeline.len(), 1);
    assert_eq!(
        (timeline[0].seq, timeline[0].action.as_str()),
        (1, "report")
    );
    assert_eq!(timeline[0].event_id, b.id);

    let (accepted, entry) = city.step(&read, Action::Accept, at(2, 23, 59));
    store.save_event(&accepted, &[entry]).await.unwrap();
    let read = store.event(&Scope::All, &b.number).await.unwrap().unwrap();
    assert_eq!(read, accepted);
    let timeline = store.timeline(b.id).await.unwrap();
    assert_eq!(
        timeline.iter().map(|e| (e.seq, e.to)).collect::<Vec<_>>(),
        [(1, EventState::Reported), (2, EventState::Accepted)]
    );
}

/// A key seen before returns the event it created; with another request
/// it is refused, and nothing is written.
pub async fn idempotency_replays_and_refuses_another_body(store: &dyn Store) {
    let city = City::new();
    let report = city.report(RUBBISH, "440507001001001", 116.70, "垃圾", at(2, 9, 0));
    let key = IdempotencyKey {
        key: "phone-42-retry".into(),
        request_hash: "h1".into(),
    };
    let Intake::Created(first) = store
        .create_event(&report.0, &report.1, Some(&key))
        .await
        .unwrap()
    else {
        panic!("the first use of a key creates");
    };
    let Intake::Replayed(again) = store
        .create_event(&report.0, &report.1, Some(&key))
        .await
        .unwrap()
    else {
        panic!("the second use of a key replays");
    };
    assert_eq!(again, first);
    let other = IdempotencyKey {
        request_hash: "h2".into(),
        ..key
    };
    let refused = store.create_event(&report.0, &report.1, Some(&other)).await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    let all = store
        .events(
            &Scope::All,
            &EventFilter::default(),
            EventSort::Newest,
            0,
            10,
        )
        .await
        .unwrap();
    assert_eq!(all.total, 1, "retries never create a second event");
}

/// A batch of intakes: new events numbered in order, a key repeated in
/// the batch answered by its first use, a stored key replayed or refused
/// by its request, each answer in its place.
pub async fn a_batch_numbers_keys_and_replays_in_one_go(store: &dyn Store) {
    let city = City::new();
    let item = |title: &str, key: Option<(&str, &str)>| {
        let (event, entry) = city.report(RUBBISH, "440507001001001", 116.70, title, at(2, 9, 0));
        NewEvent {
            event,
            entry,
            key: key.map(|(k, h)| IdempotencyKey {
                key: k.into(),
                request_hash: h.into(),
            }),
        }
    };
    let stored = store
        .create_events(&[item("旧", Some(("old", "h")))])
        .await
        .unwrap();
    assert!(matches!(stored[0], Ok(Intake::Created(_))));
    let answers = store
        .create_events(&[
            item("甲", None),
            item("乙", Some(("k", "h1"))),
            item("乙again", Some(("k", "h1"))),
            item("丙", Some(("old", "other"))),
            item("丁", Some(("old", "h"))),
            item("戊", Some(("k", "h2"))),
            item("己", None),
        ])
        .await
        .unwrap();
    let shown: Vec<String> = answers
        .iter()
        .map(|a| match a {
            Ok(Intake::Created(e)) => format!("new {} {}", e.number, e.title),
            Ok(Intake::Replayed(e)) => format!("replay {} {}", e.number, e.title),
            Err(StoreError::Conflict(_)) => "conflict".into(),
            Err(e) => format!("error {e}"),
        })
        .collect();
    assert_eq!(
        shown,
        [
            "new 20260302-000002 甲",
            "new 20260302-000003 乙",
            "replay 20260302-000003 乙",
            "conflict",
            "replay 20260302-000001 旧",
            "conflict",
            "new 20260302-000004 己",
        ]
    );
    for answer in &answers {
        if let Ok(Intake::Created(e)) = answer {
            assert_eq!(
                store.event(&Scope::All, &e.number).await.unwrap().as_ref(),
                Some(e)
            );
            assert_eq!(store.timeline(e.id).await.unwrap().len(), 1);
        }
    }
    let all = store
        .events(
            &Scope::All,
            &EventFilter::default(),
            EventSort::Newest,
            0,
            50,
        )
        .await
        .unwrap();
    assert_eq!(all.total, 4);
}

/// Two steps taken on the same version: the first saved wins, the second
/// is a conflict and leaves no trace.
pub async fn of_two_saves_on_one_version_one_wins(store: &dyn Store) {
    let city = City::new();
    let event = create(
        store,
        &city.report(RUBBISH, "440507001001001", 116.70, "垃圾", at(2, 9, 0)),
    )
    .await;
    let (accepted, a) = city.step(&event, Action::Accept, at(2, 9, 5));
    let (rejected, r) = event
        .act(
            &Step::new(Action::Reject).note("重复"),
            &operator(),
            at(2, 9, 5),
            city.rules(),
        )
        .unwrap();
    let (a, r) = ([a], [r]);
    let (one, two) = tokio::join!(
        store.save_event(&accepted, &a),
        store.save_event(&rejected, &r)
    );
    let outcomes = [one.is_ok(), two.is_ok()];
    assert_eq!(
        outcomes.iter().filter(|ok| **ok).count(),
        1,
        "{one:?} {two:?}"
    );
    let loser = if outcomes[0] { two } else { one };
    assert!(matches!(loser, Err(StoreError::Conflict(_))), "{loser:?}");
    let stored = store
        .event(&Scope::All, &event.number)
        .await
        .unwrap()
        .unwrap();
    let winner = if outcomes[0] { &accepted } else { &rejected };
    assert_eq!(&stored, winner);
    assert_eq!(store.timeline(event.id).await.unwrap().len(), 2);
}

/// Events reported at once all get a number, none twice.
pub async fn concurrent_intake_numbers_every_event_once(store: &dyn Store) {
    let city = City::new();
    let reports: Vec<_> = (0..12)
        .map(|i| {
            city.report(
                RUBBISH,
                "440507001001001",
                116.70,
                &format!("第{i}件"),
                at(2, 9, 0),
            )
        })
        .collect();
    let created = create_in_fours(store, &reports).await;
    let mut numbers: Vec<&str> = created.iter().map(|e| e.number.as_str()).collect();
    numbers.sort_unstable();
    let expected: Vec<String> = (1..=12).map(|n| format!("20260302-{n:06}")).collect();
    assert_eq!(numbers, expected);
}

async fn create_in_fours(store: &dyn Store, reports: &[(Event, TimelineEntry)]) -> Vec<Event> {
    let mut set = Vec::new();
    for chunk in reports.chunks(4) {
        let (a, b, c, d) = tokio::join!(
            create(store, &chunk[0]),
            create(store, &chunk[1]),
            create(store, &chunk[2]),
            create(store, &chunk[3])
        );
        set.extend([a, b, c, d]);
    }
    set
}

/// Filters narrow, sorts order, pages split the list and the total counts
/// them all.
pub async fn events_filter_sort_and_page(store: &dyn Store) {
    let city = City::new();
    let mut made = Vec::new();
    for (i, (category, grid, title)) in [
        (RUBBISH, "440507001001001", "龙湖垃圾"),
        (RUBBISH, "440507002001001", "外砂垃圾 100%"),
        (OTHER_CLASS, "440507001001001", "占道经营"),
        (RUBBISH, "440511001001001", "金平垃圾"),
    ]
    .into_iter()
    .enumerate()
    {
        let now = at(2, 9, 10 * i as u32);
        made.push(create(store, &city.report(category, grid, 116.70, title, now)).await);
    }
    let (accepted, entry) = city.step(&made[0], Action::Accept, at(2, 9, 40));
    store.save_event(&accepted, &[entry]).await.unwrap();
    let numbers = |page: crate::EventPage| {
        page.events
            .iter()
            .map(|e| e.title.clone())
            .collect::<Vec<_>>()
    };
    let list = |filter: EventFilter| async move {
        store
            .events(&Scope::All, &filter, EventSort::Oldest, 0, 50)
            .await
            .unwrap()
    };
    let class01 = list(EventFilter {
        categories: vec!["01".into()],
        ..EventFilter::default()
    })
    .await;
    assert_eq!(class01.total, 3);
    let longhu = list(EventFilter {
        region: Some(code("440507")),
        ..EventFilter::default()
    })
    .await;
    assert_eq!(numbers(longhu), ["龙湖垃圾", "外砂垃圾 100%", "占道经营"]);
    let grid = list(EventFilter {
        grid: Some(code("440507001001001")),
        states: vec![EventState::Reported],
        ..EventFilter::default()
    })
    .await;
    assert_eq!(numbers(grid), ["占道经营"]);
    let text = list(EventFilter {
        text: Some("100%".into()),
        ..EventFilter::default()
    })
    .await;
    assert_eq!(
        numbers(text),
        ["外砂垃圾 100%"],
        "wildcards match literally"
    );
    let by_number = list(EventFilter {
        text: Some(made[3].number.clone()),
        ..EventFilter::default()
    })
    .await;
    assert_eq!(by_number.total, 1);
    let newest = store
        .events(
            &Scope::All,
            &EventFilter::default(),
            EventSort::Newest,
            1,
            2,
        )
        .await
        .unwrap();
    assert_eq!(
        (newest.total, numbers(newest)),
        (4, vec!["占道经营".to_owned(), "外砂垃圾 100%".to_owned()])
    );
    // The accept clock of the three still reported runs out within the
    // first working hours; the accepted one has a fresh dispatch clock.
    let late = at(2, 11, 0);
    let red = list(EventFilter {
        colour: Some(SlaColour::Red),
        now: Some(late),
        ..EventFilter::default()
    })
    .await;
    let expected_red: Vec<&str> = made
        .iter()
        .map(|e| store_colour(e, &accepted, late))
        .filter(|(_, c)| *c == Some(SlaColour::Red))
        .map(|(t, _)| t)
        .collect();
    assert_eq!(numbers(red), expected_red);
    assert!(!expected_red.is_empty());
    let due_first = store
        .events(&Scope::All, &EventFilter::default(), EventSort::Due, 0, 1)
        .await
        .unwrap();
    let soonest = made[1..]
        .iter()
        .chain([&accepted])
        .filter_map(|e| e.due_at)
        .min();
    assert_eq!(due_first.events[0].due_at, soonest);
}

/// Map points: the located events the scope admits and the filter keeps,
/// newest first, with the instants their colours are judged on.
pub async fn event_points_follow_scope_and_filter(store: &dyn Store) {
    let city = City::new();
    let longhu = create(
        store,
        &city.report(RUBBISH, "440507001001001", 116.70, "龙湖", at(2, 9, 0)),
    )
    .await;
    let jinping = create(
        store,
        &city.report(OTHER_CLASS, "440511001001001", 116.68, "金平", at(2, 9, 10)),
    )
    .await;
    let mut unplaced = city.report(RUBBISH, "440507001001001", 116.70, "无坐标", at(2, 9, 20));
    unplaced.0.location = None;
    create(store, &unplaced).await;

    let all = store
        .event_points(&Scope::All, &EventFilter::default())
        .await
        .unwrap();
    let numbers: Vec<&str> = all.iter().map(|p| p.number.as_str()).collect();
    assert_eq!(numbers, [jinping.number.as_str(), longhu.number.as_str()]);
    let first = &all[1];
    assert_eq!(
        (
            first.location.lng,
            first.location.lat,
            first.category.as_str()
        ),
        (116.70, 23.37, RUBBISH)
    );
    assert_eq!(
        (first.state, first.warn_at, first.due_at, first.created_at),
        (
            EventState::Reported,
            longhu.warn_at,
            longhu.due_at,
            longhu.created_at
        )
    );
    let scoped = store
        .event_points(&Scope::Region(code("440511")), &EventFilter::default())
        .await
        .unwrap();
    assert_eq!(scoped.len(), 1);
    assert_eq!(scoped[0].number, jinping.number);
    let filtered = store
        .event_points(
            &Scope::All,
            &EventFilter {
                categories: vec!["01".into()],
                ..EventFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(filtered.len(), 1);
    assert_eq!(filtered[0].number, longhu.number);
    assert!(
        store
            .event_points(&Scope::Nothing, &EventFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
}

/// The colour the store's filter must agree with: the domain's.
fn store_colour<'a>(
    e: &'a Event,
    accepted: &'a Event,
    now: NaiveDateTime,
) -> (&'a str, Option<SlaColour>) {
    let current = if e.id == accepted.id { accepted } else { e };
    (current.title.as_str(), current.colour(now))
}

/// Suggested duplicates: same category, open, within 200 m and 72 h,
/// nearest first.
pub async fn duplicates_are_near_open_and_alike(store: &dyn Store) {
    let city = City::new();
    let grid = "440507001001001";
    let near = create(
        store,
        &city.report(RUBBISH, grid, 116.7005, "近", at(2, 9, 0)),
    )
    .await;
    let nearer = create(
        store,
        &city.report(RUBBISH, grid, 116.7001, "更近", at(2, 9, 0)),
    )
    .await;
    create(
        store,
        &city.report(RUBBISH, grid, 116.7050, "远", at(2, 9, 0)),
    )
    .await;
    create(
        store,
        &city.report(OTHER_CLASS, grid, 116.7001, "别类", at(2, 9, 0)),
    )
    .await;
    create(
        store,
        &city.report(RUBBISH, grid, 116.7001, "旧", at(1, 7, 0)),
    )
    .await;
    let closed = create(
        store,
        &city.report(RUBBISH, grid, 116.7001, "已办", at(2, 9, 0)),
    )
    .await;
    let (done, entry) = city.step(&closed, Action::ResolveOnSpot, at(2, 9, 30));
    store.save_event(&done, &[entry]).await.unwrap();
    let probe = |category: &str, lng: f64| DuplicateProbe {
        category: category.to_owned(),
        at: LngLat { lng, lat: 23.37 },
        now: at(4, 8, 0),
    };
    let searched = store
        .duplicates(
            &[
                probe(RUBBISH, 116.70),
                probe(OTHER_CLASS, 116.70),
                probe(RUBBISH, 116.80),
            ],
            DuplicateWindow::default(),
        )
        .await
        .unwrap();
    assert_eq!(searched.len(), 3, "one list per probe");
    let found = &searched[0];
    let titles: Vec<&str> = found.iter().map(|(e, _)| e.title.as_str()).collect();
    assert_eq!(titles, ["更近", "近"]);
    assert_eq!(found[1].0.number, near.number);
    assert_eq!(found[0].0.number, nearer.number);
    assert!(found[0].1 < found[1].1 && found[1].1 < 200.0);
    let other: Vec<&str> = searched[1].iter().map(|(e, _)| e.title.as_str()).collect();
    assert_eq!(other, ["别类"], "each probe finds its own category");
    assert!(
        searched[2].is_empty(),
        "nothing within 200 m of a far probe"
    );
}

/// Events past their deadline are listed until marked, then not again.
pub async fn overdue_unmarked_lists_late_events_once(store: &dyn Store) {
    let city = City::new();
    let grid = "440507001001001";
    let late = create(
        store,
        &city.report(RUBBISH, grid, 116.70, "逾期", at(2, 9, 0)),
    )
    .await;
    create(
        store,
        &city.report(RUBBISH, grid, 116.70, "未逾期", at(9, 9, 0)),
    )
    .await;
    let now = at(5, 9, 0);
    let listed = store.overdue_unmarked(now, 100).await.unwrap();
    assert_eq!(listed.iter().map(|e| e.id).collect::<Vec<_>>(), [late.id]);
    let (marked, entry) = listed[0].mark_overdue(now).unwrap();
    store.save_event(&marked, &[entry]).await.unwrap();
    assert!(store.overdue_unmarked(now, 100).await.unwrap().is_empty());
    let timeline = store.timeline(late.id).await.unwrap();
    assert_eq!(timeline.last().unwrap().action, "overdue");
}

/// Statistics group by region and class and count closure, timeliness,
/// satisfaction and the level of resolution as the events say.
pub async fn stats_count_closure_on_time_and_levels(store: &dyn Store) {
    let city = City::new();
    let grid = "440507001001001";
    // On the spot, on time, rated 5.
    let a = create(store, &city.report(RUBBISH, grid, 116.70, "a", at(2, 9, 0))).await;
    let (a, entry) = city.step(&a, Action::ResolveOnSpot, at(2, 9, 10));
    store.save_event(&a, &[entry]).await.unwrap();
    let (a, entry) = city.step(&a, Action::Evaluate { satisfaction: 5 }, at(2, 10, 0));
    store.save_event(&a, &[entry]).await.unwrap();
    // Accepted late (a phase ran over), then dispatched, handled, closed.
    let b = create(store, &city.report(RUBBISH, grid, 116.70, "b", at(2, 9, 0))).await;
    let mut b_now = b;
    for (action, when) in [
        (Action::Accept, at(3, 9, 0)),
        (Action::Dispatch, at(3, 9, 10)),
        (Action::Sign, at(3, 9, 20)),
        (Action::Handle, at(3, 10, 0)),
        (Action::Verify { passed: true }, at(3, 11, 0)),
        (Action::Close, at(3, 11, 10)),
    ] {
        let (next, entry) = city.step(&b_now, action, when);
        store.save_event(&next, &[entry]).await.unwrap();
        b_now = next;
    }
    // Open and overdue (due), open and on time (not due), in another town.
    let c = create(store, &city.report(RUBBISH, grid, 116.70, "c", at(2, 9, 0))).await;
    let (c, entry) = c.mark_overdue(at(5, 9, 0)).unwrap();
    store.save_event(&c, &[entry]).await.unwrap();
    create(
        store,
        &city.report(OTHER_CLASS, "440507002001001", 116.70, "d", at(2, 9, 0)),
    )
    .await;

    let rows = store
        .event_stats(
            &Scope::All,
            &EventFilter::default(),
            &[StatsGroup::Region(Level::Town), StatsGroup::Class],
        )
        .await
        .unwrap();
    let keys: Vec<Vec<Option<String>>> = rows.iter().map(|r| r.keys.clone()).collect();
    assert_eq!(
        keys,
        [
            vec![Some("440507001".into()), Some("01".into())],
            vec![Some("440507002".into()), Some("06".into())],
        ]
    );
    let r = &rows[0];
    assert_eq!((r.count, r.closed, r.closed_on_time, r.due), (3, 2, 1, 3));
    assert_eq!((r.rated, r.satisfied), (1, 1));
    assert_eq!(
        r.resolved_at,
        [1, 1, 0, 0, 0],
        "one on the spot, one by the community"
    );
    let handling =
        (a.closed_at.unwrap() - a.created_at) + (b_now.closed_at.unwrap() - b_now.created_at);
    assert_eq!(r.handling_seconds, handling.num_seconds() as u64);
    assert_eq!((rows[1].count, rows[1].due), (1, 0));
    let days = store
        .event_stats(&Scope::All, &EventFilter::default(), &[StatsGroup::Day])
        .await
        .unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!(days[0].keys, [Some("2026-03-02".to_owned())]);
    assert_eq!(days[0].count, 4);
    let none = store
        .event_stats(
            &Scope::All,
            &EventFilter {
                categories: vec!["99".into()],
                ..EventFilter::default()
            },
            &[],
        )
        .await
        .unwrap();
    assert_eq!(none.len(), 1, "ungrouped statistics have one row");
    assert_eq!(none[0].count, 0);
}

/// Photos read back byte for byte; storing them again changes nothing.
pub async fn attachments_round_trip(store: &dyn Store) {
    let photo = Attachment {
        id: "ab".repeat(32),
        content_type: "image/png".into(),
        data: vec![0x89, b'P', b'N', b'G', 0, 255, 7],
        created_at: at(2, 9, 0),
    };
    store.put_attachment(&photo).await.unwrap();
    store.put_attachment(&photo).await.unwrap();
    assert_eq!(
        store.attachment(&photo.id).await.unwrap(),
        Some(photo.clone())
    );
    assert_eq!(store.attachment("cd").await.unwrap(), None);
    assert_eq!(
        store
            .known_attachments(&[photo.id.clone(), "cd".into()])
            .await
            .unwrap(),
        [photo.id]
    );
}
