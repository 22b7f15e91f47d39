//! The demo's composite index: a definition shaped like Guangzhou's 红棉指数
//! (`demo/hongmian.toml`: five dimensions, 29 second-level indicators, 132
//! leaves) over the demo city's counties and towns for the last eight
//! quarters. Manual and imported leaves are synthesised, deterministically
//! from the seed; computed leaves come from the simulated events.

use chrono::{Months, NaiveDateTime};
use gongzhi_domain::access::Principal;
use gongzhi_domain::seeded::seeded_hash;
use gongzhi_domain::{Level, RegionCode};
use gongzhi_index::Definition;
use gongzhi_index::definition::Source;
use gongzhi_index::period::Period;
use gongzhi_index::sheet::Value;
use gongzhi_service::Service;
use std::collections::HashMap;

/// The demo index's definition.
pub const DEFINITION: &str = include_str!("../demo/hongmian.toml");

/// Quarters of data the demo loads.
pub const QUARTERS: usize = 8;

/// A uniform number in 0..1 for `key` and `salt`.
fn uniform(seed: u64, key: &str, salt: u64) -> f64 {
    (seeded_hash(seed, key, salt) >> 11) as f64 / (1u64 << 53) as f64
}

/// The last `n` quarters up to and including the one holding `now`, oldest
/// first.
fn quarters(now: NaiveDateTime, n: usize) -> Vec<String> {
    let q = gongzhi_index::definition::Periodicity::Quarter;
    let mut out: Vec<String> = (0..n as u32)
        .filter_map(|k| now.date().checked_sub_months(Months::new(3 * k)))
        .map(|d| Period::name(d, q))
        .collect();
    out.reverse();
    out
}

/// Synthetic values: each unit has a lasting standing, every value some
/// noise around it, the city improves a little each quarter, and one town
/// slips badly in the newest quarter, so that the warnings have something
/// to say.
pub fn synthesise(
    definition: &Definition,
    units: &[RegionCode],
    periods: &[String],
    seed: u64,
) -> Vec<Value> {
    let towns: Vec<&RegionCode> = units.iter().filter(|u| u.level() == Level::Town).collect();
    let slipping = towns
        .iter()
        .min_by_key(|t| seeded_hash(seed, t.as_str(), 7))
        .map(|t| t.as_str().to_owned());
    let mut population: HashMap<&str, f64> = HashMap::new();
    for t in &towns {
        population.insert(
            t.as_str(),
            (20_000.0 + 180_000.0 * uniform(seed, t.as_str(), 1)).round(),
        );
    }
    for c in units.iter().filter(|u| u.level() == Level::County) {
        let sum: f64 = towns
            .iter()
            .filter(|t| t.is_within(c))
            .map(|t| population[t.as_str()])
            .sum();
        population.insert(c.as_str(), sum.max(100_000.0));
    }
    let mut out = Vec::new();
    for (k, period) in periods.iter().enumerate() {
        for unit in units {
            let u = unit.as_str();
            let standing = uniform(seed, u, 2);
            let slip = if Some(u) == slipping.as_deref() && k + 1 == periods.len() {
                0.45
            } else {
                0.0
            };
            out.push(Value {
                period: period.clone(),
                unit: u.to_owned(),
                series: "population".into(),
                value: population[u],
            });
            for (i, ind) in definition.indicators.iter().enumerate() {
                let (Some(lo), Some(hi)) = (ind.goal_low, ind.goal_high) else {
                    continue;
                };
                if ind.level != 1 || ind.source == Source::Computed {
                    continue;
                }
                let noise = uniform(seed, &format!("{u}/{}/{period}", ind.code), i as u64);
                let trend = k as f64 / periods.len() as f64;
                let good = (0.5 * standing + 0.35 * noise + 0.15 * trend - slip).clamp(0.0, 1.0);
                let (best, worst) = if ind.direction < 0 {
                    (lo, hi)
                } else {
                    (hi, lo)
                };
                let value = match ind.target {
                    // Half the units meet a target; the others mostly
                    // fall a little short of it.
                    Some(t) if lo < t && t < hi => {
                        if good >= 0.5 {
                            t + (good - 0.5) / 0.5 * (best - t)
                        } else {
                            t + (0.5 - good) / 0.5 * 0.35 * (worst - t)
                        }
                    }
                    _ => worst + good * (best - worst),
                };
                out.push(Value {
                    period: period.clone(),
                    unit: u.to_owned(),
                    series: ind.code.clone(),
                    value: (value * 100.0).round() / 100.0,
                });
            }
        }
    }
    out
}

/// Defines the demo index (a new version only when the file changed),
/// loads its synthetic values, computes every quarter and prints what
/// warns.
pub async fn set_up(
    service: &Service,
    city: &RegionCode,
    seed: u64,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    let system = Principal::system();
    let definition = Definition::from_toml(DEFINITION)?;
    let code = definition.code.clone();
    let stored = service.index_definition(&system, &code, None).await.ok();
    if stored.as_ref().map(|(_, d)| d) != Some(&definition) {
        service
            .define_index(&system, definition.clone(), now)
            .await?;
    }
    let units: Vec<RegionCode> = service
        .store()
        .subtree(Some(city), None)
        .await?
        .into_iter()
        .map(|r| r.code)
        .filter(|c| matches!(c.level(), Level::County | Level::Town))
        .collect();
    let periods = quarters(now, QUARTERS);
    let values = synthesise(&definition, &units, &periods, seed);
    println!(
        "loading index {code} ({}): {} values for {} units over {} … {} ...",
        definition.name,
        values.len(),
        units.len(),
        periods[0],
        periods[periods.len() - 1]
    );
    service
        .load_index_values(&system, &code, values, now)
        .await?;
    let s = service.compute_index(&system, &code, None, now).await?;
    println!(
        "  computed {} quarters for {}; newest quarter: {} red, {} yellow",
        s.periods.len(),
        s.units
            .iter()
            .map(|(l, n)| format!("{n} {l}"))
            .collect::<Vec<_>>()
            .join(", "),
        s.red,
        s.yellow
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_definition_builds_with_about_130_leaves() {
        let tree = gongzhi_index::Tree::build(Definition::from_toml(DEFINITION).unwrap()).unwrap();
        let d = tree.definition();
        let at = |level| d.indicators.iter().filter(|i| i.level == level).count();
        assert_eq!((at(3), at(2), at(1)), (5, 29, 132));
        let dims: Vec<&str> = d
            .indicators
            .iter()
            .filter(|i| i.level == 3)
            .map(|i| i.name.as_str())
            .collect();
        assert_eq!(
            dims,
            ["社会安全", "法治保障", "德治建设", "公众参与", "智慧支撑"]
        );
        assert!(
            d.indicators
                .iter()
                .filter(|i| i.source == Source::Computed)
                .count()
                >= 10
        );
    }

    #[test]
    fn quarters_run_back_from_now() {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 22)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        assert_eq!(quarters(now, 3), ["2026Q2", "2026Q3", "2026Q4"]);
    }

    #[test]
    fn synthetic_values_stay_in_their_ranges_and_repeat() {
        let definition = Definition::from_toml(DEFINITION).unwrap();
        let units: Vec<RegionCode> = ["440507", "440507001", "440507002"]
            .iter()
            .map(|c| RegionCode::parse(c).unwrap())
            .collect();
        let periods = vec!["2026Q3".to_string(), "2026Q4".to_string()];
        let a = synthesise(&definition, &units, &periods, 42);
        assert_eq!(a, synthesise(&definition, &units, &periods, 42));
        let by_code: HashMap<&str, _> = definition
            .indicators
            .iter()
            .map(|i| (i.code.as_str(), i))
            .collect();
        for v in &a {
            if let Some(ind) = by_code.get(v.series.as_str()) {
                let (lo, hi) = (ind.goal_low.unwrap(), ind.goal_high.unwrap());
                assert!(v.value >= lo - 0.01 && v.value <= hi + 0.01, "{v:?}");
            }
        }
        let pop = |u: &str| {
            a.iter()
                .find(|v| v.unit == u && v.series == "population")
                .unwrap()
                .value
        };
        assert!(pop("440507") >= pop("440507001") + pop("440507002") - 1e-9);
    }
}
