//! Dashboard sessions in the `sessions` table of the SQLite file.

use async_trait::async_trait;
use kernel::{Hash, SessionRecord, SessionStore, StoreError, Timestamp};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::{SqliteStore, unavailable};

const COLUMNS: &str =
    "id_hash, name, role, organisation, token_id, provider, subject, email, created_at, last_seen_at, ended_at";

#[async_trait]
impl SessionStore for SqliteStore {
    async fn insert_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        sqlx::query(&format!("INSERT INTO sessions ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"))
            .bind(session.id_hash.0.as_slice())
            .bind(&session.name)
            .bind(&session.role)
            .bind(&session.organisation)
            .bind(&session.token_id)
            .bind(&session.provider)
            .bind(&session.subject)
            .bind(&session.email)
            .bind(session.created_at.as_micros())
            .bind(session.last_seen_at.as_micros())
            .bind(session.ended_at.map(Timestamp::as_micros))
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn find_session(&self, id_hash: &Hash) -> Result<Option<SessionRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM sessions WHERE id_hash = ?1"))
            .bind(id_hash.0.as_slice())
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        row.as_ref().map(session).transpose()
    }

    async fn touch_session(&self, id_hash: &Hash, at: Timestamp) -> Result<bool, StoreError> {
        self.stamp_session("last_seen_at", id_hash, at).await
    }

    async fn end_session(&self, id_hash: &Hash, at: Timestamp) -> Result<bool, StoreError> {
        self.stamp_session("ended_at", id_hash, at).await
    }

    async fn recent_sessions(&self, limit: u32) -> Result<Vec<SessionRecord>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM sessions ORDER BY created_at DESC, id_hash LIMIT ?1"))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(unavailable)?;
        rows.iter().map(session).collect()
    }
}

impl SqliteStore {
    /// Sets the time `column` of the session whose id hashes to `id_hash` to `at`, unless it has
    /// ended. False when there is no such session or it has ended.
    async fn stamp_session(&self, column: &str, id_hash: &Hash, at: Timestamp) -> Result<bool, StoreError> {
        let done = sqlx::query(&format!("UPDATE sessions SET {column} = ?2 WHERE id_hash = ?1 AND ended_at IS NULL"))
            .bind(id_hash.0.as_slice())
            .bind(at.as_micros())
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }
}

fn session(row: &SqliteRow) -> Result<SessionRecord, StoreError> {
    let time = |micros: i64| {
        Timestamp::from_micros(micros).ok_or_else(|| unavailable(format!("a session time {micros} is out of range")))
    };
    let hash: Vec<u8> = row.try_get(0).map_err(unavailable)?;
    Ok(SessionRecord {
        id_hash: Hash::from_slice(&hash).ok_or_else(|| unavailable("a session hash is not 32 bytes"))?,
        name: row.try_get(1).map_err(unavailable)?,
        role: row.try_get(2).map_err(unavailable)?,
        organisation: row.try_get(3).map_err(unavailable)?,
        token_id: row.try_get(4).map_err(unavailable)?,
        provider: row.try_get(5).map_err(unavailable)?,
        subject: row.try_get(6).map_err(unavailable)?,
        email: row.try_get(7).map_err(unavailable)?,
        created_at: time(row.try_get(8).map_err(unavailable)?)?,
        last_seen_at: time(row.try_get(9).map_err(unavailable)?)?,
        ended_at: row.try_get::<Option<i64>, _>(10).map_err(unavailable)?.map(time).transpose()?,
    })
}
