//! How the SQLite file runs the statements of the tables beside the log that `kernel` writes
//! once ([`kernel::SqlTables`]: tokens, idempotent answers and claims, snapshots, signed
//! checkpoints, webhooks): a time is kept as microseconds since the epoch in an `INTEGER`.

use kernel::{Column, Param, StoreError, Timestamp, Value};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Row as _, Sqlite};

use crate::{SqliteStore, unavailable};

type Query<'q> = sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>>;

kernel::sqlx_tables!(SqliteStore, bind: bind, read: read, unavailable: unavailable);

pub(crate) fn bind<'q>(query: Query<'q>, param: &Param<'q>) -> Query<'q> {
    match *param {
        Param::Text(text) => query.bind(text),
        Param::Bytes(bytes) => query.bind(bytes),
        Param::Int(int) => query.bind(int),
        Param::Time(time) => query.bind(time.map(Timestamp::as_micros)),
    }
}

fn read(row: &SqliteRow, index: usize, column: Column) -> Result<Value, StoreError> {
    Ok(match column {
        Column::Text => Value::Text(row.try_get(index).map_err(unavailable)?),
        Column::Bytes => Value::Bytes(row.try_get(index).map_err(unavailable)?),
        Column::Int => Value::Int(row.try_get(index).map_err(unavailable)?),
        Column::Time => Value::Time(
            row.try_get::<Option<i64>, _>(index)
                .map_err(unavailable)?
                .map(|micros| {
                    Timestamp::from_micros(micros)
                        .ok_or_else(|| unavailable(format!("a time {micros} is out of range")))
                })
                .transpose()?,
        ),
    })
}
