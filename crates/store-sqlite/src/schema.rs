//! What is at a store's path before it is opened: no file, a missing directory, another
//! application's database, or Covenant's at some schema version. Read on a read-only
//! connection, so that looking changes nothing.

use std::path::Path;

use kernel::{OpenError, OpenMode, StoreError, check_schema, refuse_foreign};
use rusqlite::{Connection, OpenFlags};
use sqlx::migrate::Migrator;

/// Refuses to open `path` in `mode` when the file is missing (except to create it, in a
/// directory that exists), holds another application's tables, or (read-only) is not at the
/// schema `migrator` brings it to.
pub(crate) fn check(path: &Path, mode: OpenMode, migrator: &Migrator) -> Result<(), OpenError> {
    let name = path.display().to_string();
    if !path.exists() {
        if mode != OpenMode::Create {
            return Err(OpenError::Missing { path: name });
        }
        let directory = path.parent().filter(|d| !d.as_os_str().is_empty());
        return match directory {
            Some(directory) if !directory.is_dir() => {
                Err(OpenError::NoDirectory { directory: directory.display().to_string(), path: name })
            }
            _ => Ok(()),
        };
    }
    let (tables, applied) = read(path).map_err(|e| {
        OpenError::Store(StoreError::Unavailable(format!("failed to read {name} as a SQLite database: {e}")))
    })?;
    refuse_foreign(&name, &tables)?;
    if mode == OpenMode::ReadOnly {
        let expected = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        check_schema(&name, &tables, applied, expected)?;
    }
    Ok(())
}

/// The tables in the file at `path` and the latest migration applied to it.
fn read(path: &Path) -> Result<(Vec<String>, Option<i64>), rusqlite::Error> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    let mut statement =
        conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")?;
    let tables = statement.query_map([], |row| row.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    let applied = if tables.iter().any(|t| t == "_sqlx_migrations") {
        conn.query_row("SELECT MAX(version) FROM _sqlx_migrations WHERE success", [], |row| row.get(0))?
    } else {
        None
    };
    Ok((tables, applied))
}
