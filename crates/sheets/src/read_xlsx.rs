//! XLSX: the first visible worksheet, streamed cell by cell.

use std::io::Cursor;

use calamine::{DataRef, Reader, SheetType, SheetVisible, Xlsx};

use crate::{Format, Limits, Sheet, SheetBuilder, SheetError, text};

/// Excel's last column is XFD (16,384 columns).
const MAX_COLUMNS: usize = 16_384;

pub(crate) fn read(bytes: &[u8], limits: &Limits) -> Result<Sheet, SheetError> {
    check_unpacked_size(bytes, limits)?;
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        SheetError::Xlsx(format!(
            "无法打开，文件可能已损坏或不是 Excel 工作簿 / cannot open the workbook (damaged or not an Excel file): {e}"
        ))
    })?;
    let name = first_worksheet(&workbook)?;
    let mut cells = match workbook.worksheet_cells_reader(&name) {
        Ok(cells) => cells,
        // calamine does not expect a worksheet whose `<sheetData/>` is empty.
        Err(calamine::XlsxError::NotAWorksheet(_)) => return Err(SheetError::Empty),
        Err(e) => return Err(sheet_error(&name, e)),
    };

    let mut builder = SheetBuilder::new(Format::Xlsx, limits);
    let mut saw_value = false;
    // The row being collected: 0-based row index and its cells by column.
    let mut current: Option<u32> = None;
    let mut row: Vec<String> = Vec::new();
    while let Some(cell) = cells.next_cell().map_err(|e| sheet_error(&name, e))? {
        let (r, c) = cell.get_position();
        let value = cell_text(cell.get_value());
        let Some(value) = value else { continue };
        saw_value = true;
        if current != Some(r) {
            if let Some(prev) = current {
                if r < prev {
                    return Err(SheetError::Xlsx(format!(
                        "工作表“{name}”的行顺序异常（第 {} 行出现在第 {} 行之后），请用 Excel 打开后重新保存 / \
                         rows of worksheet \"{name}\" are out of order (row {} after row {}); open and re-save the file",
                        r + 1,
                        prev + 1,
                        r + 1,
                        prev + 1
                    )));
                }
                builder.push(prev as usize + 1, &row)?;
            }
            current = Some(r);
            row.clear();
        }
        let c = c as usize;
        let cap = builder.width().unwrap_or(MAX_COLUMNS);
        if c >= cap {
            if text::clean(&value).is_empty() {
                continue;
            }
            if builder.width().is_some() {
                return Err(builder.beyond_header(r as usize + 1, c, &value));
            }
            return Err(SheetError::Xlsx(format!(
                "第 {} 行的列超出了 Excel 的 {MAX_COLUMNS} 列上限 / row {} has a column beyond Excel's {MAX_COLUMNS}-column limit",
                r + 1,
                r + 1
            )));
        }
        if row.len() <= c {
            row.resize(c + 1, String::new());
        }
        row[c] = value;
    }
    if let Some(prev) = current {
        builder.push(prev as usize + 1, &row)?;
    }
    match builder.finish() {
        Some(sheet) => Ok(sheet),
        None if saw_value => Err(SheetError::NoHeader),
        None => Err(SheetError::Empty),
    }
}

/// Refuses archives that would unpack to more than the limit (a "zip bomb").
/// The zip reader never yields more than an entry's declared size, so the
/// declared sizes are a real bound.
fn check_unpacked_size(bytes: &[u8], limits: &Limits) -> Result<(), SheetError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        SheetError::Xlsx(format!(
            "不是有效的 .xlsx（ZIP）文件，可能已损坏或未上传完整 / not a valid XLSX (ZIP) file, damaged or truncated: {e}"
        ))
    })?;
    let limit = limits.max_unpacked_bytes();
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| SheetError::Xlsx(format!("ZIP 目录损坏 / damaged ZIP directory: {e}")))?;
        total = total.saturating_add(entry.size());
        if total > limit {
            return Err(SheetError::Xlsx(format!(
                "解压后超过 {limit} 字节的上限，文件内容过大或异常 / the workbook unpacks to more than {limit} bytes"
            )));
        }
    }
    Ok(())
}

/// The first visible worksheet (chart sheets and hidden sheets skipped);
/// the first worksheet at all when every one is hidden.
fn first_worksheet<RS: std::io::Read + std::io::Seek>(
    workbook: &Xlsx<RS>,
) -> Result<String, SheetError> {
    let sheets = workbook.sheets_metadata();
    let is_worksheet = |s: &&calamine::Sheet| s.typ == SheetType::WorkSheet;
    sheets
        .iter()
        .filter(is_worksheet)
        .find(|s| s.visible == SheetVisible::Visible)
        .or_else(|| sheets.iter().find(is_worksheet))
        .map(|s| s.name.clone())
        .ok_or_else(|| {
            SheetError::Xlsx("工作簿里没有工作表 / the workbook has no worksheet".to_owned())
        })
}

fn sheet_error(name: &str, e: calamine::XlsxError) -> SheetError {
    SheetError::Xlsx(format!(
        "读取工作表“{name}”失败 / cannot read worksheet \"{name}\": {e}"
    ))
}

/// A cell as text; `None` for an empty cell.
fn cell_text(value: &DataRef<'_>) -> Option<String> {
    Some(match value {
        DataRef::Empty => return None,
        DataRef::String(s) | DataRef::DateTimeIso(s) if s.is_empty() => return None,
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Float(f) => text::format_number(*f),
        DataRef::Int(i) => text::format_int(*i),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        DataRef::DateTime(dt) if dt.is_duration() => text::format_duration(dt.as_f64()),
        DataRef::DateTime(dt) => text::format_datetime(dt.as_f64(), dt.to_ymd_hms_milli()),
        DataRef::DateTimeIso(s) => text::format_iso_datetime(s),
        DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => e.to_string(),
    })
}
