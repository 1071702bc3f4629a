//! How the PostgreSQL database runs the statements of the tables beside the log that `kernel`
//! writes once ([`kernel::SqlTables`]: tokens, idempotent answers and claims, snapshots, signed
//! checkpoints, webhooks): a time is a `timestamptz`.

use chrono::{DateTime, Utc};
use kernel::{Column, Param, StoreError, Timestamp, Value};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::{Postgres, Row as _};

use crate::{PostgresStore, unavailable};

type Query<'q> = sqlx::query::Query<'q, Postgres, PgArguments>;

kernel::sqlx_tables!(PostgresStore, bind: bind, read: read, unavailable: unavailable);

pub(crate) fn bind<'q>(query: Query<'q>, param: &Param<'q>) -> Query<'q> {
    match *param {
        Param::Text(text) => query.bind(text),
        Param::Bytes(bytes) => query.bind(bytes),
        Param::Int(int) => query.bind(int),
        Param::Time(time) => query.bind(time.map(Timestamp::as_datetime)),
    }
}

fn read(row: &PgRow, index: usize, column: Column) -> Result<Value, StoreError> {
    Ok(match column {
        Column::Text => Value::Text(row.try_get(index).map_err(unavailable)?),
        Column::Bytes => Value::Bytes(row.try_get(index).map_err(unavailable)?),
        Column::Int => Value::Int(row.try_get(index).map_err(unavailable)?),
        Column::Time => Value::Time(
            row.try_get::<Option<DateTime<Utc>>, _>(index).map_err(unavailable)?.map(Timestamp::from_datetime),
        ),
    })
}
