//! An index definition as its authors write it (TOML, JSON or a spreadsheet
//! with the same columns): the indicator tree, the denominators, the
//! pipeline's methods and the warning rules. [`crate::Tree`] checks it.
//!
//! Levels count up from the leaves, as in COINr: level 1 is an indicator
//! with data, level 2 aggregates indicators, and so on up to the index.

use crate::DefinitionError;
use serde::{Deserialize, Serialize};

/// A composite index, as written. It becomes usable once [`crate::Tree::build`]
/// has checked it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// Stable code (ASCII letters, digits, `-` and `_`), e.g. `hongmian`.
    pub code: String,
    /// Name in Chinese.
    pub name: String,
    /// Name in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// How often the index is computed.
    pub periodicity: Periodicity,
    /// The methods of each step.
    #[serde(default)]
    pub pipeline: Pipeline,
    /// Series that indicators are divided by, such as the population.
    #[serde(default)]
    pub denominators: Vec<Denominator>,
    /// The indicator tree, one row per node.
    pub indicators: Vec<Indicator>,
    /// Pairwise comparison matrices, for weights by AHP.
    #[serde(default)]
    pub ahp: Vec<AhpMatrix>,
    /// When a region turns yellow or red.
    #[serde(default)]
    pub warnings: WarningRules,
}

/// How often an index is computed; periods are written `2026-11-22`,
/// `2026-11`, `2026Q4` or `2026`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Periodicity {
    /// Daily, as Zhuhai's 平安+ daily index.
    Day,
    /// Monthly.
    Month,
    /// Quarterly, as Guangzhou's 红棉指数.
    Quarter,
    /// Yearly.
    Year,
}

/// A series indicators are divided by before anything else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Denominator {
    /// Code, as indicators name it.
    pub code: String,
    /// Name in Chinese.
    pub name: String,
    /// Name in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// Unit, e.g. 人.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// One node of the indicator tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// Code, unique in the definition.
    pub code: String,
    /// Name in Chinese.
    pub name: String,
    /// Name in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// 1 for an indicator with data, one more for each level above.
    pub level: u32,
    /// The node it aggregates into; only the root has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// +1 when more is better, -1 when less is better.
    #[serde(default = "plus_one")]
    pub direction: i8,
    /// Weight relative to its siblings.
    #[serde(default = "one")]
    pub weight: f64,
    /// Unit of the raw value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The value the city aims for, in the raw unit (after the denominator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    /// The lower goalpost, in the raw unit: the worst value when more is
    /// better, the best when less is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal_low: Option<f64>,
    /// The upper goalpost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal_high: Option<f64>,
    /// The denominator the raw value is divided by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denominator: Option<String>,
    /// A factor applied after dividing, e.g. 10000 for "per 10,000 residents".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<f64>,
    /// Where a leaf's values come from.
    #[serde(default)]
    pub source: Source,
    /// For a computed leaf: the built-in that computes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builtin: Option<Builtin>,
    /// For a computed leaf: only events of this catalogue category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

fn plus_one() -> i8 {
    1
}

fn one() -> f64 {
    1.0
}

/// Where a leaf's values come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Typed in by staff.
    #[default]
    Manual,
    /// Loaded from another system's data.
    Imported,
    /// Computed from the platform's own records by a [`Builtin`].
    Computed,
}

/// A computation over the platform's own events, per region and period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Builtin {
    /// Events reported, to be divided by a denominator (e.g. per 10,000
    /// residents).
    EventRate,
    /// Percentage of the period's events that are closed.
    ClosureRate,
    /// Percentage of the closed events closed within their time limit.
    OnTimeRate,
    /// Percentage of the rated events rated satisfied.
    SatisfactionRate,
    /// Percentage of the events that repeat an earlier request.
    RepeatRate,
}

impl Builtin {
    /// Every built-in, for listings.
    pub const ALL: [Builtin; 5] = [
        Builtin::EventRate,
        Builtin::ClosureRate,
        Builtin::OnTimeRate,
        Builtin::SatisfactionRate,
        Builtin::RepeatRate,
    ];
}

/// The methods of the pipeline's steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Pipeline {
    /// How a missing value is filled.
    pub impute: Impute,
    /// Fill from the units that share this group only.
    pub impute_within: Option<ImputeGroup>,
    /// Whether outliers are treated (winsorised, or logged when that fails).
    pub treat: bool,
    /// Most points winsorised per indicator.
    pub treat_winmax: u32,
    /// Absolute skewness from which an indicator has outliers ...
    pub treat_skew: f64,
    /// ... when its kurtosis is at least this too.
    pub treat_kurtosis: f64,
    /// How indicators are put on one scale.
    pub normalise: Normalise,
    /// The scale's worst value (min-max, target, goalposts, rank).
    pub normalise_low: f64,
    /// The scale's best value.
    pub normalise_high: f64,
    /// Whether bounds come from each period or from all periods together.
    pub bounds: Bounds,
    /// How weights are set.
    pub weights: WeightMethod,
    /// How children are combined into their parent.
    pub aggregate: Aggregate,
    /// Scores are ranked after rounding to this many decimals, the
    /// precision they are published at, so that equal published scores
    /// share a rank.
    pub rank_decimals: u32,
    /// Highest consistency ratio an AHP matrix may have.
    pub ahp_max_cr: f64,
    /// Random index by matrix size (1, 2, 3, …); Saaty's when absent.
    pub ahp_random_index: Option<Vec<f64>>,
}

impl Default for Pipeline {
    fn default() -> Self {
        Pipeline {
            impute: Impute::None,
            impute_within: None,
            treat: false,
            treat_winmax: 5,
            treat_skew: 2.0,
            treat_kurtosis: 3.5,
            normalise: Normalise::Minmax,
            normalise_low: 0.0,
            normalise_high: 100.0,
            bounds: Bounds::Period,
            weights: WeightMethod::Fixed,
            aggregate: Aggregate::Arithmetic,
            rank_decimals: 2,
            ahp_max_cr: 0.1,
            ahp_random_index: None,
        }
    }
}

/// How a missing value is filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Impute {
    /// Left missing: aggregation renormalises over the children present.
    None,
    /// The mean of the indicator over the other units.
    Mean,
    /// The median of the indicator over the other units.
    Median,
}

/// The groups imputation stays within.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImputeGroup {
    /// Units of the same parent region (towns of one county).
    Parent,
}

/// How indicators are put on one scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalise {
    /// Linearly from the worst unit (low) to the best (high).
    Minmax,
    /// Standard scores: mean 0, standard deviation 1 (sample).
    Zscore,
    /// The share of the way from the worst unit to the target, capped at
    /// the target, on low..high.
    Target,
    /// The share of the way from the indicator's worse goalpost to its
    /// better one (`goal_low` and `goal_high`, by direction), capped at
    /// both, on low..high.
    Goalposts,
    /// The rank among units, on low..high (ties share the mean rank).
    Rank,
}

/// Whether normalisation bounds are per period or pooled over all periods,
/// so that scores of different periods compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bounds {
    /// From the period's own data.
    Period,
    /// From all the periods computed together.
    Pooled,
}

/// How the weights of children are set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightMethod {
    /// The `weight` column as written (expert weights).
    Fixed,
    /// All siblings equal.
    Equal,
    /// From the pairwise matrices of `[[ahp]]`; nodes without one keep
    /// their written weights.
    Ahp,
    /// From the information in the children's normalised data, per period.
    Entropy,
}

/// How children are combined into their parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    /// Weighted arithmetic mean over the children present.
    Arithmetic,
    /// Weighted geometric mean over the children present (needs values
    /// of at least zero; a zero child makes the parent zero).
    Geometric,
}

/// A pairwise comparison matrix over the children of one node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AhpMatrix {
    /// The node whose children are compared.
    pub parent: String,
    /// The children, in the matrix's row order.
    pub children: Vec<String>,
    /// `matrix[i][j]`: how much more important child i is than child j.
    pub matrix: Vec<Vec<f64>>,
}

/// When a region turns yellow or red. Every rule left out is off.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WarningRules {
    /// The index's score below which a region is red.
    pub red_below: Option<f64>,
    /// The index's score below which a region is yellow.
    pub yellow_below: Option<f64>,
    /// A fall of the index's score against the previous period, in points,
    /// from which a region is yellow.
    pub drop_yellow: Option<f64>,
    /// The same, red.
    pub drop_red: Option<f64>,
    /// A leaf's shortfall from its target, as a share of the target, from
    /// which a region is yellow.
    pub target_yellow: Option<f64>,
    /// The same, red.
    pub target_red: Option<f64>,
    /// Event surges against a region's own baseline.
    pub surge: Option<SurgeRule>,
}

/// A category's event count in a region against that region's own
/// baseline: the tail probability of the count under a Poisson law with the
/// baseline's mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurgeRule {
    /// How the baseline is estimated.
    #[serde(default = "SurgeRule::default_method")]
    pub method: SurgeMethod,
    /// Whether events are counted by catalogue class (大类) or category
    /// (小类).
    #[serde(default = "SurgeRule::default_by")]
    pub by: SurgeGroup,
    /// How many earlier periods the baseline uses.
    #[serde(default = "SurgeRule::default_baseline")]
    pub baseline_periods: usize,
    /// Fewer events than this never surge.
    #[serde(default = "SurgeRule::default_min_count")]
    pub min_count: u64,
    /// Tail probability below which the region is yellow.
    #[serde(default = "SurgeRule::default_alpha_yellow")]
    pub alpha_yellow: f64,
    /// Tail probability below which the region is red.
    #[serde(default = "SurgeRule::default_alpha_red")]
    pub alpha_red: f64,
    /// The EWMA's weight of the newest period (0..1).
    #[serde(default = "SurgeRule::default_smoothing")]
    pub smoothing: f64,
}

impl SurgeRule {
    fn default_method() -> SurgeMethod {
        SurgeMethod::Poisson
    }
    fn default_by() -> SurgeGroup {
        SurgeGroup::Class
    }
    fn default_baseline() -> usize {
        4
    }
    fn default_min_count() -> u64 {
        5
    }
    fn default_alpha_yellow() -> f64 {
        0.01
    }
    fn default_alpha_red() -> f64 {
        0.001
    }
    fn default_smoothing() -> f64 {
        0.3
    }
}

/// What a surge counts events by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurgeGroup {
    /// The catalogue's classes (大类): fewer, larger counts.
    Class,
    /// The catalogue's categories (小类).
    Category,
}

/// How a surge's baseline is estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurgeMethod {
    /// The mean of the earlier periods.
    Poisson,
    /// An exponentially weighted moving average of the earlier periods.
    Ewma,
}

impl Definition {
    /// Reads a definition written in TOML.
    pub fn from_toml(text: &str) -> Result<Definition, DefinitionError> {
        toml::from_str(text).map_err(|e| DefinitionError::syntax(e.to_string()))
    }

    /// Reads a definition written in JSON.
    pub fn from_json(text: &str) -> Result<Definition, DefinitionError> {
        serde_json::from_str(text).map_err(|e| DefinitionError::syntax(e.to_string()))
    }
}
