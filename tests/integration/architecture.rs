//! The dependency rule of `docs/ARCHITECTURE.md`, read from the manifests: `kernel` ← `domain` ←
//! `projections` ← `app` ← interfaces; the stores depend on `kernel` only; the pure crates use no
//! runtime and no database driver.

use std::collections::BTreeSet;
use std::path::Path;

/// Each crate, the workspace crates it may depend on, and whether it may do IO.
const RULES: &[(&str, &[&str], bool)] = &[
    ("kernel", &[], false),
    ("domain", &["kernel"], false),
    ("projections", &["kernel", "domain"], false),
    ("store-sqlite", &["kernel"], true),
    ("store-postgres", &["kernel"], true),
    ("app", &["kernel", "domain", "projections", "store-sqlite", "store-postgres"], true),
    ("cli", &["kernel", "domain", "projections", "app", "http-api"], true),
    // The service writes the wire types the client reads: one definition of the contract.
    ("http-api", &["kernel", "domain", "projections", "app", "client"], true),
    // The client knows the HTTP contract only: no crate of the service.
    ("client", &[], true),
];

/// Crates that mean IO: an async runtime or a database driver.
const IO_CRATES: &[&str] = &["tokio", "sqlx", "tokio-stream"];

#[test]
fn every_crate_depends_only_on_the_crates_below_it() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates");
    let workspace: BTreeSet<&str> = RULES.iter().map(|(name, _, _)| *name).collect();
    let mut checked = 0;
    for entry in std::fs::read_dir(&crates).expect("crates/ is readable") {
        let dir = entry.expect("a directory entry").path();
        let name = dir.file_name().and_then(|n| n.to_str()).expect("a UTF-8 crate name").to_owned();
        let Some((_, allowed, io)) = RULES.iter().find(|(rule, _, _)| *rule == name) else {
            panic!("crate {name} has no dependency rule: add it to RULES here and to docs/ARCHITECTURE.md");
        };
        let manifest: toml::Table = std::fs::read_to_string(dir.join("Cargo.toml"))
            .expect("the manifest is readable")
            .parse()
            .expect("the manifest is valid TOML");
        let package = manifest["package"]["name"].as_str().expect("a package name");
        // The client is published to reporting jobs under a name of its own.
        let expected = if name == "client" { "covenant-client" } else { name.as_str() };
        assert_eq!(package, expected, "crate folders are named exactly like their crates");
        let dependencies = manifest.get("dependencies").and_then(toml::Value::as_table).cloned().unwrap_or_default();
        for dependency in dependencies.keys() {
            let dependency = dependency.as_str();
            if workspace.contains(dependency) {
                assert!(
                    allowed.contains(&dependency),
                    "{name} must not depend on {dependency}: see the dependency rule"
                );
            }
            if !io {
                assert!(!IO_CRATES.contains(&dependency), "{name} is pure and must not depend on {dependency}");
            }
        }
        checked += 1;
    }
    assert!(checked >= 9, "expected the nine crates of the workspace, found {checked}");
}
