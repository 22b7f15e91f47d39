//! A plausible past for the demo city: the departments of the city, its
//! counties and its towns in the responsibility list, and some 90 days of
//! events across its grids, each driven through the loop by the service as
//! people would have driven it: most on time, some resolved on the spot,
//! some returned, extended, escalated, suspended, late and supervised,
//! merged as duplicates, rated, and the newest still open.
//!
//! Everything is drawn from a seeded generator, so the same seed gives the
//! same city; a city that already has events keeps them.

use chrono::{Duration, NaiveDateTime};
use geo::{Contains, InteriorPoint, MultiPolygon, Point};
use gongzhi_domain::access::{Principal, Scope};
use gongzhi_domain::actor::{Actor, Role};
use gongzhi_domain::catalogue::Family;
use gongzhi_domain::event::{Channel, Event, Intake, Placement, Reporter, Step, Urgency};
use gongzhi_domain::event_flow::Action;
use gongzhi_domain::responsibility::{Department, ResponsibilityDocument};
use gongzhi_domain::{Level, LngLat, Region, RegionCode};
use gongzhi_service::Service;
use gongzhi_store::{EventFilter, EventSort, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// How much past to simulate.
#[derive(Debug, Clone, Copy)]
pub struct HistoryOptions {
    /// Days back from now.
    pub days: u32,
    /// Mean reports a day across the city.
    pub events_per_day: u32,
    /// Seed of the draws.
    pub seed: u64,
}

/// What the simulation made.
#[derive(Debug, Default)]
pub struct HistoryOutcome {
    /// Departments written to the responsibility list (0 when it had some).
    pub departments: usize,
    /// Events reported.
    pub events: u64,
    /// Steps taken.
    pub steps: u64,
    /// Events already stored, when the city was kept as it was.
    pub kept: u64,
}

impl HistoryOutcome {
    /// One line for the demo's output.
    pub fn print(&self) {
        if self.kept > 0 {
            println!("history: keeping its {} events", self.kept);
        } else {
            println!(
                "history: {} departments, {} events, {} steps",
                self.departments, self.events, self.steps
            );
        }
    }
}

/// The departments of `city`: every kind of the catalogue at the city and
/// at each county, and a sub-district office (街道办事处) at each town.
fn departments(
    service: &Service,
    city: &Region,
    counties: &[Region],
    towns: &[Region],
) -> Vec<Department> {
    let rules = service.rules();
    let kinds = &rules.catalogue.document().department_kinds;
    let mut out = Vec::new();
    for government in std::iter::once(city).chain(counties) {
        for kind in kinds.iter().filter(|k| k.code != "jiedao") {
            out.push(Department {
                code: format!("{}-{}", government.code, kind.code),
                name: format!("{}{}", government.name, kind.name),
                kind: kind.code.clone(),
                region: government.code.clone(),
            });
        }
    }
    for town in towns {
        out.push(Department {
            code: format!("{}-jiedao", town.code),
            name: format!("{}办事处", town.name.trim_end_matches("办事处")),
            kind: "jiedao".into(),
            region: town.code.clone(),
        });
    }
    out
}

/// A point inside `shape`, near its interior point.
fn point_in(shape: &MultiPolygon<f64>, rng: &mut StdRng) -> Option<LngLat> {
    let centre = shape.interior_point()?;
    for _ in 0..8 {
        let p = Point::new(
            centre.x() + rng.random_range(-0.002..0.002),
            centre.y() + rng.random_range(-0.002..0.002),
        );
        if shape.contains(&p) {
            return Some(LngLat {
                lng: p.x(),
                lat: p.y(),
            });
        }
    }
    Some(LngLat {
        lng: centre.x(),
        lat: centre.y(),
    })
}

fn actor(role: Role, id: String, department: Option<String>) -> Actor {
    Actor {
        name: id.clone(),
        id,
        role,
        department,
    }
}

/// Minutes drawn from a range.
fn minutes(rng: &mut StdRng, range: std::ops::Range<i64>) -> Duration {
    Duration::minutes(rng.random_range(range))
}

/// The people and places one event's story needs.
struct Cast {
    grid_worker: Actor,
    operator: Actor,
    supervisor: Actor,
    citizen: Actor,
    fallback: String,
}

impl Cast {
    fn handler(department: &str) -> Actor {
        actor(
            Role::DepartmentHandler,
            format!("{department}-处置员"),
            Some(department.to_owned()),
        )
    }
}

/// The steps of one event's story after its report, each with its time.
fn story(event: &Event, cast: &Cast, rng: &mut StdRng) -> Vec<(NaiveDateTime, Actor, Step)> {
    let mut t = event.created_at;
    let mut steps = Vec::new();
    let with = |action: Action, text: &str| Step::new(action).note(text);
    if event.channel == Channel::GridPatrol && event.on_spot_allowed && rng.random_bool(0.55) {
        t += minutes(rng, 10..90);
        steps.push((
            t,
            cast.grid_worker.clone(),
            with(Action::ResolveOnSpot, "现场处置完毕"),
        ));
        return steps;
    }
    if rng.random_bool(0.03) {
        t += minutes(rng, 5..60);
        steps.push((
            t,
            cast.operator.clone(),
            with(Action::Reject, "不属于受理范围，已告知"),
        ));
        return steps;
    }
    if rng.random_bool(0.05) {
        t += minutes(rng, 5..30);
        steps.push((
            t,
            cast.operator.clone(),
            with(Action::Escalate, "本级无法协调，提请上级"),
        ));
        if rng.random_bool(0.3) {
            t += minutes(rng, 30..120);
            steps.push((
                t,
                cast.operator.clone(),
                with(Action::Escalate, "涉及多部门，提请区级"),
            ));
        }
    }
    let late = rng.random_bool(0.06);
    t += if late {
        minutes(rng, 180..600)
    } else {
        minutes(rng, 5..40)
    };
    steps.push((t, cast.operator.clone(), Step::new(Action::Accept)));
    if late && rng.random_bool(0.5) {
        steps.push((
            t + Duration::minutes(1),
            cast.supervisor.clone(),
            with(Action::Supervise, "受理超时，请加快办理"),
        ));
    }
    let lead = event
        .suggested_department
        .clone()
        .unwrap_or_else(|| cast.fallback.clone());
    t += minutes(rng, 10..60);
    let mut dispatch = Step::new(Action::Dispatch);
    dispatch.department = Some(lead.clone());
    steps.push((t, cast.operator.clone(), dispatch));
    let mut handler = Cast::handler(&lead);
    t += minutes(rng, 30..180);
    steps.push((t, handler.clone(), Step::new(Action::Sign)));
    if rng.random_bool(0.08) && lead != cast.fallback {
        t += minutes(rng, 20..120);
        steps.push((
            t,
            handler.clone(),
            with(Action::Return, "不属本部门职责，请改派"),
        ));
        t += minutes(rng, 10..60);
        let mut again = Step::new(Action::Dispatch);
        again.department = Some(cast.fallback.clone());
        steps.push((t, cast.operator.clone(), again));
        handler = Cast::handler(&cast.fallback);
        t += minutes(rng, 30..120);
        steps.push((t, handler.clone(), Step::new(Action::Sign)));
    }
    t += minutes(rng, 10..120);
    steps.push((t, handler.clone(), Step::new(Action::Start)));
    if rng.random_bool(0.07) {
        t += minutes(rng, 60..300);
        let mut ask = with(Action::RequestExtension, "需协调相关单位，申请延期");
        ask.extension = Some(2);
        steps.push((t, handler.clone(), ask));
        t += minutes(rng, 20..120);
        let approved = rng.random_bool(0.85);
        steps.push((
            t,
            cast.supervisor.clone(),
            with(Action::DecideExtension { approved }, "同意延期"),
        ));
    }
    if rng.random_bool(0.02) {
        t += minutes(rng, 60..240);
        steps.push((
            t,
            cast.operator.clone(),
            with(Action::Suspend, "等待当事人返回"),
        ));
        t += minutes(rng, 600..2_000);
        steps.push((
            t,
            cast.operator.clone(),
            with(Action::Resume, "当事人已返回"),
        ));
    }
    let slow = rng.random_bool(0.12);
    t += if slow {
        minutes(rng, 3_000..8_000)
    } else {
        minutes(rng, 90..1_500)
    };
    steps.push((
        t,
        handler.clone(),
        with(Action::Handle, "已按要求处置，附现场照片"),
    ));
    t += minutes(rng, 30..300);
    if rng.random_bool(0.04) {
        steps.push((
            t,
            cast.grid_worker.clone(),
            with(Action::Verify { passed: false }, "现场仍未整改到位"),
        ));
        t += minutes(rng, 120..600);
        steps.push((t, handler.clone(), with(Action::Handle, "已重新处置")));
        t += minutes(rng, 30..300);
    }
    steps.push((
        t,
        cast.grid_worker.clone(),
        with(Action::Verify { passed: true }, "核查属实，已整改"),
    ));
    t += minutes(rng, 20..240);
    steps.push((t, cast.operator.clone(), with(Action::Close, "办结")));
    if rng.random_bool(0.65) {
        t += minutes(rng, 60..1_440);
        let satisfaction = match rng.random_range(0..100) {
            0..55 => 5,
            55..80 => 4,
            80..90 => 3,
            90..96 => 2,
            _ => 1,
        };
        let comment = if satisfaction >= 4 {
            "处理及时，满意"
        } else {
            "处理效果一般"
        };
        steps.push((
            t,
            cast.citizen.clone(),
            with(Action::Evaluate { satisfaction }, comment),
        ));
    }
    steps
}

/// Reports this recent may still be in the loop.
const RECENT_DAYS: i64 = 4;

/// The channel of a report, as a city's mix runs.
fn channel(rng: &mut StdRng) -> Channel {
    match rng.random_range(0..100) {
        0..45 => Channel::GridPatrol,
        45..65 => Channel::Hotline,
        65..85 => Channel::Citizen,
        85..89 => Channel::Window,
        89..94 => Channel::Iot,
        94..98 => Channel::Video,
        _ => Channel::Open311,
    }
}

/// Whether a report by `channel` is likely of a category of `family` and `class`.
fn fits(channel: Channel, family: Family, class: &str) -> bool {
    match channel {
        Channel::Hotline => family == Family::Hotline,
        Channel::Iot => matches!(class, "04" | "13"),
        Channel::Video => matches!(class, "01" | "05"),
        Channel::Window => family == Family::Governance,
        _ => family != Family::Hotline,
    }
}

/// Simulates the demo city's past up to `now`, unless it has events.
pub async fn simulate(
    service: &Service,
    store: &dyn Store,
    city: &RegionCode,
    options: HistoryOptions,
    now: NaiveDateTime,
) -> anyhow::Result<HistoryOutcome> {
    let mut outcome = HistoryOutcome::default();
    let in_city = EventFilter {
        region: Some(city.clone()),
        ..EventFilter::default()
    };
    let existing = store
        .events(&Scope::All, &in_city, EventSort::Newest, 0, 1)
        .await?
        .total;
    if existing > 0 {
        outcome.kept = existing;
        return Ok(outcome);
    }
    let subtree = store.subtree(Some(city), None).await?;
    let of_level = |level: Level| {
        subtree
            .iter()
            .filter(|r| r.level() == level)
            .cloned()
            .collect::<Vec<_>>()
    };
    let (counties, towns) = (of_level(Level::County), of_level(Level::Town));
    let city_region = subtree
        .iter()
        .find(|r| &r.code == city)
        .ok_or_else(|| anyhow::anyhow!("the demo city {city} is not stored"))?;
    let rules = service.rules();
    if rules.responsibility.document().departments.is_empty() {
        let list = ResponsibilityDocument {
            departments: departments(service, city_region, &counties, &towns),
            rules: Vec::new(),
        };
        outcome.departments = list.departments.len();
        service
            .save_responsibility(
                rules.responsibility_version,
                list,
                &Principal::replaying(actor(Role::Admin, "demo".into(), None)),
                now,
            )
            .await?;
    }
    let grids = store.boundaries(Some(city), Some(Level::Grid)).await?;
    anyhow::ensure!(
        !grids.is_empty(),
        "the demo city {city} has no grids with boundaries"
    );
    let rules = service.rules();
    let categories: Vec<_> = rules
        .catalogue
        .categories()
        .filter(|c| c.code.len() == 4)
        .cloned()
        .collect();
    let mut rng = StdRng::seed_from_u64(options.seed);
    let start = now - Duration::days(i64::from(options.days));
    let total = u64::from(options.days) * u64::from(options.events_per_day);
    for i in 0..total {
        let created =
            start + Duration::seconds(rng.random_range(0..i64::from(options.days) * 86_400));
        let (grid, shape) = &grids[rng.random_range(0..grids.len())];
        let Some(location) = point_in(shape, &mut rng) else {
            continue;
        };
        let channel = channel(&mut rng);
        let fitting: Vec<_> = categories
            .iter()
            .filter(|c| fits(channel, c.family, &c.class))
            .collect();
        let category = fitting[rng.random_range(0..fitting.len())];
        let town = grid
            .code
            .ancestors()
            .into_iter()
            .find(|a| a.level() == Level::Town);
        let cast = Cast {
            grid_worker: actor(Role::GridWorker, format!("{}-网格员", grid.code), None),
            operator: actor(Role::Operator, "指挥中心坐席".into(), None),
            supervisor: actor(Role::Supervisor, "指挥中心值班长".into(), None),
            citizen: actor(Role::Citizen, format!("群众{i}"), None),
            fallback: town.map_or_else(|| format!("{city}-chengguan"), |t| format!("{t}-jiedao")),
        };
        let reporter = if channel == Channel::GridPatrol {
            &cast.grid_worker
        } else {
            &cast.citizen
        };
        let intake = Intake {
            channel,
            category: category.code.clone(),
            title: format!("{}：{}", grid.name, category.name),
            description: category.description.clone(),
            address: grid.name.clone(),
            location: Some(location),
            reporter: Reporter {
                name: Some(reporter.name.clone()),
                phone: Some(format!("13{:09}", rng.random_range(0..1_000_000_000u64))),
                id_number: None,
            },
            urgency: if rng.random_bool(0.05) {
                Urgency::Urgent
            } else {
                Urgency::Normal
            },
            attachments: Vec::new(),
        };
        let placement = Placement {
            grid: Some(grid.code.clone()),
            region: Some(grid.code.clone()),
            outside: false,
        };
        let event = service
            .report(
                intake.clone(),
                placement.clone(),
                &Principal::replaying(reporter.clone()),
                created,
                None,
            )
            .await?
            .event;
        outcome.events += 1;
        if matches!(channel, Channel::Hotline | Channel::Citizen) && rng.random_bool(0.03) {
            let again = created + minutes(&mut rng, 1..4);
            let dup = service
                .report(
                    intake,
                    placement,
                    &Principal::replaying(cast.citizen.clone()),
                    again,
                    None,
                )
                .await?
                .event;
            let mut merge = Step::new(Action::Merge);
            merge.into = Some(event.number.clone());
            if again <= now {
                service
                    .act(
                        &dup.number,
                        &merge,
                        &Principal::replaying(cast.operator.clone()),
                        again + Duration::minutes(1),
                        None,
                    )
                    .await?;
                outcome.steps += 1;
            }
            outcome.events += 1;
        }
        let mut steps = story(&event, &cast, &mut rng);
        // Recent work is often still under way: a queue with a backlog.
        if now - created < Duration::days(RECENT_DAYS) && rng.random_bool(0.6) {
            steps.truncate(rng.random_range(0..=steps.len()));
        }
        for (at, who, step) in steps {
            if at > now {
                break;
            }
            service
                .act(&event.number, &step, &Principal::replaying(who), at, None)
                .await?;
            outcome.steps += 1;
        }
        if (i + 1) % 2_000 == 0 {
            println!("  {} of {total} events ...", i + 1);
        }
    }
    outcome.steps += service.sweep_overdue(now).await?;
    Ok(outcome)
}
