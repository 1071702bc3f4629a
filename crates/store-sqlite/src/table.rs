//! How SQLite binds and reads the values of the small tables kept beside the log
//! ([`kernel::Row`]): blobs and texts as they are, times as microseconds since the Unix epoch.

use kernel::{Columns, Row, StoreError, Timestamp, Value};
use sqlx::Row as _;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Sqlite, query::Query};

use crate::{SqliteStore, unavailable};

/// `query` with `values` bound in order.
pub(crate) fn bind_all<'q>(
    mut query: Query<'q, Sqlite, SqliteArguments<'q>>,
    values: Vec<Value<'q>>,
) -> Query<'q, Sqlite, SqliteArguments<'q>> {
    for value in values {
        query = match value {
            Value::Blob(bytes) => query.bind(bytes),
            Value::Text(text) => query.bind(text),
            Value::Time(time) => query.bind(time.map(Timestamp::as_micros)),
        };
    }
    query
}

/// The record of type `R` in `row`.
pub(crate) fn read<R: Row>(row: &SqliteRow) -> Result<R, StoreError> {
    R::from_columns(&Read(row))
}

struct Read<'a>(&'a SqliteRow);

impl Columns for Read<'_> {
    fn blob(&self, index: usize) -> Result<Vec<u8>, String> {
        self.0.try_get(index).map_err(|e| e.to_string())
    }

    fn text(&self, index: usize) -> Result<Option<String>, String> {
        self.0.try_get(index).map_err(|e| e.to_string())
    }

    fn time(&self, index: usize) -> Result<Option<Timestamp>, String> {
        let micros: Option<i64> = self.0.try_get(index).map_err(|e| e.to_string())?;
        micros.map(|m| Timestamp::from_micros(m).ok_or_else(|| format!("the time {m} is out of range"))).transpose()
    }
}

impl SqliteStore {
    /// Inserts `record` as a new row of its table.
    pub(crate) async fn insert_row<R: Row>(&self, record: &R) -> Result<(), StoreError> {
        let sql = R::insert_sql(|i| format!("?{i}"));
        bind_all(sqlx::query(&sql), record.values()).execute(&self.pool).await.map_err(unavailable)?;
        Ok(())
    }
}
