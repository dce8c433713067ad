//! XLSX reading and writing, templates, CSV writing, header checks.

use std::io::Cursor;

use calamine::Reader;
use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, Workbook};
use tongxin_sheets::{
    Encoding, Format, Limits, NOTES_SHEET, Row, Sheet, SheetError, check_headers, read,
    template_csv, template_xlsx, write_csv, write_xlsx,
};

fn strings(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| (*s).to_owned()).collect()
}

fn read_xlsx(bytes: &[u8]) -> Result<Sheet, SheetError> {
    let report = read(bytes, Some("台账.xlsx"), &Limits::default())?;
    assert_eq!(report.format, Format::Xlsx);
    assert_eq!(report.encoding, None);
    Ok(report.sheet)
}

fn save(workbook: &mut Workbook) -> Vec<u8> {
    workbook.save_to_buffer().expect("test workbook")
}

const HEADERS: [&str; 5] = ["姓名", "身份证号", "门牌号", "电话", "备注"];

fn ledger_rows() -> Vec<Vec<String>> {
    vec![
        strings(&[
            "张三",
            "450103199003071234",
            "007",
            "13800138000",
            "第一行\n第二行",
        ]),
        strings(&["李四", "45010319851231002X", "0012", "", "  "]),
        strings(&[
            "王五",
            "450103200001010011",
            "1-2-301",
            "0771-5551234",
            "\"引号\", 逗号",
        ]),
    ]
}

#[test]
fn xlsx_round_trip_keeps_text_exactly() {
    let rows = ledger_rows();
    let bytes = write_xlsx("居民", &HEADERS, &rows).unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"));
    let sheet = read_xlsx(&bytes).unwrap();
    assert_eq!(sheet.headers, HEADERS);
    let expected: Vec<Row> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| Row {
            line: i + 2,
            // Reading trims, so the all-space cell comes back empty.
            cells: r.iter().map(|c| c.trim().to_owned()).collect(),
        })
        .collect();
    assert_eq!(sheet.rows, expected);
    assert_eq!(
        sheet.rows[0].cells[1], "450103199003071234",
        "18 digits intact"
    );
    assert_eq!(sheet.rows[0].cells[2], "007", "leading zeros intact");

    // The file names its sheet, freezes the header and types every cell as text.
    let mut workbook = calamine::Xlsx::new(Cursor::new(&bytes)).unwrap();
    assert_eq!(workbook.sheet_names(), ["居民"]);
    let range = workbook.worksheet_range("居民").unwrap();
    assert_eq!(
        range.get_value((1, 1)),
        Some(&calamine::Data::String("450103199003071234".into()))
    );
}

#[test]
fn a_numeric_18_digit_cell_shows_its_precision_loss() {
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    for (c, h) in [
        "身份证号",
        "数量",
        "比例",
        "日期",
        "编号",
        "是否",
        "日期时间",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_number(1, 0, 450_103_199_003_071_234_f64).unwrap();
    ws.write_number(1, 1, 42).unwrap();
    ws.write_number(1, 2, 0.1 + 0.2).unwrap();
    let date = XFormat::new().set_num_format("yyyy-mm-dd");
    let date_cn = XFormat::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    let stamp = XFormat::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    ws.write_datetime_with_format(1, 3, ExcelDateTime::from_ymd(2024, 6, 1).unwrap(), &date)
        .unwrap();
    ws.write_string(1, 4, "0012").unwrap();
    ws.write_boolean(1, 5, true).unwrap();
    ws.write_datetime_with_format(
        1,
        6,
        ExcelDateTime::parse_from_str("2024-06-01 08:30:00").unwrap(),
        &stamp,
    )
    .unwrap();
    ws.write_number(2, 0, 13_800_138_000_f64).unwrap();
    ws.write_number(2, 1, -3.5).unwrap();
    ws.write_datetime_with_format(2, 3, ExcelDateTime::from_ymd(1990, 3, 7).unwrap(), &date_cn)
        .unwrap();
    let sheet = read_xlsx(&save(&mut workbook)).unwrap();
    assert_eq!(
        sheet.rows[0].cells,
        [
            // Excel's own display of the number: 15 significant digits,
            // scientific notation. The last three digits are gone for good.
            "4.50103199003071E+17",
            "42",
            "0.3",
            "2024-06-01",
            "0012",
            "TRUE",
            "2024-06-01 08:30:00",
        ]
    );
    assert_eq!(
        sheet.rows[1].cells,
        ["13800138000", "-3.5", "", "1990-03-07", "", "", ""]
    );
}

#[test]
fn xlsx_line_numbers_follow_excel_rows() {
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    // Header on Excel row 3, data on rows 4 and 7, an all-space row 5.
    ws.write_string(2, 0, "姓名").unwrap();
    ws.write_string(2, 1, "电话").unwrap();
    ws.write_string(3, 0, "张三").unwrap();
    ws.write_string(4, 1, "   ").unwrap();
    ws.write_string(6, 1, "0771").unwrap();
    let sheet = read_xlsx(&save(&mut workbook)).unwrap();
    assert_eq!(sheet.headers, ["姓名", "电话"]);
    assert_eq!(
        sheet.rows,
        [
            Row {
                line: 4,
                cells: strings(&["张三", ""])
            },
            Row {
                line: 7,
                cells: strings(&["", "0771"])
            },
        ]
    );
}

#[test]
fn xlsx_first_visible_worksheet_and_errors() {
    // A hidden first sheet is skipped.
    let mut workbook = Workbook::new();
    let hidden = workbook.add_worksheet();
    hidden.set_name("隐藏").unwrap();
    hidden.write_string(0, 0, "不是这个").unwrap();
    hidden.set_hidden(true);
    let visible = workbook.add_worksheet();
    visible.write_string(0, 0, "姓名").unwrap();
    visible.set_active(true);
    let sheet = read_xlsx(&save(&mut workbook)).unwrap();
    assert_eq!(sheet.headers, ["姓名"]);

    // A value right of the last header is named with its cell.
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    ws.write_string(0, 0, "姓名").unwrap();
    ws.write_string(1, 0, "张三").unwrap();
    ws.write_string(1, 2, "多余").unwrap();
    match read_xlsx(&save(&mut workbook)) {
        Err(SheetError::Xlsx(message)) => {
            assert!(message.contains("第 2 行 C 列"), "{message}")
        }
        other => panic!("unexpected {other:?}"),
    }

    // Duplicate headers, empty sheets, header-only sheets.
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    ws.write_string(0, 0, "Name").unwrap();
    ws.write_string(0, 1, " NAME ").unwrap();
    assert_eq!(
        read_xlsx(&save(&mut workbook)),
        Err(SheetError::DuplicateHeader("NAME".into()))
    );
    let mut workbook = Workbook::new();
    workbook.add_worksheet();
    assert_eq!(read_xlsx(&save(&mut workbook)), Err(SheetError::Empty));
    let mut workbook = Workbook::new();
    workbook.add_worksheet().write_string(0, 0, "  ").unwrap();
    assert_eq!(read_xlsx(&save(&mut workbook)), Err(SheetError::NoHeader));
    let bytes = write_xlsx("Sheet1", &HEADERS, &[]).unwrap();
    let sheet = read_xlsx(&bytes).unwrap();
    assert_eq!(sheet.headers, HEADERS);
    assert!(sheet.rows.is_empty());

    // A damaged (truncated) file.
    let bytes = write_xlsx("Sheet1", &HEADERS, &ledger_rows()).unwrap();
    match read_xlsx(&bytes[..bytes.len() / 2]) {
        Err(SheetError::Xlsx(_)) => {}
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn xlsx_row_limit_and_unpacked_size_limit() {
    let rows: Vec<Vec<String>> = (0..50)
        .map(|i| strings(&[&format!("居民{i}"), "450103199003071234", "", "", ""]))
        .collect();
    let bytes = write_xlsx("Sheet1", &HEADERS, &rows).unwrap();
    let limits = Limits {
        max_rows: 49,
        ..Limits::default()
    };
    assert_eq!(
        read(&bytes, None, &limits),
        Err(SheetError::TooManyRows { limit: 49 })
    );

    // A "zip bomb": 8 MiB of zeros packed into a few KiB.
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xl/sharedStrings.xml", deflated).unwrap();
    std::io::Write::write_all(&mut zip, &vec![0u8; 8 << 20]).unwrap();
    let bomb = zip.finish().unwrap().into_inner();
    assert!(bomb.len() < 64 << 10, "{} bytes", bomb.len());
    let small = Limits {
        max_bytes: 256 << 10, // so at most 4 MiB unpacked
        ..Limits::default()
    };
    match read(&bomb, None, &small).map(|r| r.sheet.rows.len()) {
        Err(SheetError::Xlsx(message)) => assert!(message.contains("解压"), "{message}"),
        other => panic!("unexpected {other:?}"),
    }
    // A real workbook within the same ratio is fine.
    let limits = Limits {
        max_bytes: bytes.len(),
        ..Limits::default()
    };
    assert!(read(&bytes, None, &limits).is_ok());
}

#[test]
fn write_xlsx_rejects_bad_input_clearly() {
    match write_xlsx("a/b", &HEADERS, &[]) {
        Err(SheetError::Xlsx(message)) => assert!(message.contains("a/b"), "{message}"),
        other => panic!("unexpected {other:?}"),
    }
    let huge = "字".repeat(40_000);
    match write_xlsx("Sheet1", &["备注"], &[vec![huge]]) {
        Err(SheetError::Xlsx(message)) => assert!(message.contains("A2"), "{message}"),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn template_round_trip() {
    let headers = ["姓名", "身份证号", "联系电话"];
    let example = ["张三", "450103199003071234", "13800138000"];
    let notes = [
        "带 * 的列必须填写。",
        "身份证号请按文本填写，不要转成数字。",
    ];
    let bytes = template_xlsx("居民导入模板", &headers, &example, &notes).unwrap();
    let sheet = read_xlsx(&bytes).unwrap();
    assert_eq!(sheet.headers, headers);
    assert_eq!(
        sheet.rows,
        [Row {
            line: 2,
            cells: strings(&example)
        }]
    );
    let mut workbook = calamine::Xlsx::new(Cursor::new(&bytes)).unwrap();
    assert_eq!(workbook.sheet_names(), ["居民导入模板", NOTES_SHEET]);
    let range = workbook.worksheet_range(NOTES_SHEET).unwrap();
    let lines: Vec<String> = range.rows().map(|r| r[0].to_string()).collect();
    assert_eq!(lines, notes);

    let csv = template_csv(&headers, &example);
    let report = read(&csv, Some("模板.csv"), &Limits::default()).unwrap();
    assert_eq!(report.encoding, Some(Encoding::Utf8Bom));
    assert_eq!(report.sheet, sheet);
}

#[test]
fn write_csv_is_excel_friendly_and_round_trips() {
    let rows = ledger_rows();
    let bytes = write_csv(&HEADERS, &rows);
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "BOM for Excel");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(
        text.starts_with("姓名,身份证号,门牌号,电话,备注\r\n"),
        "{text}"
    );
    assert!(text.contains("\"第一行\n第二行\""));
    assert!(text.contains("\"\"\"引号\"\", 逗号\""));
    assert!(text.ends_with("\r\n"));
    let sheet = read(&bytes, None, &Limits::default()).unwrap().sheet;
    assert_eq!(sheet.rows.len(), 3);
    assert_eq!(sheet.rows[0].cells[4], "第一行\n第二行");
    assert_eq!(sheet.rows[1].line, 4, "the embedded newline takes a line");
    assert_eq!(sheet.rows[2].cells[4], "\"引号\", 逗号");
    // Short rows are padded to the header width.
    let bytes = write_csv(&["a", "b", "c"], &[strings(&["1"])]);
    assert_eq!(&bytes[3..], b"a,b,c\r\n1,,\r\n");
}

fn sheet_with(headers: &[&str], row: &[&str]) -> Sheet {
    Sheet {
        headers: strings(headers),
        rows: vec![Row {
            line: 2,
            cells: strings(row),
        }],
    }
}

#[test]
fn check_headers_matches_aliases_and_reports_problems() {
    let required = ["姓名|name", "身份证号|ID number|id_no"];
    let optional = ["电话|phone", "备注"];

    let sheet = sheet_with(&["Phone", " ID Number ", "姓名"], &["1", "2", "3"]);
    assert_eq!(
        check_headers(&sheet, &required, &optional),
        Ok(vec![Some(2), Some(1), Some(0), None])
    );

    let sheet = sheet_with(&["NAME", "住址", "电话", "序号"], &["", "", "", ""]);
    let problem = check_headers(&sheet, &required, &optional).unwrap_err();
    assert_eq!(problem.missing, ["身份证号"]);
    assert_eq!(problem.unknown, ["住址", "序号"]);
    assert_eq!(problem.expected, ["姓名", "身份证号", "电话", "备注"]);
    assert!(problem.duplicate.is_empty());
    let shown = problem.to_string();
    assert!(shown.starts_with("表头不符合模板"), "{shown}");
    for needle in ["身份证号", "住址", "序号", "missing required columns"] {
        assert!(shown.contains(needle), "{shown}");
    }

    // The same column twice under its two names.
    let sheet = sheet_with(&["姓名", "身份证号", "name"], &["a", "b", "c"]);
    let problem = check_headers(&sheet, &required, &optional).unwrap_err();
    assert_eq!(problem.duplicate, ["姓名: 姓名, name"]);
    assert!(problem.missing.is_empty() && problem.unknown.is_empty());

    // A column without a header matters only when it holds data.
    let sheet = sheet_with(&["姓名", "", "身份证号"], &["a", "", "b"]);
    assert_eq!(
        check_headers(&sheet, &required, &optional),
        Ok(vec![Some(0), Some(2), None, None])
    );
    let sheet = sheet_with(&["姓名", "", "身份证号"], &["a", "x", "b"]);
    let problem = check_headers(&sheet, &required, &optional).unwrap_err();
    assert_eq!(problem.unknown, ["第2列（无表头）/ column 2 (no header)"]);
}
