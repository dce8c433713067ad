//! The scope of a query: code-prefix ranges over the territory codes, and the expressions that
//! steer each engine to the right index for a wide scope (a district, the city) or a narrow one
//! (a community, a grid). Every capability's SQL uses them; they belong to none.

/// `((col >= $n AND col < $n+1) OR …)` for a set of code prefixes, numbering from `first`:
/// a range rather than `LIKE 'p%'`, so both engines use the index on `col` (SQLite's LIKE
/// and PostgreSQL's non-C collations cannot). Bind each prefix with `bind_prefix` order:
/// the prefix, then `upper_bound(prefix)`.
pub(crate) fn prefix_clause(col: &str, prefixes: &[String], first: usize) -> String {
    if prefixes.is_empty() {
        return "1 = 0".into();
    }
    let parts: Vec<String> = (0..prefixes.len())
        .map(|i| {
            format!(
                "({col} >= ${} AND {col} < ${})",
                first + 2 * i,
                first + 2 * i + 1
            )
        })
        .collect();
    format!("({})", parts.join(" OR "))
}

/// The grid column as an expression SQLite cannot answer from the grid index. For a wide scope
/// (a district, the city) walking the grid index visits most cases; with this in the scope
/// clause the planner takes the status, time or organisation index instead (PostgreSQL's
/// planner chooses well either way).
pub(crate) const GRID_UNINDEXED: &str = "(grid_code || '')";

/// The status column as an expression no index answers. For a narrow scope (a community or a
/// grid) the grid index finds its few hundred cases at once, while the status index would walk
/// the open cases of the whole city.
pub(crate) const STATUS_UNINDEXED: &str = "(status || '')";

/// Whether every prefix is a community or finer: scopes the grid index answers best.
pub(crate) fn narrow_scope(prefixes: &[String]) -> bool {
    !prefixes.is_empty() && prefixes.iter().all(|p| p.len() >= 12)
}

/// The status column to filter on for cases under `prefixes` (see `STATUS_UNINDEXED`).
pub(crate) fn status_col(prefixes: &[String]) -> &'static str {
    if narrow_scope(prefixes) {
        STATUS_UNINDEXED
    } else {
        "status"
    }
}

/// The smallest string above every code starting with `prefix` (codes are digits).
pub(crate) fn upper_bound(prefix: &str) -> String {
    let mut digits: Vec<u8> = prefix.bytes().collect();
    while let Some(last) = digits.pop() {
        if last < b'9' {
            digits.push(last + 1);
            return String::from_utf8(digits).unwrap_or_default();
        }
    }
    // All nines (or empty): every code is below a letter.
    "A".into()
}
