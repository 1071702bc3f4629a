//! How PostgreSQL binds and reads the values of the small tables kept beside the log
//! ([`kernel::Row`]): blobs as `bytea`, texts as `text`, times as `timestamptz`.

use chrono::{DateTime, Utc};
use kernel::{Columns, Row, StoreError, Timestamp, Value};
use sqlx::Row as _;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::{Postgres, query::Query};

use crate::{PostgresStore, unavailable};

/// `query` with `values` bound in order.
pub(crate) fn bind_all<'q>(
    mut query: Query<'q, Postgres, PgArguments>,
    values: Vec<Value<'q>>,
) -> Query<'q, Postgres, PgArguments> {
    for value in values {
        query = match value {
            Value::Blob(bytes) => query.bind(bytes),
            Value::Text(text) => query.bind(text),
            Value::Time(time) => query.bind(time.map(Timestamp::as_datetime)),
        };
    }
    query
}

/// The record of type `R` in `row`.
pub(crate) fn read<R: Row>(row: &PgRow) -> Result<R, StoreError> {
    R::from_columns(&Read(row))
}

struct Read<'a>(&'a PgRow);

impl Columns for Read<'_> {
    fn blob(&self, index: usize) -> Result<Vec<u8>, String> {
        self.0.try_get(index).map_err(|e| e.to_string())
    }

    fn text(&self, index: usize) -> Result<Option<String>, String> {
        self.0.try_get(index).map_err(|e| e.to_string())
    }

    fn time(&self, index: usize) -> Result<Option<Timestamp>, String> {
        let at: Option<DateTime<Utc>> = self.0.try_get(index).map_err(|e| e.to_string())?;
        Ok(at.map(Timestamp::from_datetime))
    }
}

impl PostgresStore {
    /// Inserts `record` as a new row of its table.
    pub(crate) async fn insert_row<R: Row>(&self, record: &R) -> Result<(), StoreError> {
        let sql = R::insert_sql(|i| format!("${i}"));
        bind_all(sqlx::query(&sql), record.values()).execute(&self.pool).await.map_err(unavailable)?;
        Ok(())
    }
}
