//! Configuration: the database to use, taken from a command-line flag, else the environment
//! (`COVENANT_DATABASE_URL`), else a config file (`covenant.toml`), else the embedded SQLite file
//! `covenant.db` in the working directory; and, from the config file's `[transparency]` table,
//! the key that signs checkpoints and how often `covenant serve` signs one.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

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
    pub transparency: Transparency,
}

/// Signed checkpoints: the signing key's file and when `covenant serve` signs a new checkpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transparency {
    /// The private key written by `covenant keys init`, if one is named; a relative path is
    /// taken from the config file's directory.
    pub key: Option<PathBuf>,
    pub policy: CheckpointPolicy,
}

/// When the service signs a new checkpoint: once the log has grown by `every_events` events
/// since the last one, or has grown at all and `every` has passed since it was signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckpointPolicy {
    pub every_events: u64,
    pub every: Duration,
}

/// Events added to the log after which the service signs a new checkpoint, unless
/// `checkpoint_every_events` says otherwise.
pub const DEFAULT_CHECKPOINT_EVERY_EVENTS: u64 = 1_000;
/// Seconds after which the service signs a new checkpoint of a log that has grown, unless
/// `checkpoint_every_seconds` says otherwise.
pub const DEFAULT_CHECKPOINT_EVERY_SECONDS: u64 = 60;

impl Default for CheckpointPolicy {
    fn default() -> Self {
        Self {
            every_events: DEFAULT_CHECKPOINT_EVERY_EVENTS,
            every: Duration::from_secs(DEFAULT_CHECKPOINT_EVERY_SECONDS),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    database_url: Option<String>,
    transparency: Option<TransparencyFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TransparencyFile {
    key: Option<PathBuf>,
    checkpoint_every_events: Option<u64>,
    checkpoint_every_seconds: Option<u64>,
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
        let default = dir.join(DEFAULT_CONFIG_FILE);
        let (path, from_file) = match file {
            Some(path) => (Some(path), read_file(path)?),
            None if default.exists() => (Some(default.as_path()), read_file(&default)?),
            None => (None, ConfigFile::default()),
        };
        let url = flag
            .or(env)
            .map(str::to_owned)
            .or(from_file.database_url)
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let transparency = match (path, from_file.transparency) {
            (Some(path), Some(t)) => transparency(path, t)?,
            _ => Transparency::default(),
        };
        let mut options = Vec::new();
        if let Some(flag) = flag {
            options.extend(["--db".to_owned(), shell_word(flag)]);
        }
        if let Some(file) = file {
            options.extend(["--config".to_owned(), shell_word(&file.display().to_string())]);
        }
        Ok(Config { database: DatabaseUrl::parse(&url)?, busy_timeout: crate::BUSY_TIMEOUT, options, transparency })
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

/// The `[transparency]` table of the config file at `path`, checked.
fn transparency(path: &Path, table: TransparencyFile) -> Result<Transparency, ConfigError> {
    let zero = |setting: &str| ConfigError::File {
        path: path.to_owned(),
        detail: format!("{setting} is 0: give a whole number of at least 1, or leave it out for the default"),
    };
    let every_events = table.checkpoint_every_events.unwrap_or(DEFAULT_CHECKPOINT_EVERY_EVENTS);
    if every_events == 0 {
        return Err(zero("checkpoint_every_events"));
    }
    let every_seconds = table.checkpoint_every_seconds.unwrap_or(DEFAULT_CHECKPOINT_EVERY_SECONDS);
    if every_seconds == 0 {
        return Err(zero("checkpoint_every_seconds"));
    }
    let base = path.parent().unwrap_or(Path::new(""));
    Ok(Transparency {
        key: table.key.map(|key| base.join(key)),
        policy: CheckpointPolicy { every_events, every: Duration::from_secs(every_seconds) },
    })
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
    #[error(
        "failed to read config file {}: {detail}; it may set database_url = \"…\" and a [transparency] table with key = \"FILE\", checkpoint_every_events and checkpoint_every_seconds (docs/audit.md)",
        path.display()
    )]
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

    #[test]
    fn the_transparency_table_names_the_key_beside_the_file_and_the_signing_intervals() {
        let dir = tempfile::tempdir().expect("tempdir");
        let none = Config::resolve(None, None, None, dir.path()).expect("default");
        assert_eq!(none.transparency, Transparency::default());
        assert_eq!(none.transparency.policy.every_events, 1_000);
        assert_eq!(none.transparency.policy.every, Duration::from_secs(60));

        let etc = dir.path().join("etc");
        std::fs::create_dir(&etc).expect("mkdir");
        std::fs::write(
            etc.join("covenant.toml"),
            "[transparency]\nkey = \"log.key\"\ncheckpoint_every_events = 50\ncheckpoint_every_seconds = 5\n",
        )
        .expect("write");
        let config = Config::resolve(None, None, Some(&etc.join("covenant.toml")), dir.path()).expect("config");
        assert_eq!(config.transparency.key, Some(etc.join("log.key")));
        assert_eq!(config.transparency.policy, CheckpointPolicy { every_events: 50, every: Duration::from_secs(5) });

        std::fs::write(etc.join("zero.toml"), "[transparency]\ncheckpoint_every_events = 0\n").expect("write");
        let zero = Config::resolve(None, None, Some(&etc.join("zero.toml")), dir.path()).expect_err("zero");
        assert!(zero.to_string().contains("checkpoint_every_events is 0"), "{zero}");
        std::fs::write(etc.join("typo.toml"), "[transparency]\nkeys = \"log.key\"\n").expect("write");
        let typo = Config::resolve(None, None, Some(&etc.join("typo.toml")), dir.path()).expect_err("typo");
        assert!(typo.to_string().contains("[transparency] table with key"), "{typo}");
    }
}
