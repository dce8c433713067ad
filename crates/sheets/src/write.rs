//! Writing ledgers and import templates as CSV and XLSX.

use rust_xlsxwriter::{Color, Format as CellFormat, Workbook, Worksheet, XlsxError};

use crate::{SheetError, text};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
/// Excel's limits: 1,048,576 rows (one is the header) and 16,384 columns.
const MAX_XLSX_DATA_ROWS: usize = 1_048_575;
const MAX_XLSX_COLUMNS: usize = 16_384;
/// Name of the notes sheet of an import template.
pub const NOTES_SHEET: &str = "说明";

/// A CSV file: UTF-8 with a BOM (so Excel on Chinese Windows detects the
/// encoding), CRLF line ends, fields quoted only when needed. Rows shorter than
/// the header are padded with empty fields.
///
/// Excel still turns long digit strings such as ID numbers into numbers when
/// it *opens* a CSV file; use [`write_xlsx`] for files people will edit.
pub fn write_csv(headers: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = UTF8_BOM.to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .flexible(true)
            .from_writer(&mut out);
        let result = (|| -> csv::Result<()> {
            writer.write_record(headers)?;
            for row in rows {
                let padding = headers.len().saturating_sub(row.len());
                writer.write_record(
                    row.iter()
                        .map(String::as_str)
                        .chain(std::iter::repeat_n("", padding)),
                )?;
            }
            writer.flush()?;
            Ok(())
        })();
        // Writing to a Vec cannot fail, and `flexible` accepts any row length.
        result.expect("writing CSV to memory cannot fail");
    }
    out
}

/// An import template as CSV: the header line and one example line.
pub fn template_csv(headers: &[&str], example: &[&str]) -> Vec<u8> {
    let example: Vec<String> = example.iter().map(|s| (*s).to_owned()).collect();
    write_csv(headers, &[example])
}

/// An XLSX workbook with one worksheet named `sheet_name`. Every cell is
/// written as text and every column is formatted as text, so ID numbers keep
/// all 18 digits and leading zeros survive, also in cells the user types in
/// later. The header row is bold and frozen, with a filter; columns are as
/// wide as their content (within bounds).
pub fn write_xlsx(
    sheet_name: &str,
    headers: &[&str],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, SheetError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let rows: Vec<&[String]> = rows.iter().map(Vec::as_slice).collect();
    write_table(sheet, sheet_name, headers, &rows, false)?;
    save(&mut workbook)
}

/// An import template: the header row and one example row (in grey) on the
/// first worksheet, formatted like [`write_xlsx`], and a second worksheet
/// named `说明` with one note per row.
pub fn template_xlsx(
    sheet_name: &str,
    headers: &[&str],
    example: &[&str],
    notes: &[&str],
) -> Result<Vec<u8>, SheetError> {
    let mut workbook = Workbook::new();
    let example: Vec<String> = example.iter().map(|s| (*s).to_owned()).collect();
    write_table(
        workbook.add_worksheet(),
        sheet_name,
        headers,
        &[example.as_slice()],
        true,
    )?;
    let notes_sheet = workbook.add_worksheet();
    notes_sheet
        .set_name(NOTES_SHEET)
        .map_err(|e| xlsx_error("说明页 / notes sheet", e))?;
    let mut widest = 0;
    for (i, note) in notes.iter().enumerate() {
        let row = u32::try_from(i)
            .ok()
            .filter(|&r| (r as usize) <= MAX_XLSX_DATA_ROWS)
            .ok_or(SheetError::TooManyRows {
                limit: MAX_XLSX_DATA_ROWS + 1,
            })?;
        notes_sheet
            .write_string(row, 0, *note)
            .map_err(|e| xlsx_error(&format!("说明第 {} 行 / note {}", i + 1, i + 1), e))?;
        widest = widest.max(text::display_width(note));
    }
    notes_sheet
        .set_column_width(0, (widest + 2).clamp(20, 120) as f64)
        .map_err(|e| xlsx_error("说明页 / notes sheet", e))?;
    save(&mut workbook)
}

/// A table of figures (indicators): a cell that reads as a number is written as a number
/// (`75.20%` as 0.752 shown as a percentage), anything else as text; a second worksheet
/// `说明` says what the figures cover (`notes`, one per row: territory, period, definitions).
pub fn write_figures_xlsx(
    sheet_name: &str,
    headers: &[&str],
    rows: &[Vec<String>],
    notes: &[String],
) -> Result<Vec<u8>, SheetError> {
    if rows.len() > MAX_XLSX_DATA_ROWS || headers.len() > MAX_XLSX_COLUMNS {
        return Err(SheetError::TooManyRows {
            limit: MAX_XLSX_DATA_ROWS,
        });
    }
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet
        .set_name(sheet_name)
        .map_err(|e| xlsx_error("工作表名称 / worksheet name", e))?;
    let bold = CellFormat::new().set_bold();
    let percent = CellFormat::new().set_num_format("0.00%");
    let mut widths = vec![
        0usize;
        headers
            .len()
            .max(rows.iter().map(Vec::len).max().unwrap_or(0))
    ];
    for (c, header) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *header, &bold)
            .map_err(|e| cell_error(0, c, e))?;
        widths[c] = text::display_width(header) + 1;
    }
    for (r, row) in rows.iter().enumerate() {
        let line = r as u32 + 1;
        for (c, value) in row.iter().enumerate() {
            let col = c as u16;
            let written = match figure(value) {
                Some(Figure::Number(n)) => sheet.write_number(line, col, n),
                Some(Figure::Percent(p)) => sheet.write_number_with_format(line, col, p, &percent),
                None => sheet.write_string(line, col, value),
            };
            written.map_err(|e| cell_error(r + 1, c, e))?;
            widths[c] = widths[c].max(text::display_width(value));
        }
    }
    for (c, width) in widths.iter().enumerate() {
        sheet
            .set_column_width(c as u16, (width + 2).clamp(8, 60) as f64)
            .map_err(|e| xlsx_error("列宽 / column width", e))?;
    }
    sheet
        .set_freeze_panes(1, 0)
        .map_err(|e| xlsx_error("冻结表头 / freeze header", e))?;
    let notes_sheet = workbook.add_worksheet();
    notes_sheet
        .set_name(NOTES_SHEET)
        .map_err(|e| xlsx_error("说明页 / notes sheet", e))?;
    for (i, note) in notes.iter().enumerate() {
        notes_sheet
            .write_string(i as u32, 0, note)
            .map_err(|e| xlsx_error(&format!("说明第 {} 行 / note {}", i + 1, i + 1), e))?;
    }
    notes_sheet
        .set_column_width(0, 100.0)
        .map_err(|e| xlsx_error("说明页 / notes sheet", e))?;
    save(&mut workbook)
}

enum Figure {
    Number(f64),
    Percent(f64),
}

/// A cell's text as a figure, if it is one ("10607", "3.5", "75.20%").
fn figure(value: &str) -> Option<Figure> {
    let v = value.trim();
    if let Some(p) = v.strip_suffix('%') {
        return p
            .trim()
            .parse::<f64>()
            .ok()
            .map(|n| Figure::Percent(n / 100.0));
    }
    let digits_only = !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-');
    // Long digit strings are codes (grid and ID numbers), not quantities; so is one with a
    // leading zero (category "0101"), which a number would lose.
    let code =
        v.len() > 12 || (v.starts_with('0') && v.as_bytes().get(1).is_some_and(u8::is_ascii_digit));
    (digits_only && !code)
        .then(|| v.parse::<f64>().ok().filter(|n| n.is_finite()))
        .flatten()
        .map(Figure::Number)
}

fn write_table(
    sheet: &mut Worksheet,
    sheet_name: &str,
    headers: &[&str],
    rows: &[&[String]],
    example: bool,
) -> Result<(), SheetError> {
    if rows.len() > MAX_XLSX_DATA_ROWS {
        return Err(SheetError::TooManyRows {
            limit: MAX_XLSX_DATA_ROWS,
        });
    }
    let columns = rows
        .iter()
        .map(|r| r.len())
        .chain([headers.len()])
        .max()
        .unwrap_or(0);
    if columns > MAX_XLSX_COLUMNS {
        return Err(SheetError::Xlsx(format!(
            "列数 {columns} 超过 Excel 的 {MAX_XLSX_COLUMNS} 列上限 / {columns} columns exceed Excel's limit of {MAX_XLSX_COLUMNS}"
        )));
    }
    sheet.set_name(sheet_name).map_err(|e| {
        xlsx_error(
            &format!(
                "工作表名称“{sheet_name}”无效：最多 31 个字符，不能为空，不能含 [ ] : * ? / \\ / \
                 invalid worksheet name \"{sheet_name}\""
            ),
            e,
        )
    })?;

    let text_format = CellFormat::new().set_num_format("@");
    let header_format = CellFormat::new().set_num_format("@").set_bold();
    let cell_format = if example {
        CellFormat::new()
            .set_num_format("@")
            .set_font_color(Color::Gray)
            .set_italic()
    } else {
        text_format.clone()
    };

    let mut widths = vec![0usize; columns];
    for (c, header) in headers.iter().enumerate() {
        // Bounded by MAX_XLSX_COLUMNS above, so the casts below are exact.
        sheet
            .write_string_with_format(0, c as u16, *header, &header_format)
            .map_err(|e| cell_error(0, c, e))?;
        widths[c] = text::display_width(header) + 1;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            if value.is_empty() {
                continue;
            }
            sheet
                .write_string_with_format(r as u32 + 1, c as u16, value, &cell_format)
                .map_err(|e| cell_error(r + 1, c, e))?;
            widths[c] = widths[c].max(text::display_width(value));
        }
    }
    for (c, width) in widths.iter().enumerate() {
        let c = c as u16;
        sheet
            .set_column_format(c, &text_format)
            .and_then(|s| s.set_column_width(c, (width + 2).clamp(8, 60) as f64))
            .map_err(|e| xlsx_error("列格式 / column format", e))?;
    }
    if columns > 0 {
        sheet
            .set_freeze_panes(1, 0)
            .map_err(|e| xlsx_error("冻结表头 / freeze header", e))?;
        if !example && !rows.is_empty() {
            sheet
                .autofilter(0, 0, rows.len() as u32, columns as u16 - 1)
                .map_err(|e| xlsx_error("筛选 / autofilter", e))?;
        }
    }
    Ok(())
}

fn save(workbook: &mut Workbook) -> Result<Vec<u8>, SheetError> {
    workbook
        .save_to_buffer()
        .map_err(|e| xlsx_error("生成文件 / saving the workbook", e))
}

fn cell_error(row: usize, col: usize, e: XlsxError) -> SheetError {
    let at = format!("{}{}", text::column_letter(col), row + 1);
    let hint = match e {
        XlsxError::MaxStringLengthExceeded => {
            "（单元格最多 32767 个字符 / a cell holds at most 32,767 characters）"
        }
        _ => "",
    };
    xlsx_error(&format!("单元格 {at} / cell {at}{hint}"), e)
}

fn xlsx_error(context: &str, e: XlsxError) -> SheetError {
    SheetError::Xlsx(format!("{context}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::{Figure, figure};

    #[test]
    fn figures_are_numbers_and_codes_stay_text() {
        assert!(matches!(figure("10607"), Some(Figure::Number(n)) if n == 10607.0));
        assert!(matches!(figure("0"), Some(Figure::Number(n)) if n == 0.0));
        assert!(matches!(figure("0.5"), Some(Figure::Number(n)) if n == 0.5));
        assert!(matches!(figure("75.20%"), Some(Figure::Percent(p)) if (p - 0.752).abs() < 1e-9));
        for code in ["0101", "00", "450103001001001", "cgj-450103", "—"] {
            assert!(figure(code).is_none(), "{code} is a code");
        }
    }
}
