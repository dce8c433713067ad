//! The division tree (city → district → street → community), grids, compounds and buildings.

mod codes;

pub use codes::{CodeError, DivisionCode, GridCode, Level, NodeCode, StreetKind};
use serde::{Deserialize, Serialize};

/// What sort of unit a division is; the level comes from the code, the kind from the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DivisionKind {
    City,
    District,
    DevelopmentZone,
    Street,
    Town,
    Community,
    Village,
}

impl DivisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DivisionKind::City => "city",
            DivisionKind::District => "district",
            DivisionKind::DevelopmentZone => "development_zone",
            DivisionKind::Street => "street",
            DivisionKind::Town => "town",
            DivisionKind::Community => "community",
            DivisionKind::Village => "village",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "city" => DivisionKind::City,
            "district" => DivisionKind::District,
            "development_zone" => DivisionKind::DevelopmentZone,
            "street" => DivisionKind::Street,
            "town" => DivisionKind::Town,
            "community" => DivisionKind::Community,
            "village" => DivisionKind::Village,
            _ => return None,
        })
    }

    /// The level this kind of unit sits at.
    pub fn level(self) -> Level {
        match self {
            DivisionKind::City => Level::City,
            DivisionKind::District | DivisionKind::DevelopmentZone => Level::District,
            DivisionKind::Street | DivisionKind::Town => Level::Street,
            DivisionKind::Community | DivisionKind::Village => Level::Community,
        }
    }
}

/// A node of the division tree as submitted for creation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewDivision {
    pub code: String,
    pub name: String,
    pub kind: DivisionKind,
    pub parent_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TerritoryError {
    #[error("{field}: {source}")]
    Code {
        field: &'static str,
        source: CodeError,
    },
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
}

impl TerritoryError {
    pub fn field(&self) -> &'static str {
        match self {
            TerritoryError::Code { field, .. } | TerritoryError::Invalid { field, .. } => field,
        }
    }
}

fn invalid(field: &'static str, reason: impl Into<String>) -> TerritoryError {
    TerritoryError::Invalid {
        field,
        reason: reason.into(),
    }
}

fn check_name(name: &str) -> Result<(), TerritoryError> {
    let chars = name.trim().chars().count();
    if chars == 0 || chars > 64 {
        return Err(invalid(
            "name",
            "名称须为 1–64 个字符 / name must have 1–64 characters",
        ));
    }
    Ok(())
}

impl NewDivision {
    /// Checks the code, the kind against the code's level, and the parent link.
    /// `parent_level` is the stored parent's level when the parent exists.
    pub fn validate(&self) -> Result<(DivisionCode, Option<DivisionCode>), TerritoryError> {
        let code = DivisionCode::parse(&self.code).map_err(|source| TerritoryError::Code {
            field: "code",
            source,
        })?;
        check_name(&self.name)?;
        if code.level() != self.kind.level() {
            return Err(invalid(
                "kind",
                format!(
                    "代码 {} 是{}级，与类型 {} 不符 / code level does not match kind",
                    code,
                    code.level().name_zh(),
                    self.kind.as_str()
                ),
            ));
        }
        let parent = match (&self.parent_code, code.level()) {
            (None, Level::City | Level::Province) => None,
            (None, _) => {
                return Err(invalid(
                    "parent_code",
                    "缺少上级代码 / parent_code is required",
                ));
            }
            (Some(p), _) => {
                let parent = DivisionCode::parse(p).map_err(|source| TerritoryError::Code {
                    field: "parent_code",
                    source,
                })?;
                code.check_parent(&parent)
                    .map_err(|source| TerritoryError::Code {
                        field: "parent_code",
                        source,
                    })?;
                Some(parent)
            }
        };
        Ok((code, parent))
    }
}

/// Base grids cover residential areas; dedicated grids cover one institution (school,
/// hospital, market, industrial park).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GridKind {
    Base,
    Dedicated,
}

impl GridKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GridKind::Base => "base",
            GridKind::Dedicated => "dedicated",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "base" => Some(GridKind::Base),
            "dedicated" => Some(GridKind::Dedicated),
            _ => None,
        }
    }
}

/// Every grid has a party branch, or a party group where members are few.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyUnitKind {
    Branch,
    Group,
}

impl PartyUnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PartyUnitKind::Branch => "branch",
            PartyUnitKind::Group => "group",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "branch" => Some(PartyUnitKind::Branch),
            "group" => Some(PartyUnitKind::Group),
            _ => None,
        }
    }
}

/// Grid attributes as submitted (geometry travels separately, as GeoJSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridAttributes {
    pub code: String,
    pub name: String,
    pub kind: GridKind,
    pub households: i64,
    pub population: i64,
    pub party_unit_kind: PartyUnitKind,
    pub party_unit_name: String,
}

impl GridAttributes {
    pub fn validate(&self) -> Result<GridCode, TerritoryError> {
        let code = GridCode::parse(&self.code).map_err(|source| TerritoryError::Code {
            field: "code",
            source,
        })?;
        check_name(&self.name)?;
        if !(0..=1_000_000).contains(&self.households) {
            return Err(invalid(
                "households",
                "户数须在 0–1000000 / households out of range",
            ));
        }
        if !(0..=5_000_000).contains(&self.population) {
            return Err(invalid(
                "population",
                "人口须在 0–5000000 / population out of range",
            ));
        }
        if self.party_unit_name.trim().is_empty() {
            return Err(invalid(
                "party_unit_name",
                "每个网格须建立党支部或党小组 / every grid needs a party branch or group",
            ));
        }
        Ok(code)
    }
}

/// The staffing norm: 3–4 grid workers per grid. A grid outside it is flagged, not refused,
/// because vacancies happen; the count comes from the accounts bound to the grid.
pub const GRID_WORKERS_MIN: usize = 3;
pub const GRID_WORKERS_MAX: usize = 4;

pub fn staffing_note(workers: usize) -> Option<&'static str> {
    if workers < GRID_WORKERS_MIN {
        Some("网格员不足 3 人 / fewer than 3 grid workers")
    } else if workers > GRID_WORKERS_MAX {
        Some("网格员超过 4 人 / more than 4 grid workers")
    } else {
        None
    }
}

/// A residential compound (小区): belongs to a community, lies in one grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCompound {
    pub community_code: String,
    pub grid_code: String,
    pub name: String,
    pub households: i64,
}

impl NewCompound {
    pub fn validate(&self) -> Result<(DivisionCode, GridCode), TerritoryError> {
        check_name(&self.name)?;
        let community =
            DivisionCode::parse(&self.community_code).map_err(|source| TerritoryError::Code {
                field: "community_code",
                source,
            })?;
        if community.level() != Level::Community {
            return Err(invalid(
                "community_code",
                "须为 12 位社区代码 / must be a 12-digit community code",
            ));
        }
        let grid = GridCode::parse(&self.grid_code).map_err(|source| TerritoryError::Code {
            field: "grid_code",
            source,
        })?;
        if grid.community() != community {
            return Err(invalid(
                "grid_code",
                format!("网格 {grid} 不属于社区 {community} / grid is not in this community"),
            ));
        }
        if !(0..=100_000).contains(&self.households) {
            return Err(invalid(
                "households",
                "户数超出范围 / households out of range",
            ));
        }
        Ok((community, grid))
    }
}

/// A building: belongs to a community (optionally a compound), stands at a point in a grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewBuilding {
    pub community_code: String,
    pub compound_id: Option<i64>,
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    pub floors: i64,
    pub households: i64,
}

impl NewBuilding {
    pub fn validate(&self) -> Result<DivisionCode, TerritoryError> {
        check_name(&self.name)?;
        let community =
            DivisionCode::parse(&self.community_code).map_err(|source| TerritoryError::Code {
                field: "community_code",
                source,
            })?;
        if community.level() != Level::Community {
            return Err(invalid(
                "community_code",
                "须为 12 位社区代码 / must be a 12-digit community code",
            ));
        }
        if !(1..=200).contains(&self.floors) {
            return Err(invalid("floors", "层数须在 1–200 / floors must be 1–200"));
        }
        if !(0..=10_000).contains(&self.households) {
            return Err(invalid(
                "households",
                "户数超出范围 / households out of range",
            ));
        }
        if !self.lon.is_finite() || !(-180.0..=180.0).contains(&self.lon) {
            return Err(invalid("lon", "经度须在 -180–180 / lon out of range"));
        }
        if !self.lat.is_finite() || !(-90.0..=90.0).contains(&self.lat) {
            return Err(invalid("lat", "纬度须在 -90–90 / lat out of range"));
        }
        Ok(community)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn division(code: &str, kind: DivisionKind, parent: Option<&str>) -> NewDivision {
        NewDivision {
            code: code.into(),
            name: "测试".into(),
            kind,
            parent_code: parent.map(Into::into),
        }
    }

    #[test]
    fn division_kind_must_match_code_level() {
        assert!(
            division("450103", DivisionKind::District, Some("450100"))
                .validate()
                .is_ok()
        );
        let err = division("450103", DivisionKind::Street, Some("450100"))
            .validate()
            .unwrap_err();
        assert_eq!(err.field(), "kind");
        let err = division("450103001", DivisionKind::Street, Some("450105"))
            .validate()
            .unwrap_err();
        assert_eq!(err.field(), "parent_code");
        let err = division("450103001", DivisionKind::Street, None)
            .validate()
            .unwrap_err();
        assert_eq!(err.field(), "parent_code");
    }

    #[test]
    fn grid_needs_party_unit() {
        let mut grid = GridAttributes {
            code: "450103001002001".into(),
            name: "一网格".into(),
            kind: GridKind::Base,
            households: 400,
            population: 1100,
            party_unit_kind: PartyUnitKind::Branch,
            party_unit_name: "一网格党支部".into(),
        };
        assert!(grid.validate().is_ok());
        grid.party_unit_name = " ".into();
        assert_eq!(grid.validate().unwrap_err().field(), "party_unit_name");
        grid.party_unit_name = "x".into();
        grid.households = -1;
        assert_eq!(grid.validate().unwrap_err().field(), "households");
    }

    #[test]
    fn compound_grid_must_be_in_its_community() {
        let compound = NewCompound {
            community_code: "450103001002".into(),
            grid_code: "450103001003001".into(),
            name: "金湖小区".into(),
            households: 300,
        };
        assert_eq!(compound.validate().unwrap_err().field(), "grid_code");
    }

    #[test]
    fn staffing_norm() {
        assert!(staffing_note(2).is_some());
        assert!(staffing_note(3).is_none());
        assert!(staffing_note(4).is_none());
        assert!(staffing_note(5).is_some());
    }
}
