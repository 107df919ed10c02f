//! Workbooks (`.xlsx`) of [`Sheet`]s, for readers who open results in a spreadsheet.
//!
//! Each sheet is one worksheet: its column names in a bold header row that stays in view when
//! scrolling (a frozen pane), then its rows; numbers are numbers, not text, so they sort and
//! sum; each column is as wide as its longest cell, within limits. Which sheets a command's
//! workbook holds is [`super::workbook`]'s business; this module lays out any list of them.

use super::sheet::{Cell, Sheet};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

/// Narrowest and widest a column is made, in characters.
const WIDTH: (usize, usize) = (8, 60);

/// The largest whole number a spreadsheet's doubles hold exactly: 2^53.
const EXACT: u64 = 1 << 53;

/// Writes `sheets`, in order, as the workbook `path`, synced to disk. Fails (nothing useful
/// written) if a sheet's name is not one a workbook allows (at most 31 characters, none of
/// `[]:*?/\`, unique) or a sheet exceeds a workbook's limits (1,048,576 rows, 16,384 columns,
/// 32,767 characters in a cell); the error names the sheet.
pub fn write(path: &Path, sheets: &[Sheet]) -> io::Result<()> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for sheet in sheets {
        let ws = book.add_worksheet();
        lay_out(ws, sheet, &bold).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("sheet \"{}\": {e}", sheet.name),
            )
        })?;
    }
    let bytes = book.save_to_buffer().map_err(io::Error::other)?;
    let mut file = File::create(path)?;
    file.write_all(&bytes)?;
    file.sync_all()
}

/// Fills the worksheet `ws` with `sheet`: name, header row, rows, frozen header, widths.
fn lay_out(ws: &mut Worksheet, sheet: &Sheet, bold: &Format) -> Result<(), XlsxError> {
    ws.set_name(&sheet.name)?;
    let mut widths: Vec<usize> = sheet.columns.iter().map(|c| c.chars().count()).collect();
    for (c, name) in sheet.columns.iter().enumerate() {
        ws.write_string_with_format(0, column(c)?, name, bold)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (c, cell) in row.iter().enumerate() {
            write_cell(ws, r, column(c)?, cell)?;
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(shown_width(cell));
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;
    for (c, w) in widths.into_iter().enumerate() {
        ws.set_column_width(column(c)?, (w.clamp(WIDTH.0, WIDTH.1) + 2) as f64)?;
    }
    Ok(())
}

/// A column index as a workbook numbers it, if a workbook has that many.
fn column(c: usize) -> Result<u16, XlsxError> {
    u16::try_from(c).map_err(|_| XlsxError::RowColumnLimitError)
}

/// Writes one cell: a number as a number (a non-finite one, which a workbook cannot hold, as
/// its text), text as text, nothing for [`Cell::Empty`].
fn write_cell(ws: &mut Worksheet, r: u32, c: u16, cell: &Cell) -> Result<(), XlsxError> {
    match cell {
        Cell::Text(s) => ws.write_string(r, c, s).map(drop),
        Cell::Number(v) if v.is_finite() => ws.write_number(r, c, *v).map(drop),
        Cell::Number(v) => ws.write_string(r, c, v.to_string()).map(drop),
        Cell::Whole(n) if *n <= EXACT => ws.write_number(r, c, *n as f64).map(drop),
        Cell::Whole(n) => ws.write_string(r, c, n.to_string()).map(drop),
        Cell::Empty => Ok(()),
    }
}

/// About how many characters wide a cell shows: a spreadsheet shows at most 11 or so of a
/// number's digits in a default-format cell.
fn shown_width(cell: &Cell) -> usize {
    match cell {
        Cell::Text(s) => s.chars().count(),
        Cell::Number(v) => v.to_string().len().min(12),
        Cell::Whole(n) => n.to_string().len().min(12),
        Cell::Empty => 0,
    }
}
