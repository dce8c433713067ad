//! Small text helpers: trimming, cell previews, column letters, display
//! widths, and how numbers and dates from Excel become text.

/// Trims whitespace (including the ideographic space U+3000 and NBSP) and
/// stray zero-width characters (BOM, ZWSP) from both ends.
pub(crate) fn clean(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '\u{200b}')
}

/// Line breaks inside a cell as `\n`, whatever the file used (`\r\n`, `\r`).
pub(crate) fn normalize_newlines(s: &str) -> String {
    if s.contains('\r') {
        s.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        s.to_owned()
    }
}

/// A cell value shortened for an error message. Runs of 7 or more digits (ID and phone
/// numbers) are masked: error messages must not carry personal numbers.
pub(crate) fn preview(s: &str) -> String {
    const MAX: usize = 20;
    let mut out: String = mask_digit_runs(s).chars().take(MAX).collect();
    if s.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out.replace(['\r', '\n'], " ")
}

fn mask_digit_runs(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let run = i - start;
        if run >= 7 {
            out.extend(&chars[start..start + 3]);
            out.extend(std::iter::repeat_n('*', run - 5));
            out.extend(&chars[i - 2..i]);
        } else {
            out.extend(&chars[start..i]);
        }
        if i < chars.len() && !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// `0` → `A`, `25` → `Z`, `26` → `AA`.
pub(crate) fn column_letter(col: usize) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Approximate width in Excel "characters": East Asian wide and full-width
/// characters count two. Multi-line cells count their longest line.
pub(crate) fn display_width(s: &str) -> usize {
    s.lines()
        .map(|line| line.chars().map(char_width).sum::<usize>())
        .max()
        .unwrap_or(0)
}

fn char_width(c: char) -> usize {
    let c = c as u32;
    let wide = (0x1100..=0x115F).contains(&c)
        || (0x2E80..=0xA4CF).contains(&c)
        || (0xAC00..=0xD7A3).contains(&c)
        || (0xF900..=0xFAFF).contains(&c)
        || (0xFE30..=0xFE4F).contains(&c)
        || (0xFF00..=0xFF60).contains(&c)
        || (0xFFE0..=0xFFE6).contains(&c)
        || (0x20000..=0x3FFFD).contains(&c);
    if wide { 2 } else { 1 }
}

/// Largest magnitude that is shown as a plain integer. Excel keeps 15
/// significant digits, so from 10^15 on a number may already have lost
/// digits (an 18-digit ID number typed into a General cell always has).
const PLAIN_INTEGER_LIMIT: f64 = 1e15;

/// An Excel number as text:
/// * whole numbers below 10^15 without a fraction: `13800138000`, `42`;
/// * magnitudes of 10^15 and more, or below 10^-9, in Excel's scientific
///   notation with at most 15 significant digits: `4.50103199003071E+17`
///   (this is what Excel shows, and it makes a lost ID number obvious);
/// * other fractions rounded to 15 significant digits, the way Excel displays
///   them: `0.1 + 0.2` → `0.3`.
pub(crate) fn format_number(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f == 0.0 {
        return "0".to_owned();
    }
    let a = f.abs();
    if !(1e-9..PLAIN_INTEGER_LIMIT).contains(&a) {
        return scientific(f);
    }
    if f.fract() == 0.0 {
        return format!("{}", f as i64);
    }
    let exponent = a.log10().floor() as i32;
    let decimals = (14 - exponent).clamp(0, 40) as usize;
    let s = format!("{f:.decimals$}");
    trim_fraction_zeros(&s).to_owned()
}

/// An integer cell (not produced for XLSX cells by calamine today, but part
/// of its data model).
pub(crate) fn format_int(i: i64) -> String {
    if (i.unsigned_abs() as f64) >= PLAIN_INTEGER_LIMIT {
        scientific(i as f64)
    } else {
        i.to_string()
    }
}

/// `4.50103199003071E+17`, `1E-10`: mantissa with at most 15 significant
/// digits and no trailing zeros, exponent with a sign and two digits or more.
fn scientific(f: f64) -> String {
    let s = format!("{f:.14e}");
    let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
    let mantissa = trim_fraction_zeros(mantissa);
    let (sign, digits) = match exponent.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exponent),
    };
    format!("{mantissa}E{sign}{digits:0>2}")
}

fn trim_fraction_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// Date parts as Excel shows them: `YYYY-MM-DD` for a date, `HH:MM:SS` for
/// a time of day (serial below 1), `YYYY-MM-DD HH:MM:SS` for both.
pub(crate) fn format_datetime(serial: f64, parts: (u16, u8, u8, u8, u8, u8, u16)) -> String {
    let (y, mo, d, h, mi, s, _ms) = parts;
    if (0.0..1.0).contains(&serial) {
        format!("{h:02}:{mi:02}:{s:02}")
    } else if h == 0 && mi == 0 && s == 0 {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
    }
}

/// A duration (a serial in days) as `[h]:mm:ss`.
pub(crate) fn format_duration(days: f64) -> String {
    let total = (days * 86_400.0).round() as i64;
    let sign = if total < 0 { "-" } else { "" };
    let total = total.unsigned_abs();
    format!(
        "{sign}{}:{:02}:{:02}",
        total / 3600,
        (total / 60) % 60,
        total % 60
    )
}

/// An ISO 8601 date-time cell: a midnight time is dropped, `T` becomes a space.
pub(crate) fn format_iso_datetime(s: &str) -> String {
    let s = s.trim();
    match s.split_once('T') {
        Some((date, time)) => {
            let time = time.trim_end_matches('Z');
            if time.is_empty() || time.trim_start_matches(['0', ':', '.']).is_empty() {
                date.to_owned()
            } else {
                format!("{date} {time}")
            }
        }
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_render_like_excel() {
        assert_eq!(format_number(42.0), "42");
        assert_eq!(format_number(-7.0), "-7");
        assert_eq!(format_number(0.0), "0");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(13_800_138_000.0), "13800138000");
        assert_eq!(format_number(999_999_999_999_999.0), "999999999999999");
        assert_eq!(format_number(0.1 + 0.2), "0.3");
        assert_eq!(format_number(3.25), "3.25");
        assert_eq!(format_number(-1234.5), "-1234.5");
        assert_eq!(format_number(1e15), "1E+15");
        assert_eq!(
            format_number(450_103_199_003_071_234.0),
            "4.50103199003071E+17"
        );
        assert_eq!(format_number(-4.5e17), "-4.5E+17");
        assert_eq!(format_number(1e-10), "1E-10");
        assert_eq!(format_int(42), "42");
        assert_eq!(format_int(450_103_199_003_071_234), "4.50103199003071E+17");
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(
            format_datetime(45_444.0, (2024, 6, 1, 0, 0, 0, 0)),
            "2024-06-01"
        );
        assert_eq!(
            format_datetime(45_444.5, (2024, 6, 1, 12, 0, 0, 0)),
            "2024-06-01 12:00:00"
        );
        assert_eq!(
            format_datetime(0.5, (1899, 12, 31, 12, 0, 0, 0)),
            "12:00:00"
        );
        assert_eq!(format_duration(1.5), "36:00:00");
        assert_eq!(format_iso_datetime("2024-06-01T00:00:00"), "2024-06-01");
        assert_eq!(
            format_iso_datetime("2024-06-01T08:30:00"),
            "2024-06-01 08:30:00"
        );
        assert_eq!(format_iso_datetime("2024-06-01"), "2024-06-01");
    }

    #[test]
    fn helpers() {
        assert_eq!(clean("\u{feff} 张三\u{3000}\t"), "张三");
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(16_383), "XFD");
        assert_eq!(display_width("ab张三"), 6);
        assert_eq!(
            preview("一二三四五六七八九十一二三四五六七八九十多"),
            "一二三四五六七八九十一二三四五六七八九十…"
        );
    }
}

#[cfg(test)]
mod masking_tests {
    use super::preview;

    #[test]
    fn personal_numbers_are_masked_in_previews() {
        assert_eq!(preview("13800135678"), "138******78");
        assert_eq!(preview("11010519491231002X"), "110************02X");
        assert_eq!(preview("A-12 室"), "A-12 室");
    }
}
