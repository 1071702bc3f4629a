//! Opening a store: the three ways an interface may open one (create, existing, read-only) and
//! why a database could not be opened as asked. Each backend decides the same way.

use crate::StoreError;

/// How a store is opened. Only verbs that record may create a database; a verb that only reads
/// never creates, migrates or writes one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the database if it does not exist, and bring its schema up to date.
    Create,
    /// Open a database that exists, and bring its schema up to date.
    Existing,
    /// Open a database that exists and whose schema is current, without changing it.
    ReadOnly,
}

/// Why a database could not be opened as asked. The facts only: the application adds how to
/// put it right in the user's words (the command to run, with the options in force).
#[derive(Debug, Clone, thiserror::Error)]
pub enum OpenError {
    /// No database file where one was expected.
    #[error("no database at {path}")]
    Missing { path: String },
    /// The directory a new database file would go in does not exist.
    #[error(
        "the directory {directory} does not exist, so no database can be made at {path}: create the directory first, or check --db"
    )]
    NoDirectory { directory: String, path: String },
    /// The database holds tables, but not Covenant's.
    #[error(
        "{database} is not a Covenant database (it holds other tables: {tables}); nothing was changed in it: check --db"
    )]
    Foreign { database: String, tables: String },
    /// The database exists but Covenant's tables have not been made in it.
    #[error("{database} holds no Covenant tables yet")]
    Uninitialised { database: String },
    /// The schema is older than this build's, and a read-only open does not migrate.
    #[error(
        "{database} has schema version {found}, older than this version of Covenant's ({expected}); a verb that only reads does not upgrade it"
    )]
    Outdated { database: String, found: i64, expected: i64 },
    /// The schema is newer than this build knows.
    #[error(
        "{database} has schema version {found}, newer than this version of Covenant knows ({expected}): use the version of Covenant that last wrote it"
    )]
    Newer { database: String, found: i64, expected: i64 },
    /// Anything else, as the store reported it.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<OpenError> for StoreError {
    fn from(error: OpenError) -> Self {
        match error {
            OpenError::Store(error) => error,
            other => StoreError::Unavailable(other.to_string()),
        }
    }
}

/// What a read-only open finds of a database's schema, against the `expected` (latest)
/// migration version of this build: whether it may be read as it is. `tables` are the names of
/// the tables it holds and `applied` the latest migration recorded in it, if any.
pub fn check_schema(database: &str, tables: &[String], applied: Option<i64>, expected: i64) -> Result<(), OpenError> {
    let ours = tables.iter().any(|t| t == "events");
    match applied {
        _ if tables.is_empty() => Err(OpenError::Uninitialised { database: database.to_owned() }),
        None if !ours => Err(OpenError::Foreign { database: database.to_owned(), tables: listed(tables) }),
        None => Err(OpenError::Outdated { database: database.to_owned(), found: 0, expected }),
        Some(_) if !ours => Err(OpenError::Foreign { database: database.to_owned(), tables: listed(tables) }),
        Some(found) if found < expected => Err(OpenError::Outdated { database: database.to_owned(), found, expected }),
        Some(found) if found > expected => Err(OpenError::Newer { database: database.to_owned(), found, expected }),
        Some(_) => Ok(()),
    }
}

/// Refuses a database holding `tables` when it is someone else's: it has tables, and not
/// Covenant's. No mode of opening may add Covenant's tables to it.
pub fn refuse_foreign(database: &str, tables: &[String]) -> Result<(), OpenError> {
    if !tables.is_empty() && !tables.iter().any(|t| t == "events" || t == "_sqlx_migrations") {
        return Err(OpenError::Foreign { database: database.to_owned(), tables: listed(tables) });
    }
    Ok(())
}

fn listed(tables: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut names: Vec<&str> = tables.iter().take(SHOWN).map(String::as_str).collect();
    if tables.len() > SHOWN {
        names.push("…");
    }
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_read_only_open_takes_only_a_current_covenant_schema() {
        let ours = names(&["_sqlx_migrations", "events", "projection_snapshots"]);
        assert!(check_schema("c.db", &ours, Some(5), 5).is_ok());
        assert!(matches!(check_schema("c.db", &ours, Some(4), 5), Err(OpenError::Outdated { found: 4, .. })));
        assert!(matches!(check_schema("c.db", &ours, Some(6), 5), Err(OpenError::Newer { found: 6, .. })));
        assert!(matches!(check_schema("c.db", &[], None, 5), Err(OpenError::Uninitialised { .. })));
        let theirs = names(&["customers", "orders"]);
        let Err(error) = check_schema("shop.db", &theirs, None, 5) else { panic!("a foreign database is refused") };
        assert!(error.to_string().contains("not a Covenant database (it holds other tables: customers, orders)"));
        assert!(matches!(refuse_foreign("shop.db", &theirs), Err(OpenError::Foreign { .. })));
        assert!(refuse_foreign("c.db", &ours).is_ok());
        assert!(refuse_foreign("new.db", &[]).is_ok());
    }
}
