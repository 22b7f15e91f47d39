//! The category catalogue (事项清单): what matters a city accepts, how each
//! is filed and closed, who answers for it by default, and the time limit of
//! each phase (受理, 分拨, 处置).
//!
//! The catalogue is data: a [`CatalogueDocument`] of classes (大类, two-digit
//! codes), each with its categories (小类, four digits starting with the
//! class's), and the kinds of department categories point to. A category
//! inherits from its class whatever it does not state. The document shipped
//! with gongzhi is `catalogue/default.toml`; an administrator edits it
//! through the API, each edit a new version that applies to new events only.

use crate::calendar::TimeLimit;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The family a class belongs to, after the system it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// 数字化城市管理 (GB/T 30428): city appearance, advertising, works,
    /// emergencies, street order, other.
    CityManagement,
    /// 基层治理: disputes, public-order and safety hazards, livelihood
    /// services, special groups.
    Governance,
    /// The five request types of the 12345 hotline.
    Hotline,
}

/// A kind of department (城管, 公安 …), which a category names as its
/// default responsible department and which each level of government has
/// its own of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepartmentKind {
    /// Stable code, such as `chengguan`.
    pub code: String,
    /// Name in Chinese.
    pub name: String,
    /// Name in English.
    pub name_en: String,
}

/// The time limits of a category's phases, as written: a class states all
/// three, a category only those it changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsDocument {
    /// 受理: from report to acceptance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept: Option<TimeLimit>,
    /// 分拨: from acceptance to dispatch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatch: Option<TimeLimit>,
    /// 处置: from dispatch to the department's report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<TimeLimit>,
}

/// A phase of the loop that runs on a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// 受理.
    Accept,
    /// 分拨.
    Dispatch,
    /// 处置.
    Handle,
}

impl Phase {
    /// Stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Accept => "accept",
            Phase::Dispatch => "dispatch",
            Phase::Handle => "handle",
        }
    }
}

/// The time limits of every phase of a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseLimits {
    /// 受理.
    pub accept: TimeLimit,
    /// 分拨.
    pub dispatch: TimeLimit,
    /// 处置.
    pub handle: TimeLimit,
}

impl PhaseLimits {
    /// The limit of `phase`.
    pub fn of(&self, phase: Phase) -> TimeLimit {
        match phase {
            Phase::Accept => self.accept,
            Phase::Dispatch => self.dispatch,
            Phase::Handle => self.handle,
        }
    }
}

/// A category (小类) as written in the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryDocument {
    /// Four digits, starting with the class's two.
    pub code: String,
    /// Name in Chinese.
    pub name: String,
    /// Name in English.
    pub name_en: String,
    /// What the category covers.
    #[serde(default)]
    pub description: String,
    /// 立案条件: when a report of this category is filed.
    #[serde(default)]
    pub filing: String,
    /// 结案条件: when it counts as resolved.
    #[serde(default)]
    pub closing: String,
    /// Default responsible department kind, when not the class's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Whether a grid worker may resolve it on the spot, when not as the class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_spot: Option<bool>,
    /// Limits that differ from the class's.
    #[serde(default)]
    pub limits: LimitsDocument,
}

/// A class (大类) as written in the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassDocument {
    /// Two digits.
    pub code: String,
    /// The system the class comes from.
    pub family: Family,
    /// Name in Chinese.
    pub name: String,
    /// Name in English.
    pub name_en: String,
    /// What the class covers.
    #[serde(default)]
    pub description: String,
    /// 立案条件 of the class, inherited by categories that state none.
    #[serde(default)]
    pub filing: String,
    /// 结案条件 of the class, inherited by categories that state none.
    #[serde(default)]
    pub closing: String,
    /// Default responsible department kind; none means the centre dispatches
    /// by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Whether a grid worker may resolve matters of the class on the spot.
    #[serde(default)]
    pub on_spot: bool,
    /// Limits of every phase.
    pub limits: LimitsDocument,
    /// The class's categories.
    #[serde(default)]
    pub categories: Vec<CategoryDocument>,
}

/// The catalogue as written and stored: what the API reads and writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueDocument {
    /// Department kinds categories may name.
    pub department_kinds: Vec<DepartmentKind>,
    /// The classes with their categories.
    pub classes: Vec<ClassDocument>,
}

/// A category with everything inherited resolved: what an event is filed
/// under. Classes are categories too, for matters no category fits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// Two digits for a class, four for a category.
    pub code: String,
    /// The class's code (the code itself for a class).
    pub class: String,
    /// The family of the class.
    pub family: Family,
    /// Name in Chinese.
    pub name: String,
    /// Name in English.
    pub name_en: String,
    /// What it covers.
    pub description: String,
    /// 立案条件.
    pub filing: String,
    /// 结案条件.
    pub closing: String,
    /// Default responsible department kind.
    pub department: Option<String>,
    /// Whether a grid worker may resolve it on the spot.
    pub on_spot: bool,
    /// Time limit of each phase.
    pub limits: PhaseLimits,
}

/// Why a catalogue document was refused; `at` names the entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    /// The text is not a document of the expected shape.
    #[error("catalogue: {0}")]
    Syntax(String),
    /// An entry breaks a rule.
    #[error("catalogue {at}: {reason}")]
    Invalid {
        /// The entry, such as `class 03` or `category 0301`.
        at: String,
        /// What is wrong.
        reason: String,
    },
}

/// A validated catalogue: categories by code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    document: CatalogueDocument,
    categories: BTreeMap<String, Category>,
}

/// The catalogue shipped with gongzhi.
const DEFAULT: &str = include_str!("../catalogue/default.toml");

fn invalid(at: impl Into<String>, reason: impl Into<String>) -> CatalogueError {
    CatalogueError::Invalid {
        at: at.into(),
        reason: reason.into(),
    }
}

fn is_digits(code: &str, len: usize) -> bool {
    code.len() == len && code.bytes().all(|b| b.is_ascii_digit())
}

fn check_limit(at: &str, phase: &str, limit: Option<TimeLimit>) -> Result<(), CatalogueError> {
    match limit {
        Some(l) if l.value == 0 => Err(invalid(at, format!("the {phase} limit is zero"))),
        Some(l) if l.value > 365 => Err(invalid(
            at,
            format!("the {phase} limit of {} is over 365", l.value),
        )),
        _ => Ok(()),
    }
}

fn check_limits(at: &str, limits: &LimitsDocument) -> Result<(), CatalogueError> {
    check_limit(at, "accept", limits.accept)?;
    check_limit(at, "dispatch", limits.dispatch)?;
    check_limit(at, "handle", limits.handle)
}

impl Catalogue {
    /// The catalogue shipped with gongzhi.
    pub fn built_in() -> Catalogue {
        Catalogue::from_toml(DEFAULT).expect("the shipped catalogue is valid")
    }

    /// Reads and validates a TOML document.
    pub fn from_toml(text: &str) -> Result<Catalogue, CatalogueError> {
        let document = toml::from_str(text).map_err(|e| CatalogueError::Syntax(e.to_string()))?;
        Catalogue::new(document)
    }

    /// Validates a document: codes well formed and unique, each category
    /// inside its class, names present, limits above zero, department kinds
    /// known.
    pub fn new(document: CatalogueDocument) -> Result<Catalogue, CatalogueError> {
        let mut kinds = BTreeSet::new();
        for kind in &document.department_kinds {
            let at = format!("department kind {:?}", kind.code);
            if kind.code.is_empty() || kind.name.trim().is_empty() {
                return Err(invalid(at, "code and name are required"));
            }
            if !kinds.insert(kind.code.as_str()) {
                return Err(invalid(at, "appears twice"));
            }
        }
        let known_kind = |at: &str, kind: &Option<String>| match kind {
            Some(k) if !kinds.contains(k.as_str()) => Err(invalid(
                at,
                format!("department kind {k:?} is not among department_kinds"),
            )),
            _ => Ok(()),
        };
        let mut categories = BTreeMap::new();
        for class in &document.classes {
            let at = format!("class {}", class.code);
            if !is_digits(&class.code, 2) {
                return Err(invalid(at, "a class code is two digits"));
            }
            if class.name.trim().is_empty() {
                return Err(invalid(at, "the name is empty"));
            }
            known_kind(&at, &class.department)?;
            check_limits(&at, &class.limits)?;
            let (Some(accept), Some(dispatch), Some(handle)) = (
                class.limits.accept,
                class.limits.dispatch,
                class.limits.handle,
            ) else {
                return Err(invalid(
                    at,
                    "a class states the accept, dispatch and handle limits",
                ));
            };
            let resolved = Category {
                code: class.code.clone(),
                class: class.code.clone(),
                family: class.family,
                name: class.name.clone(),
                name_en: class.name_en.clone(),
                description: class.description.clone(),
                filing: class.filing.clone(),
                closing: class.closing.clone(),
                department: class.department.clone(),
                on_spot: class.on_spot,
                limits: PhaseLimits {
                    accept,
                    dispatch,
                    handle,
                },
            };
            for c in &class.categories {
                let at = format!("category {}", c.code);
                if !is_digits(&c.code, 4) || !c.code.starts_with(&class.code) {
                    return Err(invalid(
                        at,
                        format!(
                            "a category code is four digits starting with its class's {}",
                            class.code
                        ),
                    ));
                }
                if c.name.trim().is_empty() {
                    return Err(invalid(at, "the name is empty"));
                }
                known_kind(&at, &c.department)?;
                check_limits(&at, &c.limits)?;
                let inherit = |own: &String, class: &String| {
                    if own.is_empty() {
                        class.clone()
                    } else {
                        own.clone()
                    }
                };
                let category = Category {
                    code: c.code.clone(),
                    name: c.name.clone(),
                    name_en: c.name_en.clone(),
                    description: c.description.clone(),
                    filing: inherit(&c.filing, &resolved.filing),
                    closing: inherit(&c.closing, &resolved.closing),
                    department: c.department.clone().or_else(|| resolved.department.clone()),
                    on_spot: c.on_spot.unwrap_or(resolved.on_spot),
                    limits: PhaseLimits {
                        accept: c.limits.accept.unwrap_or(accept),
                        dispatch: c.limits.dispatch.unwrap_or(dispatch),
                        handle: c.limits.handle.unwrap_or(handle),
                    },
                    ..resolved.clone()
                };
                if categories.insert(c.code.clone(), category).is_some() {
                    return Err(invalid(at, "appears twice"));
                }
            }
            if categories.insert(class.code.clone(), resolved).is_some() {
                return Err(invalid(at, "appears twice"));
            }
        }
        if categories.is_empty() {
            return Err(invalid("classes", "the catalogue has no class"));
        }
        Ok(Catalogue {
            document,
            categories,
        })
    }

    /// The document the catalogue was built from.
    pub fn document(&self) -> &CatalogueDocument {
        &self.document
    }

    /// A class or category by code.
    pub fn get(&self, code: &str) -> Option<&Category> {
        self.categories.get(code)
    }

    /// Every class and category, by code (a class before its categories).
    pub fn categories(&self) -> impl Iterator<Item = &Category> {
        self.categories.values()
    }

    /// Whether `kind` is a department kind of the catalogue.
    pub fn has_department_kind(&self, kind: &str) -> bool {
        self.document
            .department_kinds
            .iter()
            .any(|k| k.code == kind)
    }

    /// The document with one category (or class, by a two-digit code)
    /// replaced or added, validated: how the admin API edits one entry.
    /// A class given this way keeps its stored categories.
    pub fn with_entry(&self, entry: Entry) -> Result<Catalogue, CatalogueError> {
        let mut document = self.document.clone();
        match entry {
            Entry::Class(mut class) => {
                match document.classes.iter_mut().find(|c| c.code == class.code) {
                    Some(stored) => {
                        class.categories = std::mem::take(&mut stored.categories);
                        *stored = class;
                    }
                    None => document.classes.push(class),
                }
                document.classes.sort_by(|a, b| a.code.cmp(&b.code));
            }
            Entry::Category(category) => {
                let Some(class) = document
                    .classes
                    .iter_mut()
                    .find(|c| category.code.starts_with(&c.code))
                else {
                    return Err(invalid(
                        format!("category {}", category.code),
                        "no class holds this code",
                    ));
                };
                match class
                    .categories
                    .iter_mut()
                    .find(|c| c.code == category.code)
                {
                    Some(stored) => *stored = category,
                    None => class.categories.push(category),
                }
                class.categories.sort_by(|a, b| a.code.cmp(&b.code));
            }
        }
        Catalogue::new(document)
    }
}

/// One entry of the catalogue, as the admin API replaces it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Entry {
    /// A class (its categories are kept).
    Class(ClassDocument),
    /// A category.
    Category(CategoryDocument),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::LimitUnit;

    #[test]
    fn the_shipped_catalogue_covers_every_required_class() {
        let c = Catalogue::built_in();
        let classes: Vec<(&str, Family)> = c
            .categories()
            .filter(|c| c.code.len() == 2)
            .map(|c| (c.name.as_str(), c.family))
            .collect();
        for (name, family) in [
            ("市容环境", Family::CityManagement),
            ("宣传广告", Family::CityManagement),
            ("施工管理", Family::CityManagement),
            ("突发事件", Family::CityManagement),
            ("街面秩序", Family::CityManagement),
            ("其他", Family::CityManagement),
            ("矛盾纠纷", Family::Governance),
            ("治安隐患", Family::Governance),
            ("安全隐患", Family::Governance),
            ("民生服务", Family::Governance),
            ("特殊人群服务", Family::Governance),
            ("咨询", Family::Hotline),
            ("求助", Family::Hotline),
            ("投诉", Family::Hotline),
            ("举报", Family::Hotline),
            ("建议", Family::Hotline),
        ] {
            assert!(classes.contains(&(name, family)), "{name} is missing");
        }
        for category in c.categories() {
            assert!(
                !category.filing.is_empty(),
                "{} has no filing condition",
                category.code
            );
            assert!(
                !category.closing.is_empty(),
                "{} has no closing condition",
                category.code
            );
        }
        let safety: Vec<&str> = c
            .categories()
            .filter(|x| x.class == c.categories().find(|k| k.name == "安全隐患").unwrap().code)
            .map(|x| x.name.as_str())
            .collect();
        for hazard in ["消防", "燃气", "房屋"] {
            assert!(
                safety.iter().any(|n| n.contains(hazard)),
                "安全隐患 has no {hazard} category: {safety:?}"
            );
        }
    }

    fn limit(value: u32, unit: LimitUnit) -> Option<TimeLimit> {
        Some(TimeLimit { value, unit })
    }

    fn small() -> CatalogueDocument {
        toml::from_str(
            r#"
            [[department_kinds]]
            code = "chengguan"
            name = "城市管理和综合执法局"
            name_en = "Urban management"

            [[classes]]
            code = "01"
            family = "city_management"
            name = "市容环境"
            name_en = "City appearance"
            filing = "发现即立案"
            closing = "已清理"
            department = "chengguan"
            on_spot = true
            limits = { accept = { value = 1, unit = "working_hours" }, dispatch = { value = 1, unit = "working_hours" }, handle = { value = 2, unit = "working_days" } }

            [[classes.categories]]
            code = "0102"
            name = "暴露垃圾"
            name_en = "Exposed rubbish"
            closing = "垃圾已清运"
            limits = { handle = { value = 4, unit = "working_hours" } }
            "#,
        )
        .unwrap()
    }

    #[test]
    fn categories_inherit_what_they_do_not_state() {
        let c = Catalogue::new(small()).unwrap();
        let rubbish = c.get("0102").unwrap();
        assert_eq!(rubbish.class, "01");
        assert_eq!(rubbish.filing, "发现即立案");
        assert_eq!(rubbish.closing, "垃圾已清运");
        assert_eq!(rubbish.department.as_deref(), Some("chengguan"));
        assert!(rubbish.on_spot);
        assert_eq!(
            Some(rubbish.limits.accept),
            limit(1, LimitUnit::WorkingHours)
        );
        assert_eq!(
            Some(rubbish.limits.handle),
            limit(4, LimitUnit::WorkingHours)
        );
        assert_eq!(
            Some(c.get("01").unwrap().limits.handle),
            limit(2, LimitUnit::WorkingDays)
        );
    }

    #[test]
    fn bad_documents_are_refused_by_entry() {
        let refuse = |edit: &dyn Fn(&mut CatalogueDocument)| {
            let mut d = small();
            edit(&mut d);
            Catalogue::new(d).unwrap_err().to_string()
        };
        assert_eq!(
            refuse(&|d| d.classes[0].categories[0].code = "0201".into()),
            "catalogue category 0201: a category code is four digits starting with its class's 01"
        );
        assert_eq!(
            refuse(&|d| d.classes[0].limits.dispatch = None),
            "catalogue class 01: a class states the accept, dispatch and handle limits"
        );
        assert_eq!(
            refuse(&|d| d.classes[0].categories[0].limits.handle = limit(0, LimitUnit::WorkingDays)),
            "catalogue category 0102: the handle limit is zero"
        );
        assert_eq!(
            refuse(&|d| d.classes[0].categories[0].department = Some("police".into())),
            "catalogue category 0102: department kind \"police\" is not among department_kinds"
        );
        assert_eq!(
            refuse(&|d| {
                let again = d.classes[0].categories[0].clone();
                d.classes[0].categories.push(again);
            }),
            "catalogue category 0102: appears twice"
        );
        assert!(matches!(
            Catalogue::from_toml("classes = 3"),
            Err(CatalogueError::Syntax(_))
        ));
    }

    #[test]
    fn an_entry_edit_replaces_one_category_and_keeps_the_rest() {
        let c = Catalogue::new(small()).unwrap();
        let mut rubbish = c.document().classes[0].categories[0].clone();
        rubbish.limits.handle = limit(8, LimitUnit::WorkingHours);
        let edited = c.with_entry(Entry::Category(rubbish)).unwrap();
        assert_eq!(
            Some(edited.get("0102").unwrap().limits.handle),
            limit(8, LimitUnit::WorkingHours)
        );
        let mut class = c.document().classes[0].clone();
        class.categories.clear();
        class.name = "市容环境类".into();
        let renamed = c.with_entry(Entry::Class(class)).unwrap();
        assert_eq!(renamed.get("01").unwrap().name, "市容环境类");
        assert!(
            renamed.get("0102").is_some(),
            "the class keeps its categories"
        );
        let stray = CategoryDocument {
            code: "0901".into(),
            ..c.document().classes[0].categories[0].clone()
        };
        assert_eq!(
            c.with_entry(Entry::Category(stray))
                .unwrap_err()
                .to_string(),
            "catalogue category 0901: no class holds this code"
        );
    }
}
