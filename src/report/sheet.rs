//! Tables of typed cells: what a result CSV and a workbook sheet are both written from, so a
//! table's CSV and its sheet always hold the same rows.

/// One cell of a table.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    /// A number: in a CSV as [`super::decimal`] writes it; in a workbook as a number (a
    /// non-finite one, which a workbook cannot hold, as its text: `NaN`, `inf`).
    Number(f64),
    /// A whole number (a step, a rank, a seed): in a workbook as a number when a spreadsheet's
    /// doubles hold it exactly (up to 2^53), as its digits otherwise.
    Whole(u64),
    /// Nothing.
    Empty,
}

impl Cell {
    /// A text cell.
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }
}

/// A table: its name (a workbook's sheet name: at most 31 characters, none of `[]:*?/\`), its
/// column names, and its rows, each as wide as the columns.
#[derive(Clone, Debug, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    /// An empty table named `name` with these columns.
    pub fn new<S: Into<String>>(name: &str, columns: impl IntoIterator<Item = S>) -> Sheet {
        Sheet {
            name: name.to_string(),
            columns: columns.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// A two-column table of named values (`field`, `value`), one per row.
    pub fn fields(name: &str, fields: Vec<(&str, Cell)>) -> Sheet {
        let mut sheet = Sheet::new(name, ["field", "value"]);
        for (field, value) in fields {
            sheet.rows.push(vec![Cell::text(field), value]);
        }
        sheet
    }
}
