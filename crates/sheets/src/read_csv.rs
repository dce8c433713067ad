//! CSV: encoding detection, dialect, and records with true line numbers.

use std::borrow::Cow;

use crate::{Encoding, Format, Limits, Sheet, SheetBuilder, SheetError, text};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

pub(crate) fn read(bytes: &[u8], limits: &Limits) -> Result<(Encoding, Sheet), SheetError> {
    let (encoding, text) = decode(bytes)?;
    if text::clean(&text).is_empty() {
        return Err(SheetError::Empty);
    }
    let delimiter = detect_delimiter(&text);
    check_quotes(text.as_bytes(), delimiter)?;

    let data = text.as_bytes();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(data);
    let mut builder = SheetBuilder::new(Format::Csv, limits);
    let mut lines = LineCounter::default();
    let mut record = csv::ByteRecord::new();
    loop {
        let more = reader.read_byte_record(&mut record).map_err(|e| {
            let line = e.position().map_or(lines.line.max(1), |p| {
                lines.line_at(data, p.byte() as usize)
            });
            SheetError::Csv {
                line,
                message: format!("无法解析 / cannot parse: {e}"),
            }
        })?;
        if !more {
            break;
        }
        let start = record.position().map_or(0, |p| p.byte() as usize);
        let line = lines.line_at(data, start);
        let mut fields: Vec<&str> = Vec::with_capacity(record.len());
        for field in record.iter() {
            // The text is valid UTF-8 and the delimiter, quote and line ends
            // are ASCII, so every field is valid UTF-8 too.
            fields.push(std::str::from_utf8(field).map_err(|e| SheetError::Csv {
                line,
                message: format!("内部编码错误 / internal encoding error: {e}"),
            })?);
        }
        builder.push(line, &fields)?;
    }
    let sheet = builder.finish().ok_or(SheetError::NoHeader)?;
    Ok((encoding, sheet))
}

/// Decides the encoding and returns the text without a BOM.
pub(crate) fn decode(bytes: &[u8]) -> Result<(Encoding, Cow<'_, str>), SheetError> {
    let first_nul = bytes.iter().position(|&b| b == 0);
    let not_text = |offset: usize| SheetError::NotUtf8OrGbk {
        byte_offset: first_nul.map_or(offset, |nul| nul.min(offset)),
    };
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return match std::str::from_utf8(rest) {
            Ok(s) if first_nul.is_none() => Ok((Encoding::Utf8Bom, Cow::Borrowed(s))),
            Ok(_) => Err(not_text(usize::MAX)),
            Err(e) => Err(not_text(UTF8_BOM.len() + e.valid_up_to())),
        };
    }
    let utf8_error = match std::str::from_utf8(bytes) {
        Ok(s) if first_nul.is_none() => return Ok((Encoding::Utf8, Cow::Borrowed(s))),
        Ok(_) => return Err(not_text(usize::MAX)),
        Err(e) => e.valid_up_to(),
    };
    match decode_gb18030(bytes) {
        Ok(s) if first_nul.is_none() => Ok((Encoding::Gb18030, Cow::Owned(s))),
        Ok(_) => Err(not_text(usize::MAX)),
        // Report where the more plausible reading — the one that got further —
        // broke down: a UTF-8 file with one stray byte points at that byte.
        Err(gb_error) => Err(not_text(utf8_error.max(gb_error))),
    }
}

/// Strict GB18030 decoding; the error is the offset of the first malformed
/// byte sequence.
fn decode_gb18030(bytes: &[u8]) -> Result<String, usize> {
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .ok_or(0usize)?;
    let mut out = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
    match result {
        encoding_rs::DecoderResult::InputEmpty => Ok(out),
        encoding_rs::DecoderResult::Malformed(bad, after) => {
            Err(read.saturating_sub(bad as usize + after as usize))
        }
        // Cannot happen with a buffer of the maximum length; treat it as a
        // failure at the point reached rather than returning partial text.
        encoding_rs::DecoderResult::OutputFull => Err(read),
    }
}

/// Tab when the first non-blank line has tabs and no commas, comma otherwise.
fn detect_delimiter(text: &str) -> u8 {
    let header = text
        .split(['\n', '\r'])
        .find(|l| !text::clean(l).is_empty())
        .unwrap_or("");
    if header.contains('\t') && !header.contains(',') {
        b'\t'
    } else {
        b','
    }
}

/// The csv crate silently lets an unclosed quote swallow the rest of the file
/// into one cell. This mirrors its state machine (RFC 4180 quoting, `""`
/// escapes, a quote inside an unquoted field is literal) to catch that case
/// and name the line where the quote was opened.
fn check_quotes(data: &[u8], delimiter: u8) -> Result<(), SheetError> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        StartField,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::StartField;
    let mut line = 1usize;
    let mut opened_on = 1usize;
    for (i, &b) in data.iter().enumerate() {
        let is_end = b == b'\n' || b == b'\r';
        state = match state {
            State::StartField if b == b'"' => {
                opened_on = line;
                State::Quoted
            }
            State::StartField | State::Unquoted if b == delimiter || is_end => State::StartField,
            State::StartField | State::Unquoted => State::Unquoted,
            State::Quoted if b == b'"' => State::QuoteInQuoted,
            State::Quoted => State::Quoted,
            State::QuoteInQuoted if b == b'"' => State::Quoted,
            State::QuoteInQuoted if b == delimiter || is_end => State::StartField,
            State::QuoteInQuoted => State::Unquoted,
        };
        if b == b'\n' || (b == b'\r' && data.get(i + 1) != Some(&b'\n')) {
            line += 1;
        }
    }
    if state == State::Quoted {
        return Err(SheetError::Csv {
            line: opened_on,
            message: "这一行开头的引号一直没有闭合，后面所有内容都会被当成同一个单元格，请检查是否少了一个英文双引号 \" / \
                      a quote opened on this line is never closed, so everything after it would become one cell; \
                      check for a missing double quote \""
                .to_owned(),
        });
    }
    Ok(())
}

/// Turns byte offsets (visited in increasing order) into 1-based line numbers.
/// `\r\n`, `\n` and a lone `\r` each end a line.
#[derive(Default)]
struct LineCounter {
    offset: usize,
    /// Line number at `offset`, minus one.
    breaks: usize,
    line: usize,
}

impl LineCounter {
    fn line_at(&mut self, data: &[u8], mut target: usize) -> usize {
        // A record position may point at blank lines the reader skipped
        // before the record; move to its first real byte.
        while matches!(data.get(target), Some(b'\n' | b'\r')) {
            target += 1;
        }
        let target = target.min(data.len());
        if target >= self.offset {
            for i in self.offset..target {
                match data[i] {
                    b'\n' => self.breaks += 1,
                    b'\r' if data.get(i + 1) != Some(&b'\n') => self.breaks += 1,
                    _ => {}
                }
            }
            self.offset = target;
        }
        self.line = self.breaks + 1;
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_counter_handles_all_line_ends() {
        let data = b"a\r\nb\nc\rd";
        let mut lc = LineCounter::default();
        assert_eq!(lc.line_at(data, 0), 1);
        assert_eq!(lc.line_at(data, 3), 2);
        assert_eq!(lc.line_at(data, 5), 3);
        assert_eq!(lc.line_at(data, 7), 4);
    }

    #[test]
    fn quote_checker_matches_csv_rules() {
        assert!(check_quotes(b"a,\"b,\"\"c\"\"\nd\",e\n", b',').is_ok());
        assert!(check_quotes(b"a,b\"c\nd\n", b',').is_ok());
        let err = check_quotes(b"h1,h2\nx,y\n\"open,z\nw,v\n", b',').unwrap_err();
        assert_eq!(
            err,
            SheetError::Csv {
                line: 3,
                message: match &err {
                    SheetError::Csv { message, .. } => message.clone(),
                    _ => unreachable!(),
                }
            }
        );
    }

    #[test]
    fn gb18030_error_offset_points_at_the_bad_byte() {
        let (mut bytes, _, _) = encoding_rs::GBK.encode("姓名,电话\n张三,1\n");
        let at = bytes.len();
        bytes.to_mut().push(0xFF);
        assert_eq!(decode_gb18030(&bytes), Err(at));
    }
}
