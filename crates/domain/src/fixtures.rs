//! A small city for tests of the closed loop, here and in the store's
//! contract suite: the built-in catalogue and calendar, the departments of
//! 龙湖区 (440507), and actors of every role.

use crate::actor::{Actor, Role};
use crate::calendar::Calendar;
use crate::catalogue::Catalogue;
use crate::event::Rules;
use crate::region::RegionCode;
use crate::responsibility::{Department, Responsibility, ResponsibilityDocument};

/// The rules of the test city.
pub struct City {
    /// The built-in calendar.
    pub calendar: Calendar,
    /// The built-in catalogue.
    pub catalogue: Catalogue,
    /// 龙湖区's bureaus of urban management, public security and housing.
    pub responsibility: Responsibility,
}

impl City {
    /// The test city.
    pub fn new() -> City {
        let catalogue = Catalogue::built_in();
        let department = |kind: &str, name: &str| Department {
            code: format!("440507-{kind}"),
            name: name.into(),
            kind: kind.into(),
            region: RegionCode::parse("440507").expect("a county code"),
        };
        let responsibility = Responsibility::new(
            ResponsibilityDocument {
                departments: vec![
                    department("chengguan", "龙湖区城市管理和综合执法局"),
                    department("gongan", "汕头市公安局龙湖分局"),
                    department("zhujian", "龙湖区住房和城乡建设局"),
                ],
                rules: vec![],
            },
            &catalogue,
        )
        .expect("the test city's list is valid");
        City {
            calendar: Calendar::china(),
            catalogue,
            responsibility,
        }
    }

    /// The rules at catalogue version 1.
    pub fn rules(&self) -> Rules<'_> {
        Rules {
            calendar: &self.calendar,
            catalogue: &self.catalogue,
            catalogue_version: 1,
            responsibility: &self.responsibility,
        }
    }
}

impl Default for City {
    fn default() -> Self {
        City::new()
    }
}

/// An actor of `role`, of `department` when given.
pub fn person(role: Role, department: Option<&str>) -> Actor {
    Actor {
        id: format!("{role}-1"),
        name: role.to_string(),
        role,
        department: department.map(Into::into),
    }
}
