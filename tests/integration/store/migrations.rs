//! The schema's migrations are built into the binary, each file named once in its store
//! (`MIGRATIONS`): a database migrated by an earlier build, which read them from the directory,
//! must be recognised as it was. Every file of the directory is applied, with the checksum the
//! directory's own migrator gives it.

use std::path::Path;

use sqlx::migrate::Migrator;
use tests::{TestStore, on_both_backends};

on_both_backends!(every_file_of_the_directory_is_applied_with_the_directorys_checksum);

async fn every_file_of_the_directory_is_applied_with_the_directorys_checksum(db: &TestStore) {
    let (backend, _) = db.location();
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations").join(backend);
    let files = Migrator::new(directory.as_path()).await.expect("the directory's migrations");
    let expected: Vec<(i64, Vec<u8>)> = files.iter().map(|m| (m.version, m.checksum.to_vec())).collect();
    assert!(expected.len() >= 13, "the directory holds the schema's migrations: {expected:?}");
    assert_eq!(
        db.applied_migrations().await,
        expected,
        "{backend}: the migrations built in are the directory's files, each named in the store's MIGRATIONS"
    );
}
