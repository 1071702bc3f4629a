//! The rows of the small tables kept beside the log (sessions, sign-ins under way) as both
//! backends see them: a record's values in column order, and how a row read back becomes a
//! record again, checked here once. Each backend keeps only its SQL and how its driver binds and
//! reads a blob, a text and a time.

use crate::{Hash, StoreError, Timestamp};

/// One value of a row, as a backend binds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    Blob(&'a [u8]),
    Text(Option<&'a str>),
    Time(Option<Timestamp>),
}

/// A row read back, its columns by index in the order of [`Row::COLUMNS`]. Errors are the
/// driver's, as text.
pub trait Columns {
    fn blob(&self, index: usize) -> Result<Vec<u8>, String>;
    fn text(&self, index: usize) -> Result<Option<String>, String>;
    fn time(&self, index: usize) -> Result<Option<Timestamp>, String>;
}

/// A record kept as one row of one table.
pub trait Row: Sized {
    /// The table's name.
    const TABLE: &'static str;
    /// Its columns, in the order of [`Row::values`] and of [`Row::read`].
    const COLUMNS: &'static [&'static str];

    /// The record's values, one per column.
    fn values(&self) -> Vec<Value<'_>>;

    /// The record a row read back holds.
    fn read(row: &Checked<'_>) -> Result<Self, StoreError>;

    /// The columns, comma-separated, for a `SELECT` or an `INSERT`.
    fn column_list() -> String {
        Self::COLUMNS.join(", ")
    }

    /// The record in `row`, a row of this table read back by a backend's driver.
    fn from_columns(row: &dyn Columns) -> Result<Self, StoreError> {
        Self::read(&Checked { row, table: Self::TABLE })
    }
}

/// A row read back, each column checked as it is taken: a column that should hold a value holds
/// one, a hash is 32 bytes.
pub struct Checked<'a> {
    row: &'a dyn Columns,
    table: &'static str,
}

impl std::fmt::Debug for Checked<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checked").field("table", &self.table).finish_non_exhaustive()
    }
}

impl Checked<'_> {
    fn unreadable(&self, index: usize, detail: &str) -> StoreError {
        StoreError::Unavailable(format!("a row of {} cannot be read at column {index}: {detail}", self.table))
    }

    pub fn hash(&self, index: usize) -> Result<Hash, StoreError> {
        let bytes = self.row.blob(index).map_err(|e| self.unreadable(index, &e))?;
        Hash::from_slice(&bytes).ok_or_else(|| self.unreadable(index, "a hash is not 32 bytes"))
    }

    pub fn optional_text(&self, index: usize) -> Result<Option<String>, StoreError> {
        self.row.text(index).map_err(|e| self.unreadable(index, &e))
    }

    pub fn text(&self, index: usize) -> Result<String, StoreError> {
        self.optional_text(index)?.ok_or_else(|| self.unreadable(index, "it is empty"))
    }

    pub fn optional_time(&self, index: usize) -> Result<Option<Timestamp>, StoreError> {
        self.row.time(index).map_err(|e| self.unreadable(index, &e))
    }

    pub fn time(&self, index: usize) -> Result<Timestamp, StoreError> {
        self.optional_time(index)?.ok_or_else(|| self.unreadable(index, "it is empty"))
    }
}
