//! Bad definitions and data are refused with the row, field or cell named
//! and the reason given; good ones compute.

use gongzhi_index::{Definition, DefinitionError, PeriodInput, Tree, compute};

/// A small valid index: root I, dimensions A and B, four leaves.
const GOOD: &str = r#"
code = "t"
name = "测试指数"
periodicity = "quarter"

[[denominators]]
code = "pop"
name = "人口"

[[indicators]]
code = "I"
name = "指数"
level = 3

[[indicators]]
code = "A"
name = "甲"
level = 2
parent = "I"
weight = 2

[[indicators]]
code = "B"
name = "乙"
level = 2
parent = "I"

[[indicators]]
code = "a1"
name = "a1"
level = 1
parent = "A"
denominator = "pop"
scale = 10000

[[indicators]]
code = "a2"
name = "a2"
level = 1
parent = "A"
direction = -1

[[indicators]]
code = "b1"
name = "b1"
level = 1
parent = "B"

[[indicators]]
code = "b2"
name = "b2"
level = 1
parent = "B"
"#;

fn refused(text: &str) -> DefinitionError {
    match Definition::from_toml(text).and_then(Tree::build) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e,
    }
}

fn edit(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "{from}");
    GOOD.replacen(from, to, 1)
}

#[test]
fn the_good_definition_builds() {
    let tree = Tree::build(Definition::from_toml(GOOD).unwrap()).unwrap();
    assert_eq!(tree.leaves().len(), 4);
    assert_eq!(tree.code(tree.root()), "I");
}

#[test]
fn a_missing_parent_is_named_with_its_row() {
    let e = refused(&edit("parent = \"B\"\n", "parent = \"Z\"\n"));
    assert_eq!(
        (e.table, e.row, e.code.as_deref(), e.field),
        ("indicators", Some(6), Some("b1"), Some("parent"))
    );
    assert!(
        e.to_string().contains("no indicator has the code `Z`"),
        "{e}"
    );
}

#[test]
fn a_cycle_is_named_with_its_path() {
    // A's parent becomes a1, a1's parent is A.
    let e = refused(&edit(
        "level = 2\nparent = \"I\"\nweight = 2",
        "level = 2\nparent = \"a1\"\nweight = 2",
    ));
    assert!(e.to_string().contains("cycle"), "{e}");
    assert!(
        e.to_string().contains("A → a1 → A") || e.to_string().contains("a1 → A → a1"),
        "{e}"
    );
}

#[test]
fn a_gap_in_levels_is_refused() {
    let e = refused(&edit(
        "code = \"b1\"\nname = \"b1\"\nlevel = 1\nparent = \"B\"",
        "code = \"b1\"\nname = \"b1\"\nlevel = 1\nparent = \"I\"",
    ));
    assert_eq!((e.row, e.field), (Some(6), Some("level")));
    assert!(e.to_string().contains("exactly one level below"), "{e}");
}

#[test]
fn negative_and_zero_sum_weights_are_refused() {
    let e = refused(&edit("weight = 2", "weight = -1"));
    assert_eq!((e.code.as_deref(), e.field), (Some("A"), Some("weight")));
    let zero = GOOD
        .replacen(
            "code = \"b2\"\nname = \"b2\"\nlevel = 1\nparent = \"B\"",
            "code = \"b2\"\nname = \"b2\"\nlevel = 1\nparent = \"B\"\nweight = 0",
            1,
        )
        .replacen(
            "code = \"b1\"\nname = \"b1\"\nlevel = 1\nparent = \"B\"",
            "code = \"b1\"\nname = \"b1\"\nlevel = 1\nparent = \"B\"\nweight = 0",
            1,
        );
    let e = refused(&zero);
    assert_eq!((e.code.as_deref(), e.field), (Some("B"), Some("weight")));
    assert!(e.to_string().contains("sum to zero"), "{e}");
}

#[test]
fn text_where_a_number_belongs_is_refused_with_its_place() {
    let e = refused(&edit("weight = 2", "weight = \"heavy\""));
    let text = e.to_string();
    assert!(text.contains("weight") && text.contains("line"), "{text}");
}

#[test]
fn duplicate_codes_and_unknown_denominators_are_refused() {
    let e = refused(&edit("code = \"b2\"", "code = \"b1\""));
    assert_eq!((e.row, e.field), (Some(7), Some("code")));
    let e = refused(&edit("denominator = \"pop\"", "denominator = \"area\""));
    assert_eq!(
        (e.code.as_deref(), e.field),
        (Some("a1"), Some("denominator"))
    );
}

#[test]
fn an_inconsistent_ahp_matrix_is_refused_with_its_ratio() {
    let intransitive =
        "\n[[ahp]]\nparent = \"I\"\nchildren = [\"A\", \"B\"]\nmatrix = [[1, 3], [0.5, 1]]\n";
    let e = refused(&format!("{GOOD}{intransitive}"));
    assert_eq!((e.table, e.field), ("ahp", Some("matrix")));
    assert!(e.to_string().contains("reciprocal"), "{e}");

    // Three leaves under one node: a > b, b > c, c > a.
    let three = GOOD.replacen("[[indicators]]\ncode = \"b2\"", "[[indicators]]\ncode = \"b3\"\nname = \"b3\"\nlevel = 1\nparent = \"B\"\n\n[[indicators]]\ncode = \"b2\"", 1);
    let cyclic = "\n[[ahp]]\nparent = \"B\"\nchildren = [\"b1\", \"b3\", \"b2\"]\nmatrix = [[1, 5, 0.2], [0.2, 1, 5], [5, 0.2, 1]]\n";
    let e = refused(&format!("{three}{cyclic}"));
    let text = e.to_string();
    assert!(text.contains("consistency ratio is"), "{text}");
    let ratio: f64 = text
        .split("ratio is ")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(ratio > 1.0, "{text}");
}

#[test]
fn data_for_unknown_indicators_or_of_the_wrong_length_is_refused() {
    let tree = Tree::build(Definition::from_toml(GOOD).unwrap()).unwrap();
    let mut input = PeriodInput {
        period: "2026Q1".into(),
        units: vec!["u1".into(), "u2".into()],
        ..PeriodInput::default()
    };
    input
        .indicators
        .insert("zz".into(), vec![Some(1.0), Some(2.0)]);
    let e = compute(&tree, 1, std::slice::from_ref(&input)).unwrap_err();
    assert_eq!(e.column.as_deref(), Some("zz"));
    input.indicators.clear();
    input
        .indicators
        .insert("A".into(), vec![Some(1.0), Some(2.0)]);
    let e = compute(&tree, 1, std::slice::from_ref(&input)).unwrap_err();
    assert!(e.to_string().contains("aggregate"), "{e}");
    input.indicators.clear();
    input.indicators.insert("b1".into(), vec![Some(1.0)]);
    let e = compute(&tree, 1, std::slice::from_ref(&input)).unwrap_err();
    assert!(e.to_string().contains("1 values for 2 units"), "{e}");
}

#[test]
fn a_small_index_computes_by_hand() {
    let tree = Tree::build(Definition::from_toml(GOOD).unwrap()).unwrap();
    let v = |a: &[f64]| a.iter().copied().map(Some).collect::<Vec<_>>();
    let mut input = PeriodInput {
        period: "2026Q1".into(),
        units: vec!["u1".into(), "u2".into(), "u3".into()],
        ..PeriodInput::default()
    };
    input
        .denominators
        .insert("pop".into(), v(&[10_000.0, 20_000.0, 40_000.0]));
    input.indicators.insert("a1".into(), v(&[10.0, 10.0, 10.0])); // 10, 5, 2.5 per 10k
    input.indicators.insert("a2".into(), v(&[1.0, 2.0, 3.0])); // less is better
    input
        .indicators
        .insert("b1".into(), vec![Some(0.0), Some(50.0), None]);
    input.indicators.insert("b2".into(), v(&[0.0, 10.0, 20.0]));
    let r = compute(&tree, 1, std::slice::from_ref(&input)).unwrap();
    let s = &r[0].scores;
    let at = |code: &str| tree.position(code).unwrap();
    // a1: 10, 5, 2.5 → 100, 33.33, 0; a2: → 100, 50, 0.
    let close = |got: &[Option<f64>], want: &[f64]| {
        assert!(
            got.iter()
                .zip(want)
                .all(|(g, w)| (g.unwrap() - w).abs() < 1e-12),
            "{got:?} vs {want:?}"
        );
    };
    close(&s[at("a1")], &[100.0, 100.0 * 2.5 / 7.5, 0.0]);
    close(&s[at("A")], &[100.0, (100.0 / 3.0 + 50.0) / 2.0, 0.0]);
    // b1 is missing for u3: B is b2 alone there.
    close(&s[at("B")], &[0.0, 75.0, 100.0]);
    let root: Vec<f64> = s[at("I")].iter().map(|x| x.unwrap()).collect();
    assert!((root[1] - (2.0 * (100.0 / 3.0 + 50.0) / 2.0 + 75.0) / 3.0).abs() < 1e-12);
    assert_eq!(r[0].ranks[at("I")], vec![Some(1), Some(2), Some(3)]);
}

#[test]
fn a_geometric_mean_over_the_children_present() {
    let text = GOOD.replacen("periodicity = \"quarter\"\n", "periodicity = \"quarter\"\n[pipeline]\naggregate = \"geometric\"\nnormalise = \"goalposts\"\n", 1)
        .replace("level = 1\n", "level = 1\ngoal_low = 0.0\ngoal_high = 100.0\n");
    let tree = Tree::build(Definition::from_toml(&text).unwrap()).unwrap();
    let mut input = PeriodInput {
        period: "2026Q1".into(),
        units: vec!["u1".into()],
        ..PeriodInput::default()
    };
    input
        .denominators
        .insert("pop".into(), vec![Some(10_000.0)]);
    input.indicators.insert("a1".into(), vec![Some(25.0)]);
    input.indicators.insert("a2".into(), vec![Some(0.0)]); // less is better: 0 scores 100
    input.indicators.insert("b1".into(), vec![Some(64.0)]);
    let r = compute(&tree, 1, std::slice::from_ref(&input)).unwrap();
    let at = |code: &str| r[0].scores[tree.position(code).unwrap()][0].unwrap();
    assert!(
        (at("A") - 50.0).abs() < 1e-9,
        "√(25·100) = 50, got {}",
        at("A")
    );
    assert!(
        (at("B") - 64.0).abs() < 1e-9,
        "b2 is missing: B is b1 alone"
    );
    // I weighs A twice: (50² · 64)^(1/3).
    assert!((at("I") - (50.0f64 * 50.0 * 64.0).cbrt()).abs() < 1e-9);
}

#[test]
fn negative_scales_refuse_entropy_and_geometric_means() {
    let text = GOOD.replacen(
        "periodicity = \"quarter\"\n",
        "periodicity = \"quarter\"\n[pipeline]\nweights = \"entropy\"\nnormalise = \"zscore\"\n",
        1,
    );
    let e = refused(&text);
    assert_eq!((e.table, e.field), ("pipeline", Some("normalise")));
}

fn one_period(tree: &Tree) -> Vec<gongzhi_index::PeriodResult> {
    let v = |a: &[f64]| a.iter().copied().map(Some).collect::<Vec<_>>();
    let mut input = PeriodInput {
        period: "2026Q1".into(),
        units: vec!["u1".into(), "u2".into(), "u3".into()],
        ..PeriodInput::default()
    };
    input.denominators.insert("pop".into(), v(&[1.0, 1.0, 1.0]));
    input.indicators.insert("a1".into(), v(&[1.0, 2.0, 3.0]));
    input.indicators.insert("a2".into(), v(&[3.0, 1.0, 2.0]));
    input.indicators.insert("b1".into(), v(&[0.0, 0.0, 9.0]));
    input.indicators.insert("b2".into(), v(&[5.0, 6.0, 5.5]));
    compute(tree, 1, std::slice::from_ref(&input)).unwrap()
}

#[test]
fn ahp_weights_the_children_and_are_recorded() {
    let text = GOOD.replacen(
        "periodicity = \"quarter\"\n",
        "periodicity = \"quarter\"\n[pipeline]\nweights = \"ahp\"\n",
        1,
    ) + "\n[[ahp]]\nparent = \"I\"\nchildren = [\"A\", \"B\"]\nmatrix = [[1, 3], [0.3333333333333333, 1]]\n";
    let tree = Tree::build(Definition::from_toml(&text).unwrap()).unwrap();
    let r = &one_period(&tree)[0];
    let at = |code: &str| tree.position(code).unwrap();
    assert!((r.weights[at("A")] - 0.75).abs() < 1e-12 && (r.weights[at("B")] - 0.25).abs() < 1e-12);
    for u in 0..3 {
        let want = 0.75 * r.scores[at("A")][u].unwrap() + 0.25 * r.scores[at("B")][u].unwrap();
        assert!((r.scores[at("I")][u].unwrap() - want).abs() < 1e-9);
    }
    assert_eq!(
        r.method.ahp.len(),
        1,
        "the method records the matrix's result"
    );
    assert!(r.method.ahp[0].result.consistency_ratio.abs() < 1e-12);
}

#[test]
fn entropy_weights_follow_each_periods_data() {
    let text = GOOD.replacen(
        "periodicity = \"quarter\"\n",
        "periodicity = \"quarter\"\n[pipeline]\nweights = \"entropy\"\n",
        1,
    );
    let tree = Tree::build(Definition::from_toml(&text).unwrap()).unwrap();
    let r = &one_period(&tree)[0];
    let at = |code: &str| tree.position(code).unwrap();
    let columns = [r.scores[at("b1")].as_slice(), r.scores[at("b2")].as_slice()];
    let want = gongzhi_index::weights::entropy::weights(&columns);
    assert!(
        (r.weights[at("b1")] - want[0]).abs() < 1e-12
            && (r.weights[at("b2")] - want[1]).abs() < 1e-12
    );
    // b1 is 0, 0, 100: concentrated, so more informative than b2's 0, 100, 50.
    assert!(want[0] > want[1], "{want:?}");
}
