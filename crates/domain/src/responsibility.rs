//! Departments and the responsibility list (权责清单): who answers for a
//! matter of a category in a place.
//!
//! Routing follows 属地管理, the place first: a rule maps a category (a class
//! code or a category code) in a region subtree to a department, and the
//! most specific rule wins, the deepest region first and then the longest
//! category code. With no rule, the category's default department kind
//! answers through the department of that kind nearest the event up the
//! region tree (the county's before the city's). With neither, the event
//! waits for the centre to dispatch it by hand.

use crate::catalogue::{Catalogue, Category};
use crate::region::RegionCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A department of a level of government, such as 龙湖区城市管理和综合执法局.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    /// Stable code, unique across the city, such as `440507-chengguan`.
    pub code: String,
    /// Name in Chinese.
    pub name: String,
    /// The catalogue's department kind.
    pub kind: String,
    /// The region whose government it belongs to.
    pub region: RegionCode,
}

/// One line of the responsibility list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// A class code (two digits, every category of the class) or a category code.
    pub category: String,
    /// The subtree the rule covers.
    pub region: RegionCode,
    /// The responsible department's code.
    pub department: String,
}

/// The departments and the rules, as written and stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponsibilityDocument {
    /// Every department that can be dispatched to.
    pub departments: Vec<Department>,
    /// The responsibility list.
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// Why a responsibility document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("responsibility list {at}: {reason}")]
pub struct ResponsibilityError {
    /// The entry, such as `department 440507-chengguan` or `rule 3`.
    pub at: String,
    /// What is wrong.
    pub reason: String,
}

/// A validated responsibility list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Responsibility {
    document: ResponsibilityDocument,
}

/// How an event's department was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteBasis {
    /// A rule of the list.
    Rule,
    /// The category's default department kind.
    DefaultKind,
}

impl Responsibility {
    /// Validates a document against the catalogue: department codes unique,
    /// kinds known; every rule's category in the catalogue and its
    /// department listed.
    pub fn new(
        document: ResponsibilityDocument,
        catalogue: &Catalogue,
    ) -> Result<Responsibility, ResponsibilityError> {
        let mut codes = BTreeSet::new();
        for d in &document.departments {
            let at = format!("department {:?}", d.code);
            let refuse = |reason: String| ResponsibilityError {
                at: at.clone(),
                reason,
            };
            if d.code.trim().is_empty() || d.name.trim().is_empty() {
                return Err(refuse("code and name are required".into()));
            }
            if !catalogue.has_department_kind(&d.kind) {
                return Err(refuse(format!(
                    "kind {:?} is not a department kind of the catalogue",
                    d.kind
                )));
            }
            if !codes.insert(d.code.as_str()) {
                return Err(refuse("appears twice".into()));
            }
        }
        for (i, r) in document.rules.iter().enumerate() {
            let refuse = |reason: String| ResponsibilityError {
                at: format!("rule {} ({} in {})", i + 1, r.category, r.region),
                reason,
            };
            if catalogue.get(&r.category).is_none() {
                return Err(refuse(format!(
                    "category {} is not in the catalogue",
                    r.category
                )));
            }
            if !codes.contains(r.department.as_str()) {
                return Err(refuse(format!(
                    "department {:?} is not listed",
                    r.department
                )));
            }
        }
        Ok(Responsibility { document })
    }

    /// The document the list was built from.
    pub fn document(&self) -> &ResponsibilityDocument {
        &self.document
    }

    /// A department by code.
    pub fn department(&self, code: &str) -> Option<&Department> {
        self.document.departments.iter().find(|d| d.code == code)
    }

    /// The department responsible for a matter of `category` located in
    /// `place` (a region code; its ancestors are implied), and how it was
    /// found; `None` when the centre must dispatch by hand. Between rules
    /// (or departments) equally specific, the one listed first wins.
    pub fn route(
        &self,
        category: &Category,
        place: &RegionCode,
    ) -> Option<(&Department, RouteBasis)> {
        let within = |region: &RegionCode| region == place || place.ancestors().contains(region);
        let by_rule = self
            .document
            .rules
            .iter()
            .rev()
            .filter(|r| category.code.starts_with(&r.category) && within(&r.region))
            .max_by_key(|r| (r.region.as_str().len(), r.category.len()))
            .and_then(|r| self.department(&r.department));
        if let Some(d) = by_rule {
            return Some((d, RouteBasis::Rule));
        }
        let kind = category.department.as_deref()?;
        self.document
            .departments
            .iter()
            .rev()
            .filter(|d| d.kind == kind && within(&d.region))
            .max_by_key(|d| d.region.as_str().len())
            .map(|d| (d, RouteBasis::DefaultKind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    fn department(code: &str, kind: &str, region: &str) -> Department {
        Department {
            code: code.into(),
            name: format!("{code} 部门"),
            kind: kind.into(),
            region: self::code(region),
        }
    }

    fn rule(category: &str, region: &str, department: &str) -> Rule {
        Rule {
            category: category.into(),
            region: code(region),
            department: department.into(),
        }
    }

    fn shantou() -> ResponsibilityDocument {
        ResponsibilityDocument {
            departments: vec![
                department("4405-chengguan", "chengguan", "4405"),
                department("440507-chengguan", "chengguan", "440507"),
                department("4405-gongan", "gongan", "4405"),
                department("4405-huanwei", "chengguan", "4405"),
                department("440507001-jiedao", "jiedao", "440507001"),
            ],
            rules: vec![],
        }
    }

    fn route(doc: ResponsibilityDocument, category: &str, place: &str) -> Option<String> {
        let catalogue = Catalogue::built_in();
        let list = Responsibility::new(doc, &catalogue).unwrap();
        list.route(catalogue.get(category).unwrap(), &code(place))
            .map(|(d, _)| d.code.clone())
    }

    /// A category of the built-in catalogue whose default kind is `kind`.
    fn category_of_kind(kind: &str) -> String {
        Catalogue::built_in()
            .categories()
            .find(|c| c.code.len() == 4 && c.department.as_deref() == Some(kind))
            .unwrap()
            .code
            .clone()
    }

    #[test]
    fn the_default_kind_answers_through_the_nearest_department() {
        let rubbish = category_of_kind("chengguan");
        assert_eq!(
            route(shantou(), &rubbish, "440507001001").as_deref(),
            Some("440507-chengguan"),
            "the county's bureau before the city's"
        );
        assert_eq!(
            route(shantou(), &rubbish, "440511001001").as_deref(),
            Some("4405-chengguan"),
            "a county without its own bureau falls to the city's"
        );
        assert_eq!(
            route(shantou(), &rubbish, "440100").as_deref(),
            None,
            "outside the city"
        );
    }

    #[test]
    fn the_most_specific_rule_wins_place_first() {
        let rubbish = category_of_kind("chengguan");
        let class = &rubbish[..2];
        let mut doc = shantou();
        doc.rules = vec![
            rule(class, "4405", "4405-gongan"),
            rule(&rubbish, "4405", "4405-huanwei"),
            rule(class, "440507001", "440507001-jiedao"),
        ];
        assert_eq!(
            route(doc.clone(), &rubbish, "440507001001").as_deref(),
            Some("440507001-jiedao"),
            "the deepest region wins over the longer category"
        );
        assert_eq!(
            route(doc, &rubbish, "440507002001").as_deref(),
            Some("4405-huanwei"),
            "at one region the category rule wins over the class rule"
        );
    }

    #[test]
    fn bad_lists_are_refused_by_entry() {
        let catalogue = Catalogue::built_in();
        let mut doc = shantou();
        doc.departments
            .push(department("4405-gongan", "gongan", "4405"));
        assert_eq!(
            Responsibility::new(doc, &catalogue)
                .unwrap_err()
                .to_string(),
            "responsibility list department \"4405-gongan\": appears twice"
        );
        let mut doc = shantou();
        doc.departments[0].kind = "wizardry".into();
        assert!(
            Responsibility::new(doc, &catalogue)
                .unwrap_err()
                .reason
                .contains("\"wizardry\" is not a department kind")
        );
        let mut doc = shantou();
        doc.rules.push(rule("01", "4405", "4405-nobody"));
        assert_eq!(
            Responsibility::new(doc, &catalogue)
                .unwrap_err()
                .to_string(),
            "responsibility list rule 1 (01 in 4405): department \"4405-nobody\" is not listed"
        );
        let mut doc = shantou();
        doc.rules.push(rule("0999", "4405", "4405-gongan"));
        assert_eq!(
            Responsibility::new(doc, &catalogue).unwrap_err().reason,
            "category 0999 is not in the catalogue"
        );
    }

    proptest! {
        /// Whatever the rules, the one chosen covers the place and the
        /// category, and no other covering rule is more specific.
        #[test]
        fn the_chosen_rule_is_the_most_specific(
            picks in prop::collection::vec((0usize..3, 0usize..4, 0usize..5), 0..12),
        ) {
            let catalogue = Catalogue::built_in();
            let rubbish = category_of_kind("chengguan");
            let categories = [rubbish[..2].to_owned(), rubbish.clone(), "21".to_owned()];
            let regions = ["44", "4405", "440507", "440507001"];
            let doc = shantou();
            let rules: Vec<Rule> = picks
                .iter()
                .map(|(c, r, d)| rule(&categories[*c], regions[*r], &doc.departments[*d].code))
                .collect();
            let list = Responsibility::new(ResponsibilityDocument { rules: rules.clone(), ..doc }, &catalogue).unwrap();
            let place = code("440507001001");
            let category = catalogue.get(&rubbish).unwrap();
            let covering: Vec<&Rule> = rules
                .iter()
                .filter(|r| rubbish.starts_with(&r.category) && place.as_str().starts_with(r.region.as_str()))
                .collect();
            match list.route(category, &place) {
                Some((d, RouteBasis::Rule)) => {
                    let best = covering.iter().map(|r| (r.region.as_str().len(), r.category.len())).max().unwrap();
                    prop_assert!(covering.iter().any(|r| r.department == d.code
                        && (r.region.as_str().len(), r.category.len()) == best));
                }
                Some((d, RouteBasis::DefaultKind)) => {
                    prop_assert!(covering.is_empty());
                    prop_assert_eq!(d.code.as_str(), "440507-chengguan");
                }
                None => prop_assert!(false, "a chengguan category always routes in 440507"),
            }
        }
    }
}
