//! Configuration: the database to use, taken from a command-line flag, else the environment
//! (`COVENANT_DATABASE_URL`), else a config file (`covenant.toml`), else the embedded SQLite file
//! `covenant.db` in the working directory.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The environment variable naming the database.
pub const DATABASE_URL_VAR: &str = "COVENANT_DATABASE_URL";
/// The config file read from the working directory when no other is named.
pub const DEFAULT_CONFIG_FILE: &str = "covenant.toml";
/// The embedded default: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://covenant.db";

/// Where the event log lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file, by path.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl DatabaseUrl {
    /// Reads `postgres://…` or `postgresql://…` as PostgreSQL, `sqlite://PATH` or `sqlite:PATH`
    /// as SQLite, and anything else as the path of a SQLite file.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ConfigError::EmptyUrl);
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(text.to_owned()));
        }
        if let Some((scheme, _)) = text.split_once("://") {
            if scheme != "sqlite" {
                return Err(ConfigError::UnknownScheme(scheme.to_owned()));
            }
        }
        let path = text.strip_prefix("sqlite://").or_else(|| text.strip_prefix("sqlite:")).unwrap_or(text);
        let path = path.split_once('?').map_or(path, |(p, _)| p);
        if path.is_empty() {
            return Err(ConfigError::EmptyUrl);
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => f.write_str(&redact_password(url)),
        }
    }
}

/// Hides the password of a connection URL, for messages and logs.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((userinfo, host)) = rest.split_once('@') else { return url.to_owned() };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// Settings resolved from flags, environment and file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub database: DatabaseUrl,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    database_url: Option<String>,
}

impl Config {
    /// Resolves the configuration. `flag` is the `--db` value; `env` is the value of
    /// `COVENANT_DATABASE_URL`; `file` is a config file named on the command line (it must
    /// exist), else `covenant.toml` in `dir` if present.
    pub fn resolve(
        flag: Option<&str>,
        env: Option<&str>,
        file: Option<&Path>,
        dir: &Path,
    ) -> Result<Self, ConfigError> {
        let from_file = match file {
            Some(path) => read_file(path)?.database_url,
            None => {
                let default = dir.join(DEFAULT_CONFIG_FILE);
                if default.exists() { read_file(&default)?.database_url } else { None }
            }
        };
        let url = flag.or(env).map(str::to_owned).or(from_file).unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        Ok(Config { database: DatabaseUrl::parse(&url)? })
    }
}

fn read_file(path: &Path) -> Result<ConfigFile, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::File { path: path.to_owned(), detail: e.to_string() })?;
    toml::from_str(&text).map_err(|e| ConfigError::File { path: path.to_owned(), detail: e.to_string() })
}

/// Configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the database URL is empty: give a SQLite file such as sqlite://covenant.db or a postgres:// URL")]
    EmptyUrl,
    #[error("'{0}://' is not a database Covenant supports: use sqlite://FILE or postgres://USER@HOST/DATABASE")]
    UnknownScheme(String),
    #[error("failed to read config file {}: {detail}; it may set only database_url = \"…\"", path.display())]
    File { path: PathBuf, detail: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_backend() {
        assert_eq!(DatabaseUrl::parse("covenant.db").expect("path"), DatabaseUrl::Sqlite("covenant.db".into()));
        assert_eq!(DatabaseUrl::parse("sqlite://data/c.db").expect("url"), DatabaseUrl::Sqlite("data/c.db".into()));
        assert_eq!(DatabaseUrl::parse("sqlite:c.db?mode=rwc").expect("url"), DatabaseUrl::Sqlite("c.db".into()));
        assert!(matches!(DatabaseUrl::parse("postgres://u@h/db"), Ok(DatabaseUrl::Postgres(_))));
        assert!(matches!(DatabaseUrl::parse("mysql://h/db"), Err(ConfigError::UnknownScheme(s)) if s == "mysql"));
        assert!(matches!(DatabaseUrl::parse("  "), Err(ConfigError::EmptyUrl)));
    }

    #[test]
    fn passwords_are_not_displayed() {
        let url = DatabaseUrl::parse("postgres://covenant:secret@db.example/covenant").expect("url");
        assert_eq!(url.to_string(), "postgres://covenant:***@db.example/covenant");
    }

    #[test]
    fn flag_beats_environment_beats_file_beats_default() {
        let dir = tempfile::tempdir().expect("tempdir");
        let none = Config::resolve(None, None, None, dir.path()).expect("default");
        assert_eq!(none.database, DatabaseUrl::Sqlite("covenant.db".into()));
        std::fs::write(dir.path().join(DEFAULT_CONFIG_FILE), "database_url = \"from-file.db\"\n").expect("write");
        let file = Config::resolve(None, None, None, dir.path()).expect("file");
        assert_eq!(file.database, DatabaseUrl::Sqlite("from-file.db".into()));
        let env = Config::resolve(None, Some("env.db"), None, dir.path()).expect("env");
        assert_eq!(env.database, DatabaseUrl::Sqlite("env.db".into()));
        let flag = Config::resolve(Some("flag.db"), Some("env.db"), None, dir.path()).expect("flag");
        assert_eq!(flag.database, DatabaseUrl::Sqlite("flag.db".into()));
        std::fs::write(dir.path().join("bad.toml"), "database = 1\n").expect("write");
        let bad = Config::resolve(None, None, Some(&dir.path().join("bad.toml")), dir.path());
        assert!(matches!(bad, Err(ConfigError::File { .. })));
    }
}
