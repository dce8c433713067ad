//! What a new case must hold before the engine takes it — the rules of a report, beside
//! `machine::apply` for every step after it. The server only looks up what these rules cannot
//! know (where a position falls, whether a grid, an organisation, a patrol or a photo exists,
//! whether the reporter may report there) and submits.

use crate::access::{Actor, Role};
use crate::invalid::{Invalid, invalid};
use crate::territory::GridCode;

/// Where reports come from.
pub const CHANNELS: [&str; 8] = [
    "patrol",
    "resident",
    "hotline",
    "enterprise",
    "camera",
    "meeting",
    "open311",
    "api",
];

pub const DESCRIPTION_MAX_CHARS: usize = 4_000;
pub const MAX_PHOTOS: usize = 9;

/// A report as it arrives, before any lookup.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewCase<'a> {
    pub description: &'a str,
    pub address: &'a str,
    pub media_url: Option<&'a str>,
    pub channel: Option<&'a str>,
    pub photos: usize,
    pub organisation_id: Option<i64>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub grid_code: Option<&'a str>,
}

/// The longest text each free field may hold (the API states the same as `maxLength`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldLimits {
    pub address: usize,
    pub media_url: usize,
}

/// Where the case is: found from the reporting enterprise, a position, or a named grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Placement<'a> {
    Organisation(i64),
    Position { lon: f64, lat: f64 },
    Grid(&'a str),
}

/// A report that keeps the rules: trimmed texts, its channel and where to look for its grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked<'a> {
    pub description: &'a str,
    pub address: &'a str,
    pub channel: &'a str,
    pub placement: Placement<'a>,
}

/// Checks a new report, the first broken rule named by its field.
pub fn check<'a>(
    new: &NewCase<'a>,
    actor: &Actor,
    limits: FieldLimits,
) -> Result<Checked<'a>, Invalid> {
    let description = new.description.trim();
    if description.is_empty() || description.chars().count() > DESCRIPTION_MAX_CHARS {
        return Err(invalid(
            "description",
            "须为 1–4000 字 / must have 1–4,000 characters",
        ));
    }
    let address = new.address.trim();
    if address.chars().count() > limits.address {
        let max = limits.address;
        return Err(invalid(
            "address",
            format!("最多 {max} 字 / at most {max} characters"),
        ));
    }
    if let Some(url) = new.media_url.filter(|u| !u.is_empty())
        && (!(url.starts_with("http://") || url.starts_with("https://"))
            || url.chars().count() > limits.media_url)
    {
        return Err(invalid(
            "media_url",
            "须为 http(s) 地址，最多 2000 字 / must be an http(s) URL of at most 2,000 characters",
        ));
    }
    let channel = new.channel.unwrap_or_else(|| default_channel(actor));
    if !CHANNELS.contains(&channel) {
        return Err(invalid(
            "channel",
            format!(
                "可用：{} / one of {}",
                CHANNELS.join(", "),
                CHANNELS.join(", ")
            ),
        ));
    }
    if new.photos > MAX_PHOTOS {
        return Err(invalid(
            "photos",
            format!("最多 {MAX_PHOTOS} 张照片 / at most {MAX_PHOTOS} photos"),
        ));
    }
    let placement = placement(new)?;
    let channel = if matches!(placement, Placement::Organisation(_)) {
        "enterprise"
    } else {
        channel
    };
    Ok(Checked {
        description,
        address,
        channel,
        placement,
    })
}

/// The channel of a report that names none: a grid worker's is a patrol, a resident's or party
/// member's is a resident report, anyone else's came through the API.
pub fn default_channel(actor: &Actor) -> &'static str {
    let roles: Vec<Role> = actor.bindings.iter().map(|b| b.role).collect();
    if roles.contains(&Role::GridWorker) {
        "patrol"
    } else if roles
        .iter()
        .all(|r| matches!(r, Role::Resident | Role::PartyMember))
    {
        "resident"
    } else {
        "api"
    }
}

/// An enterprise's report is placed at the enterprise; otherwise both coordinates, or a grid.
fn placement<'a>(new: &NewCase<'a>) -> Result<Placement<'a>, Invalid> {
    if let Some(org) = new.organisation_id {
        return Ok(Placement::Organisation(org));
    }
    match (new.lon, new.lat, new.grid_code) {
        (Some(lon), Some(lat), _) => Ok(Placement::Position { lon, lat }),
        (None, None, Some(code)) => {
            GridCode::parse(code).map_err(|e| invalid("grid_code", e.to_string()))?;
            Ok(Placement::Grid(code))
        }
        _ => Err(invalid(
            "lon/lat",
            "须给出经纬度（两者）或网格代码 / give lon and lat, or a grid_code",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Binding;
    use crate::territory::NodeCode;

    const LIMITS: FieldLimits = FieldLimits {
        address: 200,
        media_url: 2_000,
    };

    fn actor(role: Role) -> Actor {
        Actor {
            bindings: vec![Binding {
                role,
                node: NodeCode::parse("450102001001").unwrap(),
            }],
            ..Actor::system()
        }
    }

    fn report<'a>() -> NewCase<'a> {
        NewCase {
            description: "  路灯不亮  ",
            grid_code: Some("450102001001001"),
            ..NewCase::default()
        }
    }

    #[test]
    fn a_plain_report_is_trimmed_and_placed_in_its_grid() {
        let c = check(&report(), &actor(Role::GridWorker), LIMITS).unwrap();
        assert_eq!(c.description, "路灯不亮");
        assert_eq!(c.channel, "patrol");
        assert_eq!(c.placement, Placement::Grid("450102001001001"));
        let c = check(&report(), &actor(Role::Resident), LIMITS).unwrap();
        assert_eq!(c.channel, "resident");
        let c = check(&report(), &actor(Role::CommunityAdmin), LIMITS).unwrap();
        assert_eq!(c.channel, "api");
    }

    #[test]
    fn each_broken_rule_names_its_field() {
        let a = actor(Role::GridWorker);
        let field = |n: NewCase| check(&n, &a, LIMITS).unwrap_err().field;
        assert_eq!(
            field(NewCase {
                description: "   ",
                ..report()
            }),
            "description"
        );
        let long = "长".repeat(DESCRIPTION_MAX_CHARS + 1);
        assert_eq!(
            field(NewCase {
                description: &long,
                ..report()
            }),
            "description"
        );
        let address = "路".repeat(201);
        assert_eq!(
            field(NewCase {
                address: &address,
                ..report()
            }),
            "address"
        );
        assert_eq!(
            field(NewCase {
                media_url: Some("ftp://x"),
                ..report()
            }),
            "media_url"
        );
        assert_eq!(
            field(NewCase {
                channel: Some("fax"),
                ..report()
            }),
            "channel"
        );
        assert_eq!(
            field(NewCase {
                photos: MAX_PHOTOS + 1,
                ..report()
            }),
            "photos"
        );
        assert_eq!(
            field(NewCase {
                lon: Some(108.3),
                grid_code: None,
                ..report()
            }),
            "lon/lat"
        );
        assert_eq!(
            field(NewCase {
                grid_code: Some("45010200100100X"),
                ..report()
            }),
            "grid_code"
        );
    }

    #[test]
    fn an_enterprise_report_is_placed_at_the_enterprise_on_its_channel() {
        let c = check(
            &NewCase {
                organisation_id: Some(7),
                lon: Some(1.0),
                channel: Some("hotline"),
                ..report()
            },
            &actor(Role::Resident),
            LIMITS,
        )
        .unwrap();
        assert_eq!(c.placement, Placement::Organisation(7));
        assert_eq!(c.channel, "enterprise");
        let c = check(
            &NewCase {
                lon: Some(108.3),
                lat: Some(22.8),
                ..report()
            },
            &actor(Role::Resident),
            LIMITS,
        )
        .unwrap();
        assert_eq!(
            c.placement,
            Placement::Position {
                lon: 108.3,
                lat: 22.8
            }
        );
    }
}
