//! Resident identity card numbers (公民身份号码, GB 11643-1999): 6 digits
//! of the issuing region, the date of birth as 8 digits, a 3-digit
//! sequence and a check character computed over the first 17 (ISO 7064
//! MOD 11-2, `X` for 10). A number is accepted only whole and correct, and
//! shown masked unless the caller may see it.

use chrono::NaiveDate;
use std::fmt;

/// The weights of the first 17 digits.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// The check character for each remainder of the weighted sum mod 11.
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// A checked identity card number.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

/// Why a text is not an identity card number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    /// Not 18 characters.
    #[error("an identity card number has 18 characters, not {0}")]
    Length(usize),
    /// A character that is not a digit where one must be.
    #[error("character {position} of an identity card number must be a digit")]
    NotDigit {
        /// 1-based.
        position: usize,
    },
    /// The birth date is not a date.
    #[error("characters 7 to 14 of an identity card number must be a date of birth, not {0}")]
    BirthDate(String),
    /// The check character does not match.
    #[error("the check character of this identity card number should be {expected}, not {found}")]
    Check {
        /// What the first 17 digits call for.
        expected: char,
        /// What was given.
        found: char,
    },
}

/// The check character the first 17 digits of a number call for.
pub fn check_character(first17: &[u32; 17]) -> char {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    CHECK[(sum % 11) as usize]
}

impl IdNumber {
    /// Checks `text` (a lower-case `x` is read as `X`).
    pub fn parse(text: &str) -> Result<IdNumber, IdNumberError> {
        let chars: Vec<char> = text.trim().chars().collect();
        if chars.len() != 18 {
            return Err(IdNumberError::Length(chars.len()));
        }
        let mut digits = [0u32; 17];
        for (i, c) in chars[..17].iter().enumerate() {
            digits[i] = c
                .to_digit(10)
                .ok_or(IdNumberError::NotDigit { position: i + 1 })?;
        }
        let birth: String = chars[6..14].iter().collect();
        NaiveDate::parse_from_str(&birth, "%Y%m%d")
            .map_err(|_| IdNumberError::BirthDate(birth.clone()))?;
        let found = chars[17].to_ascii_uppercase();
        let expected = check_character(&digits);
        if found != expected {
            if !found.is_ascii_digit() && found != 'X' {
                return Err(IdNumberError::NotDigit { position: 18 });
            }
            return Err(IdNumberError::Check { expected, found });
        }
        let mut number: String = chars[..17].iter().collect();
        number.push(expected);
        Ok(IdNumber(number))
    }

    /// The number in full.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number as shown to whoever may not see it:
    /// `440106********1235`.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

/// Never the full number in logs.
impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A published example of the standard, with its check character.
    const SAMPLE: &str = "11010519491231002X";

    #[test]
    fn a_published_number_is_accepted_and_masked() {
        let n = IdNumber::parse(SAMPLE).unwrap();
        assert_eq!(n.as_str(), SAMPLE);
        assert_eq!(n.masked(), "110105********002X");
        assert_eq!(format!("{n:?}"), "IdNumber(110105********002X)");
        assert_eq!(
            IdNumber::parse("11010519491231002x").unwrap().as_str(),
            SAMPLE
        );
    }

    #[test]
    fn each_fault_is_named() {
        assert_eq!(
            IdNumber::parse("1101051949123100"),
            Err(IdNumberError::Length(16))
        );
        assert_eq!(
            IdNumber::parse("11010519491231O02X"),
            Err(IdNumberError::NotDigit { position: 15 })
        );
        assert_eq!(
            IdNumber::parse("110105194902300020"),
            Err(IdNumberError::BirthDate("19490230".into()))
        );
        assert_eq!(
            IdNumber::parse("110105194912310021"),
            Err(IdNumberError::Check {
                expected: 'X',
                found: '1'
            })
        );
        assert_eq!(
            IdNumber::parse("11010519491231002Y"),
            Err(IdNumberError::NotDigit { position: 18 })
        );
    }

    fn valid() -> impl Strategy<Value = String> {
        (100_000u32..=999_999, 0i64..(365 * 100), 0u32..=999).prop_map(|(region, day, seq)| {
            let birth = NaiveDate::from_ymd_opt(1920, 1, 1).unwrap() + chrono::Duration::days(day);
            let first = format!("{region}{}{seq:03}", birth.format("%Y%m%d"));
            let mut digits = [0u32; 17];
            for (i, c) in first.chars().enumerate() {
                digits[i] = c.to_digit(10).unwrap();
            }
            format!("{first}{}", check_character(&digits))
        })
    }

    proptest! {
        #[test]
        fn numbers_with_their_check_character_are_accepted(n in valid()) {
            let parsed = IdNumber::parse(&n).unwrap();
            prop_assert_eq!(parsed.as_str(), n.as_str());
        }

        #[test]
        fn any_one_digit_changed_is_refused(n in valid(), at in 0usize..17, by in 1u32..10) {
            let mut chars: Vec<char> = n.chars().collect();
            let d = chars[at].to_digit(10).unwrap();
            chars[at] = char::from_digit((d + by) % 10, 10).unwrap();
            let changed: String = chars.into_iter().collect();
            prop_assert!(IdNumber::parse(&changed).is_err(), "{} was accepted", changed);
        }
    }
}
