//! A store's schema migrations, built into the binary: one SQL file each in
//! `migrations/<backend>/`, named `<version>_<description>.sql`, applied in order of version.
//! Each backend names its files once with [`migrations!`](crate::migrations) and hands them to
//! its migrator as the files themselves would give them (the same version, description and SQL,
//! so the same checksum: a database migrated by an earlier build is recognised as it was).

/// One migration: its file's name and its SQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Migration {
    /// The file's name, `<version>_<description>.sql`.
    pub file: &'static str,
    /// The file's text.
    pub sql: &'static str,
}

impl Migration {
    /// The version the file's name begins with: the number before its first `_`.
    ///
    /// # Panics
    /// When the name does not begin with a number and `_`, which the store's tests rule out for
    /// every file it names.
    pub fn version(&self) -> i64 {
        self.file
            .split_once('_')
            .and_then(|(version, _)| version.parse().ok())
            .unwrap_or_else(|| panic!("migration {} is not named <version>_<description>.sql", self.file))
    }

    /// What the file's name says after the version, without `.sql`, with spaces for `_`.
    pub fn description(&self) -> String {
        let rest = self.file.split_once('_').map_or(self.file, |(_, rest)| rest);
        rest.trim_end_matches(".sql").replace('_', " ")
    }

    /// Whether the migration asks, on its first line, to run outside a transaction.
    pub fn no_transaction(&self) -> bool {
        self.sql.starts_with("-- no-transaction")
    }
}

/// The migrations of a directory, named one by one in order: `$dir` is the directory relative
/// to the calling crate's manifest, each file is read into the binary when the crate is built.
/// ```text
/// static MIGRATIONS: &[kernel::Migration] =
///     kernel::migrations!("../../migrations/sqlite": "0001_events.sql", "0002_snapshots.sql");
/// ```
///
/// `shared` first stands for the migrations both databases' schemas begin with, under the same
/// names (the events table through the publishers' positions); each database's own follow it.
#[macro_export]
macro_rules! migrations {
    ($dir:literal: shared, $($file:literal),* $(,)?) => {
        $crate::migrations!($dir:
            "0001_events.sql",
            "0002_snapshots.sql",
            "0003_tokens.sql",
            "0004_idempotency.sql",
            "0005_token_expiry.sql",
            "0006_idempotency_claims.sql",
            "0007_tree_nodes.sql",
            "0008_checkpoints.sql",
            "0009_publishers.sql",
            $($file),*
        )
    };
    ($dir:literal: $($file:literal),* $(,)?) => {
        &[$($crate::Migration {
            file: $file,
            sql: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $dir, "/", $file)),
        }),*]
    };
}

/// sqlx's migrator over `$migrations` (a `&[kernel::Migration]`), each handed over as its file
/// would be, for a store crate's `static MIGRATOR: LazyLock<Migrator>`. The text is compiled in
/// the store's crate, against its sqlx: `kernel` itself names no sqlx type.
#[macro_export]
macro_rules! sqlx_migrator {
    ($migrations:expr) => {
        ::std::sync::LazyLock::new(|| ::sqlx::migrate::Migrator {
            migrations: $migrations
                .iter()
                .map(|m: &$crate::Migration| {
                    ::sqlx::migrate::Migration::new(
                        m.version(),
                        m.description().into(),
                        ::sqlx::migrate::MigrationType::Simple,
                        m.sql.into(),
                        m.no_transaction(),
                    )
                })
                .collect(),
            ignore_missing: false,
            locking: true,
            no_tx: false,
        })
    };
}

#[cfg(test)]
mod tests {
    use super::Migration;

    #[test]
    fn a_file_name_gives_the_version_and_description_the_directory_would() {
        let migration = Migration { file: "0012_pending_sign_ins.sql", sql: "CREATE TABLE t (a INTEGER);" };
        assert_eq!(migration.version(), 12);
        assert_eq!(migration.description(), "pending sign ins");
        assert!(!migration.no_transaction());
        assert!(Migration { file: "0001_x.sql", sql: "-- no-transaction\nVACUUM;" }.no_transaction());
    }

    #[test]
    #[should_panic(expected = "events.sql is not named <version>_<description>.sql")]
    fn a_name_without_a_version_is_refused() {
        Migration { file: "events.sql", sql: "" }.version();
    }
}
