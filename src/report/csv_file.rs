//! Result CSV files (`runs.csv`, `timeseries.csv`, `flows.csv`, `comparison.csv`,
//! `tornado.csv`, `sobol.csv`, `posterior.csv`): how they are written and read back.
//!
//! By default ([`CsvProvenance::Line`]) each starts with one line beginning with `#` that says
//! what was run and how to reproduce it, then a row of column names, then one record per row.
//! With [`CsvProvenance::Sidecar`] the file starts with a UTF-8 byte-order mark and its column
//! names (what a spreadsheet expects), and the `#` line goes, exactly as it would have been
//! written, to `<file>.provenance.txt` beside it. Readers take either layout. Records follow RFC 4180 through the
//! `csv` crate: a field holding a comma, a double quote or a line break is quoted and its quotes
//! doubled, so a text field reads back as it was written, whatever it holds. Numbers are written
//! as Rust's `Display` writes them (see [`super::decimal`]), lines end with `\n`.

use super::decimal;
use super::sheet::{Cell, Sheet};
use std::borrow::Cow;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// Bytes buffered before a write to the file.
const BUFFER: usize = 1 << 20;

/// The UTF-8 byte-order mark: tells a spreadsheet the file is UTF-8.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Where a result CSV's provenance (its `#` lines) goes. Either way the rows are the same.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CsvProvenance {
    /// First in the file, as lines starting with `#` (what `pandas.read_csv(comment="#")` skips).
    #[default]
    Line,
    /// In `<file>.provenance.txt` beside it; the file starts with a UTF-8 byte-order mark and its
    /// column names, as Excel reads a CSV.
    Sidecar,
}

/// The file that holds the provenance of the CSV at `path` with [`CsvProvenance::Sidecar`]:
/// `runs.csv.provenance.txt` for `runs.csv`.
pub fn sidecar_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".provenance.txt");
    path.with_file_name(name)
}

/// Starts the CSV file `path`: its `#` lines (`comments`, each ending in a line break) first in
/// the file, or in its sidecar after a byte-order mark in the file, as `place` says.
fn start(path: &Path, comments: &str, place: CsvProvenance) -> io::Result<File> {
    let mut file = File::create(path)?;
    match place {
        CsvProvenance::Line => file.write_all(comments.as_bytes())?,
        CsvProvenance::Sidecar => {
            let mut side = File::create(sidecar_path(path))?;
            side.write_all(comments.as_bytes())?;
            side.sync_all()?;
            file.write_all(BOM)?;
        }
    }
    Ok(file)
}

/// Writes a whole CSV file given as text: its leading lines that start with `#` placed as
/// `place` says, the rest as it is; synced to disk.
pub fn write_text(path: &Path, text: &str, place: CsvProvenance) -> io::Result<()> {
    let mut split = 0;
    while text[split..].starts_with('#') {
        split += text[split..]
            .find('\n')
            .map_or(text.len() - split, |i| i + 1);
    }
    let mut file = start(path, &text[..split], place)?;
    file.write_all(&text.as_bytes()[split..])?;
    file.sync_all()
}

/// The text of the CSV file `path` as [`CsvProvenance::Line`] lays it out, whichever layout it
/// was written in: a byte-order mark is dropped, and a file that does not start with `#` has
/// its sidecar's lines (if it has a sidecar) put before it.
pub fn line_layout(bytes: Vec<u8>, path: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = bytes;
    if bytes.starts_with(BOM) {
        bytes.drain(..BOM.len());
    }
    if bytes.first() == Some(&b'#') {
        return Ok(bytes);
    }
    match std::fs::read(sidecar_path(path)) {
        Ok(mut text) => {
            text.extend_from_slice(&bytes);
            Ok(text)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(bytes),
        Err(e) => Err(e),
    }
}

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
    /// Creates `path` with its `#` line (given without the newline), placed as `place` says,
    /// and its column names.
    ///
    /// The `#` line is written as given, except that line breaks and other control characters
    /// in it (from a scenario path, say) are written escaped (`\n`), so it is always exactly
    /// one line and readers can skip it.
    pub fn create<I>(
        path: &Path,
        provenance: &str,
        place: CsvProvenance,
        columns: I,
    ) -> io::Result<CsvWriter>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let file = start(path, &format!("{}\n", one_line(provenance)), place)?;
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

    /// Appends a cell of a [`Sheet`]: text, a number or a whole number as [`CsvWriter::text`],
    /// [`CsvWriter::number`] and [`CsvWriter::whole`] write them, an empty field for
    /// [`Cell::Empty`].
    pub fn cell(&mut self, cell: &Cell) -> io::Result<()> {
        match cell {
            Cell::Text(s) => self.text(s),
            Cell::Number(v) => self.number(*v),
            Cell::Whole(n) => self.whole(*n),
            Cell::Empty => self.text(""),
        }
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

/// Writes `sheet` as the CSV file `path`: its `#` line (without the newline) placed as `place`
/// says, its column names, then its rows.
pub fn write_sheet(
    path: &Path,
    provenance: &str,
    place: CsvProvenance,
    sheet: &Sheet,
) -> io::Result<()> {
    let mut out = CsvWriter::create(path, provenance, place, &sheet.columns)?;
    for row in &sheet.rows {
        for cell in row {
            out.cell(cell)?;
        }
        out.end_row()?;
    }
    out.finish()
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
    /// Opens `path` and skips a byte-order mark and the lines starting with `#` at its start
    /// (the provenance line, absent with [`CsvProvenance::Sidecar`]). A `#` further on is data.
    pub fn open(path: &Path) -> io::Result<CsvReader> {
        let mut input = BufReader::with_capacity(BUFFER, File::open(path)?);
        if input.fill_buf()?.starts_with(BOM) {
            input.consume(BOM.len());
        }
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
        let mut w = CsvWriter::create(
            &path,
            "# line\nbreak",
            CsvProvenance::Line,
            ["text", "number"],
        )
        .unwrap();
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

    #[test]
    fn both_layouts_read_back_alike() {
        let dir = std::env::temp_dir().join(format!("stratex-csv-side-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut sheet = Sheet::new("t", ["name", "value"]);
        sheet
            .rows
            .push(vec![Cell::text("a – b"), Cell::Number(0.5)]);
        sheet.rows.push(vec![Cell::Empty, Cell::Whole(3)]);
        let mut texts = Vec::new();
        for (place, name) in [
            (CsvProvenance::Line, "l.csv"),
            (CsvProvenance::Sidecar, "s.csv"),
        ] {
            let path = dir.join(name);
            write_sheet(&path, "# made – here, now", place, &sheet).unwrap();
            let mut r = CsvReader::open(&path).unwrap();
            assert_eq!(r.columns().unwrap().unwrap(), ["name", "value"]);
            let mut row = csv::ByteRecord::new();
            assert!(r.next_row(&mut row).unwrap());
            assert_eq!(
                (field(&row, 0), field(&row, 1)),
                ("a – b".into(), "0.5".into())
            );
            assert!(r.next_row(&mut row).unwrap() && !r.next_row(&mut row).unwrap());
            texts.push(line_layout(std::fs::read(&path).unwrap(), &path).unwrap());
        }
        let side = std::fs::read_to_string(dir.join("s.csv.provenance.txt")).unwrap();
        assert_eq!(side, "# made – here, now\n");
        assert!(
            std::fs::read(dir.join("s.csv"))
                .unwrap()
                .starts_with(b"\xEF\xBB\xBFname,value\n")
        );
        assert_eq!(texts[0], texts[1], "the same text, either way");
        write_text(
            &dir.join("p.csv"),
            "# a\n# b\nx,y\n1,2\n",
            CsvProvenance::Sidecar,
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("p.csv.provenance.txt")).unwrap(),
            "# a\n# b\n"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
