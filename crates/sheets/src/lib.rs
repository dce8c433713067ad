//! Tongxin ledger files: the file layer of bulk import and export.
//!
//! Communities keep their ledgers (residents, buildings, organisations) in
//! Excel and CSV. This crate turns such a file into a [`Sheet`] — a header row
//! plus data rows of trimmed text, each with the line number the user sees in
//! Excel or a text editor — and writes sheets and import templates back out.
//! It knows nothing about residents or buildings: the domain layer decides what
//! a cell means and reports per-row errors using [`Row::line`].
//!
//! Reading rules, in short:
//! * **Format** comes from the content: a ZIP file (`PK\x03\x04`) is XLSX,
//!   anything else is CSV. The file name only sharpens error messages.
//! * **CSV encoding**: a UTF-8 BOM means UTF-8; otherwise valid UTF-8 is UTF-8;
//!   otherwise the bytes must decode as GB18030 (a superset of GBK) without a
//!   single malformed sequence; otherwise [`SheetError::NotUtf8OrGbk`]. A NUL
//!   byte is never text.
//! * **CSV dialect**: comma separated (tab separated when the header line has
//!   tabs and no commas), `"` quoting with `""` escapes, embedded newlines,
//!   `\n`, `\r\n` or `\r` line ends.
//! * **XLSX**: the first visible worksheet. Text cells are kept exactly (leading
//!   zeros too); whole numbers are written without `.0`; dates become
//!   `YYYY-MM-DD`. A numeric cell of 10^15 or more cannot hold an 18-digit ID
//!   number (Excel keeps 15 significant digits), so it comes back the way Excel
//!   shows it, in scientific notation — e.g. `4.50103199003071E+17` — which no
//!   ID validator will mistake for a valid number.
//! * The **header** is the first non-empty row. Fully empty rows are skipped,
//!   but line numbers stay true. Cells are trimmed and padded to the header
//!   width; a non-empty cell to the right of the last header is an error, not
//!   silently dropped.

mod headers;
mod read_csv;
mod read_xlsx;
mod text;
mod write;

use std::fmt;

pub use headers::{HeaderProblem, check_headers};
pub use write::{
    NOTES_SHEET, template_csv, template_xlsx, write_csv, write_figures_xlsx, write_xlsx,
};

/// The container format of a ledger file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// The format a file name claims: `.csv`/`.tsv`/`.txt` → CSV,
    /// `.xlsx`/`.xlsm` → XLSX, anything else → `None` (ASCII case ignored).
    pub fn from_name(filename: &str) -> Option<Format> {
        let ext = filename.trim().rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "tsv" | "txt" => Some(Format::Csv),
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            _ => None,
        }
    }

    /// The format the content shows: XLSX when it starts with the ZIP magic
    /// `PK\x03\x04`, CSV otherwise.
    pub fn sniff(bytes: &[u8]) -> Format {
        if bytes.starts_with(ZIP_MAGIC) {
            Format::Xlsx
        } else {
            Format::Csv
        }
    }

    /// `"csv"` or `"xlsx"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

pub(crate) const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// Compound File Binary: the Excel 97–2003 `.xls` container (and old `.et`).
pub(crate) const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// A header row plus data rows of trimmed text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sheet {
    /// Trimmed header names; trailing empty header cells are dropped.
    pub headers: Vec<String>,
    /// Data rows, fully empty rows left out.
    pub rows: Vec<Row>,
}

/// One non-empty data row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// 1-based line (CSV, the line where the record starts) or row number
    /// (XLSX) as the user sees it in a text editor or Excel; the header is
    /// line 1 unless empty lines precede it.
    pub line: usize,
    /// Trimmed cells, exactly as many as `headers` (missing ones are `""`);
    /// line breaks inside a cell are `\n`.
    pub cells: Vec<String>,
}

/// The text encoding detected for a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// UTF-8 without a byte order mark.
    Utf8,
    /// UTF-8 with a byte order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    /// GB18030, which includes GBK and GB2312 (Excel's "CSV" on Chinese Windows).
    Gb18030,
}

impl Encoding {
    /// `"utf-8"`, `"utf-8-bom"` or `"gb18030"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8-bom",
            Encoding::Gb18030 => "gb18030",
        }
    }
}

/// What [`read`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadReport {
    pub format: Format,
    /// The detected encoding for CSV; `None` for XLSX.
    pub encoding: Option<Encoding>,
    pub sheet: Sheet,
}

/// Bounds on what [`read`] accepts, so that one upload cannot exhaust the
/// server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted file, in bytes (default 64 MiB). An XLSX file may
    /// additionally unpack to at most 16 × this.
    pub max_bytes: usize,
    /// Most data rows (default 1,000,000), header and empty rows not counted.
    pub max_rows: usize,
    /// Most cells, counted as data rows × header columns (default 30,000,000).
    /// For a very wide sheet this lowers the row limit to `max_cells / columns`,
    /// which [`SheetError::TooManyRows`] then reports.
    pub max_cells: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 64 * 1024 * 1024,
            max_rows: 1_000_000,
            max_cells: 30_000_000,
        }
    }
}

impl Limits {
    /// How many bytes the parts of an XLSX file may unpack to in total.
    pub fn max_unpacked_bytes(&self) -> u64 {
        (self.max_bytes as u64).saturating_mul(16)
    }
}

/// Why a file could not be read or written. `Display` gives Chinese first,
/// then English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SheetError {
    /// The file has no content (zero bytes, only a BOM or only blank lines, or
    /// an XLSX worksheet without a cell).
    Empty,
    /// The file is larger than [`Limits::max_bytes`].
    TooLarge { limit_bytes: usize },
    /// More data rows than the (effective) limit.
    TooManyRows { limit: usize },
    /// A CSV file that is neither UTF-8 nor GB18030; `byte_offset` (0-based)
    /// is the first byte that no candidate encoding accepts.
    NotUtf8OrGbk { byte_offset: usize },
    /// A CSV structure problem on a line.
    Csv { line: usize, message: String },
    /// An XLSX file that could not be read or written.
    Xlsx(String),
    /// Rows exist but every one of them is empty.
    NoHeader,
    /// Two header cells carry the same name (spaces and ASCII case ignored).
    DuplicateHeader(String),
}

impl fmt::Display for SheetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SheetError::Empty => write!(f, "文件是空的，没有任何内容 / The file is empty"),
            SheetError::TooLarge { limit_bytes } => write!(
                f,
                "文件太大：超过 {} 的上限（{limit_bytes} 字节），请拆分后分批导入 / \
                 The file is too large: it exceeds the limit of {} ({limit_bytes} bytes); \
                 split it and import the parts separately",
                human_bytes(*limit_bytes),
                human_bytes(*limit_bytes)
            ),
            SheetError::TooManyRows { limit } => write!(
                f,
                "数据行太多：超过 {limit} 行的上限，请拆分后分批导入 / \
                 Too many rows: more than {limit} data rows; split the file and import the parts separately"
            ),
            SheetError::NotUtf8OrGbk { byte_offset } => write!(
                f,
                "无法识别文件编码：第 {byte_offset} 字节（从 0 起算）处的内容既不是 UTF-8 也不是 GBK/GB18030 文本。\
                 如果这是 Excel 文件，请直接上传 .xlsx；如果是 CSV，请另存为“CSV UTF-8（逗号分隔）” / \
                 Unrecognised encoding: the byte at offset {byte_offset} (0-based) is neither UTF-8 nor GBK/GB18030 text. \
                 Upload an Excel file as .xlsx, or save the CSV as \"CSV UTF-8 (Comma delimited)\""
            ),
            SheetError::Csv { line, message } => {
                write!(
                    f,
                    "第 {line} 行 CSV 格式有误（CSV error on line {line}）：{message}"
                )
            }
            SheetError::Xlsx(message) => {
                write!(f, "读取或生成 Excel 文件失败（XLSX error）：{message}")
            }
            SheetError::NoHeader => write!(
                f,
                "找不到表头：文件里没有任何非空的行 / No header row: the file has no non-empty row"
            ),
            SheetError::DuplicateHeader(name) => write!(
                f,
                "表头“{name}”出现了不止一次，请删除或改名重复的列 / \
                 Header \"{name}\" appears more than once; remove or rename the duplicate column"
            ),
        }
    }
}

impl std::error::Error for SheetError {}

fn human_bytes(n: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= MIB {
        format!("{:.1} MiB", n as f64 / MIB as f64)
    } else {
        format!("{n} B")
    }
}

/// Reads a ledger file into a [`Sheet`].
///
/// The format comes from the content (see [`Format::sniff`]); `filename_hint`
/// only turns a confusing parse failure into a clear message (an `.xls` or
/// `.xlsx` name on something that is not an XLSX file). Nothing is returned
/// unless the whole file is read.
pub fn read(
    bytes: &[u8],
    filename_hint: Option<&str>,
    limits: &Limits,
) -> Result<ReadReport, SheetError> {
    if bytes.len() > limits.max_bytes {
        return Err(SheetError::TooLarge {
            limit_bytes: limits.max_bytes,
        });
    }
    if bytes.is_empty() {
        return Err(SheetError::Empty);
    }
    if bytes.starts_with(CFB_MAGIC) {
        return Err(SheetError::Xlsx(
            "这是旧版 Excel 97-2003（.xls）文件，不受支持，请在 Excel 或 WPS 中另存为 .xlsx 后再上传 / \
             this is a legacy Excel 97-2003 (.xls) file, which is not supported; save it as .xlsx and upload again"
                .to_owned(),
        ));
    }
    match Format::sniff(bytes) {
        Format::Xlsx => Ok(ReadReport {
            format: Format::Xlsx,
            encoding: None,
            sheet: read_xlsx::read(bytes, limits)?,
        }),
        Format::Csv => {
            if let Some(name) = filename_hint {
                let lower = name.trim().to_ascii_lowercase();
                if lower.ends_with(".xlsx") || lower.ends_with(".xlsm") || lower.ends_with(".xls") {
                    return Err(SheetError::Xlsx(format!(
                        "文件名“{name}”是 Excel 文件，但内容不是 .xlsx 格式（可能是改了扩展名，或是网页/旧格式导出的文件），\
                         请用 Excel 或 WPS 打开后另存为 .xlsx / \
                         \"{name}\" is named like an Excel file but its content is not XLSX \
                         (renamed, or an HTML/legacy export); open it and save it as .xlsx"
                    )));
                }
            }
            let (encoding, sheet) = read_csv::read(bytes, limits)?;
            Ok(ReadReport {
                format: Format::Csv,
                encoding: Some(encoding),
                sheet,
            })
        }
    }
}

/// Assembles a [`Sheet`] from raw rows in file order: finds the header,
/// trims, skips empty rows, pads, and enforces the row limits.
pub(crate) struct SheetBuilder {
    format: Format,
    limits: Limits,
    headers: Option<Vec<String>>,
    row_limit: usize,
    rows: Vec<Row>,
}

impl SheetBuilder {
    pub(crate) fn new(format: Format, limits: &Limits) -> Self {
        SheetBuilder {
            format,
            limits: *limits,
            headers: None,
            row_limit: limits.max_rows,
            rows: Vec::new(),
        }
    }

    /// The header width once the header row has been seen.
    pub(crate) fn width(&self) -> Option<usize> {
        self.headers.as_ref().map(Vec::len)
    }

    /// Adds one raw row (`cells` untrimmed, any length).
    pub(crate) fn push<S: AsRef<str>>(
        &mut self,
        line: usize,
        cells: &[S],
    ) -> Result<(), SheetError> {
        let Some(headers) = &self.headers else {
            return self.push_header(cells);
        };
        let width = headers.len();
        let mut out: Vec<String> = Vec::with_capacity(width);
        let mut any = false;
        for (col, cell) in cells.iter().enumerate() {
            let value = text::clean(cell.as_ref());
            if value.is_empty() {
                if col < width {
                    out.push(String::new());
                }
                continue;
            }
            if col >= width {
                return Err(self.beyond_header(line, col, value));
            }
            any = true;
            out.push(text::normalize_newlines(value));
        }
        if !any {
            return Ok(());
        }
        if self.rows.len() >= self.row_limit {
            return Err(SheetError::TooManyRows {
                limit: self.row_limit,
            });
        }
        out.resize(width, String::new());
        self.rows.push(Row { line, cells: out });
        Ok(())
    }

    fn push_header<S: AsRef<str>>(&mut self, cells: &[S]) -> Result<(), SheetError> {
        let mut headers: Vec<String> = cells
            .iter()
            .map(|c| text::clean(c.as_ref()).to_owned())
            .collect();
        while headers.last().is_some_and(String::is_empty) {
            headers.pop();
        }
        if headers.is_empty() {
            return Ok(());
        }
        let mut seen = std::collections::HashSet::with_capacity(headers.len());
        for h in headers.iter().filter(|h| !h.is_empty()) {
            if !seen.insert(h.to_ascii_lowercase()) {
                return Err(SheetError::DuplicateHeader(h.clone()));
            }
        }
        self.row_limit = self
            .limits
            .max_rows
            .min(self.limits.max_cells / headers.len());
        self.headers = Some(headers);
        Ok(())
    }

    /// The error for a non-empty cell right of the last header column.
    pub(crate) fn beyond_header(&self, line: usize, col: usize, value: &str) -> SheetError {
        let width = self.width().unwrap_or(0);
        let shown = text::preview(value);
        match self.format {
            Format::Csv => SheetError::Csv {
                line,
                message: format!(
                    "第 {} 个字段“{shown}”超出了表头的 {width} 列（是否有未加引号的逗号？）/ \
                     field {} \"{shown}\" lies beyond the {width} header columns (an unquoted comma?)",
                    col + 1,
                    col + 1
                ),
            },
            Format::Xlsx => {
                let letter = text::column_letter(col);
                SheetError::Xlsx(format!(
                    "第 {line} 行 {letter} 列的“{shown}”在表头之外（表头只有 {width} 列），请删除或补上表头 / \
                     row {line}, column {letter}: \"{shown}\" lies beyond the {width} header columns; \
                     delete it or add a header"
                ))
            }
        }
    }

    /// `None` when no non-empty row was seen.
    pub(crate) fn finish(self) -> Option<Sheet> {
        self.headers.map(|headers| Sheet {
            headers,
            rows: self.rows,
        })
    }
}
