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

    /// The statement that inserts one record, with the backend's `placeholder` for the value of
    /// each column (numbered from 1).
    fn insert_sql(placeholder: fn(usize) -> String) -> String {
        let values: Vec<String> = (1..=Self::COLUMNS.len()).map(placeholder).collect();
        format!("INSERT INTO {} ({}) VALUES ({})", Self::TABLE, Self::column_list(), values.join(", "))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PendingSignIn, SessionRecord};

    /// One column as a driver would give it back: a blob, a text or a time.
    type Column = (Option<Vec<u8>>, Option<String>, Option<Timestamp>);

    /// A row as a driver would give it back: the values a record was written with.
    struct Written(Vec<Column>);

    impl Written {
        fn of(values: Vec<Value<'_>>) -> Written {
            Written(
                values
                    .into_iter()
                    .map(|value| match value {
                        Value::Blob(bytes) => (Some(bytes.to_vec()), None, None),
                        Value::Text(text) => (None, text.map(str::to_owned), None),
                        Value::Time(time) => (None, None, time),
                    })
                    .collect(),
            )
        }
    }

    impl Columns for Written {
        fn blob(&self, index: usize) -> Result<Vec<u8>, String> {
            self.0[index].0.clone().ok_or_else(|| "not a blob".to_owned())
        }
        fn text(&self, index: usize) -> Result<Option<String>, String> {
            Ok(self.0[index].1.clone())
        }
        fn time(&self, index: usize) -> Result<Option<Timestamp>, String> {
            Ok(self.0[index].2)
        }
    }

    fn pending() -> PendingSignIn {
        PendingSignIn {
            state_hash: Hash([7; 32]),
            provider: "lincolnshire".to_owned(),
            nonce: "a-nonce".to_owned(),
            verifier: "a-verifier".to_owned(),
            begun_at: Timestamp::parse("2024-03-05T10:00:00Z").expect("a time"),
        }
    }

    #[test]
    fn a_record_written_reads_back_the_same() {
        let record = pending();
        assert_eq!(PendingSignIn::from_columns(&Written::of(record.values())).expect("read"), record);
        assert_eq!(record.values().len(), PendingSignIn::COLUMNS.len());
        assert_eq!(
            PendingSignIn::insert_sql(|i| format!("${i}")),
            "INSERT INTO pending_sign_ins (state_hash, provider, nonce, verifier, begun_at) VALUES ($1, $2, $3, $4, $5)"
        );
    }

    #[test]
    fn a_short_hash_or_a_missing_value_is_refused_naming_the_table_and_column() {
        let record = pending();
        let mut short = Written::of(record.values());
        short.0[0].0 = Some(vec![7; 31]);
        let refused = PendingSignIn::from_columns(&short).expect_err("a 31-byte hash");
        assert!(refused.to_string().contains("pending_sign_ins cannot be read at column 0"), "{refused}");
        let mut missing = Written::of(record.values());
        missing.0[2].1 = None;
        let refused = PendingSignIn::from_columns(&missing).expect_err("no nonce");
        assert!(refused.to_string().contains("column 2: it is empty"), "{refused}");
        let session = SessionRecord {
            id_hash: Hash([1; 32]),
            name: "reader@test".to_owned(),
            role: "reader".to_owned(),
            organisation: None,
            token_id: Some("3fa1c2d4e5b6a7f8".to_owned()),
            provider: None,
            subject: None,
            email: None,
            created_at: record.begun_at,
            last_seen_at: record.begun_at,
            ended_at: None,
        };
        assert_eq!(SessionRecord::from_columns(&Written::of(session.values())).expect("read"), session);
    }
}
