//! Contract cases of composite indices ([`IndexStore`](crate::IndexStore)).

use crate::{IndexResultRecord, IndexValue, Store};

/// Definitions keep every version; the newest is read by default.
pub async fn index_definitions_are_versioned(store: &dyn Store) {
    assert_eq!(store.index_definition("hm", None).await.unwrap(), None);
    let v1 = store
        .put_index_definition("hm", "{\"v\":1}", "admin", 100, &[])
        .await
        .unwrap();
    let v2 = store
        .put_index_definition("hm", "{\"v\":2}", "admin", 200, &[])
        .await
        .unwrap();
    let other = store
        .put_index_definition("pa", "{}", "ops", 300, &[])
        .await
        .unwrap();
    assert_eq!((v1, v2, other), (1, 2, 1));
    let newest = store.index_definition("hm", None).await.unwrap().unwrap();
    assert_eq!(
        (newest.version, newest.body.as_str(), newest.created_at),
        (2, "{\"v\":2}", 200)
    );
    let first = store
        .index_definition("hm", Some(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (first.body.as_str(), first.created_by.as_str()),
        ("{\"v\":1}", "admin")
    );
    assert_eq!(store.index_definition("hm", Some(3)).await.unwrap(), None);
    let all = store.index_definitions().await.unwrap();
    let listed: Vec<(&str, i64)> = all.iter().map(|d| (d.code.as_str(), d.version)).collect();
    assert_eq!(listed, vec![("hm", 2), ("pa", 1)]);
}

/// Values load in bulk, replace the same cells, and read back exactly.
pub async fn index_values_replace_cells_and_round_trip(store: &dyn Store) {
    let value = |period: &str, unit: usize, series: usize, v: f64| IndexValue {
        period: period.into(),
        unit: format!("u{unit:04}"),
        series: format!("s{series:02}"),
        value: v,
    };
    // More rows than one insert carries.
    let mut values: Vec<IndexValue> = (0..1300)
        .map(|i| value("2026Q1", i / 10, i % 10, i as f64 / 3.0))
        .collect();
    values.push(value("2026Q2", 0, 0, -1e-300));
    store.put_index_values("hm", &values, &[]).await.unwrap();
    store
        .put_index_values("hm", &[value("2026Q1", 0, 1, 42.5)], &[])
        .await
        .unwrap();
    let back = store.index_values("hm").await.unwrap();
    assert_eq!(back.len(), 1301);
    assert_eq!(back[0], value("2026Q1", 0, 0, 0.0));
    assert_eq!(back[1], value("2026Q1", 0, 1, 42.5));
    assert_eq!(back[1299], value("2026Q1", 129, 9, 1299.0 / 3.0));
    assert_eq!(back[1300], value("2026Q2", 0, 0, -1e-300));
    assert!(store.index_values("other").await.unwrap().is_empty());
}

/// A period's result replaces the stored one; periods list in order.
pub async fn index_results_replace_per_period(store: &dyn Store) {
    let result = |period: &str, version: i64, body: &str| IndexResultRecord {
        period: period.into(),
        version,
        body: body.into(),
        warnings: format!("[{body}]"),
        computed_at: 5,
    };
    store
        .put_index_results("hm", &[result("2026Q2", 1, "b"), result("2026Q1", 1, "a")])
        .await
        .unwrap();
    store
        .put_index_results("hm", &[result("2026Q2", 2, "c")])
        .await
        .unwrap();
    assert_eq!(
        store.index_periods("hm").await.unwrap(),
        vec!["2026Q1", "2026Q2"]
    );
    assert_eq!(
        store.index_result("hm", "2026Q2").await.unwrap(),
        Some(result("2026Q2", 2, "c"))
    );
    assert_eq!(store.index_result("hm", "2025Q4").await.unwrap(), None);
    assert_eq!(
        store.index_newest_warnings("hm").await.unwrap(),
        Some(("2026Q2".to_owned(), "[c]".to_owned()))
    );
    assert_eq!(store.index_newest_warnings("other").await.unwrap(), None);
}
