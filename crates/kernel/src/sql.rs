//! The small SQL interface through which the tables beside the log that both backends keep
//! alike (tokens, idempotent answers and claims, snapshots, signed checkpoints, webhook
//! subscriptions with their delivery logs and dead letters) are written once: their statements,
//! the mapping of their rows to records and the checks on what is read live beside each table's
//! trait (`tokens`, `idempotency`, `snapshot`, `checkpoints`, `webhooks`), over [`SqlTables`],
//! which a backend implements by running statements with their parameters bound (one, or several
//! in one transaction) and reading the columns asked for. What differs between the backends is only how a value is
//! bound and read: a time is microseconds since the epoch in an SQLite `INTEGER`, and a
//! `timestamptz` in PostgreSQL.
//!
//! Statements number their parameters `$1`, `$2`, …, which both SQLite and PostgreSQL accept,
//! and read integers as `BIGINT` (`CAST(… AS BIGINT)` where a column is narrower).

use async_trait::async_trait;

use crate::{Hash, StoreError, Timestamp};

/// A value bound to a statement's parameter.
#[derive(Clone, Copy, Debug)]
pub enum Param<'a> {
    Text(Option<&'a str>),
    Bytes(Option<&'a [u8]>),
    Int(i64),
    Time(Option<Timestamp>),
}

/// What a column holds, so that the backend knows how to read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    Text,
    Bytes,
    Int,
    Time,
}

/// A column's value as read; `None` for SQL `NULL`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
    Int(Option<i64>),
    Time(Option<Timestamp>),
}

/// A backend that runs the side tables' statements.
#[async_trait]
pub trait SqlTables: Send + Sync {
    /// Runs `statement` with `params` bound to `$1`, `$2`, …; gives the number of rows changed.
    async fn execute(&self, statement: &str, params: &[Param<'_>]) -> Result<u64, StoreError>;

    /// Runs the query `statement` with `params` bound; gives each row's first `columns.len()`
    /// columns, read as `columns` says.
    async fn fetch(&self, statement: &str, params: &[Param<'_>], columns: &[Column]) -> Result<Vec<Row>, StoreError>;

    /// Runs `statements` in order in one transaction: all of them, or (on any failure) none;
    /// gives the number of rows each changed.
    async fn execute_all(&self, statements: &[Statement<'_>]) -> Result<Vec<u64>, StoreError>;
}

/// Implements [`SqlTables`] for `$store`, a store whose sqlx pool is its field `pool`: the
/// same text for either backend, compiled in the store's crate against its own sqlx types
/// (`kernel` itself names no sqlx type). What differs between the backends is passed in: `bind`
/// binds a [`Param`] to a query (`fn(Query, &Param) -> Query`), `read` reads a [`Column`] of a
/// row (`fn(&Row, usize, Column) -> Result<Value, StoreError>`), and `unavailable` turns an
/// sqlx error into a [`StoreError`].
#[macro_export]
macro_rules! sqlx_tables {
    ($store:ty, bind: $bind:path, read: $read:path, unavailable: $unavailable:path $(,)?) => {
        #[$crate::async_trait]
        impl $crate::SqlTables for $store {
            async fn execute(&self, statement: &str, params: &[$crate::Param<'_>]) -> Result<u64, $crate::StoreError> {
                let query = params.iter().fold(::sqlx::query(statement), $bind);
                Ok(query.execute(&self.pool).await.map_err($unavailable)?.rows_affected())
            }

            async fn fetch(
                &self,
                statement: &str,
                params: &[$crate::Param<'_>],
                columns: &[$crate::Column],
            ) -> Result<Vec<$crate::Row>, $crate::StoreError> {
                let query = params.iter().fold(::sqlx::query(statement), $bind);
                let rows = query.fetch_all(&self.pool).await.map_err($unavailable)?;
                rows.iter().map(|row| $crate::Row::read(columns, |index, column| $read(row, index, column))).collect()
            }

            async fn execute_all(&self, statements: &[$crate::Statement<'_>]) -> Result<Vec<u64>, $crate::StoreError> {
                let mut tx = self.pool.begin().await.map_err($unavailable)?;
                let mut changed = Vec::with_capacity(statements.len());
                for statement in statements {
                    let query = statement.params.iter().fold(::sqlx::query(statement.sql), $bind);
                    changed.push(query.execute(&mut *tx).await.map_err($unavailable)?.rows_affected());
                }
                tx.commit().await.map_err($unavailable)?;
                Ok(changed)
            }
        }
    };
}

/// One statement and its parameters, to run with others in one transaction
/// ([`SqlTables::execute_all`]).
#[derive(Clone, Copy, Debug)]
pub struct Statement<'a> {
    pub sql: &'a str,
    pub params: &'a [Param<'a>],
}

/// One row as read, its columns in the order asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row(pub Vec<Value>);

impl Row {
    /// A row of `columns`, each read by `read` from its index and what it holds.
    pub fn read(
        columns: &[Column],
        mut read: impl FnMut(usize, Column) -> Result<Value, StoreError>,
    ) -> Result<Self, StoreError> {
        columns.iter().enumerate().map(|(index, column)| read(index, *column)).collect::<Result<_, _>>().map(Row)
    }

    fn value(&self, index: usize) -> Result<&Value, StoreError> {
        self.0.get(index).ok_or_else(|| unreadable(format!("a row has no column {index}")))
    }

    pub(crate) fn opt_text(&self, index: usize) -> Result<Option<String>, StoreError> {
        match self.value(index)? {
            Value::Text(text) => Ok(text.clone()),
            other => Err(unreadable(format!("column {index} is not text: {other:?}"))),
        }
    }

    pub(crate) fn text(&self, index: usize) -> Result<String, StoreError> {
        self.opt_text(index)?.ok_or_else(|| unreadable(format!("column {index} is NULL")))
    }

    pub(crate) fn int(&self, index: usize) -> Result<i64, StoreError> {
        match self.value(index)? {
            Value::Int(Some(int)) => Ok(*int),
            other => Err(unreadable(format!("column {index} is not an integer: {other:?}"))),
        }
    }

    pub(crate) fn opt_time(&self, index: usize) -> Result<Option<Timestamp>, StoreError> {
        match self.value(index)? {
            Value::Time(time) => Ok(*time),
            other => Err(unreadable(format!("column {index} is not a time: {other:?}"))),
        }
    }

    pub(crate) fn time(&self, index: usize) -> Result<Timestamp, StoreError> {
        self.opt_time(index)?.ok_or_else(|| unreadable(format!("column {index} is NULL")))
    }

    pub(crate) fn bytes(&self, index: usize) -> Result<Vec<u8>, StoreError> {
        match self.value(index)? {
            Value::Bytes(Some(bytes)) => Ok(bytes.clone()),
            other => Err(unreadable(format!("column {index} is not bytes: {other:?}"))),
        }
    }

    /// A SHA-256 hash kept as 32 bytes; `what` names it in the error.
    pub(crate) fn hash(&self, index: usize, what: &str) -> Result<Hash, StoreError> {
        self.opt_hash(index, what)?.ok_or_else(|| unreadable(format!("column {index} is NULL")))
    }

    /// A SHA-256 hash kept as 32 bytes, or `NULL`; `what` names it in the error.
    pub(crate) fn opt_hash(&self, index: usize, what: &str) -> Result<Option<Hash>, StoreError> {
        match self.value(index)? {
            Value::Bytes(Some(bytes)) => {
                Hash::from_slice(bytes).map(Some).ok_or_else(|| unreadable(format!("{what} is not 32 bytes")))
            }
            Value::Bytes(None) => Ok(None),
            other => Err(unreadable(format!("column {index} is not bytes: {other:?}"))),
        }
    }
}

/// A row the side tables' code cannot read.
pub fn unreadable(detail: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(detail.to_string())
}
