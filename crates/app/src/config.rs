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
    /// How long a write to a SQLite file waits for another process's write lock before giving
    /// up with nothing written.
    pub busy_timeout: std::time::Duration,
    /// The global options given on the command line (`--db`, `--config`), as they must be
    /// repeated for another command to use the same database.
    options: Vec<String>,
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
        let mut options = Vec::new();
        if let Some(flag) = flag {
            options.extend(["--db".to_owned(), shell_word(flag)]);
        }
        if let Some(file) = file {
            options.extend(["--config".to_owned(), shell_word(&file.display().to_string())]);
        }
        Ok(Config { database: DatabaseUrl::parse(&url)?, busy_timeout: crate::BUSY_TIMEOUT, options })
    }

    /// The `covenant` command line that runs `rest` on the same database as this one: the
    /// global options in force, then `rest` (`config.command("verify")` is `covenant --db
    /// demo.db verify` after `covenant --db demo.db demo`). Every hint Covenant prints is made
    /// here, so that following it uses the same database.
    pub fn command(&self, rest: &str) -> String {
        let mut words = vec!["covenant"];
        words.extend(self.options.iter().map(String::as_str));
        words.push(rest);
        words.join(" ")
    }

    /// The same settings on another database, which the hints then name with `--db`.
    pub fn with_database(&self, database: DatabaseUrl) -> Config {
        let mut options: Vec<String> = Vec::new();
        let mut given = self.options.iter();
        while let Some(option) = given.next() {
            let value = given.next().cloned().unwrap_or_default();
            if option != "--db" {
                options.extend([option.clone(), value]);
            }
        }
        let named = match &database {
            DatabaseUrl::Sqlite(path) => path.display().to_string(),
            DatabaseUrl::Postgres(url) => url.clone(),
        };
        options.splice(0..0, ["--db".to_owned(), shell_word(&named)]);
        Config { database, options, ..self.clone() }
    }
}

/// `word` as one word for a POSIX shell: as it is when it holds only characters a shell leaves
/// alone, else in single quotes.
pub(crate) fn shell_word(word: &str) -> String {
    let plain = !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if plain { word.to_owned() } else { format!("'{}'", word.replace('\'', r"'\''")) }
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

    #[test]
    fn hints_repeat_the_global_options_in_force() {
        let dir = tempfile::tempdir().expect("tempdir");
        let default = Config::resolve(None, Some("env.db"), None, dir.path()).expect("default");
        assert_eq!(default.command("verify"), "covenant verify", "the environment stays in force by itself");
        let flag = Config::resolve(Some("my records.db"), None, None, dir.path()).expect("flag");
        assert_eq!(flag.command("init"), "covenant --db 'my records.db' init");
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "database_url = \"from-file.db\"\n").expect("write");
        let both = Config::resolve(Some("demo.db"), None, Some(&file), dir.path()).expect("both");
        assert_eq!(both.command("verify"), format!("covenant --db demo.db --config {} verify", file.display()));
        let other = both.with_database(DatabaseUrl::Sqlite("copy.db".into()));
        assert_eq!(other.command("verify"), format!("covenant --db copy.db --config {} verify", file.display()));
    }
}
