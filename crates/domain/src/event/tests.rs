use super::*;
use crate::calendar::{LimitUnit, TimeLimit};
use crate::fixtures::person;
use chrono::Duration;
use proptest::prelude::*;

fn at(m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, m, d)
        .unwrap()
        .and_hms_opt(h, min, 0)
        .unwrap()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

struct City(crate::fixtures::City);

impl City {
    fn new() -> City {
        City(crate::fixtures::City::new())
    }

    fn rules(&self) -> Rules<'_> {
        self.0.rules()
    }

    /// A category of the given default kind that may or may not be resolved on the spot.
    fn category(&self, kind: &str, on_spot: bool) -> String {
        self.0
            .catalogue
            .categories()
            .find(|c| {
                c.code.len() == 4 && c.department.as_deref() == Some(kind) && c.on_spot == on_spot
            })
            .unwrap()
            .code
            .clone()
    }

    fn report(&self, category: &str, now: NaiveDateTime) -> Event {
        let intake = Intake {
            channel: Channel::Citizen,
            category: category.into(),
            title: "路边堆放垃圾".into(),
            description: "三天没人清理".into(),
            address: "龙湖区某路 1 号".into(),
            location: Some(LngLat {
                lng: 116.7,
                lat: 23.37,
            }),
            reporter: Reporter {
                name: Some("张三丰".into()),
                phone: Some("13812345678".into()),
                id_number: None,
            },
            urgency: Urgency::Normal,
            attachments: vec![],
        };
        let placement = Placement {
            grid: Some(code("440507001001001")),
            region: Some(code("440507001001001")),
            outside: false,
        };
        let (mut event, entry) = Event::report(
            intake,
            placement,
            &person(Role::Citizen, None),
            now,
            self.rules(),
        )
        .unwrap();
        assert_eq!(entry.action, "report");
        event.id = 7;
        event
    }

    fn act(
        &self,
        event: &Event,
        step: Step,
        actor: &Actor,
        now: NaiveDateTime,
    ) -> Result<Event, StepError> {
        event
            .act(&step, actor, now, self.rules())
            .map(|(e, entry)| {
                assert_eq!(entry.from, Some(event.flow.state));
                assert_eq!(entry.to, e.flow.state);
                assert_eq!(e.version, event.version + 1);
                e
            })
    }
}

fn step(action: Action) -> Step {
    Step::new(action)
}

#[test]
fn a_complaint_walks_the_whole_loop_with_its_side_roads() {
    let city = City::new();
    let category = city.category("chengguan", true);
    let op = person(Role::Operator, None);
    let sup = person(Role::Supervisor, None);
    let cg = person(Role::DepartmentHandler, Some("440507-chengguan"));
    let t0 = at(3, 9, 9, 0);
    let e = city.report(&category, t0);
    assert_eq!(e.suggested_department.as_deref(), Some("440507-chengguan"));
    assert_eq!(
        e.centre,
        Some(code("440507001001")),
        "held first by the community's centre"
    );
    assert_eq!(e.colour(t0), Some(SlaColour::Green));
    let e = city
        .act(&e, step(Action::Accept), &op, at(3, 9, 9, 10))
        .unwrap();
    assert_eq!(e.clock.as_ref().unwrap().phase, Phase::Dispatch);
    let e = city
        .act(&e, step(Action::Dispatch), &op, at(3, 9, 9, 20))
        .unwrap();
    assert_eq!(
        e.department.as_deref(),
        Some("440507-chengguan"),
        "the suggestion is used"
    );
    let e = city
        .act(&e, step(Action::Sign), &cg, at(3, 9, 9, 30))
        .unwrap();
    let e = city
        .act(
            &e,
            step(Action::Return).note("不属于本部门职责"),
            &cg,
            at(3, 9, 9, 40),
        )
        .unwrap();
    assert_eq!(e.flow.state, EventState::Accepted);
    let mut redispatch = step(Action::Dispatch);
    redispatch.department = Some("440507-zhujian".into());
    redispatch.co_departments = vec!["440507-chengguan".into()];
    let e = city.act(&e, redispatch, &op, at(3, 9, 10, 0)).unwrap();
    assert_eq!(e.co_departments, vec!["440507-chengguan".to_owned()]);
    let zj = person(Role::DepartmentHandler, Some("440507-zhujian"));
    let e = city
        .act(&e, step(Action::Sign), &zj, at(3, 9, 10, 5))
        .unwrap();
    let due_before = e.due_at.unwrap();
    let mut ask = step(Action::RequestExtension).note("需协调产权单位");
    ask.extension = Some(1);
    let e = city.act(&e, ask, &zj, at(3, 9, 11, 0)).unwrap();
    assert!(e.flow.extension_pending);
    let e = city
        .act(
            &e,
            step(Action::DecideExtension { approved: true }),
            &sup,
            at(3, 9, 11, 5),
        )
        .unwrap();
    assert!(
        e.due_at.unwrap() > due_before,
        "the extension moves the deadline"
    );
    let e = city
        .act(&e, step(Action::Start), &zj, at(3, 9, 14, 0))
        .unwrap();
    let e = city
        .act(
            &e,
            step(Action::Handle).note("已清理完毕"),
            &zj,
            at(3, 9, 15, 0),
        )
        .unwrap();
    assert_eq!(e.clock, None, "no clock after handling");
    let gw = person(Role::GridWorker, None);
    let e = city
        .act(
            &e,
            step(Action::Verify { passed: true }),
            &gw,
            at(3, 9, 16, 0),
        )
        .unwrap();
    let e = city
        .act(&e, step(Action::Close), &op, at(3, 9, 16, 10))
        .unwrap();
    assert_eq!(e.closed_at, Some(at(3, 9, 16, 10)));
    assert_eq!(e.resolved_level, Some(Level::Community));
    assert!(!e.ever_overdue);
    let citizen = person(Role::Citizen, None);
    let e = city
        .act(
            &e,
            step(Action::Evaluate { satisfaction: 2 }).note("还有味道"),
            &citizen,
            at(3, 10, 9, 0),
        )
        .unwrap();
    let e = city
        .act(
            &e,
            step(Action::Reopen).note("不满意"),
            &citizen,
            at(3, 10, 9, 5),
        )
        .unwrap();
    assert_eq!(
        (e.flow.state, e.closed_at, e.resolved_level),
        (EventState::Accepted, None, None)
    );
}

#[test]
fn roles_and_departments_are_enforced() {
    let city = City::new();
    let e = city.report(&city.category("chengguan", true), at(3, 9, 9, 0));
    let err = city
        .act(
            &e,
            step(Action::Accept),
            &person(Role::Citizen, None),
            at(3, 9, 9, 1),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "a citizen may not accept: only operator, supervisor may"
    );
    let op = person(Role::Operator, None);
    let e = city
        .act(&e, step(Action::Accept), &op, at(3, 9, 9, 1))
        .unwrap();
    let e = city
        .act(&e, step(Action::Dispatch), &op, at(3, 9, 9, 2))
        .unwrap();
    let police = person(Role::DepartmentHandler, Some("440507-gongan"));
    let err = city
        .act(&e, step(Action::Sign), &police, at(3, 9, 9, 3))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "a department_handler may not sign: the event is with department 440507-chengguan, not 440507-gongan"
    );
    let err = city
        .act(&e, step(Action::Close), &op, at(3, 9, 9, 3))
        .unwrap_err();
    assert!(matches!(err, StepError::Illegal(_)), "{err}");
    let err = city
        .act(&e, step(Action::Reject), &op, at(3, 9, 9, 3))
        .unwrap_err();
    assert!(matches!(err, StepError::Illegal(_)), "{err}");
    let cg = person(Role::DepartmentHandler, Some("440507-chengguan"));
    let err = city
        .act(&e, step(Action::Return), &cg, at(3, 9, 9, 4))
        .unwrap_err();
    assert_eq!(err.to_string(), "note: a reason is required to return");
}

#[test]
fn on_the_spot_only_where_the_category_allows() {
    let city = City::new();
    let gw = person(Role::GridWorker, None);
    let e = city.report(&city.category("chengguan", true), at(3, 9, 9, 0));
    let done = city
        .act(
            &e,
            step(Action::ResolveOnSpot).note("已劝离"),
            &gw,
            at(3, 9, 9, 5),
        )
        .unwrap();
    assert_eq!(
        (done.flow.state, done.resolved_level),
        (EventState::Closed, Some(Level::Grid))
    );
    let no_spot = city
        .0
        .catalogue
        .categories()
        .find(|c| c.code.len() == 4 && !c.on_spot)
        .unwrap()
        .code
        .clone();
    let e = city.report(&no_spot, at(3, 9, 9, 0));
    let err = city
        .act(&e, step(Action::ResolveOnSpot), &gw, at(3, 9, 9, 5))
        .unwrap_err();
    assert!(
        err.to_string().contains("may not be resolved on the spot"),
        "{err}"
    );
}

#[test]
fn escalation_climbs_to_the_city_and_stops() {
    let city = City::new();
    let op = person(Role::Operator, None);
    let mut e = city.report(&city.category("chengguan", true), at(3, 9, 9, 0));
    for expected in ["440507001", "440507", "4405"] {
        e = city
            .act(&e, step(Action::Escalate), &op, at(3, 9, 9, 5))
            .unwrap();
        assert_eq!(e.centre, Some(code(expected)));
    }
    let err = city
        .act(&e, step(Action::Escalate), &op, at(3, 9, 9, 6))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "action: the event is already with the city's centre"
    );
    let e = city
        .act(&e, step(Action::Accept), &op, at(3, 9, 9, 7))
        .unwrap();
    let gw = person(Role::GridWorker, None);
    let e = city
        .act(&e, step(Action::ResolveOnSpot), &gw, at(3, 9, 9, 8))
        .unwrap();
    assert_eq!(e.resolved_level, Some(Level::Grid));
}

#[test]
fn overdue_is_marked_once_and_kept_on_record() {
    let city = City::new();
    let e = city.report(&city.category("chengguan", true), at(3, 9, 9, 0));
    let due = e.due_at.unwrap();
    assert!(
        e.mark_overdue(due).is_none(),
        "not overdue at the deadline itself"
    );
    let (late, entry) = e.mark_overdue(due + Duration::minutes(1)).unwrap();
    assert!(late.overdue && late.ever_overdue);
    assert_eq!(entry.action, "overdue");
    assert_eq!(
        late.colour(due + Duration::minutes(1)),
        Some(SlaColour::Red)
    );
    assert!(
        late.mark_overdue(due + Duration::minutes(2)).is_none(),
        "marked once"
    );
    let op = person(Role::Operator, None);
    let accepted = city
        .act(&late, step(Action::Accept), &op, due + Duration::minutes(3))
        .unwrap();
    assert!(
        !accepted.overdue && accepted.ever_overdue,
        "a new phase, the old lateness kept"
    );
}

#[test]
fn suspension_stops_the_clock() {
    let city = City::new();
    let op = person(Role::Operator, None);
    let e = city.report(&city.category("chengguan", true), at(3, 9, 9, 0));
    let due = e.due_at.unwrap();
    let paused = city
        .act(
            &e,
            step(Action::Suspend).note("等待当事人"),
            &op,
            at(3, 9, 9, 10),
        )
        .unwrap();
    assert_eq!(
        (paused.due_at, paused.colour(at(3, 20, 9, 0))),
        (None, None)
    );
    assert!(paused.mark_overdue(at(3, 20, 9, 0)).is_none());
    let resumed = city
        .act(&paused, step(Action::Resume), &op, at(3, 10, 9, 10))
        .unwrap();
    assert!(resumed.due_at.unwrap() > due);
}

#[test]
fn a_merge_names_its_master() {
    let city = City::new();
    let op = person(Role::Operator, None);
    let category = city.category("chengguan", true);
    let mut master = city.report(&category, at(3, 9, 9, 0));
    master.number = "20260309-000001".into();
    let mut dup = city.report(&category, at(3, 9, 10, 0));
    dup.id = 8;
    assert!(dup.check_master(&dup).is_err());
    dup.check_master(&master).unwrap();
    let mut merge = step(Action::Merge);
    merge.into = Some(master.number.clone());
    let merged = city.act(&dup, merge, &op, at(3, 9, 10, 5)).unwrap();
    assert_eq!(
        (merged.flow.state, merged.master.as_deref()),
        (EventState::Merged, Some("20260309-000001"))
    );
    let other = city.report(&city.category("gongan", true), at(3, 9, 9, 0));
    assert!(
        dup.check_master(&other)
            .unwrap_err()
            .to_string()
            .contains("of category")
    );
}

#[test]
fn bad_intake_is_refused_by_field() {
    let city = City::new();
    let rules = city.rules();
    let base = Intake {
        channel: Channel::Hotline,
        category: "0999".into(),
        title: "t".into(),
        description: String::new(),
        address: "某地".into(),
        location: None,
        reporter: Reporter::default(),
        urgency: Urgency::Normal,
        attachments: vec![],
    };
    let actor = person(Role::Operator, None);
    let report = |intake: Intake| {
        Event::report(intake, Placement::default(), &actor, at(3, 9, 9, 0), rules)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        report(base.clone()),
        "category: \"0999\" is not in the catalogue"
    );
    let category = city.category("chengguan", true);
    assert_eq!(
        report(Intake {
            category: category.clone(),
            title: " ".into(),
            ..base.clone()
        }),
        "title: is required"
    );
    assert_eq!(
        report(Intake {
            category: category.clone(),
            address: String::new(),
            ..base.clone()
        }),
        "location: a location or an address is required"
    );
    assert_eq!(
        report(Intake {
            category,
            title: "长".repeat(201),
            ..base
        }),
        "title: is 201 characters, over the limit of 200"
    );
}

#[test]
fn reporters_are_masked() {
    let r = Reporter {
        name: Some("张三丰".into()),
        phone: Some("13812345678".into()),
        id_number: Some("440106199001011235".into()),
    };
    assert_eq!(
        r.masked(),
        Reporter {
            name: Some("张**".into()),
            phone: Some("138****5678".into()),
            id_number: Some("440106********1235".into()),
        }
    );
    assert!(Reporter::default().is_anonymous());
}

#[test]
fn numbers_sort_as_reported() {
    let d = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    assert_eq!(number(d, 42), "20261122-000042");
    assert!(number(d, 9) < number(d, 10));
    assert!(number(d, 999_999) < number(d.succ_opt().unwrap(), 1));
}

#[test]
fn duplicates_are_near_recent_open_and_alike() {
    let city = City::new();
    let category = city.category("chengguan", true);
    let other = city.report(&category, at(3, 9, 9, 0));
    let here = other.location.unwrap();
    let w = DuplicateWindow::default();
    let near = LngLat {
        lng: here.lng + 0.001,
        lat: here.lat,
    };
    let d = w
        .matches(
            &category,
            near,
            at(3, 10, 9, 0),
            &other.candidate().unwrap(),
        )
        .unwrap();
    assert!((d - 102.2).abs() < 1.0, "{d}");
    let far = LngLat {
        lng: here.lng + 0.003,
        lat: here.lat,
    };
    assert!(
        w.matches(&category, far, at(3, 10, 9, 0), &other.candidate().unwrap())
            .is_none()
    );
    assert!(
        w.matches(
            &category,
            near,
            at(3, 12, 9, 1),
            &other.candidate().unwrap()
        )
        .is_none(),
        "older than 72 h"
    );
    let another = city.category("gongan", true);
    assert_ne!(another, category);
    assert!(
        w.matches(&another, near, at(3, 10, 9, 0), &other.candidate().unwrap())
            .is_none(),
        "another category"
    );
    let (lo, hi) = w.bbox(here);
    assert!(lo.lng < near.lng && near.lng < hi.lng);
}

proptest! {
    /// Points inside the radius always fall inside the search box.
    #[test]
    fn the_search_box_holds_the_radius(lng in 73.0f64..135.0, lat in 18.0f64..53.0, bearing in 0.0f64..360.0, r in 0.0f64..200.0) {
        let at = LngLat { lng, lat };
        let w = DuplicateWindow::default();
        let dlat = r * bearing.to_radians().cos() / 111_195.0;
        let dlng = r * bearing.to_radians().sin() / (111_195.0 * lat.to_radians().cos());
        let p = LngLat { lng: lng + dlng, lat: lat + dlat };
        prop_assume!(distance_m(at, p) <= 200.0);
        let (lo, hi) = w.bbox(at);
        prop_assert!(lo.lng <= p.lng && p.lng <= hi.lng && lo.lat <= p.lat && p.lat <= hi.lat);
    }

    /// Whatever happens, an event's limits and the time it was filed under stay.
    #[test]
    fn limits_stay_as_filed(value in 1u32..10) {
        let city = City::new();
        let mut e = city.report(&city.category("chengguan", true), at(3, 9, 9, 0));
        let limits = e.limits;
        e.limits.handle = TimeLimit { value, unit: LimitUnit::WorkingDays };
        let op = person(Role::Operator, None);
        let e2 = city.act(&e, step(Action::Accept), &op, at(3, 9, 9, 1)).unwrap();
        prop_assert_eq!(e2.limits.handle.value, value);
        prop_assert_eq!(e2.limits.accept, limits.accept);
    }
}
