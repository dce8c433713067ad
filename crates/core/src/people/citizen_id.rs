//! Resident identity card numbers (GB 11643-1999): 6 address + 8 birth date + 3 sequence
//! (odd = male) + 1 check character.

use std::fmt;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("身份证号须为 18 位，实际 {0} 位 / an ID number has 18 characters, this has {0}")]
    Length(usize),
    #[error(
        "身份证号前 17 位须为数字，末位为数字或 X / the first 17 characters must be digits, the last a digit or X"
    )]
    Characters,
    #[error("出生日期 {0} 不存在 / birth date {0} does not exist")]
    Date(String),
    #[error("出生日期 {0} 晚于今天 / birth date {0} is in the future")]
    FutureDate(String),
    #[error(
        "校验位错误：应为 {expected}，实际 {actual} / wrong check character: expected {expected}, got {actual}"
    )]
    CheckDigit { expected: char, actual: char },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }

    pub fn parse(s: &str) -> Option<Sex> {
        match s {
            "male" | "男" => Some(Sex::Male),
            "female" | "女" => Some(Sex::Female),
            _ => None,
        }
    }
}

/// A validated ID number. `Debug` and `Display` show it masked, so it cannot leak into
/// logs or error messages by accident; `expose` gives the plain value where it is needed.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CitizenId(String);

impl fmt::Debug for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CitizenId({})", self.masked())
    }
}

impl fmt::Display for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

pub fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

/// The check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| (d - b'0') as u32 * w)
        .sum();
    CHECK[(sum % 11) as usize] as char
}

impl CitizenId {
    /// Validates length, characters, birth date (existing, not after `today` = YYYYMMDD)
    /// and the check character. A lower-case `x` is accepted and stored upper-case.
    pub fn parse(text: &str, today: u32) -> Result<CitizenId, IdError> {
        let s = text.trim().to_ascii_uppercase();
        let chars = s.chars().count();
        if chars != 18 {
            return Err(IdError::Length(chars));
        }
        let b = s.as_bytes();
        if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(IdError::Characters);
        }
        let date = &s[6..14];
        let year: u32 = date[..4].parse().unwrap_or(0);
        let month: u32 = date[4..6].parse().unwrap_or(0);
        let day: u32 = date[6..].parse().unwrap_or(0);
        let pretty = format!("{}-{}-{}", &date[..4], &date[4..6], &date[6..]);
        if year < 1890 || day == 0 || day > days_in_month(year, month) {
            return Err(IdError::Date(pretty));
        }
        if year * 10000 + month * 100 + day > today {
            return Err(IdError::FutureDate(pretty));
        }
        let expected = check_char(&b[..17]);
        if expected != b[17] as char {
            return Err(IdError::CheckDigit {
                expected,
                actual: b[17] as char,
            });
        }
        Ok(CitizenId(s))
    }

    /// The plain number, for encryption and keyed hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Birth date as `YYYY-MM-DD`.
    pub fn birth_date(&self) -> String {
        format!("{}-{}-{}", &self.0[6..10], &self.0[10..12], &self.0[12..14])
    }

    pub fn birth_yyyymmdd(&self) -> u32 {
        self.0[6..14].parse().unwrap_or(0)
    }

    /// Masked for display: first 4 and last 4 characters.
    pub fn masked(&self) -> String {
        format!("{}**********{}", &self.0[..4], &self.0[14..])
    }

    /// Builds a valid number from its parts (the demo city and tests use it).
    pub fn compose(address: &str, birth_yyyymmdd: u32, sequence: u16) -> String {
        let first17 = format!("{address}{birth_yyyymmdd:08}{sequence:03}");
        let check = check_char(first17.as_bytes());
        format!("{first17}{check}")
    }
}

/// Age in whole years on `today` (YYYYMMDD) of someone born on `birth` (YYYYMMDD).
pub fn age_on(birth: u32, today: u32) -> u32 {
    let years = today / 10000 - birth / 10000;
    if today % 10000 < birth % 10000 {
        years.saturating_sub(1)
    } else {
        years
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TODAY: u32 = 20261126;

    #[test]
    fn the_standard_test_vector_is_valid() {
        let id = CitizenId::parse("11010519491231002X", TODAY).unwrap();
        assert_eq!(id.birth_date(), "1949-12-31");
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.masked(), "1101**********002X");
        assert_eq!(format!("{id:?}"), "CitizenId(1101**********002X)");
        assert!(CitizenId::parse("11010519491231002x", TODAY).is_ok());
    }

    #[test]
    fn bad_numbers_say_why() {
        assert_eq!(
            CitizenId::parse("110105194912310021", TODAY),
            Err(IdError::CheckDigit {
                expected: 'X',
                actual: '1'
            })
        );
        assert_eq!(
            CitizenId::parse("1101051949123100", TODAY),
            Err(IdError::Length(16))
        );
        assert!(matches!(
            CitizenId::parse(&CitizenId::compose("450103", 19900230, 1), TODAY),
            Err(IdError::Date(_))
        ));
        assert!(matches!(
            CitizenId::parse(&CitizenId::compose("450103", 20300101, 1), TODAY),
            Err(IdError::FutureDate(_))
        ));
        assert_eq!(
            CitizenId::parse("11010519491231002Y", TODAY),
            Err(IdError::Characters)
        );
        assert!(CitizenId::parse(&CitizenId::compose("450103", 20000229, 1), TODAY).is_ok());
        assert!(matches!(
            CitizenId::parse(&CitizenId::compose("450103", 19000229, 1), TODAY),
            Err(IdError::Date(_))
        ));
    }

    #[test]
    fn ages() {
        assert_eq!(age_on(19491231, 20261126), 76);
        assert_eq!(age_on(19491126, 20261126), 77);
    }

    proptest! {
        #[test]
        fn composed_numbers_validate_and_one_changed_digit_fails(
            y in 1900u32..2025, m in 1u32..13, d in 1u32..29, seq in 0u16..1000, pos in 0usize..17, delta in 1u8..10
        ) {
            let text = CitizenId::compose("450103", y * 10000 + m * 100 + d, seq);
            let id = CitizenId::parse(&text, TODAY).unwrap();
            prop_assert_eq!(id.sex() == Sex::Male, seq % 2 == 1);
            let mut bytes = text.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            // a single changed digit never keeps a valid check character
            prop_assert!(CitizenId::parse(&changed, TODAY).is_err());
        }
    }
}
