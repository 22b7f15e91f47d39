//! The region tree: levels, official codes and the materialised path.
//!
//! Codes follow the statistical division codes (统计用区划代码) in their short
//! form: 2 digits for a province, 4 for a city, 6 for a county, 9 for a town
//! or street, 12 for a community or village. Grids extend their community's
//! code by 3 digits (15) and micro-grids extend their grid's by 3 more (18),
//! so every code carries its whole chain of ancestors as prefixes.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A level of the region tree, from province down to micro-grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 省 / 自治区 / 直辖市
    Province,
    /// 市 / 州 / 盟
    City,
    /// 区 / 县 / 县级市 / 旗
    County,
    /// 街道 / 镇 / 乡 / 苏木
    Town,
    /// 社区 / 居委会 / 村 / 嘎查
    Community,
    /// 网格
    Grid,
    /// 微网格
    MicroGrid,
}

impl Level {
    /// Every level, from the top of the tree down.
    pub const ALL: [Level; 7] = [
        Level::Province,
        Level::City,
        Level::County,
        Level::Town,
        Level::Community,
        Level::Grid,
        Level::MicroGrid,
    ];

    /// Number of digits in a code of this level.
    pub const fn code_len(self) -> usize {
        match self {
            Level::Province => 2,
            Level::City => 4,
            Level::County => 6,
            Level::Town => 9,
            Level::Community => 12,
            Level::Grid => 15,
            Level::MicroGrid => 18,
        }
    }

    /// The level whose codes have `len` digits, if any.
    pub fn from_code_len(len: usize) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.code_len() == len)
    }

    /// Depth in the tree: 0 for a province.
    pub fn depth(self) -> u8 {
        self as u8
    }

    /// The level with the given depth, the inverse of [`Level::depth`].
    pub fn from_depth(depth: u8) -> Option<Level> {
        Level::ALL.get(usize::from(depth)).copied()
    }

    /// The level with a machine name ([`Level::as_str`]).
    pub fn parse(name: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == name)
    }

    /// Stable machine name, as used in the API and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Town => "town",
            Level::Community => "community",
            Level::Grid => "grid",
            Level::MicroGrid => "micro_grid",
        }
    }

    /// Chinese name of the level, for people.
    pub fn name_zh(self) -> &'static str {
        match self {
            Level::Province => "省级",
            Level::City => "市级",
            Level::County => "县级",
            Level::Town => "乡镇街道",
            Level::Community => "社区村",
            Level::Grid => "网格",
            Level::MicroGrid => "微网格",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl std::str::FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Level::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| {
                format!("unknown level {s:?}; expected one of province, city, county, town, community, grid, micro_grid")
            })
    }
}

/// Why a string is not a region code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionCodeError {
    /// The code is empty.
    #[error("region code is empty")]
    Empty,
    /// The code has a character that is not an ASCII digit.
    #[error("region code {0:?} has a character that is not a digit")]
    NotDigits(String),
    /// The code has a number of digits that matches no level.
    #[error(
        "region code {code:?} has {len} digits; a code has 2, 4, 6, 9, 12 (official), 15 (grid) or 18 (micro-grid)"
    )]
    BadLength {
        /// The code as given.
        code: String,
        /// Its number of characters.
        len: usize,
    },
}

/// A validated region code. Its level follows from its length.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

impl RegionCode {
    /// Parses and validates a code (surrounding spaces are ignored).
    pub fn parse(s: &str) -> Result<Self, RegionCodeError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(RegionCodeError::Empty);
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegionCodeError::NotDigits(s.to_owned()));
        }
        if Level::from_code_len(s.len()).is_none() {
            return Err(RegionCodeError::BadLength {
                code: s.to_owned(),
                len: s.chars().count(),
            });
        }
        Ok(RegionCode(s.to_owned()))
    }

    /// The code as a string of digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The level of the region this code names.
    pub fn level(&self) -> Level {
        Level::from_code_len(self.0.len()).expect("validated on construction")
    }

    /// The code of the parent region, or `None` for a province.
    pub fn parent(&self) -> Option<RegionCode> {
        let depth = self.level().depth();
        let parent = Level::from_depth(depth.checked_sub(1)?)?;
        Some(RegionCode(self.0[..parent.code_len()].to_owned()))
    }

    /// The codes of every ancestor, from the province down, excluding self.
    pub fn ancestors(&self) -> Vec<RegionCode> {
        Level::ALL
            .into_iter()
            .take_while(|l| l.code_len() < self.0.len())
            .map(|l| RegionCode(self.0[..l.code_len()].to_owned()))
            .collect()
    }

    /// The materialised path, `/44/4405/440507/`: every ancestor and self,
    /// each followed by a slash, so that a subtree is a path prefix.
    pub fn path(&self) -> String {
        let mut path = String::from("/");
        for code in self.ancestors().iter().chain(std::iter::once(self)) {
            path.push_str(code.as_str());
            path.push('/');
        }
        path
    }

    /// True when `self` is `other` or lies below it.
    pub fn is_within(&self, other: &RegionCode) -> bool {
        self.0.starts_with(&other.0)
    }

    /// The code of a child of this region with the given local number, such as
    /// grid 7 of a community; `None` when the number does not fit the level.
    pub fn child(&self, number: u32) -> Option<RegionCode> {
        let next = Level::from_depth(self.level().depth() + 1)?;
        let width = next.code_len() - self.0.len();
        let digits = format!("{number:0width$}");
        (number > 0 && digits.len() == width).then(|| RegionCode(format!("{}{digits}", self.0)))
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl std::str::FromStr for RegionCode {
    type Err = RegionCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RegionCode::parse(s)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = RegionCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        RegionCode::parse(&s)
    }
}

impl From<RegionCode> for String {
    fn from(c: RegionCode) -> String {
        c.0
    }
}

/// A node of the region tree: its code and its name exactly as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    /// Official or derived code; the level and the ancestors follow from it.
    pub code: RegionCode,
    /// Name as published, rare characters included.
    pub name: String,
}

impl Region {
    /// A region with the given code and name.
    pub fn new(code: RegionCode, name: impl Into<String>) -> Self {
        Region {
            code,
            name: name.into(),
        }
    }

    /// The level of this region.
    pub fn level(&self) -> Level {
        self.code.level()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn levels_follow_code_length() {
        assert_eq!(code("44").level(), Level::Province);
        assert_eq!(code("4405").level(), Level::City);
        assert_eq!(code("440507").level(), Level::County);
        assert_eq!(code("440507001").level(), Level::Town);
        assert_eq!(code("440507001001").level(), Level::Community);
        assert_eq!(code("440507001001003").level(), Level::Grid);
        assert_eq!(code("440507001001003002").level(), Level::MicroGrid);
    }

    #[test]
    fn bad_codes_say_why() {
        assert_eq!(RegionCode::parse(" "), Err(RegionCodeError::Empty));
        assert!(matches!(
            RegionCode::parse("44a5"),
            Err(RegionCodeError::NotDigits(_))
        ));
        let err = RegionCode::parse("44050").unwrap_err();
        assert_eq!(
            err,
            RegionCodeError::BadLength {
                code: "44050".into(),
                len: 5
            }
        );
        assert!(err.to_string().contains("5 digits"));
    }

    #[test]
    fn path_lists_every_ancestor() {
        assert_eq!(code("440507001").path(), "/44/4405/440507/440507001/");
        assert_eq!(code("44").path(), "/44/");
        assert_eq!(code("440507001").parent(), Some(code("440507")));
        assert_eq!(code("44").parent(), None);
    }

    #[test]
    fn child_codes_extend_the_parent() {
        assert_eq!(code("440507001001").child(7), Some(code("440507001001007")));
        assert_eq!(code("440507").child(12), Some(code("440507012")));
        assert_eq!(code("440507").child(1000), None);
        assert_eq!(code("440507").child(0), None);
        assert_eq!(code("440507001001003002").child(1), None);
    }

    proptest! {
        #[test]
        fn every_ancestor_is_a_prefix_and_one_level_up(digits in "[0-9]{18}", depth in 0u8..7) {
            let len = Level::from_depth(depth).unwrap().code_len();
            let c = code(&digits[..len]);
            let ancestors = c.ancestors();
            prop_assert_eq!(ancestors.len(), usize::from(depth));
            for (i, a) in ancestors.iter().enumerate() {
                prop_assert!(c.is_within(a));
                prop_assert_eq!(a.level().depth() as usize, i);
            }
            prop_assert_eq!(c.parent(), ancestors.last().cloned());
            let tail = format!("/{c}/");
            prop_assert!(c.path().ends_with(&tail));
        }
    }
}
