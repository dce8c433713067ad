//! Finance tables: line items in integer fen (1/100 yuan), totals computed, never floats.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Income,
    Expense,
}

impl LineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Income => "income",
            LineKind::Expense => "expense",
        }
    }

    pub fn parse(text: &str) -> Option<LineKind> {
        match text {
            "income" => Some(LineKind::Income),
            "expense" => Some(LineKind::Expense),
            _ => None,
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            LineKind::Income => "收入",
            LineKind::Expense => "支出",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    pub kind: LineKind,
    pub label: String,
    /// Positive, in fen.
    pub amount_fen: i64,
}

/// At most one hundred million yuan on one line.
pub const MAX_LINE_FEN: i64 = 10_000_000_000;
pub const MAX_LINES: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Totals {
    pub income_fen: i64,
    pub expense_fen: i64,
    /// Income minus expense.
    pub balance_fen: i64,
}

/// One complaint about one line: its index, field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub index: usize,
    pub field: &'static str,
    pub reason: String,
}

/// Checks every line and computes the totals; all complaints at once.
pub fn totals(lines: &[LineItem]) -> Result<Totals, Vec<LineError>> {
    let mut errors = Vec::new();
    if lines.len() > MAX_LINES {
        errors.push(LineError {
            index: MAX_LINES,
            field: "lines",
            reason: format!("最多 {MAX_LINES} 行 / at most {MAX_LINES} lines"),
        });
    }
    let mut t = Totals::default();
    for (index, line) in lines.iter().enumerate() {
        let label = line.label.trim();
        if label.is_empty() || label.chars().count() > 100 {
            errors.push(LineError {
                index,
                field: "label",
                reason: "须为 1–100 字 / must have 1–100 characters".into(),
            });
        }
        if !(1..=MAX_LINE_FEN).contains(&line.amount_fen) {
            errors.push(LineError {
                index,
                field: "amount_fen",
                reason: format!(
                    "须为 1–{MAX_LINE_FEN} 分的整数 / must be a whole number of fen from 1 to {MAX_LINE_FEN}"
                ),
            });
            continue;
        }
        // At most 500 lines of at most 1e10 fen: the sums stay far inside i64.
        match line.kind {
            LineKind::Income => t.income_fen += line.amount_fen,
            LineKind::Expense => t.expense_fen += line.amount_fen,
        }
    }
    t.balance_fen = t.income_fen - t.expense_fen;
    if errors.is_empty() {
        Ok(t)
    } else {
        Err(errors)
    }
}

/// Yuan from fen for people: `12,345.60`, `-0.05`.
pub fn fen_to_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let yuan = (abs / 100).to_string();
    let mut grouped = String::with_capacity(yuan.len() + yuan.len() / 3);
    for (i, c) in yuan.chars().enumerate() {
        if i > 0 && (yuan.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

/// Parses yuan as people type it (`1234.5`, `1,234.50`) into fen, exactly (no floats).
pub fn yuan_to_fen(text: &str) -> Option<i64> {
    let cleaned: String = text.trim().chars().filter(|c| *c != ',').collect();
    let (whole, frac) = match cleaned.split_once('.') {
        Some((w, f)) => (w, f),
        None => (cleaned.as_str(), ""),
    };
    if whole.is_empty() || whole.len() > 12 || frac.len() > 2 {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    Some(whole * 100 + frac)
}
