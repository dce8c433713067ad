//! Phone numbers: mainland mobiles (11 digits, 1[3-9]…) and landlines with area code.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error(
        "电话号码格式不对：手机为 11 位 1 开头，座机为区号-号码 / phone must be an 11-digit mobile (1…) or a landline with area code (0771-1234567)"
    )]
    Format,
}

/// A validated phone number; `Debug`/`Display` are masked.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl Phone {
    /// Accepts spaces and dashes; `+86`/`86` prefixes on mobiles are dropped.
    pub fn parse(text: &str) -> Result<Phone, PhoneError> {
        let t = text.trim();
        let digits: String = t.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = digits
            .strip_prefix("+86")
            .or_else(|| digits.strip_prefix("86").filter(|d| d.len() == 11))
            .unwrap_or(&digits)
            .to_string();
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PhoneError::Format);
        }
        let b = digits.as_bytes();
        let mobile = b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]);
        let landline = (10..=12).contains(&b.len()) && b[0] == b'0';
        if mobile || landline {
            Ok(Phone(digits))
        } else {
            Err(PhoneError::Format)
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// 138****5678 for mobiles; landlines keep the area code's first 4 and last 2.
    pub fn masked(&self) -> String {
        let n = self.0.len();
        if n == 11 && self.0.starts_with('1') {
            format!("{}****{}", &self.0[..3], &self.0[7..])
        } else {
            format!("{}{}{}", &self.0[..4], "*".repeat(n - 6), &self.0[n - 2..])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_and_landlines() {
        let p = Phone::parse("138 0013 5678").unwrap();
        assert_eq!(p.expose(), "13800135678");
        assert_eq!(p.masked(), "138****5678");
        assert_eq!(
            Phone::parse("+8613800135678").unwrap().expose(),
            "13800135678"
        );
        let l = Phone::parse("0771-5612345").unwrap();
        assert_eq!(l.masked(), "0771*****45");
        assert!(Phone::parse("12800135678").is_err());
        assert!(Phone::parse("1380013567").is_err());
        assert!(Phone::parse("abc").is_err());
        assert_eq!(format!("{p:?}"), "Phone(138****5678)");
    }
}
