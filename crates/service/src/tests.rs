use super::*;
use gongzhi_domain::RegionCode;
use gongzhi_domain::actor::Role;
use gongzhi_domain::crypto::Keyring;
use gongzhi_domain::event::{Channel, Reporter, Urgency};
use gongzhi_domain::fixtures::{self, person};
use gongzhi_store_sqlite::SqliteStore;

fn keyring() -> Arc<Keyring> {
    Arc::new(Keyring::generate())
}

fn at(day: u32, h: u32, m: u32) -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 3, day)
        .unwrap()
        .and_hms_opt(h, m, 0)
        .unwrap()
}

async fn service() -> (Service, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/g.db", dir.path().display());
    let store = SqliteStore::connect(&url, keyring()).await.unwrap();
    store.migrate().await.unwrap();
    let service = Service::open(
        Arc::new(store),
        Calendar::china(),
        DuplicateWindow::default(),
        at(1, 8, 0),
    )
    .await
    .unwrap();
    let list = fixtures::City::new().responsibility.document().clone();
    service
        .save_responsibility(1, list, &Principal::system(), at(1, 8, 0))
        .await
        .unwrap();
    (service, dir)
}

fn intake(lng: f64) -> Intake {
    Intake {
        channel: Channel::Citizen,
        category: "0102".into(),
        title: "垃圾".into(),
        description: String::new(),
        address: "金砂路".into(),
        location: Some(LngLat { lng, lat: 23.37 }),
        reporter: Reporter::default(),
        urgency: Urgency::Normal,
        attachments: vec![],
    }
}

fn placement() -> Placement {
    let grid = RegionCode::parse("440507001001001").unwrap();
    Placement {
        grid: Some(grid.clone()),
        region: Some(grid),
        outside: false,
    }
}

#[tokio::test]
async fn a_fresh_store_gets_the_built_in_rules_once() {
    let (service, _dir) = service().await;
    let rules = service.rules();
    assert_eq!(
        (rules.catalogue_version, rules.responsibility_version),
        (1, 2)
    );
    assert_eq!(rules.catalogue, Catalogue::built_in());
    let again = Service::open(
        service.store().clone(),
        Calendar::china(),
        DuplicateWindow::default(),
        at(2, 8, 0),
    )
    .await
    .unwrap();
    assert_eq!(
        again.rules().catalogue_version,
        1,
        "opening again saves nothing"
    );
}

#[tokio::test]
async fn a_catalogue_edit_applies_to_new_events_only() {
    let (service, _dir) = service().await;
    let citizen = Principal::replaying(person(Role::Citizen, None));
    let before = service
        .report(intake(116.70), placement(), &citizen, at(2, 9, 0), None)
        .await
        .unwrap()
        .event;
    let mut doc = service.rules().catalogue.document().clone();
    let rubbish = doc.classes[0]
        .categories
        .iter_mut()
        .find(|c| c.code == "0102")
        .unwrap();
    rubbish.limits.accept = Some(gongzhi_domain::calendar::TimeLimit {
        value: 3,
        unit: gongzhi_domain::calendar::LimitUnit::WorkingDays,
    });
    let v = service
        .save_catalogue(1, doc.clone(), &Principal::system(), at(2, 9, 1))
        .await
        .unwrap();
    assert_eq!(v, 2);
    let stale = service
        .save_catalogue(1, doc, &Principal::system(), at(2, 9, 2))
        .await;
    assert!(matches!(
        stale,
        Err(ServiceError::Store(StoreError::Conflict(_)))
    ));
    let after = service
        .report(intake(116.70), placement(), &citizen, at(2, 9, 5), None)
        .await
        .unwrap();
    assert_eq!(after.event.catalogue_version, 2);
    assert_eq!(after.event.limits.accept.value, 3);
    let stored = service
        .event(&Principal::system(), &before.number)
        .await
        .unwrap();
    assert_eq!(
        (stored.catalogue_version, stored.limits.accept),
        (1, before.limits.accept)
    );
    assert_eq!(
        after
            .duplicates
            .iter()
            .map(|(e, _)| e.number.as_str())
            .collect::<Vec<_>>(),
        [before.number.as_str()]
    );
}

#[tokio::test]
async fn closing_a_master_tells_its_duplicates() {
    let (service, _dir) = service().await;
    let citizen = Principal::replaying(person(Role::Citizen, None));
    let op = Principal::replaying(person(Role::Operator, None));
    let master = service
        .report(intake(116.70), placement(), &citizen, at(2, 9, 0), None)
        .await
        .unwrap()
        .event;
    let dup = service
        .report(intake(116.7001), placement(), &citizen, at(2, 9, 5), None)
        .await
        .unwrap()
        .event;
    let mut merge = Step::new(Action::Merge);
    merge.into = Some(master.number.clone());
    let merged = service
        .act(&dup.number, &merge, &op, at(2, 9, 10), Some(dup.version))
        .await
        .unwrap();
    assert_eq!(merged.flow.state, EventState::Merged);
    let gw = Principal::replaying(person(Role::GridWorker, None));
    service
        .act(
            &master.number,
            &Step::new(Action::ResolveOnSpot).note("已清理"),
            &gw,
            at(2, 9, 30),
            None,
        )
        .await
        .unwrap();
    let dup_timeline = service.store().timeline(dup.id).await.unwrap();
    let actions: Vec<&str> = dup_timeline.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["report", "merge", "master_closed"]);
    let master_timeline = service.store().timeline(master.id).await.unwrap();
    assert_eq!(master_timeline[1].action, "merged_in");
    assert_eq!(master_timeline[1].details["duplicate"], dup.number.as_str());
    let stale = service
        .act(
            &dup.number,
            &Step::new(Action::Accept),
            &op,
            at(2, 9, 40),
            Some(dup.version),
        )
        .await;
    assert!(
        matches!(stale, Err(ServiceError::Store(StoreError::Conflict(_)))),
        "{stale:?}"
    );
}

#[tokio::test]
async fn the_sweep_marks_each_late_event_once() {
    let (service, _dir) = service().await;
    let citizen = Principal::replaying(person(Role::Citizen, None));
    for lng in [116.70, 116.71, 116.72] {
        service
            .report(intake(lng), placement(), &citizen, at(2, 9, 0), None)
            .await
            .unwrap();
    }
    service
        .report(intake(116.73), placement(), &citizen, at(9, 9, 0), None)
        .await
        .unwrap();
    assert_eq!(service.sweep_overdue(at(3, 9, 0)).await.unwrap(), 3);
    assert_eq!(service.sweep_overdue(at(3, 9, 5)).await.unwrap(), 0);
}

#[tokio::test]
async fn unknown_attachments_are_refused() {
    let (service, _dir) = service().await;
    let mut with_photo = intake(116.70);
    with_photo.attachments = vec!["ff".repeat(32)];
    let err = service
        .report(
            with_photo,
            placement(),
            &Principal::replaying(person(Role::Citizen, None)),
            at(2, 9, 0),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("attachment {} not found", "ff".repeat(32))
    );
}
