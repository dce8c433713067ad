//! Reading CSV ledgers: encodings, dialect, line numbers, limits, errors.

use tongxin_sheets::{Encoding, Format, Limits, Row, SheetError, read};

fn read_ok(bytes: &[u8]) -> tongxin_sheets::ReadReport {
    read(bytes, Some("台账.csv"), &Limits::default()).expect("file should be readable")
}

fn read_err(bytes: &[u8]) -> SheetError {
    read(bytes, None, &Limits::default()).expect_err("file should be rejected")
}

fn row(line: usize, cells: &[&str]) -> Row {
    Row {
        line,
        cells: cells.iter().map(|s| (*s).to_owned()).collect(),
    }
}

const LEDGER: &str = "姓名,身份证号,地址\r\n张三,450103199003071234,南宁市青秀区民族大道 1 号\r\n李四,45010319851231002X,兴宁区\r\n";

#[test]
fn utf8_with_bom() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(LEDGER.as_bytes());
    let report = read_ok(&bytes);
    assert_eq!(report.format, Format::Csv);
    assert_eq!(report.encoding, Some(Encoding::Utf8Bom));
    assert_eq!(report.sheet.headers, ["姓名", "身份证号", "地址"]);
    assert_eq!(
        report.sheet.rows,
        [
            row(
                2,
                &["张三", "450103199003071234", "南宁市青秀区民族大道 1 号"]
            ),
            row(3, &["李四", "45010319851231002X", "兴宁区"]),
        ]
    );
}

#[test]
fn utf8_without_bom() {
    let report = read_ok(LEDGER.as_bytes());
    assert_eq!(report.encoding, Some(Encoding::Utf8));
    assert_eq!(
        report.sheet.headers[0], "姓名",
        "no BOM residue in the first header"
    );
    assert_eq!(report.sheet.rows.len(), 2);
    assert_eq!(report.sheet.rows[1].cells[1], "45010319851231002X");
}

#[test]
fn gbk_is_read_and_reported_as_gb18030() {
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(LEDGER);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&gbk).is_err(),
        "the test input must not be UTF-8"
    );
    let report = read_ok(&gbk);
    assert_eq!(report.encoding, Some(Encoding::Gb18030));
    assert_eq!(report.sheet, read_ok(LEDGER.as_bytes()).sheet);
    // A character outside GBK but inside GB18030 (four-byte sequence).
    let (gb18030, _, _) = encoding_rs::GB18030.encode("名称\n𠀀社区\n");
    let report = read_ok(&gb18030);
    assert_eq!(report.encoding, Some(Encoding::Gb18030));
    assert_eq!(report.sheet.rows[0].cells, ["𠀀社区"]);
}

#[test]
fn random_binary_is_rejected_with_an_offset() {
    // A fixed xorshift stream: no file format, not text in any encoding.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    match read_err(&bytes) {
        SheetError::NotUtf8OrGbk { byte_offset } => assert!(byte_offset < bytes.len()),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn offset_points_at_the_first_bad_byte() {
    // UTF-8 text with one stray byte.
    let mut bytes = LEDGER.as_bytes().to_vec();
    let at = bytes.len();
    bytes.extend_from_slice(b"\xFF,x\r\n");
    assert_eq!(
        read_err(&bytes),
        SheetError::NotUtf8OrGbk { byte_offset: at }
    );
    // GBK text with one stray byte.
    let (gbk, _, _) = encoding_rs::GBK.encode(LEDGER);
    let mut bytes = gbk.into_owned();
    let at = bytes.len();
    bytes.extend_from_slice(b"\xFF,x\r\n");
    assert_eq!(
        read_err(&bytes),
        SheetError::NotUtf8OrGbk { byte_offset: at }
    );
    // UTF-8 after a BOM: the offset counts the BOM.
    let mut bytes = b"\xEF\xBB\xBFa,b\n".to_vec();
    bytes.push(0xC3);
    assert_eq!(
        read_err(&bytes),
        SheetError::NotUtf8OrGbk { byte_offset: 7 }
    );
    // NUL bytes are never text (UTF-16 without a BOM, binaries).
    let utf16: Vec<u8> = "a,b\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert_eq!(
        read_err(&utf16),
        SheetError::NotUtf8OrGbk { byte_offset: 1 }
    );
}

#[test]
fn quoted_commas_quotes_and_newlines() {
    let csv = "名称,备注,电话\n\"青秀区,新竹街道\",\"第一行\n第二行\",\"0771-1234\"\n旧楼,\"他说\"\"拆\"\"\",\n";
    let sheet = read_ok(csv.as_bytes()).sheet;
    assert_eq!(
        sheet.rows,
        [
            row(2, &["青秀区,新竹街道", "第一行\n第二行", "0771-1234"]),
            row(4, &["旧楼", "他说\"拆\"", ""]),
        ]
    );
}

#[test]
fn line_numbers_stay_true_when_empty_rows_are_skipped() {
    let csv = "\r\n姓名,电话\r\n\r\n张三,1\r\n,,\r\n  ,\u{3000}\r\n\"李四\",\"2\r\n3\"\r\n\r\n王五\r\n\r\n";
    let sheet = read_ok(csv.as_bytes()).sheet;
    assert_eq!(sheet.headers, ["姓名", "电话"]);
    assert_eq!(
        sheet.rows,
        [
            row(4, &["张三", "1"]),
            row(7, &["李四", "2\n3"]), // line breaks in a cell become \n
            row(10, &["王五", ""]),
        ]
    );
    // Old Mac line ends (a lone CR) count as line breaks too.
    let sheet = read_ok(b"a,b\rx,y\r\rz,w").sheet;
    assert_eq!(sheet.rows, [row(2, &["x", "y"]), row(4, &["z", "w"])]);
}

#[test]
fn cells_are_trimmed_and_padded() {
    let sheet = read_ok(" 姓名 ,\t电话\u{3000},备注\n  张三  , 0771 \n".as_bytes()).sheet;
    assert_eq!(sheet.headers, ["姓名", "电话", "备注"]);
    assert_eq!(sheet.rows, [row(2, &["张三", "0771", ""])]);
    // Trailing empty header cells are dropped; empty trailing fields are fine.
    let sheet = read_ok("a,b,,\n1,2,,\n".as_bytes()).sheet;
    assert_eq!(sheet.headers, ["a", "b"]);
    assert_eq!(sheet.rows, [row(2, &["1", "2"])]);
}

#[test]
fn a_value_beyond_the_header_is_an_error() {
    match read_err("姓名,电话\n张三,1,多余\n".as_bytes()) {
        SheetError::Csv { line, message } => {
            assert_eq!(line, 2);
            assert!(message.contains("多余"), "{message}");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn an_unclosed_quote_is_reported_where_it_opens() {
    match read_err("姓名,备注\n张三,ok\n李四,\"没有闭合\n王五,x\n".as_bytes()) {
        SheetError::Csv { line, .. } => assert_eq!(line, 3),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn tab_separated_when_the_header_has_tabs_and_no_commas() {
    let sheet = read_ok("姓名\t地址\n张三\t青秀区,民族大道\n".as_bytes()).sheet;
    assert_eq!(sheet.headers, ["姓名", "地址"]);
    assert_eq!(sheet.rows[0].cells, ["张三", "青秀区,民族大道"]);
    // A comma in the header line keeps the comma dialect.
    let sheet = read_ok("姓名,地址\t备注\n".as_bytes()).sheet;
    assert_eq!(sheet.headers, ["姓名", "地址\t备注"]);
}

#[test]
fn empty_inputs() {
    assert_eq!(read_err(b""), SheetError::Empty);
    assert_eq!(read_err(b"\xEF\xBB\xBF"), SheetError::Empty);
    assert_eq!(read_err(b"\r\n  \n\t\n"), SheetError::Empty);
    assert_eq!(read_err(b",,\n , \n"), SheetError::NoHeader);
}

#[test]
fn header_only_gives_zero_rows() {
    for csv in ["姓名,电话", "姓名,电话\r\n", "姓名,电话\r\n,\r\n\r\n"] {
        let sheet = read_ok(csv.as_bytes()).sheet;
        assert_eq!(sheet.headers, ["姓名", "电话"]);
        assert!(sheet.rows.is_empty(), "{csv:?}");
    }
}

#[test]
fn duplicate_header() {
    assert_eq!(
        read_err("姓名,电话, 姓名 \n".as_bytes()),
        SheetError::DuplicateHeader("姓名".into())
    );
    assert_eq!(
        read_err("Name,name\n".as_bytes()),
        SheetError::DuplicateHeader("name".into())
    );
}

#[test]
fn limits() {
    let bytes = LEDGER.as_bytes();
    let small = Limits {
        max_bytes: bytes.len() - 1,
        ..Limits::default()
    };
    assert_eq!(
        read(bytes, None, &small),
        Err(SheetError::TooLarge {
            limit_bytes: bytes.len() - 1
        })
    );
    let exact = Limits {
        max_bytes: bytes.len(),
        ..Limits::default()
    };
    assert!(read(bytes, None, &exact).is_ok());

    let two_rows = Limits {
        max_rows: 2,
        ..Limits::default()
    };
    assert!(read(bytes, None, &two_rows).is_ok());
    let one_row = Limits {
        max_rows: 1,
        ..Limits::default()
    };
    assert_eq!(
        read(bytes, None, &one_row),
        Err(SheetError::TooManyRows { limit: 1 })
    );
    // Three columns and a budget of seven cells leave room for two rows.
    let cells = Limits {
        max_cells: 7,
        ..Limits::default()
    };
    assert!(read(bytes, None, &cells).is_ok());
    let cells = Limits {
        max_cells: 5,
        ..Limits::default()
    };
    assert_eq!(
        read(bytes, None, &cells),
        Err(SheetError::TooManyRows { limit: 1 })
    );
}

#[test]
fn misnamed_and_legacy_excel_files() {
    let limits = Limits::default();
    match read(LEDGER.as_bytes(), Some("居民台账.XLSX"), &limits) {
        Err(SheetError::Xlsx(message)) => assert!(message.contains("居民台账.XLSX"), "{message}"),
        other => panic!("unexpected {other:?}"),
    }
    let mut xls = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    xls.resize(512, 0);
    match read(&xls, Some("居民台账.xls"), &limits) {
        Err(SheetError::Xlsx(message)) => assert!(message.contains(".xls"), "{message}"),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(Format::from_name("a.CSV"), Some(Format::Csv));
    assert_eq!(Format::from_name("台账.xlsx"), Some(Format::Xlsx));
    assert_eq!(Format::from_name("台账"), None);
    assert_eq!(Format::from_name("台账.xls"), None);
    assert_eq!(Format::sniff(b"PK\x03\x04rest"), Format::Xlsx);
    assert_eq!(Format::sniff(b"PK,x"), Format::Csv);
}

#[test]
fn error_messages_are_chinese_first_and_precise() {
    let cases = [
        (SheetError::Empty, "文件是空的"),
        (
            SheetError::TooLarge {
                limit_bytes: 64 << 20,
            },
            "64 MiB",
        ),
        (SheetError::TooManyRows { limit: 1000 }, "1000"),
        (SheetError::NotUtf8OrGbk { byte_offset: 17 }, "第 17 字节"),
        (
            SheetError::Csv {
                line: 9,
                message: "引号未闭合 / unclosed quote".into(),
            },
            "第 9 行",
        ),
        (SheetError::Xlsx("坏了 / broken".into()), "坏了"),
        (SheetError::NoHeader, "表头"),
        (SheetError::DuplicateHeader("姓名".into()), "“姓名”"),
    ];
    for (error, needle) in cases {
        let shown = error.to_string();
        let first = shown.chars().next().unwrap();
        assert!(
            ('\u{4e00}'..='\u{9fff}').contains(&first),
            "starts with Chinese: {shown}"
        );
        assert!(shown.contains(needle), "{shown} should contain {needle}");
        assert!(shown.contains(" / "), "has an English part: {shown}");
    }
}

#[test]
fn throughput_200k_rows() {
    let mut csv = String::from("姓名,身份证号,电话,地址,备注\r\n");
    for i in 0..200_000u64 {
        csv.push_str(&format!(
            "居民{i},{:018},138{:08},南宁市青秀区第{}栋,\"备注,{i}\"\r\n",
            450_103_199_000_000_000u64 + i,
            i,
            i % 500
        ));
    }
    let started = std::time::Instant::now();
    let report = read(csv.as_bytes(), None, &Limits::default()).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(report.sheet.rows.len(), 200_000);
    assert_eq!(report.sheet.rows[199_999].line, 200_001);
    assert_eq!(report.sheet.rows[7].cells[4], "备注,7");
    println!(
        "CSV read: 200000 rows, {:.1} MiB in {:.3} s = {:.0} rows/s (unoptimised test build)",
        csv.len() as f64 / (1024.0 * 1024.0),
        elapsed.as_secs_f64(),
        200_000.0 / elapsed.as_secs_f64()
    );
}
