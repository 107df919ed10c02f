//! Result CSV files (`runs.csv`, `timeseries.csv`, `flows.csv`, `comparison.csv`,
//! `tornado.csv`, `sobol.csv`): how they are written and read back.
//!
//! Each starts with one line beginning with `#` that says what was run and how to reproduce it,
//! then a row of column names, then one record per row. Records follow RFC 4180 through the
//! `csv` crate: a field holding a comma, a double quote or a line break is quoted and its quotes
//! doubled, so a text field reads back as it was written, whatever it holds. Numbers are written
//! as Rust's `Display` writes them (see [`super::decimal`]), lines end with `\n`.

use super::decimal;
use std::borrow::Cow;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;

/// Bytes buffered before a write to the file.
const BUFFER: usize = 1 << 20;

/// A result CSV being written.
pub struct CsvWriter {
    out: csv::Writer<File>,
    /// Where a number's text is laid out before it becomes a field: reused, so writing a
    /// number allocates nothing.
    scratch: String,
    /// A row of numbers being assembled (see [`CsvWriter::numbers_row`]): reused likewise.
    record: csv::ByteRecord,
}

impl CsvWriter {
    /// Creates `path` with its `#` line (given without the newline) and its column names.
    ///
    /// The `#` line is written as given, except that line breaks and other control characters
    /// in it (from a scenario path, say) are written escaped (`\n`), so it is always exactly
    /// one line and readers can skip it.
    pub fn create<I>(path: &Path, provenance: &str, columns: I) -> io::Result<CsvWriter>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let mut file = File::create(path)?;
        file.write_all(format!("{}\n", one_line(provenance)).as_bytes())?;
        let mut out = csv::WriterBuilder::new()
            .buffer_capacity(BUFFER)
            .from_writer(file);
        out.write_record(columns)?;
        Ok(CsvWriter {
            out,
            scratch: String::with_capacity(32),
            record: csv::ByteRecord::new(),
        })
    }

    /// Appends a text field, quoted if it needs it.
    pub fn text(&mut self, s: &str) -> io::Result<()> {
        Ok(self.out.write_field(s)?)
    }

    /// Appends a number field: exactly what `format!("{v}")` gives.
    #[inline]
    pub fn number(&mut self, v: f64) -> io::Result<()> {
        self.scratch.clear();
        decimal::push_f64(&mut self.scratch, v);
        Ok(self.out.write_field(self.scratch.as_bytes())?)
    }

    /// Writes a whole row: a whole number (a run index) then numbers, as [`CsvWriter::whole`]
    /// and [`CsvWriter::number`] would write them, only faster: the row is assembled first
    /// and goes through the `csv` crate's fast path for records that fit its buffer.
    pub fn numbers_row(&mut self, first: u64, values: &[f64]) -> io::Result<()> {
        self.record.clear();
        self.scratch.clear();
        write!(self.scratch, "{first}").expect("writing to a String cannot fail");
        self.record.push_field(self.scratch.as_bytes());
        for &v in values {
            self.scratch.clear();
            decimal::push_f64(&mut self.scratch, v);
            self.record.push_field(self.scratch.as_bytes());
        }
        Ok(self.out.write_byte_record(&self.record)?)
    }

    /// Appends a number field, or an empty one for `None`.
    pub fn maybe_number(&mut self, v: Option<f64>) -> io::Result<()> {
        match v {
            Some(v) => self.number(v),
            None => self.text(""),
        }
    }

    /// Appends a whole-number field (a run index, a step, a rank).
    pub fn whole(&mut self, n: u64) -> io::Result<()> {
        self.scratch.clear();
        write!(self.scratch, "{n}").expect("writing to a String cannot fail");
        Ok(self.out.write_field(self.scratch.as_bytes())?)
    }

    /// Ends the current row.
    pub fn end_row(&mut self) -> io::Result<()> {
        Ok(self.out.write_record(None::<&[u8]>)?)
    }

    /// Appends a whole row read from another result CSV.
    pub fn row(&mut self, fields: &csv::ByteRecord) -> io::Result<()> {
        Ok(self.out.write_byte_record(fields)?)
    }

    /// Writes everything out and syncs the file to disk.
    pub fn finish(mut self) -> io::Result<()> {
        self.out.flush()?;
        self.out.get_ref().sync_all()
    }
}

/// `line` with control characters escaped (`\n`, `\r`, `\t`, `\u{1b}`): the line itself when it
/// has none.
fn one_line(line: &str) -> Cow<'_, str> {
    if !line.contains(char::is_control) {
        return Cow::Borrowed(line);
    }
    Cow::Owned(
        line.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// A result CSV being read: its column names, then its rows in order.
pub struct CsvReader {
    rows: csv::Reader<LastByte<BufReader<File>>>,
    /// Lines before the column names (the `#` line).
    skipped: u64,
}

impl CsvReader {
    /// Opens `path` and skips the lines starting with `#` at its start (the provenance line).
    /// A `#` further on is data.
    pub fn open(path: &Path) -> io::Result<CsvReader> {
        let mut input = BufReader::with_capacity(BUFFER, File::open(path)?);
        let mut skipped = 0;
        let mut line = Vec::new();
        while input.fill_buf()?.first() == Some(&b'#') {
            line.clear();
            input.read_until(b'\n', &mut line)?;
            skipped += 1;
        }
        let rows = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(LastByte::new(input));
        Ok(CsvReader { rows, skipped })
    }

    /// The column names (the first record after the `#` line); `None` if the file has none.
    pub fn columns(&mut self) -> io::Result<Option<Vec<String>>> {
        let names: Vec<String> = self.rows.headers()?.iter().map(str::to_string).collect();
        Ok((!names.is_empty() || !self.rows.is_done()).then_some(names))
    }

    /// Reads the next row into `row`; false at the end of the file.
    pub fn next_row(&mut self, row: &mut csv::ByteRecord) -> io::Result<bool> {
        Ok(self.rows.read_byte_record(row)?)
    }

    /// The line of the file on which `row` starts (1 is the first), for messages.
    pub fn line_of(&self, row: &csv::ByteRecord) -> u64 {
        self.skipped + row.position().map_or(0, csv::Position::line)
    }

    /// Whether the file read so far ends with a line break: a file cut short in its last row
    /// does not. Meaningful once [`CsvReader::next_row`] has returned false.
    pub fn ends_with_line_break(&self) -> bool {
        self.rows.get_ref().last.is_none_or(|b| b == b'\n')
    }
}

/// Field `i` of `row` as text: empty if missing, bytes that are not UTF-8 replaced by U+FFFD
/// (so such a field is never taken for a number or an id).
pub fn field(row: &csv::ByteRecord, i: usize) -> Cow<'_, str> {
    String::from_utf8_lossy(row.get(i).unwrap_or_default())
}

/// Passes reads through, remembering the last byte read.
struct LastByte<R> {
    inner: R,
    last: Option<u8>,
}

impl<R> LastByte<R> {
    fn new(inner: R) -> Self {
        LastByte { inner, last: None }
    }
}

impl<R: Read> Read for LastByte<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            self.last = Some(buf[n - 1]);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provenance_lines_stay_one_line_and_otherwise_unchanged() {
        let plain = "# stratex 0.1.0; scenario \"A, 'b'\" (x.ron); levers none";
        assert!(matches!(one_line(plain), Cow::Borrowed(s) if s == plain));
        assert_eq!(one_line("# a\nb\r\tc"), "# a\\nb\\r\\tc");
    }

    #[test]
    fn text_fields_round_trip_whatever_they_hold() {
        let dir = std::env::temp_dir().join(format!("stratex-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.csv");
        let texts = [
            "plain",
            "a,b",
            "say \"hi\"",
            "two\nlines",
            "cr\r",
            "",
            "#not a comment",
        ];
        let mut w = CsvWriter::create(&path, "# line\nbreak", ["text", "number"]).unwrap();
        for t in texts {
            w.text(t).unwrap();
            w.number(-0.5).unwrap();
            w.end_row().unwrap();
        }
        w.finish().unwrap();
        let mut r = CsvReader::open(&path).unwrap();
        assert_eq!(r.columns().unwrap().unwrap(), ["text", "number"]);
        let mut row = csv::ByteRecord::new();
        let (mut back, mut lines) = (Vec::new(), Vec::new());
        while r.next_row(&mut row).unwrap() {
            assert_eq!(field(&row, 1), "-0.5");
            back.push(field(&row, 0).to_string());
            lines.push(r.line_of(&row));
        }
        assert!(r.ends_with_line_break());
        assert_eq!(back, texts);
        // Line 1 is the `#` line, 2 the column names; "two\nlines" takes two.
        assert_eq!(lines, [3, 4, 5, 6, 8, 9, 10]);
        assert_eq!(
            super::super::csv_field("say \"hi\", \"bye\""),
            r#""say ""hi"", ""bye""""#
        );
        assert_eq!(super::super::csv_field("plain"), "plain");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
