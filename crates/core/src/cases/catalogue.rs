//! The category catalogue (案件分类): a two-level tree of case categories after GB/T 30428.2
//! (管理部件和事件) with Nanning's social-governance extensions, the time limit of every step of
//! every leaf (a city's table, in working minutes, hours or days), the departments that handle
//! cases, and the routing table that picks a department by category and territory.
//!
//! Codes. A major class (大类) has 2 digits, a leaf (小类) extends its major's code by 2 or 3
//! digits, so the leaf code is what a component id carries after the district (6 district +
//! 2 major + 2–3 minor + 6 serial). One catalogue holds events, components and governance
//! classes, so their major codes must not collide; the seed keeps GB/T 30428.2's numbering for
//! components (`01` 公用设施 … `04` 园林绿化), adds 10 for events (`11` 市容环境, `12` 宣传广告,
//! `13` 施工管理, `14` 突发事件, `15` 街面秩序) and uses `2x` for governance (`21` 矛盾纠纷,
//! `22` 安全隐患, `23` 民生诉求, `24` 企业诉求).
//!
//! Editing. Admins change a category with [`Catalogue::revise`], which bumps its `version`;
//! a case keeps the category code *and* version it was filed under (and its deadlines are
//! computed once, at filing), so an edit applies to new cases only.

use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

/// The embedded seed catalogue (see [`Catalogue::seed`]).
const SEED_JSON: &str = include_str!("catalogue_seed.json");

/// What a category classifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CategoryKind {
    /// 事件: something that happened (garbage, illegal parking, a burst pipe …).
    Event,
    /// 部件: a piece of public infrastructure that is damaged or missing.
    Component,
    /// 社会治理: social-governance classes (disputes, hazards, livelihood and enterprise needs).
    Governance,
}

impl CategoryKind {
    pub fn name_zh(self) -> &'static str {
        match self {
            CategoryKind::Event => "事件",
            CategoryKind::Component => "部件",
            CategoryKind::Governance => "社会治理",
        }
    }
}

/// The unit a time limit is counted in; always *working* time (see the calendar).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitUnit {
    WorkingMinutes,
    WorkingHours,
    WorkingDays,
}

impl LimitUnit {
    /// Suffix of the compact form: `min`, `h`, `d`.
    pub fn suffix(self) -> &'static str {
        match self {
            LimitUnit::WorkingMinutes => "min",
            LimitUnit::WorkingHours => "h",
            LimitUnit::WorkingDays => "d",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            LimitUnit::WorkingMinutes => "工作分钟",
            LimitUnit::WorkingHours => "工作小时",
            LimitUnit::WorkingDays => "工作日",
        }
    }
}

/// A time limit such as "4 working hours". Compact text form (FromStr / Display): `30min`,
/// `4h`, `15d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimeLimit {
    pub amount: u32,
    pub unit: LimitUnit,
}

impl TimeLimit {
    pub const fn minutes(amount: u32) -> TimeLimit {
        TimeLimit {
            amount,
            unit: LimitUnit::WorkingMinutes,
        }
    }

    pub const fn hours(amount: u32) -> TimeLimit {
        TimeLimit {
            amount,
            unit: LimitUnit::WorkingHours,
        }
    }

    pub const fn days(amount: u32) -> TimeLimit {
        TimeLimit {
            amount,
            unit: LimitUnit::WorkingDays,
        }
    }

    /// The limit in working minutes when a working day has `minutes_per_day` working minutes.
    /// (Deadlines themselves are computed by the calendar, which may count whole days.)
    pub fn working_minutes(self, minutes_per_day: u32) -> u64 {
        let amount = u64::from(self.amount);
        match self.unit {
            LimitUnit::WorkingMinutes => amount,
            LimitUnit::WorkingHours => amount * 60,
            LimitUnit::WorkingDays => amount * u64::from(minutes_per_day),
        }
    }
}

impl fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.amount, self.unit.suffix())
    }
}

impl FromStr for TimeLimit {
    type Err = String;

    fn from_str(s: &str) -> Result<TimeLimit, String> {
        let s = s.trim();
        let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (number, suffix) = s.split_at(digits);
        let unit = match suffix {
            "min" => LimitUnit::WorkingMinutes,
            "h" => LimitUnit::WorkingHours,
            "d" => LimitUnit::WorkingDays,
            _ => {
                return Err(format!(
                    "时限单位必须是 min、h 或 d: {s:?} / unit must be min, h or d"
                ));
            }
        };
        let amount = number
            .parse::<u32>()
            .map_err(|_| format!("时限数值无效: {s:?} / invalid amount"))?;
        Ok(TimeLimit { amount, unit })
    }
}

/// The steps of a case that carry a time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// 立案: from report to filed (or cancelled).
    File,
    /// 派遣: from filed to dispatched to a department.
    Dispatch,
    /// 接单: from dispatched to accepted by the department.
    Accept,
    /// 处置: from accepted (dispatched) to handled.
    Handle,
    /// 核查: from handled to verified on site.
    Verify,
}

impl Step {
    pub const ALL: [Step; 5] = [
        Step::File,
        Step::Dispatch,
        Step::Accept,
        Step::Handle,
        Step::Verify,
    ];

    pub fn name_zh(self) -> &'static str {
        match self {
            Step::File => "立案",
            Step::Dispatch => "派遣",
            Step::Accept => "接单",
            Step::Handle => "处置",
            Step::Verify => "核查",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Step::File => "file",
            Step::Dispatch => "dispatch",
            Step::Accept => "accept",
            Step::Handle => "handle",
            Step::Verify => "verify",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.name_zh(), self.as_str())
    }
}

/// The time limit of every step of a leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StepLimits {
    pub file: TimeLimit,
    pub dispatch: TimeLimit,
    pub accept: TimeLimit,
    pub handle: TimeLimit,
    pub verify: TimeLimit,
}

impl StepLimits {
    pub fn get(&self, step: Step) -> TimeLimit {
        match step {
            Step::File => self.file,
            Step::Dispatch => self.dispatch,
            Step::Accept => self.accept,
            Step::Handle => self.handle,
            Step::Verify => self.verify,
        }
    }

    pub fn set(&mut self, step: Step, limit: TimeLimit) {
        match step {
            Step::File => self.file = limit,
            Step::Dispatch => self.dispatch = limit,
            Step::Accept => self.accept = limit,
            Step::Handle => self.handle = limit,
            Step::Verify => self.verify = limit,
        }
    }
}

/// Datatype of an extra attribute, as Open311 GeoReport v2 knows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributeType {
    Text,
    Number,
    SingleValue,
    MultiValue,
    Date,
}

impl AttributeType {
    /// The Open311 `datatype` string.
    pub fn open311_datatype(self) -> &'static str {
        match self {
            AttributeType::Text => "string",
            AttributeType::Number => "number",
            AttributeType::SingleValue => "singlevaluelist",
            AttributeType::MultiValue => "multivaluelist",
            AttributeType::Date => "datetime",
        }
    }

    /// Whether the attribute takes its value from a list of `values`.
    pub fn has_values(self) -> bool {
        matches!(self, AttributeType::SingleValue | AttributeType::MultiValue)
    }
}

/// An extra field a reporter fills in for a category (Open311 service definition attribute).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraAttribute {
    pub code: String,
    pub name: String,
    pub datatype: AttributeType,
    #[serde(default)]
    pub required: bool,
    /// `(key, name)` pairs; only for single- and multi-value lists.
    #[serde(default)]
    pub values: Vec<(String, String)>,
    #[serde(default)]
    pub description: String,
}

/// A node of the category tree: a major class (`parent == None`) or a leaf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// `"01"` for a major class, `"0101"` for a leaf (major code + 2 or 3 digits).
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub kind: CategoryKind,
    /// The major class of a leaf; `None` for a major class.
    pub parent: Option<String>,
    /// Time limits per step; leaves only.
    pub limits: Option<StepLimits>,
    /// Department code used when no routing rule matches.
    pub default_department: Option<String>,
    pub attributes: Vec<ExtraAttribute>,
    /// Starts at 1; every accepted edit adds 1.
    pub version: u32,
}

impl Category {
    pub fn is_leaf(&self) -> bool {
        self.parent.is_some()
    }
}

/// A handling department (处置部门) or unit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    pub code: String,
    pub name: String,
    pub name_en: String,
}

/// One row of the routing table: cases of `category` (a leaf or a major class) located under
/// `territory` (a division- or grid-code prefix such as `4501` for the whole city, `450103` for
/// 青秀区, `450103001` for one street; `""` = everywhere) go to `department`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingRule {
    pub category: String,
    pub territory: String,
    pub department: String,
}

/// A problem found in a catalogue. Messages are Chinese first, then English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("分类代码重复: {0:?} / duplicate category code")]
    DuplicateCategory(String),
    #[error("部门代码重复: {0:?} / duplicate department code")]
    DuplicateDepartment(String),
    #[error("分类代码 {code:?} 格式错误: {reason}")]
    BadCode { code: String, reason: &'static str },
    #[error("名称为空: {0:?} / name must not be empty")]
    EmptyName(String),
    #[error("分类 {code:?} 的上级 {parent:?} 不存在 / parent does not exist")]
    UnknownParent { code: String, parent: String },
    #[error("分类 {code:?} 的上级 {parent:?} 不是大类 / parent is not a major class")]
    ParentNotMajor { code: String, parent: String },
    #[error(
        "小类代码 {code:?} 没有以大类代码 {parent:?} 开头 / leaf code does not extend its major's"
    )]
    CodeNotExtendingParent { code: String, parent: String },
    #[error("小类 {code:?} 与大类 {parent:?} 的类型不同 / leaf kind differs from its major's")]
    KindMismatch { code: String, parent: String },
    #[error("小类 {0:?} 没有时限 / leaf has no time limits")]
    LeafWithoutLimits(String),
    #[error("大类 {0:?} 不应设时限 / a major class has no time limits")]
    MajorWithLimits(String),
    #[error("小类 {code:?} 的{step}时限为 0 / time limit must be greater than zero")]
    ZeroLimit { code: String, step: Step },
    #[error("{used_by} 引用的部门 {department:?} 不存在 / unknown department")]
    UnknownDepartment { used_by: String, department: String },
    #[error("路由规则引用的分类 {category:?} 不存在 / routing rule names an unknown category")]
    UnknownRoutingCategory { category: String, territory: String },
    #[error(
        "路由规则 {category:?} 的辖区 {territory:?} 无效: 须为空或 2/4/6/9/12/15 位数字前缀（全市写 4501 而非 450100） / territory must be empty or a 2/4/6/9/12/15-digit prefix (the whole city is 4501, not 450100)"
    )]
    BadTerritory { category: String, territory: String },
    #[error("路由规则重复: 分类 {category:?} 辖区 {territory:?} / duplicate routing rule")]
    DuplicateRoutingRule { category: String, territory: String },
    #[error("分类 {category:?} 的扩展属性 {attribute:?} 重复 / duplicate attribute code")]
    DuplicateAttribute { category: String, attribute: String },
    #[error(
        "分类 {category:?} 的扩展属性 {attribute:?} 不是单选/多选，不能有取值列表 / only single- and multi-value attributes have values"
    )]
    ValuesNotAllowed { category: String, attribute: String },
    #[error(
        "分类 {category:?} 的扩展属性 {attribute:?} 是单选/多选，取值列表不能为空 / a value-list attribute needs values"
    )]
    MissingValues { category: String, attribute: String },
    #[error("分类 {category:?} 的扩展属性 {attribute:?} 取值 {key:?} 重复 / duplicate value key")]
    DuplicateAttributeValue {
        category: String,
        attribute: String,
        key: String,
    },
    #[error("分类 {0:?} 不存在 / unknown category")]
    UnknownCategory(String),
    #[error(
        "分类 {code:?} 已被修改（当前版本 {current}，提交的版本 {given}），请刷新后重试 / stale version, reload and retry"
    )]
    StaleVersion {
        code: String,
        current: u32,
        given: u32,
    },
    #[error("修改被拒绝: {} / edit rejected", join_errors(.0))]
    Rejected(Vec<CatalogueError>),
}

fn join_errors(errors: &[CatalogueError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The whole catalogue: categories, departments and the routing table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    pub categories: Vec<Category>,
    pub departments: Vec<Department>,
    pub routing: Vec<RoutingRule>,
}

impl Catalogue {
    /// The realistic Nanning catalogue shipped with the platform (`catalogue_seed.json`).
    pub fn seed() -> Catalogue {
        let file: SeedFile =
            serde_json::from_str(SEED_JSON).expect("catalogue_seed.json is valid JSON");
        file.into_catalogue()
            .unwrap_or_else(|e| panic!("catalogue_seed.json: {e}"))
    }

    /// Every problem of the catalogue, not just the first.
    pub fn validate(&self) -> Result<(), Vec<CatalogueError>> {
        let errors = self.problems();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn problems(&self) -> Vec<CatalogueError> {
        let mut errors = Vec::new();

        let mut departments = HashSet::new();
        for d in &self.departments {
            if !departments.insert(d.code.as_str()) {
                errors.push(CatalogueError::DuplicateDepartment(d.code.clone()));
            }
            if d.name.trim().is_empty() || d.code.trim().is_empty() {
                errors.push(CatalogueError::EmptyName(d.code.clone()));
            }
        }

        let mut by_code: HashMap<&str, &Category> = HashMap::new();
        for c in &self.categories {
            if by_code.insert(c.code.as_str(), c).is_some() {
                errors.push(CatalogueError::DuplicateCategory(c.code.clone()));
            }
        }

        for c in &self.categories {
            self.category_problems(c, &by_code, &departments, &mut errors);
        }

        let mut rules = HashSet::new();
        for r in &self.routing {
            let used_by = format!("路由规则 {}@{:?} / routing rule", r.category, r.territory);
            if !by_code.contains_key(r.category.as_str()) {
                errors.push(CatalogueError::UnknownRoutingCategory {
                    category: r.category.clone(),
                    territory: r.territory.clone(),
                });
            }
            if !territory_prefix_ok(&r.territory) {
                errors.push(CatalogueError::BadTerritory {
                    category: r.category.clone(),
                    territory: r.territory.clone(),
                });
            }
            if !departments.contains(r.department.as_str()) {
                errors.push(CatalogueError::UnknownDepartment {
                    used_by,
                    department: r.department.clone(),
                });
            }
            if !rules.insert((r.category.as_str(), r.territory.as_str())) {
                errors.push(CatalogueError::DuplicateRoutingRule {
                    category: r.category.clone(),
                    territory: r.territory.clone(),
                });
            }
        }
        errors
    }

    fn category_problems(
        &self,
        c: &Category,
        by_code: &HashMap<&str, &Category>,
        departments: &HashSet<&str>,
        errors: &mut Vec<CatalogueError>,
    ) {
        let code = &c.code;
        let all_digits = !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit());
        if c.name.trim().is_empty() {
            errors.push(CatalogueError::EmptyName(code.clone()));
        }
        match &c.parent {
            None => {
                if !all_digits || code.len() != 2 {
                    errors.push(CatalogueError::BadCode {
                        code: code.clone(),
                        reason: "大类代码须为 2 位数字 / a major code has 2 digits",
                    });
                }
                if c.limits.is_some() {
                    errors.push(CatalogueError::MajorWithLimits(code.clone()));
                }
            }
            Some(parent) => {
                if !all_digits || !(4..=5).contains(&code.len()) {
                    errors.push(CatalogueError::BadCode {
                        code: code.clone(),
                        reason: "小类代码须为 4 或 5 位数字 / a leaf code has 4 or 5 digits",
                    });
                }
                if !code.starts_with(parent.as_str()) || code.len() <= parent.len() {
                    errors.push(CatalogueError::CodeNotExtendingParent {
                        code: code.clone(),
                        parent: parent.clone(),
                    });
                }
                match by_code.get(parent.as_str()) {
                    None => errors.push(CatalogueError::UnknownParent {
                        code: code.clone(),
                        parent: parent.clone(),
                    }),
                    Some(p) if p.parent.is_some() => errors.push(CatalogueError::ParentNotMajor {
                        code: code.clone(),
                        parent: parent.clone(),
                    }),
                    Some(p) if p.kind != c.kind => errors.push(CatalogueError::KindMismatch {
                        code: code.clone(),
                        parent: parent.clone(),
                    }),
                    Some(_) => {}
                }
                match &c.limits {
                    None => errors.push(CatalogueError::LeafWithoutLimits(code.clone())),
                    Some(limits) => {
                        for step in Step::ALL {
                            if limits.get(step).amount == 0 {
                                errors.push(CatalogueError::ZeroLimit {
                                    code: code.clone(),
                                    step,
                                });
                            }
                        }
                    }
                }
            }
        }
        if let Some(d) = &c.default_department
            && !departments.contains(d.as_str())
        {
            errors.push(CatalogueError::UnknownDepartment {
                used_by: format!("分类 {code} / category"),
                department: d.clone(),
            });
        }
        let mut attributes = HashSet::new();
        for a in &c.attributes {
            if !attributes.insert(a.code.as_str()) {
                errors.push(CatalogueError::DuplicateAttribute {
                    category: code.clone(),
                    attribute: a.code.clone(),
                });
            }
            if a.datatype.has_values() {
                if a.values.is_empty() {
                    errors.push(CatalogueError::MissingValues {
                        category: code.clone(),
                        attribute: a.code.clone(),
                    });
                }
                let mut keys = HashSet::new();
                for (key, _) in &a.values {
                    if !keys.insert(key.as_str()) {
                        errors.push(CatalogueError::DuplicateAttributeValue {
                            category: code.clone(),
                            attribute: a.code.clone(),
                            key: key.clone(),
                        });
                    }
                }
            } else if !a.values.is_empty() {
                errors.push(CatalogueError::ValuesNotAllowed {
                    category: code.clone(),
                    attribute: a.code.clone(),
                });
            }
        }
    }

    /// Any category, major or leaf.
    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }

    /// A leaf by code; `None` for an unknown code or a major class.
    pub fn leaf(&self, code: &str) -> Option<&Category> {
        self.category(code).filter(|c| c.is_leaf())
    }

    /// All leaves, in catalogue order.
    pub fn leaves(&self) -> impl Iterator<Item = &Category> {
        self.categories.iter().filter(|c| c.is_leaf())
    }

    /// All major classes, in catalogue order.
    pub fn majors(&self) -> impl Iterator<Item = &Category> {
        self.categories.iter().filter(|c| !c.is_leaf())
    }

    /// The leaves of one major class.
    pub fn children<'a>(&'a self, major: &'a str) -> impl Iterator<Item = &'a Category> + 'a {
        self.categories
            .iter()
            .filter(move |c| c.parent.as_deref() == Some(major))
    }

    pub fn department(&self, code: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.code == code)
    }

    /// The department that handles a case of `leaf_code` located at `territory_code` (a
    /// division or grid code). The most specific matching routing rule wins: a rule for the
    /// leaf beats a rule for its major class whatever their territories; between rules for the
    /// same category, the longer territory prefix wins. Without a matching rule, the leaf's
    /// `default_department`, then its major's. `None` for an unknown leaf or when nothing
    /// names an existing department.
    pub fn route(&self, leaf_code: &str, territory_code: &str) -> Option<&Department> {
        let leaf = self.leaf(leaf_code)?;
        let major = leaf.parent.as_deref();
        let mut best: Option<((u8, usize), &Department)> = None;
        for rule in &self.routing {
            let category_rank = if rule.category == leaf.code {
                1
            } else if Some(rule.category.as_str()) == major {
                0
            } else {
                continue;
            };
            if !territory_code.starts_with(rule.territory.as_str()) {
                continue;
            }
            let Some(department) = self.department(&rule.department) else {
                continue;
            };
            let rank = (category_rank, rule.territory.len());
            if best.is_none_or(|(b, _)| rank > b) {
                best = Some((rank, department));
            }
        }
        if let Some((_, department)) = best {
            return Some(department);
        }
        let defaults = [
            leaf.default_department.as_deref(),
            major
                .and_then(|m| self.category(m))
                .and_then(|m| m.default_department.as_deref()),
        ];
        defaults
            .into_iter()
            .flatten()
            .find_map(|code| self.department(code))
    }

    /// Replaces the category with `updated.code` and returns its new version. `updated.version`
    /// must be the version the editor started from (optimistic locking: otherwise
    /// [`CatalogueError::StaleVersion`]); the stored version becomes that plus one. The edit is
    /// refused, leaving the catalogue unchanged, if it would introduce a validation problem
    /// ([`CatalogueError::Rejected`] lists them; problems the catalogue already had do not
    /// block it). Cases keep the version they were filed under, so edits apply to new cases.
    pub fn revise(&mut self, updated: Category) -> Result<u32, CatalogueError> {
        let index = self
            .categories
            .iter()
            .position(|c| c.code == updated.code)
            .ok_or_else(|| CatalogueError::UnknownCategory(updated.code.clone()))?;
        let current = self.categories[index].version;
        if updated.version != current {
            return Err(CatalogueError::StaleVersion {
                code: updated.code,
                current,
                given: updated.version,
            });
        }
        let version = current + 1;
        let mut candidate = self.clone();
        candidate.categories[index] = Category { version, ..updated };
        self.accept(candidate)?;
        Ok(version)
    }

    /// Adds a new category (major or leaf) at version 1, refusing it like [`Catalogue::revise`]
    /// if it would introduce a validation problem.
    pub fn add(&mut self, category: Category) -> Result<(), CatalogueError> {
        if self.category(&category.code).is_some() {
            return Err(CatalogueError::DuplicateCategory(category.code));
        }
        let mut candidate = self.clone();
        candidate.categories.push(Category {
            version: 1,
            ..category
        });
        self.accept(candidate)
    }

    /// Replaces `self` by `candidate` unless the candidate has problems `self` does not have.
    fn accept(&mut self, candidate: Catalogue) -> Result<(), CatalogueError> {
        let before = self.problems();
        let new: Vec<CatalogueError> = candidate
            .problems()
            .into_iter()
            .filter(|e| !before.contains(e))
            .collect();
        if !new.is_empty() {
            return Err(CatalogueError::Rejected(new));
        }
        *self = candidate;
        Ok(())
    }
}

/// `""`, or digits in one of the lengths of a division/grid code prefix; a 4- or 6-digit code
/// ending in `00` is a province or city *code*, not the prefix its subtree shares.
fn territory_prefix_ok(territory: &str) -> bool {
    if territory.is_empty() {
        return true;
    }
    territory.bytes().all(|b| b.is_ascii_digit())
        && matches!(territory.len(), 2 | 4 | 6 | 9 | 12 | 15)
        && !(matches!(territory.len(), 4 | 6) && territory.ends_with("00"))
}

// ---------------------------------------------------------------------------------------
// Seed file format: majors with their leaves nested, limits in compact form
// `[file, dispatch, accept, handle, verify]`, e.g. `["30min", "30min", "1h", "4h", "2h"]`.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedFile {
    #[allow(dead_code)]
    about: String,
    departments: Vec<Department>,
    categories: Vec<SeedMajor>,
    routing: Vec<RoutingRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedMajor {
    code: String,
    name: String,
    name_en: String,
    kind: CategoryKind,
    #[serde(default)]
    department: Option<String>,
    leaves: Vec<SeedLeaf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedLeaf {
    code: String,
    name: String,
    name_en: String,
    limits: [String; 5],
    #[serde(default)]
    department: Option<String>,
    #[serde(default)]
    attributes: Vec<ExtraAttribute>,
}

impl SeedFile {
    fn into_catalogue(self) -> Result<Catalogue, String> {
        let mut categories = Vec::new();
        for major in self.categories {
            categories.push(Category {
                code: major.code.clone(),
                name: major.name,
                name_en: major.name_en,
                kind: major.kind,
                parent: None,
                limits: None,
                default_department: major.department,
                attributes: Vec::new(),
                version: 1,
            });
            for leaf in major.leaves {
                let parse = |i: usize| {
                    leaf.limits[i]
                        .parse::<TimeLimit>()
                        .map_err(|e| format!("{}: {e}", leaf.code))
                };
                let limits = StepLimits {
                    file: parse(0)?,
                    dispatch: parse(1)?,
                    accept: parse(2)?,
                    handle: parse(3)?,
                    verify: parse(4)?,
                };
                categories.push(Category {
                    code: leaf.code,
                    name: leaf.name,
                    name_en: leaf.name_en,
                    kind: major.kind,
                    parent: Some(major.code.clone()),
                    limits: Some(limits),
                    default_department: leaf.department,
                    attributes: leaf.attributes,
                    version: 1,
                });
            }
        }
        Ok(Catalogue {
            categories,
            departments: self.departments,
            routing: self.routing,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(handle: TimeLimit) -> StepLimits {
        StepLimits {
            file: TimeLimit::minutes(30),
            dispatch: TimeLimit::minutes(30),
            accept: TimeLimit::hours(1),
            handle,
            verify: TimeLimit::hours(2),
        }
    }

    fn major(code: &str, kind: CategoryKind, department: Option<&str>) -> Category {
        Category {
            code: code.into(),
            name: format!("大类{code}"),
            name_en: format!("Major {code}"),
            kind,
            parent: None,
            limits: None,
            default_department: department.map(Into::into),
            attributes: Vec::new(),
            version: 1,
        }
    }

    fn leaf(code: &str, parent: &str, department: Option<&str>) -> Category {
        Category {
            code: code.into(),
            name: format!("小类{code}"),
            name_en: format!("Leaf {code}"),
            kind: CategoryKind::Event,
            parent: Some(parent.into()),
            limits: Some(limits(TimeLimit::hours(4))),
            default_department: department.map(Into::into),
            attributes: Vec::new(),
            version: 1,
        }
    }

    fn department(code: &str) -> Department {
        Department {
            code: code.into(),
            name: format!("部门{code}"),
            name_en: format!("Department {code}"),
        }
    }

    fn rule(category: &str, territory: &str, department: &str) -> RoutingRule {
        RoutingRule {
            category: category.into(),
            territory: territory.into(),
            department: department.into(),
        }
    }

    /// A small valid catalogue: major 11 with leaves 1101 (default d-leaf) and 1102 (no
    /// default), major 12 with default d-major and leaf 1201 without default.
    fn small() -> Catalogue {
        Catalogue {
            categories: vec![
                major("11", CategoryKind::Event, None),
                leaf("1101", "11", Some("d-leaf")),
                leaf("1102", "11", None),
                major("12", CategoryKind::Event, Some("d-major")),
                leaf("1201", "12", None),
            ],
            departments: [
                "d-leaf", "d-major", "city", "district", "street", "leafrule",
            ]
            .into_iter()
            .map(department)
            .collect(),
            routing: Vec::new(),
        }
    }

    fn routed<'a>(c: &'a Catalogue, leaf: &str, territory: &str) -> Option<&'a str> {
        c.route(leaf, territory).map(|d| d.code.as_str())
    }

    #[test]
    fn seed_validates_with_zero_errors() {
        let seed = Catalogue::seed();
        assert_eq!(seed.validate(), Ok(()));
    }

    #[test]
    fn seed_has_at_least_60_leaves_across_all_kinds_and_classes() {
        let seed = Catalogue::seed();
        assert!(seed.leaves().count() >= 60, "{}", seed.leaves().count());
        for kind in [
            CategoryKind::Event,
            CategoryKind::Component,
            CategoryKind::Governance,
        ] {
            assert!(seed.leaves().any(|l| l.kind == kind), "{kind:?}");
        }
        for name in [
            "市容环境",
            "宣传广告",
            "施工管理",
            "街面秩序",
            "突发事件",
            "公用设施",
            "道路交通",
            "园林绿化",
            "矛盾纠纷",
            "安全隐患",
            "民生诉求",
            "企业诉求",
        ] {
            let m = seed.majors().find(|m| m.name == name);
            let m = m.unwrap_or_else(|| panic!("major {name} missing"));
            assert!(seed.children(&m.code).count() >= 3, "{name}");
        }
        for name in [
            "暴露垃圾",
            "道路不洁",
            "违法建设",
            "施工扰民",
            "占道经营",
            "燃气泄漏",
            "路灯不亮",
            "邻里纠纷",
            "电动车违规充电",
            "噪音扰民",
            "审批办理",
            "用地问题",
            "融资困难",
            "用工招工",
        ] {
            assert!(seed.leaves().any(|l| l.name.contains(name)), "{name}");
        }
        for c in &seed.categories {
            assert_eq!(c.version, 1);
            assert!(!c.name_en.is_empty(), "{}", c.code);
        }
    }

    #[test]
    fn every_seed_leaf_has_positive_limits_and_a_default_department() {
        let seed = Catalogue::seed();
        for l in seed.leaves() {
            let limits = l
                .limits
                .unwrap_or_else(|| panic!("{} has no limits", l.code));
            for step in Step::ALL {
                assert!(limits.get(step).amount > 0, "{} {step}", l.code);
            }
            let d = l.default_department.as_deref();
            assert!(d.and_then(|d| seed.department(d)).is_some(), "{}", l.code);
        }
        for m in seed.majors() {
            assert!(m.limits.is_none(), "{}", m.code);
        }
    }

    #[test]
    fn seed_limits_follow_the_domain_examples() {
        let seed = Catalogue::seed();
        let handle = |name: &str| {
            let l = seed.leaves().find(|l| l.name == name);
            l.unwrap_or_else(|| panic!("{name}")).limits.unwrap().handle
        };
        assert_eq!(handle("暴露垃圾"), TimeLimit::hours(4));
        let road = handle("道路不洁");
        assert_eq!(road.unit, LimitUnit::WorkingHours);
        assert!((2..=5).contains(&road.amount));
        let building = handle("违法建设");
        assert_eq!(building.unit, LimitUnit::WorkingDays);
        assert!((15..=20).contains(&building.amount));
        for l in seed.children("14") {
            let limits = l.limits.unwrap();
            for step in Step::ALL {
                assert_ne!(limits.get(step).unit, LimitUnit::WorkingDays, "{}", l.code);
            }
        }
        for l in seed.children("24") {
            assert_eq!(l.limits.unwrap().handle.unit, LimitUnit::WorkingDays);
        }
    }

    #[test]
    fn seed_attributes() {
        let seed = Catalogue::seed();
        let cover = seed.leaves().find(|l| l.name.starts_with("井盖")).unwrap();
        let kind = cover
            .attributes
            .iter()
            .find(|a| a.name == "井盖类型")
            .unwrap();
        assert_eq!(kind.datatype, AttributeType::SingleValue);
        let names: Vec<&str> = kind.values.iter().map(|(_, n)| n.as_str()).collect();
        for n in ["雨水", "污水", "电力", "通信", "燃气"] {
            assert!(names.contains(&n), "{n}");
        }
        let noise = seed.leaves().find(|l| l.name == "噪音扰民").unwrap();
        let period = noise.attributes.iter().find(|a| a.name == "时段").unwrap();
        assert_eq!(period.datatype, AttributeType::MultiValue);
        assert_eq!(period.datatype.open311_datatype(), "multivaluelist");
    }

    #[test]
    fn seed_routing_territory_overrides() {
        let seed = Catalogue::seed();
        let garbage = seed.leaves().find(|l| l.name == "暴露垃圾").unwrap();
        let elsewhere = routed(&seed, &garbage.code, "450107001002003").unwrap();
        assert_eq!(Some(elsewhere), garbage.default_department.as_deref());
        // 青秀区 sends 市容环境 to its own district unit.
        let qingxiu = seed.route(&garbage.code, "450103001002003").unwrap();
        assert_ne!(qingxiu.code, elsewhere);
        assert!(qingxiu.name.contains("青秀区"), "{}", qingxiu.name);
        // ... except 水域不洁, whose city-wide leaf rule beats the district's major rule.
        assert_eq!(routed(&seed, "1104", "450103001002003"), Some("sw"));
        // 江南区 sends disputes to its mediation centre, one street its 邻里纠纷 to the
        // community first, and 劳资纠纷 stays with 人社 everywhere.
        assert_eq!(routed(&seed, "2104", "450105002"), Some("tjzx-450105"));
        assert_eq!(routed(&seed, "2101", "450105002"), Some("tjzx-450105"));
        assert_eq!(routed(&seed, "2101", "450105001003004"), Some("sq"));
        assert_eq!(routed(&seed, "2103", "450105001003004"), Some("rsj"));
        assert_eq!(routed(&seed, "2101", "450107001"), Some("sfs"));
    }

    #[test]
    fn seed_routing_agrees_with_defaults_where_no_territory_overrides() {
        // 西乡塘区 (450107) has no territory-specific rule: the city-wide rules must agree with
        // each leaf's default department, or the table contradicts itself.
        let seed = Catalogue::seed();
        for l in seed.leaves() {
            assert_eq!(
                routed(&seed, &l.code, "450107001002003"),
                l.default_department.as_deref(),
                "{} {}",
                l.code,
                l.name
            );
        }
    }

    #[test]
    fn seed_is_serializable_as_a_catalogue() {
        let seed = Catalogue::seed();
        let json = serde_json::to_string(&seed).unwrap();
        let back: Catalogue = serde_json::from_str(&json).unwrap();
        assert_eq!(back, seed);
    }

    #[test]
    fn route_falls_back_to_leaf_then_major_default() {
        let c = small();
        assert_eq!(c.validate(), Ok(()));
        assert_eq!(routed(&c, "1101", "450103001"), Some("d-leaf"));
        assert_eq!(routed(&c, "1201", "450103001"), Some("d-major"));
        assert_eq!(routed(&c, "1102", "450103001"), None);
        assert_eq!(routed(&c, "11", "450103001"), None, "a major is not a leaf");
        assert_eq!(routed(&c, "9999", "450103001"), None);
    }

    #[test]
    fn route_longer_territory_prefix_wins() {
        let mut c = small();
        c.routing = vec![
            rule("11", "450103", "district"),
            rule("11", "", "city"),
            rule("11", "450103001", "street"),
        ];
        assert_eq!(c.validate(), Ok(()));
        assert_eq!(routed(&c, "1101", "450105002003004"), Some("city"));
        assert_eq!(routed(&c, "1101", "450103002"), Some("district"));
        assert_eq!(routed(&c, "1101", "450103001007001"), Some("street"));
        assert_eq!(routed(&c, "1102", "450103001"), Some("street"));
    }

    #[test]
    fn route_leaf_rule_beats_major_rule() {
        let mut c = small();
        c.routing = vec![
            rule("11", "450103001", "street"),
            rule("1101", "", "leafrule"),
            rule("11", "", "city"),
        ];
        assert_eq!(routed(&c, "1101", "450103001002003"), Some("leafrule"));
        assert_eq!(routed(&c, "1102", "450103001002003"), Some("street"));
        // A rule beats the leaf's default department.
        c.routing = vec![rule("11", "4501", "city")];
        assert_eq!(routed(&c, "1101", "450103001"), Some("city"));
        assert_eq!(routed(&c, "1101", "450203001"), Some("d-leaf"));
        // Rules for other categories never match.
        c.routing = vec![rule("12", "", "city"), rule("1102", "", "street")];
        assert_eq!(routed(&c, "1101", "450103001"), Some("d-leaf"));
    }

    #[test]
    fn revise_bumps_version_and_keeps_code() {
        let mut c = Catalogue::seed();
        let mut edited = c.leaf("1101").unwrap().clone();
        let original = edited.clone();
        edited.name = "暴露垃圾（含绿化带内）".into();
        edited.limits.as_mut().unwrap().handle = TimeLimit::hours(2);
        assert_eq!(c.revise(edited.clone()), Ok(2));
        let now = c.leaf("1101").unwrap();
        assert_eq!(now.code, "1101");
        assert_eq!(now.version, 2);
        assert_eq!(now.name, "暴露垃圾（含绿化带内）");
        assert_eq!(now.limits.unwrap().handle, TimeLimit::hours(2));
        assert_ne!(now, &original);

        // Re-submitting the old version is a conflict and changes nothing.
        let before = c.clone();
        assert_eq!(
            c.revise(edited),
            Err(CatalogueError::StaleVersion {
                code: "1101".into(),
                current: 2,
                given: 1
            })
        );
        assert_eq!(c, before);

        let mut again = c.leaf("1101").unwrap().clone();
        again.default_department = Some("cgj".into());
        assert_eq!(c.revise(again), Ok(3));
        assert_eq!(c.leaf("1101").unwrap().version, 3);
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn revise_refuses_invalid_edits_and_unknown_codes() {
        let mut c = Catalogue::seed();
        let before = c.clone();
        let mut edited = c.leaf("1101").unwrap().clone();
        edited.limits = None;
        edited.default_department = Some("nope".into());
        let Err(CatalogueError::Rejected(errors)) = c.revise(edited) else {
            panic!("expected rejection");
        };
        assert!(errors.contains(&CatalogueError::LeafWithoutLimits("1101".into())));
        assert!(
            errors
                .iter()
                .any(|e| matches!(e, CatalogueError::UnknownDepartment { department, .. } if department == "nope"))
        );
        assert_eq!(c, before, "a refused edit changes nothing");

        let mut ghost = leaf("9901", "99", None);
        ghost.version = 1;
        assert_eq!(
            c.revise(ghost),
            Err(CatalogueError::UnknownCategory("9901".into()))
        );

        // Changing a major's kind would make its leaves disagree with it.
        let mut m = c.category("11").unwrap().clone();
        m.kind = CategoryKind::Component;
        assert!(matches!(c.revise(m), Err(CatalogueError::Rejected(_))));
    }

    #[test]
    fn add_a_leaf() {
        let mut c = small();
        assert_eq!(c.add(leaf("1103", "11", Some("city"))), Ok(()));
        assert_eq!(c.leaf("1103").unwrap().version, 1);
        assert_eq!(
            c.add(leaf("1103", "11", None)),
            Err(CatalogueError::DuplicateCategory("1103".into()))
        );
        assert!(matches!(
            c.add(leaf("1204", "11", None)),
            Err(CatalogueError::Rejected(_))
        ));
        assert_eq!(c.leaves().count(), 4);
    }

    #[test]
    fn validation_reports_every_problem_at_once() {
        let mut c = small();
        c.categories.push(leaf("1101", "11", None)); // duplicate code
        let mut no_limits = leaf("1103", "11", None);
        no_limits.limits = None;
        c.categories.push(no_limits); // leaf without limits
        c.categories.push(leaf("1104", "11", Some("ghost"))); // unknown department
        let mut major_limits = major("13", CategoryKind::Event, None);
        major_limits.limits = Some(limits(TimeLimit::hours(1)));
        c.categories.push(major_limits); // a major with limits
        c.categories.push(leaf("1301", "12", None)); // code does not extend its major's
        let mut zero = leaf("1105", "11", None);
        zero.limits.as_mut().unwrap().handle = TimeLimit::days(0);
        c.categories.push(zero);
        let mut component = leaf("1106", "11", None);
        component.kind = CategoryKind::Component;
        c.categories.push(component);
        c.categories.push(leaf("1401", "14", None)); // unknown parent
        c.categories.push(leaf("110101", "1101", None)); // three levels
        let mut attributes = leaf("1107", "11", None);
        let text = ExtraAttribute {
            code: "a".into(),
            name: "甲".into(),
            datatype: AttributeType::Text,
            required: false,
            values: vec![("x".into(), "X".into())],
            description: String::new(),
        };
        let list = ExtraAttribute {
            datatype: AttributeType::SingleValue,
            values: Vec::new(),
            ..text.clone()
        };
        attributes.attributes = vec![text, list];
        c.categories.push(attributes);
        c.departments.push(department("city"));
        c.routing = vec![
            rule("1199", "", "city"),
            rule("11", "450100", "city"),
            rule("11", "", "ghost2"),
            rule("11", "", "city"),
        ];

        let errors = c.validate().unwrap_err();
        let expected = [
            CatalogueError::DuplicateCategory("1101".into()),
            CatalogueError::LeafWithoutLimits("1103".into()),
            CatalogueError::UnknownDepartment {
                used_by: "分类 1104 / category".into(),
                department: "ghost".into(),
            },
            CatalogueError::MajorWithLimits("13".into()),
            CatalogueError::CodeNotExtendingParent {
                code: "1301".into(),
                parent: "12".into(),
            },
            CatalogueError::ZeroLimit {
                code: "1105".into(),
                step: Step::Handle,
            },
            CatalogueError::KindMismatch {
                code: "1106".into(),
                parent: "11".into(),
            },
            CatalogueError::UnknownParent {
                code: "1401".into(),
                parent: "14".into(),
            },
            CatalogueError::ParentNotMajor {
                code: "110101".into(),
                parent: "1101".into(),
            },
            CatalogueError::DuplicateAttribute {
                category: "1107".into(),
                attribute: "a".into(),
            },
            CatalogueError::ValuesNotAllowed {
                category: "1107".into(),
                attribute: "a".into(),
            },
            CatalogueError::MissingValues {
                category: "1107".into(),
                attribute: "a".into(),
            },
            CatalogueError::DuplicateDepartment("city".into()),
            CatalogueError::UnknownRoutingCategory {
                category: "1199".into(),
                territory: "".into(),
            },
            CatalogueError::BadTerritory {
                category: "11".into(),
                territory: "450100".into(),
            },
            CatalogueError::DuplicateRoutingRule {
                category: "11".into(),
                territory: "".into(),
            },
        ];
        for e in &expected {
            assert!(errors.contains(e), "missing {e:?} in {errors:#?}");
        }
        assert!(
            errors.iter().any(|e| matches!(e,
                CatalogueError::UnknownDepartment { department, .. } if department == "ghost2")),
            "{errors:#?}"
        );
        assert!(
            errors.iter().any(|e| matches!(e,
                CatalogueError::BadCode { code, .. } if code == "110101")),
            "{errors:#?}"
        );
        // Messages are bilingual.
        let text = CatalogueError::Rejected(errors).to_string();
        assert!(text.contains("没有时限") && text.contains("has no time limits"));
    }

    #[test]
    fn time_limit_compact_form() {
        for (s, l) in [
            ("30min", TimeLimit::minutes(30)),
            ("4h", TimeLimit::hours(4)),
            ("15d", TimeLimit::days(15)),
        ] {
            assert_eq!(s.parse::<TimeLimit>(), Ok(l));
            assert_eq!(l.to_string(), s);
        }
        for bad in ["", "4", "h", "4w", "-1h", "4 h"] {
            assert!(bad.parse::<TimeLimit>().is_err(), "{bad:?}");
        }
        assert_eq!(TimeLimit::days(2).working_minutes(480), 960);
        assert_eq!(TimeLimit::hours(2).working_minutes(480), 120);
    }
}
