//! Matching a sheet's header row against the columns an importer expects.

use std::fmt;

use crate::Sheet;

/// Why a header row does not fit. Every list is in the order of the sheet or
/// of the specification, and names are as written there (canonical names for
/// `missing` and `expected`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HeaderProblem {
    /// Required columns that no header matches (canonical names).
    pub missing: Vec<String>,
    /// Headers that match no column, as written in the file. A column with
    /// data but no header is listed as `第N列（无表头）/ column N (no header)`.
    pub unknown: Vec<String>,
    /// All accepted columns, required first (canonical names).
    pub expected: Vec<String>,
    /// Columns given more than once under different accepted names (e.g. both
    /// `姓名` and `name`), as `canonical: first, second`.
    pub duplicate: Vec<String>,
}

impl fmt::Display for HeaderProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |v: &[String]| v.join("、");
        let list_en = |v: &[String]| v.join(", ");
        let mut zh = Vec::new();
        let mut en = Vec::new();
        if !self.missing.is_empty() {
            zh.push(format!("缺少必填列：{}", list(&self.missing)));
            en.push(format!(
                "missing required columns: {}",
                list_en(&self.missing)
            ));
        }
        if !self.unknown.is_empty() {
            zh.push(format!("无法识别的列：{}", list(&self.unknown)));
            en.push(format!("unknown columns: {}", list_en(&self.unknown)));
        }
        if !self.duplicate.is_empty() {
            zh.push(format!("重复的列：{}", list(&self.duplicate)));
            en.push(format!("columns given twice: {}", list_en(&self.duplicate)));
        }
        write!(
            f,
            "表头不符合模板：{}。可用的列为：{} / Header does not match the template: {}. Accepted columns: {}",
            zh.join("；"),
            list(&self.expected),
            en.join("; "),
            list_en(&self.expected)
        )
    }
}

impl std::error::Error for HeaderProblem {}

/// Matches the sheet's headers against `required` and `optional` column
/// specifications and returns, per specification (required first, then
/// optional), the index of the matching sheet column.
///
/// A specification may list alternatives separated by `|`, such as
/// `"姓名|name"`; the first is the canonical name. Matching ignores
/// surrounding whitespace and ASCII case. Every required column must be
/// present, every non-empty header must match a specification, and no
/// specification may be matched twice. A header-less column is ignored when
/// it holds no data.
pub fn check_headers(
    sheet: &Sheet,
    required: &[&str],
    optional: &[&str],
) -> Result<Vec<Option<usize>>, HeaderProblem> {
    let specs: Vec<Vec<String>> = required
        .iter()
        .chain(optional)
        .map(|spec| {
            spec.split('|')
                .map(normalize)
                .filter(|alt| !alt.is_empty())
                .collect()
        })
        .collect();
    let canonical = |i: usize| -> String {
        let spec = if i < required.len() {
            required[i]
        } else {
            optional[i - required.len()]
        };
        spec.split('|').next().unwrap_or(spec).trim().to_owned()
    };

    let mut found: Vec<Option<usize>> = vec![None; specs.len()];
    let mut problem = HeaderProblem::default();
    for (col, header) in sheet.headers.iter().enumerate() {
        let key = normalize(header);
        if key.is_empty() {
            if sheet
                .rows
                .iter()
                .any(|r| r.cells.get(col).is_some_and(|c| !c.is_empty()))
            {
                problem.unknown.push(format!(
                    "第{}列（无表头）/ column {} (no header)",
                    col + 1,
                    col + 1
                ));
            }
            continue;
        }
        match specs.iter().position(|alts| alts.contains(&key)) {
            None => problem.unknown.push(header.clone()),
            Some(i) => match found[i] {
                None => found[i] = Some(col),
                Some(first) => problem.duplicate.push(format!(
                    "{}: {}, {}",
                    canonical(i),
                    sheet.headers[first],
                    header
                )),
            },
        }
    }
    problem.missing = (0..required.len())
        .filter(|&i| found[i].is_none())
        .map(canonical)
        .collect();
    if problem.missing.is_empty() && problem.unknown.is_empty() && problem.duplicate.is_empty() {
        return Ok(found);
    }
    problem.expected = (0..specs.len()).map(canonical).collect();
    Err(problem)
}

fn normalize(s: &str) -> String {
    crate::text::clean(s).to_ascii_lowercase()
}
