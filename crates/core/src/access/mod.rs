//! Who may do what, where: roles bound to territory nodes, decided by one `authorize`.

use crate::territory::{Level, NodeCode};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    CityAdmin,
    DistrictAdmin,
    StreetAdmin,
    CommunityAdmin,
    GridWorker,
    DepartmentHandler,
    PartyMember,
    Resident,
    Auditor,
}

pub const ALL_ROLES: [Role; 9] = [
    Role::CityAdmin,
    Role::DistrictAdmin,
    Role::StreetAdmin,
    Role::CommunityAdmin,
    Role::GridWorker,
    Role::DepartmentHandler,
    Role::PartyMember,
    Role::Resident,
    Role::Auditor,
];

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::CityAdmin => "city_admin",
            Role::DistrictAdmin => "district_admin",
            Role::StreetAdmin => "street_admin",
            Role::CommunityAdmin => "community_admin",
            Role::GridWorker => "grid_worker",
            Role::DepartmentHandler => "department_handler",
            Role::PartyMember => "party_member",
            Role::Resident => "resident",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        ALL_ROLES.iter().copied().find(|r| r.as_str() == text)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Role::CityAdmin => "市级管理员",
            Role::DistrictAdmin => "区级管理员",
            Role::StreetAdmin => "街道管理员",
            Role::CommunityAdmin => "社区管理员",
            Role::GridWorker => "网格员",
            Role::DepartmentHandler => "部门处置人员",
            Role::PartyMember => "党员",
            Role::Resident => "居民",
            Role::Auditor => "审计员",
        }
    }

    /// The level an admin role must be bound at; other roles may sit at any level.
    pub fn required_level(self) -> Option<&'static [Level]> {
        match self {
            Role::CityAdmin => Some(&[Level::City]),
            Role::DistrictAdmin => Some(&[Level::District]),
            Role::StreetAdmin => Some(&[Level::Street]),
            Role::CommunityAdmin => Some(&[Level::Community]),
            Role::GridWorker => Some(&[Level::Grid]),
            _ => None,
        }
    }

    fn is_admin(self) -> bool {
        matches!(
            self,
            Role::CityAdmin | Role::DistrictAdmin | Role::StreetAdmin | Role::CommunityAdmin
        )
    }

    fn permits(self, action: Action) -> bool {
        match action {
            Action::ViewTerritory | Action::Locate | Action::ViewSelf => true,
            Action::ManageTerritory | Action::ManageUsers | Action::ManageIntegrations => {
                self.is_admin()
            }
            Action::ReadAudit => matches!(self, Role::Auditor | Role::CityAdmin),
            Action::ViewPeople | Action::ManagePeople => {
                self.is_admin() || self == Role::GridWorker
            }
            // Plain ID and phone numbers: only those who visit households need them.
            Action::RevealPersonalData => matches!(
                self,
                Role::GridWorker | Role::CommunityAdmin | Role::StreetAdmin
            ),
            Action::ReportCase => self != Role::Auditor,
            // City-wide tables (case categories, working calendar) belong to the city.
            Action::ManageCatalogue => self == Role::CityAdmin,
            Action::WorkCase => {
                self.is_admin() || matches!(self, Role::GridWorker | Role::DepartmentHandler)
            }
            // Everyone bound where a case lies may read it (a resident the cases of their grid).
            Action::ViewCase => true,
            // The steps of the loop, each for the role whose work it is: the community and the
            // levels above file, dispatch and merge; the department takes and handles; the
            // grid worker (or the dispatcher) checks on site; leaders above the community
            // supervise; a case goes up from those who hold it.
            Action::DispatchCase => self.is_admin(),
            Action::HandleCase => self == Role::DepartmentHandler,
            Action::VerifyCase => self.is_admin() || self == Role::GridWorker,
            Action::EscalateCase => self.is_admin() || self == Role::DepartmentHandler,
            Action::SuperviseCase => matches!(
                self,
                Role::StreetAdmin | Role::DistrictAdmin | Role::CityAdmin
            ),
            // Residents' deliberation is the residents' own: they see it, take part and vote;
            // the community and those above it run it.
            Action::ViewDeliberation => self != Role::DepartmentHandler,
            Action::JoinDeliberation => !matches!(self, Role::Auditor | Role::DepartmentHandler),
            Action::ManageDeliberation => self.is_admin() || self == Role::GridWorker,
            Action::Vote => matches!(self, Role::Resident | Role::PartyMember),
            // Three-affairs disclosure: staff keep the catalogue, roster and drafts; approval
            // is further limited to the community's committee roster.
            Action::ManageDisclosure => self.is_admin(),
            Action::ApproveDisclosure => !matches!(self, Role::Auditor | Role::DepartmentHandler),
            Action::VerifyDisclosure => self.is_admin() || self == Role::Auditor,
        }
    }
}

/// A role held over one territory node and everything below it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Binding {
    pub role: Role,
    pub node: NodeCode,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BindingError {
    #[error(
        "角色 {role} 须绑定到{expected}级节点，{node} 是{actual}级 / role {role} must be bound to a {expected} node"
    )]
    WrongLevel {
        role: &'static str,
        node: String,
        expected: &'static str,
        actual: &'static str,
    },
}

impl Binding {
    pub fn new(role: Role, node: NodeCode) -> Result<Binding, BindingError> {
        if let Some(levels) = role.required_level()
            && !levels.contains(&node.level())
        {
            return Err(BindingError::WrongLevel {
                role: role.as_str(),
                node: node.to_string(),
                expected: levels[0].name_zh(),
                actual: node.level().name_zh(),
            });
        }
        Ok(Binding { role, node })
    }
}

/// How the actor proved who they are; tokens belong to integrations, sessions to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Credential {
    Session,
    Token,
    System,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    /// The name people know them by (王芳), shown instead of the login code.
    #[serde(default)]
    pub display_name: String,
    pub bindings: Vec<Binding>,
    pub credential: Credential,
}

impl Actor {
    /// The actor used by the command line and start-up work, which acts for the operator.
    pub fn system() -> Actor {
        Actor {
            user_id: 0,
            username: "system".into(),
            display_name: "系统 / system".into(),
            bindings: vec![Binding {
                role: Role::CityAdmin,
                node: NodeCode::parse("450100").expect("valid"),
            }],
            credential: Credential::System,
        }
    }

    /// The display name, or the login code when there is none.
    pub fn name(&self) -> &str {
        if self.display_name.is_empty() {
            &self.username
        } else {
            &self.display_name
        }
    }

    pub fn label(&self) -> String {
        format!("{}#{}", self.username, self.user_id)
    }

    /// Codes of the nodes the actor reaches, for filtering lists in queries.
    pub fn scope_prefixes(&self, action: Action) -> Vec<String> {
        let mut prefixes: Vec<String> = self
            .bindings
            .iter()
            .filter(|b| b.role.permits(action))
            .map(|b| b.node.scope_prefix().to_string())
            .collect();
        prefixes.sort();
        prefixes.dedup();
        prefixes
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    ViewSelf,
    ViewTerritory,
    ManageTerritory,
    ManageUsers,
    ManageIntegrations,
    ReadAudit,
    Locate,
    ViewPeople,
    ManagePeople,
    RevealPersonalData,
    ReportCase,
    ViewCase,
    WorkCase,
    DispatchCase,
    HandleCase,
    VerifyCase,
    EscalateCase,
    SuperviseCase,
    ManageCatalogue,
    ViewDeliberation,
    JoinDeliberation,
    ManageDeliberation,
    Vote,
    ManageDisclosure,
    ApproveDisclosure,
    VerifyDisclosure,
}

impl Action {
    /// Actions aimed at a community that people bound below it (a grid's residents and
    /// workers) may also take: the community's councils, votes, sessions and decisions are theirs.
    fn reaches_up(self) -> bool {
        matches!(
            self,
            Action::ViewTerritory
                | Action::ViewDeliberation
                | Action::JoinDeliberation
                | Action::Vote
        )
    }

    /// Actions whose target those bound below can see, so a refusal is "forbidden", not
    /// "not found" (a resident may read their community's items but not answer them).
    fn seen_from_below(self) -> bool {
        self.reaches_up() || self == Action::ManageDeliberation
    }

    /// The action that shows a record this action is aimed at. A refusal may say "forbidden"
    /// (and so that the record exists) only to someone who could read the record anyway;
    /// `None`: the record is seen only by those who may take the action itself.
    fn seeing(self) -> Option<Action> {
        match self {
            Action::ViewSelf | Action::Locate => Some(self),
            Action::ViewTerritory | Action::ManageTerritory => Some(Action::ViewTerritory),
            Action::ManageUsers
            | Action::ManageIntegrations
            | Action::ReadAudit
            | Action::ManageCatalogue => None,
            Action::ViewPeople | Action::ManagePeople | Action::RevealPersonalData => {
                Some(Action::ViewPeople)
            }
            Action::ReportCase
            | Action::ViewCase
            | Action::WorkCase
            | Action::DispatchCase
            | Action::HandleCase
            | Action::VerifyCase
            | Action::EscalateCase
            | Action::SuperviseCase => Some(Action::ViewCase),
            Action::ViewDeliberation
            | Action::JoinDeliberation
            | Action::ManageDeliberation
            | Action::Vote => Some(Action::ViewDeliberation),
            Action::ManageDisclosure | Action::ApproveDisclosure | Action::VerifyDisclosure => {
                Some(Action::ApproveDisclosure)
            }
        }
    }
}

/// What an action is aimed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// A territory node itself (division or grid code), e.g. the node a list is narrowed to.
    Node(&'a str),
    /// A record found by its id, located at this node (or code prefix). Whether it exists is
    /// told only to those who may read it: anyone else is answered "not found", exactly as
    /// for an id that does not exist.
    Record(&'a str),
    /// Something with no place in the territory (the platform itself).
    Platform,
}

/// A refusal. `Hidden` must be answered exactly like "not found", so that a request outside
/// one's subtree does not reveal whether the thing exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denial {
    #[error("not found")]
    Hidden,
    #[error("forbidden")]
    Forbidden,
}

/// The one decision point for every access in the platform.
pub fn authorize(actor: &Actor, action: Action, target: Target<'_>) -> Result<(), Denial> {
    // The operator at the command line already holds the database; refusing them protects nothing.
    if actor.credential == Credential::System {
        return Ok(());
    }
    let code = match target {
        Target::Platform => {
            return if actor.bindings.iter().any(|b| b.role.permits(action)) {
                Ok(())
            } else {
                Err(Denial::Forbidden)
            };
        }
        Target::Node(code) => code,
        Target::Record(code) => {
            return match authorize(actor, action, Target::Node(code)) {
                Err(Denial::Forbidden) if !may_see_record(actor, action, code) => {
                    Err(Denial::Hidden)
                }
                other => other,
            };
        }
    };
    let reaching: Vec<&Binding> = actor
        .bindings
        .iter()
        .filter(|b| {
            b.node.reaches(code) || (action.seen_from_below() && is_ancestor(code, &b.node))
        })
        .collect();
    if reaching.is_empty() {
        return Err(Denial::Hidden);
    }
    let allowed = reaching
        .iter()
        .any(|b| b.role.permits(action) && (action.reaches_up() || b.node.reaches(code)));
    if allowed {
        Ok(())
    } else {
        Err(Denial::Forbidden)
    }
}

fn may_see_record(actor: &Actor, action: Action, code: &str) -> bool {
    match action.seeing() {
        Some(view) if view != action => authorize(actor, view, Target::Node(code)).is_ok(),
        _ => false,
    }
}

/// Whether `code` is an ancestor of `node`; ancestors are visible as breadcrumbs.
fn is_ancestor(code: &str, node: &NodeCode) -> bool {
    match NodeCode::parse(code) {
        Ok(ancestor) => ancestor.reaches(node.as_str()),
        Err(_) => false,
    }
}

/// Whether `actor` may grant `binding` to someone: only inside their own reach, and only
/// with a role that manages users there.
pub fn may_grant(actor: &Actor, binding: &Binding) -> Result<(), Denial> {
    authorize(
        actor,
        Action::ManageUsers,
        Target::Node(binding.node.as_str()),
    )?;
    if binding.role == Role::CityAdmin || binding.role == Role::Auditor {
        let city_admin = actor.bindings.iter().any(|b| b.role == Role::CityAdmin);
        if !city_admin {
            return Err(Denial::Forbidden);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(bindings: &[(Role, &str)]) -> Actor {
        Actor {
            user_id: 1,
            username: "t".into(),
            display_name: "测试".into(),
            bindings: bindings
                .iter()
                .map(|(r, n)| Binding::new(*r, NodeCode::parse(n).unwrap()).unwrap())
                .collect(),
            credential: Credential::Session,
        }
    }

    #[test]
    fn admin_reaches_only_subtree() {
        let street = actor(&[(Role::StreetAdmin, "450103001")]);
        let inside = Target::Node("450103001002001");
        let outside = Target::Node("450103002001001");
        assert_eq!(authorize(&street, Action::ManageTerritory, inside), Ok(()));
        assert_eq!(
            authorize(&street, Action::ManageTerritory, outside),
            Err(Denial::Hidden)
        );
        assert_eq!(
            authorize(&street, Action::ViewTerritory, outside),
            Err(Denial::Hidden)
        );
    }

    #[test]
    fn residents_take_part_in_their_community_but_do_not_manage_it() {
        let resident = actor(&[(Role::Resident, "450103001002001")]);
        let own = Target::Node("450103001002");
        for action in [Action::ViewDeliberation, Action::JoinDeliberation] {
            assert_eq!(authorize(&resident, action, own), Ok(()));
        }
        assert_eq!(
            authorize(&resident, Action::ManageDeliberation, own),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            authorize(
                &resident,
                Action::ViewDeliberation,
                Target::Node("450103001003")
            ),
            Err(Denial::Hidden)
        );
        let auditor = actor(&[(Role::Auditor, "450103")]);
        assert_eq!(
            authorize(&auditor, Action::JoinDeliberation, own),
            Err(Denial::Forbidden)
        );
    }

    #[test]
    fn ancestors_are_visible_but_not_manageable() {
        let worker = actor(&[(Role::GridWorker, "450103001002001")]);
        assert_eq!(
            authorize(&worker, Action::ViewTerritory, Target::Node("450103")),
            Ok(())
        );
        assert_eq!(
            authorize(&worker, Action::ManageTerritory, Target::Node("450103")),
            Err(Denial::Hidden)
        );
        assert_eq!(
            authorize(
                &worker,
                Action::ManageTerritory,
                Target::Node("450103001002001")
            ),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            authorize(
                &worker,
                Action::ViewTerritory,
                Target::Node("450103001002002")
            ),
            Err(Denial::Hidden)
        );
    }

    #[test]
    fn city_admin_reaches_every_district() {
        let admin = actor(&[(Role::CityAdmin, "450100")]);
        for d in ["450102", "450103", "450110"] {
            assert_eq!(
                authorize(&admin, Action::ManageTerritory, Target::Node(d)),
                Ok(())
            );
        }
        assert_eq!(
            authorize(&admin, Action::ManageTerritory, Target::Node("450203")),
            Err(Denial::Hidden)
        );
    }

    #[test]
    fn audit_is_for_auditors() {
        let auditor = actor(&[(Role::Auditor, "450100")]);
        let district = actor(&[(Role::DistrictAdmin, "450103")]);
        assert_eq!(
            authorize(&auditor, Action::ReadAudit, Target::Node("450103")),
            Ok(())
        );
        assert_eq!(
            authorize(&district, Action::ReadAudit, Target::Node("450103")),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            authorize(&auditor, Action::ManageUsers, Target::Node("450103")),
            Err(Denial::Forbidden)
        );
    }

    #[test]
    fn only_those_who_visit_households_reveal_personal_data() {
        let worker = actor(&[(Role::GridWorker, "450103001002001")]);
        let district = actor(&[(Role::DistrictAdmin, "450103")]);
        let grid = Target::Node("450103001002001");
        assert_eq!(authorize(&worker, Action::RevealPersonalData, grid), Ok(()));
        assert_eq!(authorize(&district, Action::ViewPeople, grid), Ok(()));
        assert_eq!(
            authorize(&district, Action::RevealPersonalData, grid),
            Err(Denial::Forbidden)
        );
        let resident = actor(&[(Role::Resident, "450103001002001")]);
        assert_eq!(
            authorize(&resident, Action::ViewPeople, grid),
            Err(Denial::Forbidden)
        );
    }

    #[test]
    fn disclosure_is_kept_by_staff_and_checked_by_auditors() {
        let community = Target::Node("450103001002");
        let admin = actor(&[(Role::CommunityAdmin, "450103001002")]);
        let member = actor(&[(Role::Resident, "450103001002")]);
        let auditor = actor(&[(Role::Auditor, "450100")]);
        assert_eq!(
            authorize(&admin, Action::ManageDisclosure, community),
            Ok(())
        );
        assert_eq!(
            authorize(&member, Action::ManageDisclosure, community),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            authorize(&member, Action::ApproveDisclosure, community),
            Ok(())
        );
        assert_eq!(
            authorize(&auditor, Action::VerifyDisclosure, community),
            Ok(())
        );
        assert_eq!(
            authorize(&auditor, Action::ApproveDisclosure, community),
            Err(Denial::Forbidden)
        );
    }

    #[test]
    fn residents_of_a_grid_see_and_vote_in_their_community() {
        let resident = actor(&[(Role::Resident, "450103001002001")]);
        let community = Target::Node("450103001002");
        assert_eq!(
            authorize(&resident, Action::ViewDeliberation, community),
            Ok(())
        );
        assert_eq!(authorize(&resident, Action::Vote, community), Ok(()));
        assert_eq!(
            authorize(&resident, Action::ManageDeliberation, community),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            authorize(&resident, Action::Vote, Target::Node("450103001003")),
            Err(Denial::Hidden)
        );
        let admin = actor(&[(Role::CommunityAdmin, "450103001002")]);
        assert_eq!(
            authorize(&admin, Action::ManageDeliberation, community),
            Ok(())
        );
        assert_eq!(
            authorize(&admin, Action::Vote, community),
            Err(Denial::Forbidden)
        );
    }

    #[test]
    fn a_record_exists_only_for_those_who_may_read_it() {
        let grid = "450103001002001";
        let resident = actor(&[(Role::Resident, grid)]);
        // Residents see the deliberation of their grid, so refusing an action there may say so.
        assert_eq!(
            authorize(&resident, Action::ManageDeliberation, Target::Record(grid)),
            Err(Denial::Forbidden)
        );
        // They may not read the registry or the webhooks: those records do not exist for them.
        for action in [
            Action::ViewPeople,
            Action::ManagePeople,
            Action::ManageIntegrations,
        ] {
            assert_eq!(
                authorize(&resident, action, Target::Record(grid)),
                Err(Denial::Hidden),
                "{action:?}"
            );
            assert_eq!(
                authorize(&resident, action, Target::Node(grid)),
                Err(Denial::Forbidden),
                "{action:?} on the node itself"
            );
        }
        let district = actor(&[(Role::DistrictAdmin, "450103")]);
        assert_eq!(
            authorize(&district, Action::ManagePeople, Target::Record(grid)),
            Ok(())
        );
        assert_eq!(
            authorize(&district, Action::RevealPersonalData, Target::Record(grid)),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            authorize(
                &district,
                Action::ViewCase,
                Target::Record("450105001002001")
            ),
            Err(Denial::Hidden)
        );
        // A webhook of the whole city (its scope prefix) is outside a district's reach.
        assert_eq!(
            authorize(
                &district,
                Action::ManageIntegrations,
                Target::Record("4501")
            ),
            Err(Denial::Hidden)
        );
    }

    #[test]
    fn each_step_of_the_loop_belongs_to_one_kind_of_worker() {
        let grid = Target::Node("450103001002001");
        let worker = actor(&[(Role::GridWorker, "450103001002001")]);
        let community = actor(&[(Role::CommunityAdmin, "450103001002")]);
        let street = actor(&[(Role::StreetAdmin, "450103001")]);
        let handler = actor(&[(Role::DepartmentHandler, "450103")]);
        let allowed = |a: &Actor, action| authorize(a, action, grid).is_ok();
        assert!(!allowed(&worker, Action::DispatchCase));
        assert!(!allowed(&worker, Action::SuperviseCase));
        assert!(allowed(&worker, Action::VerifyCase));
        assert!(allowed(&community, Action::DispatchCase));
        assert!(!allowed(&community, Action::HandleCase));
        assert!(!allowed(&community, Action::SuperviseCase));
        assert!(allowed(&street, Action::SuperviseCase));
        assert!(allowed(&handler, Action::HandleCase));
        assert!(allowed(&handler, Action::EscalateCase));
        assert!(!allowed(&handler, Action::SuperviseCase));
        assert!(!allowed(&handler, Action::DispatchCase));
        assert!(!allowed(&handler, Action::VerifyCase));
    }

    #[test]
    fn bindings_check_level() {
        assert!(Binding::new(Role::GridWorker, NodeCode::parse("450103001002").unwrap()).is_err());
        assert!(Binding::new(Role::DistrictAdmin, NodeCode::parse("450103").unwrap()).is_ok());
        assert!(Binding::new(Role::Resident, NodeCode::parse("450103001002").unwrap()).is_ok());
    }

    #[test]
    fn granting_stays_inside_reach() {
        let district = actor(&[(Role::DistrictAdmin, "450103")]);
        let ok = Binding::new(
            Role::GridWorker,
            NodeCode::parse("450103001002001").unwrap(),
        )
        .unwrap();
        let foreign = Binding::new(
            Role::GridWorker,
            NodeCode::parse("450105001002001").unwrap(),
        )
        .unwrap();
        let auditor = Binding::new(Role::Auditor, NodeCode::parse("450103").unwrap()).unwrap();
        assert_eq!(may_grant(&district, &ok), Ok(()));
        assert_eq!(may_grant(&district, &foreign), Err(Denial::Hidden));
        assert_eq!(may_grant(&district, &auditor), Err(Denial::Forbidden));
    }
}
