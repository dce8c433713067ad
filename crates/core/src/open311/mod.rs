//! Open311 GeoReport v2: how our categories, states and attributes look to a civic-issue client
//! (pure rules; the HTTP and the XML/JSON live in the server).

use crate::cases::catalogue::{AttributeType, Category, ExtraAttribute};
use crate::cases::machine::Status;
use std::collections::BTreeMap;

/// Open311's two states: a case is open until it leaves the loop.
pub fn status_of(status: Status) -> &'static str {
    if status.is_open() { "open" } else { "closed" }
}

/// The statuses a `status=open,closed` filter selects.
pub fn statuses_for(filter: &str) -> Result<Vec<Status>, String> {
    use Status::*;
    let mut out = Vec::new();
    for part in filter.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part {
            "open" => out.extend([Reported, Filed, Dispatched, Accepted, Handled]),
            "closed" => out.extend([Closed, Cancelled, Merged]),
            other => return Err(format!("status must be open or closed, not {other:?}")),
        }
    }
    Ok(out)
}

/// An Open311 error: the HTTP code and a description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open311Error {
    pub code: u16,
    pub description: String,
}

impl Open311Error {
    pub fn new(code: u16, description: impl Into<String>) -> Self {
        Open311Error {
            code,
            description: description.into(),
        }
    }
}

/// Checks `attribute[code]` values against the category's attributes: required ones present,
/// list values among the allowed keys, numbers numeric, single values single.
pub fn check_attributes(
    category: &Category,
    given: &BTreeMap<String, Vec<String>>,
) -> Result<(), Open311Error> {
    for (code, values) in given {
        let Some(attr) = category.attributes.iter().find(|a| &a.code == code) else {
            return Err(Open311Error::new(
                400,
                format!(
                    "attribute[{code}]: unknown attribute of service {}",
                    category.code
                ),
            ));
        };
        check_values(attr, values)?;
    }
    for attr in category.attributes.iter().filter(|a| a.required) {
        if given
            .get(&attr.code)
            .is_none_or(|v| v.iter().all(|s| s.trim().is_empty()))
        {
            return Err(Open311Error::new(
                400,
                format!("attribute[{}] ({}) is required", attr.code, attr.name),
            ));
        }
    }
    Ok(())
}

fn check_values(attr: &ExtraAttribute, values: &[String]) -> Result<(), Open311Error> {
    let bad = |why: String| Open311Error::new(400, format!("attribute[{}]: {why}", attr.code));
    if values.len() > 1 && attr.datatype != AttributeType::MultiValue {
        return Err(bad("takes one value".into()));
    }
    for v in values {
        match attr.datatype {
            AttributeType::Number if v.trim().parse::<f64>().is_err() => {
                return Err(bad(format!("{v:?} is not a number")));
            }
            AttributeType::SingleValue | AttributeType::MultiValue
                if !attr.values.iter().any(|(key, _)| key == v) =>
            {
                return Err(bad(format!("{v:?} is not one of the listed values")));
            }
            _ => {}
        }
    }
    Ok(())
}

/// `attribute[code]=v` and `attribute[code][]=v` pairs of a form into code → values.
pub fn attributes_from_form(pairs: &[(String, String)]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, value) in pairs {
        let Some(rest) = key.strip_prefix("attribute[") else {
            continue;
        };
        let code = rest
            .strip_suffix("][]")
            .or_else(|| rest.strip_suffix(']'))
            .unwrap_or(rest);
        out.entry(code.to_string()).or_default().push(value.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::catalogue::Catalogue;

    #[test]
    fn states_map_to_open_and_closed() {
        assert_eq!(status_of(Status::Dispatched), "open");
        assert_eq!(status_of(Status::Cancelled), "closed");
        assert_eq!(statuses_for("open").unwrap().len(), 5);
        assert_eq!(statuses_for("open,closed").unwrap().len(), 8);
        assert!(statuses_for("pending").is_err());
    }

    #[test]
    fn attributes_come_from_the_form_and_are_checked() {
        let form = vec![
            ("attribute[item]".to_string(), "营业执照".to_string()),
            ("attribute[kinds][]".to_string(), "a".to_string()),
            ("attribute[kinds][]".to_string(), "b".to_string()),
            ("description".to_string(), "x".to_string()),
        ];
        let a = attributes_from_form(&form);
        assert_eq!(a["item"], vec!["营业执照"]);
        assert_eq!(a["kinds"], vec!["a", "b"]);
        let catalogue = Catalogue::seed();
        let approvals = catalogue.leaf("2401").unwrap();
        let mut given = BTreeMap::new();
        assert_eq!(check_attributes(approvals, &given).unwrap_err().code, 400);
        given.insert("item".to_string(), vec!["营业执照".to_string()]);
        assert!(check_attributes(approvals, &given).is_ok());
        given.insert("nope".to_string(), vec!["1".to_string()]);
        assert!(check_attributes(approvals, &given).is_err());
    }
}
