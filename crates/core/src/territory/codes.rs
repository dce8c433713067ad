//! Statistical division codes (GB/T 2260 + GB/T 10114) and the 15-digit grid code.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why a code was refused; the message names the rule that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("代码必须全部是数字: {0:?} / code must contain digits only")]
    NotDigits(String),
    #[error(
        "区划代码长度必须是 6、9 或 12 位，实际 {len} 位: {code:?} / division code must have 6, 9 or 12 digits"
    )]
    DivisionLength { code: String, len: usize },
    #[error(
        "网格代码必须是 15 位（12 位社区代码 + 3 位序号），实际 {len} 位: {code:?} / grid code must have 15 digits"
    )]
    GridLength { code: String, len: usize },
    #[error("{code:?} 的{segment}段不能是 000 / the {segment} segment of {code:?} must not be 000")]
    ZeroSegment { code: String, segment: &'static str },
    #[error("网格序号不能是 000: {0:?} / grid sequence must not be 000")]
    ZeroGridSequence(String),
    #[error(
        "{child:?} 不是 {parent:?} 的下级代码 / {child:?} does not extend its parent {parent:?}"
    )]
    NotAChild { child: String, parent: String },
}

/// Level of a node in the division tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    City,
    District,
    Street,
    Community,
    Grid,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::District => "district",
            Level::Street => "street",
            Level::Community => "community",
            Level::Grid => "grid",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        Some(match text {
            "province" => Level::Province,
            "city" => Level::City,
            "district" => Level::District,
            "street" => Level::Street,
            "community" => Level::Community,
            "grid" => Level::Grid,
            _ => return None,
        })
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Level::Province => "省",
            Level::City => "市",
            Level::District => "区县",
            Level::Street => "街道乡镇",
            Level::Community => "社区村",
            Level::Grid => "网格",
        }
    }
}

/// A statistical division code: 6 digits (province, city, district), 9 (street or town),
/// or 12 (community or village).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DivisionCode(String);

fn all_digits(code: &str) -> Result<(), CodeError> {
    if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CodeError::NotDigits(code.to_string()));
    }
    Ok(())
}

impl DivisionCode {
    pub fn parse(code: &str) -> Result<Self, CodeError> {
        all_digits(code)?;
        match code.len() {
            6 => {
                if &code[0..2] == "00" {
                    return Err(CodeError::ZeroSegment {
                        code: code.into(),
                        segment: "省级",
                    });
                }
            }
            9 => {
                if &code[6..9] == "000" {
                    return Err(CodeError::ZeroSegment {
                        code: code.into(),
                        segment: "乡级",
                    });
                }
            }
            12 => {
                if &code[6..9] == "000" {
                    return Err(CodeError::ZeroSegment {
                        code: code.into(),
                        segment: "乡级",
                    });
                }
                if &code[9..12] == "000" {
                    return Err(CodeError::ZeroSegment {
                        code: code.into(),
                        segment: "村级",
                    });
                }
            }
            len => {
                return Err(CodeError::DivisionLength {
                    code: code.into(),
                    len,
                });
            }
        }
        Ok(DivisionCode(code.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The level implied by the code's shape (GB/T 2260: `xx0000` province, `xxxx00` city).
    pub fn level(&self) -> Level {
        match self.0.len() {
            6 if self.0.ends_with("0000") => Level::Province,
            6 if self.0.ends_with("00") => Level::City,
            6 => Level::District,
            9 => Level::Street,
            _ => Level::Community,
        }
    }

    /// The 6-digit county-level code every large table carries as its territorial key.
    pub fn district_prefix(&self) -> &str {
        &self.0[..6]
    }

    /// The prefix shared by every code in this node's subtree: a city `450100` reaches every
    /// code starting `4501`; a street `450103001` reaches its own 9 digits and beyond.
    pub fn scope_prefix(&self) -> &str {
        match self.level() {
            Level::Province => &self.0[..2],
            Level::City => &self.0[..4],
            _ => &self.0,
        }
    }

    /// Checks that `self` is a direct child of `parent` in the division tree.
    pub fn check_parent(&self, parent: &DivisionCode) -> Result<(), CodeError> {
        let ok = match (parent.level(), self.level()) {
            (Level::Province, Level::City) => self.0.starts_with(parent.scope_prefix()),
            (Level::City, Level::District) => self.0.starts_with(parent.scope_prefix()),
            (Level::District, Level::Street) => self.0.starts_with(parent.as_str()),
            (Level::Street, Level::Community) => self.0.starts_with(parent.as_str()),
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(CodeError::NotAChild {
                child: self.0.clone(),
                parent: parent.0.clone(),
            })
        }
    }

    /// The statistical parent implied by the code itself, when the code alone determines it.
    pub fn implied_parent(&self) -> Option<DivisionCode> {
        match self.level() {
            Level::Community => Some(DivisionCode(self.0[..9].to_string())),
            Level::Street => Some(DivisionCode(self.0[..6].to_string())),
            Level::District => Some(DivisionCode(format!("{}00", &self.0[..4]))),
            Level::City => Some(DivisionCode(format!("{}0000", &self.0[..2]))),
            Level::Province | Level::Grid => None,
        }
    }

    /// Township segment classes of GB/T 10114: 001–099 street, 100–199 town, 200–399
    /// township, 400–599 special zone (development zones appear here).
    pub fn street_kind(&self) -> Option<StreetKind> {
        if self.0.len() < 9 {
            return None;
        }
        let seg: u32 = self.0[6..9].parse().ok()?;
        Some(match seg {
            1..=99 => StreetKind::Street,
            100..=199 => StreetKind::Town,
            200..=399 => StreetKind::Township,
            _ => StreetKind::SpecialZone,
        })
    }

    pub fn reaches(&self, code: &str) -> bool {
        code.starts_with(self.scope_prefix())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreetKind {
    Street,
    Town,
    Township,
    SpecialZone,
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for DivisionCode {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DivisionCode::parse(s)
    }
}

impl TryFrom<String> for DivisionCode {
    type Error = CodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        DivisionCode::parse(&s)
    }
}

impl From<DivisionCode> for String {
    fn from(c: DivisionCode) -> String {
        c.0
    }
}

/// A grid code: the 12-digit community code followed by a 3-digit sequence (001–999).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct GridCode(String);

impl GridCode {
    pub fn parse(code: &str) -> Result<Self, CodeError> {
        all_digits(code)?;
        if code.len() != 15 {
            return Err(CodeError::GridLength {
                code: code.into(),
                len: code.len(),
            });
        }
        DivisionCode::parse(&code[..12])?;
        if &code[12..] == "000" {
            return Err(CodeError::ZeroGridSequence(code.into()));
        }
        Ok(GridCode(code.to_string()))
    }

    pub fn new(community: &DivisionCode, sequence: u16) -> Result<Self, CodeError> {
        GridCode::parse(&format!("{}{:03}", community.as_str(), sequence))
    }

    pub fn community(&self) -> DivisionCode {
        DivisionCode(self.0[..12].to_string())
    }

    pub fn sequence(&self) -> u16 {
        self.0[12..].parse().unwrap_or(0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn district_prefix(&self) -> &str {
        &self.0[..6]
    }
}

impl fmt::Display for GridCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for GridCode {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GridCode::parse(s)
    }
}

impl TryFrom<String> for GridCode {
    type Error = CodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        GridCode::parse(&s)
    }
}

impl From<GridCode> for String {
    fn from(c: GridCode) -> String {
        c.0
    }
}

/// Any node a role can be bound to: a division or a grid. Subtree reach is a code prefix,
/// because every child code extends its parent's.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NodeCode(String);

impl NodeCode {
    pub fn parse(code: &str) -> Result<Self, CodeError> {
        if code.len() == 15 {
            GridCode::parse(code)?;
        } else {
            DivisionCode::parse(code)?;
        }
        Ok(NodeCode(code.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> Level {
        if self.0.len() == 15 {
            Level::Grid
        } else {
            DivisionCode(self.0.clone()).level()
        }
    }

    pub fn scope_prefix(&self) -> &str {
        match self.level() {
            Level::Province => &self.0[..2],
            Level::City => &self.0[..4],
            _ => &self.0,
        }
    }

    /// Whether `code` (a division or grid code) lies in this node's subtree.
    pub fn reaches(&self, code: &str) -> bool {
        code.starts_with(self.scope_prefix())
    }
}

impl From<DivisionCode> for NodeCode {
    fn from(c: DivisionCode) -> Self {
        NodeCode(c.0)
    }
}

impl From<GridCode> for NodeCode {
    fn from(c: GridCode) -> Self {
        NodeCode(c.0)
    }
}

impl fmt::Display for NodeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for NodeCode {
    type Error = CodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        NodeCode::parse(&s)
    }
}

impl From<NodeCode> for String {
    fn from(c: NodeCode) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_code_shape() {
        assert_eq!(
            DivisionCode::parse("450000").unwrap().level(),
            Level::Province
        );
        assert_eq!(DivisionCode::parse("450100").unwrap().level(), Level::City);
        assert_eq!(
            DivisionCode::parse("450103").unwrap().level(),
            Level::District
        );
        assert_eq!(
            DivisionCode::parse("450103001").unwrap().level(),
            Level::Street
        );
        assert_eq!(
            DivisionCode::parse("450103001002").unwrap().level(),
            Level::Community
        );
    }

    #[test]
    fn bad_codes_are_refused_with_reason() {
        assert!(matches!(
            DivisionCode::parse("45010"),
            Err(CodeError::DivisionLength { len: 5, .. })
        ));
        assert!(matches!(
            DivisionCode::parse("4501a3"),
            Err(CodeError::NotDigits(_))
        ));
        assert!(matches!(
            DivisionCode::parse("450103000"),
            Err(CodeError::ZeroSegment { .. })
        ));
        assert!(matches!(
            DivisionCode::parse("450103001000"),
            Err(CodeError::ZeroSegment { .. })
        ));
        assert!(matches!(
            GridCode::parse("450103001002000"),
            Err(CodeError::ZeroGridSequence(_))
        ));
        assert!(matches!(
            GridCode::parse("45010300100201"),
            Err(CodeError::GridLength { len: 14, .. })
        ));
    }

    #[test]
    fn children_must_extend_parents() {
        let city = DivisionCode::parse("450100").unwrap();
        let district = DivisionCode::parse("450103").unwrap();
        let street = DivisionCode::parse("450103001").unwrap();
        let other_street = DivisionCode::parse("450105001").unwrap();
        assert!(district.check_parent(&city).is_ok());
        assert!(street.check_parent(&district).is_ok());
        assert!(other_street.check_parent(&district).is_err());
        assert!(street.check_parent(&city).is_err(), "skipping a level");
        assert_eq!(district.implied_parent().unwrap(), city);
    }

    #[test]
    fn grid_code_is_community_plus_sequence() {
        let community = DivisionCode::parse("450103001002").unwrap();
        let grid = GridCode::new(&community, 7).unwrap();
        assert_eq!(grid.as_str(), "450103001002007");
        assert_eq!(grid.community(), community);
        assert_eq!(grid.sequence(), 7);
    }

    #[test]
    fn scope_reaches_by_prefix() {
        let city = NodeCode::parse("450100").unwrap();
        assert!(city.reaches("450103001002007"));
        assert!(!city.reaches("450203001002007"));
        let street = NodeCode::parse("450103001").unwrap();
        assert!(street.reaches("450103001002"));
        assert!(!street.reaches("450103002002"));
    }

    #[test]
    fn street_kinds_follow_segment_ranges() {
        let kind = |c: &str| DivisionCode::parse(c).unwrap().street_kind().unwrap();
        assert_eq!(kind("450103001"), StreetKind::Street);
        assert_eq!(kind("450110101"), StreetKind::Town);
        assert_eq!(kind("450110201"), StreetKind::Township);
        assert_eq!(kind("450107454"), StreetKind::SpecialZone);
    }
}
