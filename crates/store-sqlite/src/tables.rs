//! How the SQLite file runs the statements of the tables beside the log that `kernel` writes
//! once ([`kernel::SqlTables`]: tokens, idempotent answers and claims, snapshots, signed
//! checkpoints, webhooks): a time is kept as microseconds since the epoch in an `INTEGER`.

use async_trait::async_trait;
use kernel::{Column, Param, Row, SqlTables, Statement, StoreError, Timestamp, Value};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Row as _, Sqlite};

use crate::{SqliteStore, unavailable};

type Query<'q> = sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>>;

#[async_trait]
impl SqlTables for SqliteStore {
    async fn execute(&self, statement: &str, params: &[Param<'_>]) -> Result<u64, StoreError> {
        let query = params.iter().fold(sqlx::query(statement), bind);
        Ok(query.execute(&self.pool).await.map_err(unavailable)?.rows_affected())
    }

    async fn fetch(&self, statement: &str, params: &[Param<'_>], columns: &[Column]) -> Result<Vec<Row>, StoreError> {
        let query = params.iter().fold(sqlx::query(statement), bind);
        let rows = query.fetch_all(&self.pool).await.map_err(unavailable)?;
        rows.iter().map(|row| Row::read(columns, |index, column| read(row, index, column))).collect()
    }

    async fn execute_all(&self, statements: &[Statement<'_>]) -> Result<Vec<u64>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        let mut changed = Vec::with_capacity(statements.len());
        for statement in statements {
            let query = statement.params.iter().fold(sqlx::query(statement.sql), bind);
            changed.push(query.execute(&mut *tx).await.map_err(unavailable)?.rows_affected());
        }
        tx.commit().await.map_err(unavailable)?;
        Ok(changed)
    }
}

fn bind<'q>(query: Query<'q>, param: &Param<'q>) -> Query<'q> {
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
