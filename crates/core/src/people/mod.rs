//! People, households, organisations and party organisations in the grid, with the rules
//! for personal data (validation, masking, protection at rest).

mod citizen_id;
mod free_text;
mod phone;
pub mod protect;

pub use citizen_id::{CitizenId, IdError, Sex, age_on, check_char, days_in_month};
pub use free_text::{Masked, has_personal_numbers, mask_personal_numbers};
pub use phone::{Phone, PhoneError};
use serde::{Deserialize, Serialize};

/// Circumstances that matter to grid work (who to visit, who needs help).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tag {
    ElderlyAlone,
    Elderly,
    Disability,
    LowIncome,
    Veteran,
    KeyCare,
    LeftBehindChild,
    Unemployed,
    SeriousIllness,
    Rental,
}

pub const ALL_TAGS: [Tag; 10] = [
    Tag::ElderlyAlone,
    Tag::Elderly,
    Tag::Disability,
    Tag::LowIncome,
    Tag::Veteran,
    Tag::KeyCare,
    Tag::LeftBehindChild,
    Tag::Unemployed,
    Tag::SeriousIllness,
    Tag::Rental,
];

impl Tag {
    pub fn as_str(self) -> &'static str {
        match self {
            Tag::ElderlyAlone => "elderly_alone",
            Tag::Elderly => "elderly",
            Tag::Disability => "disability",
            Tag::LowIncome => "low_income",
            Tag::Veteran => "veteran",
            Tag::KeyCare => "key_care",
            Tag::LeftBehindChild => "left_behind_child",
            Tag::Unemployed => "unemployed",
            Tag::SeriousIllness => "serious_illness",
            Tag::Rental => "rental",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Tag::ElderlyAlone => "独居老人",
            Tag::Elderly => "高龄老人",
            Tag::Disability => "残疾人",
            Tag::LowIncome => "低保户",
            Tag::Veteran => "退役军人",
            Tag::KeyCare => "重点关爱",
            Tag::LeftBehindChild => "留守儿童",
            Tag::Unemployed => "失业人员",
            Tag::SeriousIllness => "大病患者",
            Tag::Rental => "租户",
        }
    }

    /// Accepts the code or the Chinese name (ledgers use the Chinese).
    pub fn parse(text: &str) -> Option<Tag> {
        let t = text.trim();
        ALL_TAGS
            .iter()
            .copied()
            .find(|tag| tag.as_str() == t || tag.name_zh() == t)
    }

    /// Parses a list separated by commas, Chinese commas, semicolons, 、 or spaces.
    pub fn parse_list(text: &str) -> Result<Vec<Tag>, String> {
        let mut tags = Vec::new();
        for part in text
            .split([',', '，', ';', '；', '、', ' '])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let tag = Tag::parse(part).ok_or_else(|| {
                format!("未知标签 {part:?}（可用：{}）/ unknown tag", tag_names())
            })?;
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        tags.sort();
        Ok(tags)
    }
}

fn tag_names() -> String {
    ALL_TAGS
        .iter()
        .map(|t| t.name_zh())
        .collect::<Vec<_>>()
        .join("、")
}

/// Stored form of a tag set: `,a,b,` so that one tag is found with `LIKE '%,a,%'`.
pub fn tags_to_column(tags: &[Tag]) -> String {
    if tags.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = tags.iter().map(|t| t.as_str()).collect();
    format!(",{},", names.join(","))
}

pub fn tags_from_column(text: &str) -> Vec<Tag> {
    text.split(',').filter_map(Tag::parse).collect()
}

/// A person's name: 1–40 characters, letters (any script), `·`, `•` and spaces.
pub fn check_name(name: &str) -> Result<(), String> {
    let n = name.trim();
    let count = n.chars().count();
    if count == 0 || count > 40 {
        return Err("姓名须为 1–40 个字 / name must have 1–40 characters".into());
    }
    if !n
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, '·' | '•' | ' ' | '.'))
    {
        return Err(
            "姓名只能包含文字、· 和空格 / name may contain only letters, · and spaces".into(),
        );
    }
    Ok(())
}

/// The calendar date (YYYYMMDD) in China (UTC+8) at `millis`, for age and birth-date checks.
pub fn china_date(millis: i64) -> u32 {
    let days = (millis + 8 * 3_600_000).div_euclid(86_400_000);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y * 10_000 + m * 100 + d) as u32
}

/// A resident's personal fields, checked together so every bad field is reported at once.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidResident {
    pub name: String,
    pub citizen_id: CitizenId,
    pub phone: Option<Phone>,
    pub tags: Vec<Tag>,
}

/// Validates name, ID number, optional phone and tag list; errors name the field and never
/// repeat the number itself.
pub fn validate_resident(
    name: &str,
    citizen_id: &str,
    phone: Option<&str>,
    tags: &str,
    today: u32,
) -> Result<ValidResident, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    if let Err(e) = check_name(name) {
        errors.push(("name", e));
    }
    let id =
        CitizenId::parse(citizen_id, today).map_err(|e| errors.push(("citizen_id", e.to_string())));
    let phone = match phone.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(None),
        Some(p) => Phone::parse(p)
            .map(Some)
            .map_err(|e| errors.push(("phone", e.to_string()))),
    };
    let tags = Tag::parse_list(tags).map_err(|e| errors.push(("tags", e)));
    match (id, phone, tags) {
        (Ok(citizen_id), Ok(phone), Ok(tags)) if errors.is_empty() => Ok(ValidResident {
            name: name.trim().to_string(),
            citizen_id,
            phone,
            tags,
        }),
        _ => Err(errors),
    }
}

/// Kinds of organisation in a community's area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    GovernmentUnit,
    Enterprise,
    PropertyCompany,
    OwnersCommittee,
    SocialOrganisation,
    School,
    Hospital,
    Other,
}

pub const ALL_ORG_KINDS: [OrgKind; 8] = [
    OrgKind::GovernmentUnit,
    OrgKind::Enterprise,
    OrgKind::PropertyCompany,
    OrgKind::OwnersCommittee,
    OrgKind::SocialOrganisation,
    OrgKind::School,
    OrgKind::Hospital,
    OrgKind::Other,
];

impl OrgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::GovernmentUnit => "government_unit",
            OrgKind::Enterprise => "enterprise",
            OrgKind::PropertyCompany => "property_company",
            OrgKind::OwnersCommittee => "owners_committee",
            OrgKind::SocialOrganisation => "social_organisation",
            OrgKind::School => "school",
            OrgKind::Hospital => "hospital",
            OrgKind::Other => "other",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            OrgKind::GovernmentUnit => "机关事业单位",
            OrgKind::Enterprise => "企业",
            OrgKind::PropertyCompany => "物业公司",
            OrgKind::OwnersCommittee => "业主委员会",
            OrgKind::SocialOrganisation => "社会组织",
            OrgKind::School => "学校",
            OrgKind::Hospital => "医院",
            OrgKind::Other => "其他",
        }
    }

    pub fn parse(text: &str) -> Option<OrgKind> {
        let t = text.trim();
        ALL_ORG_KINDS
            .iter()
            .copied()
            .find(|k| k.as_str() == t || k.name_zh() == t)
    }
}

/// Levels of the party organisation tree under a community's big party committee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyOrgKind {
    BigCommittee,
    GeneralBranch,
    Branch,
    GridBranch,
    BuildingGroup,
}

pub const ALL_PARTY_ORG_KINDS: [PartyOrgKind; 5] = [
    PartyOrgKind::BigCommittee,
    PartyOrgKind::GeneralBranch,
    PartyOrgKind::Branch,
    PartyOrgKind::GridBranch,
    PartyOrgKind::BuildingGroup,
];

impl PartyOrgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PartyOrgKind::BigCommittee => "big_committee",
            PartyOrgKind::GeneralBranch => "general_branch",
            PartyOrgKind::Branch => "branch",
            PartyOrgKind::GridBranch => "grid_branch",
            PartyOrgKind::BuildingGroup => "building_group",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            PartyOrgKind::BigCommittee => "社区大党委",
            PartyOrgKind::GeneralBranch => "党总支",
            PartyOrgKind::Branch => "党支部",
            PartyOrgKind::GridBranch => "网格党支部",
            PartyOrgKind::BuildingGroup => "楼栋党小组",
        }
    }

    pub fn parse(text: &str) -> Option<PartyOrgKind> {
        let t = text.trim();
        ALL_PARTY_ORG_KINDS
            .iter()
            .copied()
            .find(|k| k.as_str() == t || k.name_zh() == t)
    }

    /// Which kinds may sit directly above this one; the big committee is the root.
    pub fn allowed_parents(self) -> &'static [PartyOrgKind] {
        use PartyOrgKind::*;
        match self {
            BigCommittee => &[],
            GeneralBranch => &[BigCommittee],
            Branch => &[BigCommittee, GeneralBranch],
            GridBranch => &[BigCommittee, GeneralBranch, Branch],
            BuildingGroup => &[GridBranch, Branch],
        }
    }

    pub fn check_parent(self, parent: Option<PartyOrgKind>) -> Result<(), String> {
        match parent {
            None if self == PartyOrgKind::BigCommittee => Ok(()),
            None => Err(format!(
                "{} 须有上级组织 / a {} needs a parent organisation",
                self.name_zh(),
                self.as_str()
            )),
            Some(p) if self.allowed_parents().contains(&p) => Ok(()),
            Some(p) => Err(format!(
                "{} 不能设在 {} 之下 / a {} cannot sit under a {}",
                self.name_zh(),
                p.name_zh(),
                self.as_str(),
                p.as_str()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_parse_from_chinese_and_codes_and_store_searchably() {
        let tags = Tag::parse_list("独居老人、veteran, 低保户").unwrap();
        assert_eq!(tags, vec![Tag::ElderlyAlone, Tag::LowIncome, Tag::Veteran]);
        let col = tags_to_column(&tags);
        assert_eq!(col, ",elderly_alone,low_income,veteran,");
        assert_eq!(tags_from_column(&col), tags);
        assert!(Tag::parse_list("外星人").unwrap_err().contains("外星人"));
    }

    #[test]
    fn china_dates() {
        assert_eq!(china_date(0), 19700101);
        // 2026-11-26 16:00 UTC is already the 27th in China.
        assert_eq!(china_date(1_795_708_800_000), 20261127);
        assert_eq!(china_date(1_795_708_800_000 - 8 * 3_600_000 - 1), 20261126);
    }

    #[test]
    fn every_bad_resident_field_is_reported_without_the_number() {
        let errs = validate_resident("", "110105194912310021", Some("123"), "外星人", 20261126)
            .unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.0).collect();
        assert_eq!(fields, vec!["name", "citizen_id", "phone", "tags"]);
        assert!(errs.iter().all(|e| !e.1.contains("110105194912310021")));
        let ok = validate_resident(
            "王芳",
            "11010519491231002X",
            Some("13800135678"),
            "独居老人",
            20261126,
        )
        .unwrap();
        assert_eq!(ok.tags, vec![Tag::ElderlyAlone]);
    }

    #[test]
    fn names() {
        assert!(check_name("王芳").is_ok());
        assert!(check_name("阿依古丽·买买提").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("王1").is_err());
    }

    #[test]
    fn party_tree_order() {
        use PartyOrgKind::*;
        assert!(BigCommittee.check_parent(None).is_ok());
        assert!(GridBranch.check_parent(Some(BigCommittee)).is_ok());
        assert!(BuildingGroup.check_parent(Some(GridBranch)).is_ok());
        assert!(BigCommittee.check_parent(Some(Branch)).is_err());
        assert!(GeneralBranch.check_parent(Some(Branch)).is_err());
        assert!(Branch.check_parent(None).is_err());
    }
}
