//! Personal numbers typed into free text ("请联系 138 0013 5678"): found and masked the way the
//! registry masks them, so a description can reach the public or a wide audience.

use super::Phone;

/// Text with the mobile and citizen ID numbers in it masked, and how many were found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Masked {
    pub text: String,
    pub found: usize,
}

/// A maximal run of ASCII digits (an ID's final X included) at byte offsets `start..end`.
#[derive(Debug, Clone, Copy)]
struct Run {
    start: usize,
    end: usize,
}

fn runs(text: &str) -> Vec<Run> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i - start == 17 && i < bytes.len() && matches!(bytes[i], b'X' | b'x') {
            i += 1;
        }
        let glued_before = start > 0 && bytes[start - 1].is_ascii_alphabetic();
        let glued_after = i < bytes.len() && bytes[i].is_ascii_alphabetic();
        // Digits inside a word (a hash, a code like A138…) are not a number someone typed.
        if !glued_before && !glued_after {
            out.push(Run { start, end: i });
        } else {
            out.push(Run { start, end: start });
        }
    }
    out
}

/// The masked form of `digits` if they are a mobile or a citizen ID number.
fn masked_number(digits: &str) -> Option<String> {
    let local = digits.strip_prefix("86").filter(|d| d.len() == 11);
    let mobile = local.unwrap_or(digits);
    if mobile.len() == 11 {
        let b = mobile.as_bytes();
        if b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) {
            return Phone::parse(mobile).ok().map(|p| p.masked());
        }
    }
    if digits.len() == 18 {
        // Masked whether or not the check character is right: a mistyped ID is still personal.
        return Some(format!("{}**********{}", &digits[..4], &digits[14..]));
    }
    None
}

/// Runs `first..=last` joined by single spaces or dashes ("138 0013 5678", "138-0013-5678").
fn joined(text: &str, runs: &[Run], first: usize, last: usize) -> Option<String> {
    let mut digits = String::new();
    for k in first..=last {
        let r = runs[k];
        if r.start == r.end {
            return None;
        }
        if k > first {
            let gap = &text[runs[k - 1].end..r.start];
            if !matches!(gap, " " | "-") {
                return None;
            }
        }
        digits.push_str(&text[r.start..r.end]);
    }
    Some(digits)
}

fn plus_sign_before(text: &str, start: usize) -> usize {
    if text[..start].ends_with('+') {
        start - 1
    } else {
        start
    }
}

/// Masks every mobile number (11 digits, optionally +86, optionally grouped by spaces or
/// dashes) and every 18-character citizen ID number in `text`.
pub fn mask_personal_numbers(text: &str) -> Masked {
    let runs = runs(text);
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut found = 0;
    let mut i = 0;
    while i < runs.len() {
        // The longest grouping first: four groups cover "+86 138 0013 5678".
        let hit = (i..runs.len().min(i + 4)).rev().find_map(|last| {
            joined(text, &runs, i, last)
                .and_then(|d| masked_number(&d))
                .map(|m| (last, m))
        });
        match hit {
            Some((last, masked)) => {
                let start = plus_sign_before(text, runs[i].start);
                out.push_str(&text[copied..start]);
                out.push_str(&masked);
                copied = runs[last].end;
                found += 1;
                i = last + 1;
            }
            None => i += 1,
        }
    }
    out.push_str(&text[copied..]);
    Masked { text: out, found }
}

/// Whether `text` holds a number that [`mask_personal_numbers`] would mask.
pub fn has_personal_numbers(text: &str) -> bool {
    mask_personal_numbers(text).found > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        mask_personal_numbers(text).text
    }

    #[test]
    fn mobiles_in_any_common_form() {
        assert_eq!(masked("请联系13800135678谢谢"), "请联系138****5678谢谢");
        assert_eq!(masked("电话 138 0013 5678。"), "电话 138****5678。");
        assert_eq!(masked("电话138-0013-5678"), "电话138****5678");
        assert_eq!(masked("+86 13800135678"), "138****5678");
        assert_eq!(masked("+8613800135678"), "138****5678");
        assert_eq!(
            masked("王 13800135678、李 13900135679"),
            "王 138****5678、李 139****5679"
        );
        assert_eq!(
            mask_personal_numbers("a 13800135678 b 13900135679").found,
            2
        );
    }

    #[test]
    fn citizen_ids_valid_or_mistyped() {
        assert_eq!(
            masked("身份证11010519491231002X"),
            "身份证1101**********002X"
        );
        assert_eq!(
            masked("号码 110105194912310021 。"),
            "号码 1101**********0021 。"
        );
    }

    #[test]
    fn other_numbers_are_left_alone() {
        for text in [
            "3 号楼 2 单元 501 室",
            "2026年12月3日 14:30",
            "0771-5612345",
            "12800135678",
            "1380013567",
            "订单号 138001356781234",
            "a3f13800135678bc",
            "",
        ] {
            let m = mask_personal_numbers(text);
            assert_eq!(m.text, text);
            assert_eq!(m.found, 0, "{text}");
        }
        // Groups joined by other separators are separate numbers.
        assert_eq!(masked("138/0013/5678"), "138/0013/5678");
    }
}
