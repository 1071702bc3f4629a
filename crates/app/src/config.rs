//! Configuration: the database to use, taken from a command-line flag, else the environment
//! (`COVENANT_DATABASE_URL`), else a config file (`covenant.toml`), else the embedded SQLite file
//! `covenant.db` in the working directory; from the config file's `[transparency]` table, the
//! key that signs checkpoints and how often `covenant serve` signs one; and from its `[rules]`
//! table, the [`Rules`] every report is rated and classified by; and from its `[sign_in]` table,
//! how people signed in with their organisation's account are given roles ([`RoleMapping`]).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Weekday;
use domain::rag::{DEFAULT_AMBER_GAP, DEFAULT_RED_GAP, RagRule, RollUp};
use projections::Rules;
use serde::Deserialize;

use crate::reminders::{ReminderSettings, Schedule, SmtpLogin, SmtpSecurity};
use crate::{KeyKind, NoteVerifier, Provider, Role, RoleMapping, RoleRule, SessionLimits, Witnessing};
use domain::OrgId;

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
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub database: DatabaseUrl,
    /// How long a write to a SQLite file waits for another process's write lock before giving
    /// up with nothing written.
    pub busy_timeout: std::time::Duration,
    /// The global options given on the command line (`--db`, `--config`), as they must be
    /// repeated for another command to use the same database.
    options: Vec<String>,
    pub transparency: Transparency,
    /// How reports rate and classify what the events record: the `[rules]` table, each setting
    /// left out taking its default.
    pub rules: Rules,
    /// How people who sign in with their organisation's account are given roles: the
    /// `[sign_in]` table's rules and contact.
    pub roles: RoleMapping,
    /// When dashboard sessions lapse: the `[sign_in]` table's `idle_minutes` and
    /// `absolute_hours`.
    pub sessions: SessionLimits,
    /// The OpenID providers people may sign in with (`[[sign_in.providers]]`).
    pub providers: Vec<Provider>,
    /// The URL people reach the service at, which providers send them back to
    /// (`[sign_in] public_url`); needed for any provider to be used.
    pub public_url: Option<String>,
    /// Where reminders are sent from and through: the `[reminders]` table, if there is one.
    pub reminders: Option<crate::reminders::ReminderSettings>,
    /// Which hosts webhooks may be sent to and how deliveries are retried: the `[webhooks]`
    /// table.
    pub webhooks: crate::webhooks::WebhookSettings,
}

/// Signed checkpoints: the signing key's file and when `covenant serve` signs a new checkpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transparency {
    /// The private key written by `covenant keys init`, if one is named; a relative path is
    /// taken from the config file's directory.
    pub key: Option<PathBuf>,
    pub policy: CheckpointPolicy,
    /// The witnesses whose cosignatures the log keeps and serves with its checkpoints, and how
    /// many of them must cosign a checkpoint before it is served.
    pub witnessing: Witnessing,
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
    rules: Option<RulesFile>,
    sign_in: Option<SignInFile>,
    reminders: Option<RemindersFile>,
    webhooks: Option<WebhooksFile>,
}

/// The `[webhooks]` table as written: every setting optional, unknown ones refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhooksFile {
    allow_private: Option<bool>,
    max_attempts: Option<u32>,
    retry_first_ms: Option<u64>,
    retry_most_seconds: Option<u64>,
    timeout_seconds: Option<u64>,
}

/// The `[reminders]` table as written: the server, the sender and the dashboard required,
/// unknown settings refused. The SMTP password is never in the file: it names the environment
/// variable or the file that holds it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RemindersFile {
    smtp_host: String,
    smtp_port: Option<u16>,
    smtp_security: Option<String>,
    smtp_user: Option<String>,
    smtp_password_env: Option<String>,
    smtp_password_file: Option<PathBuf>,
    smtp_ca_file: Option<PathBuf>,
    from: String,
    dashboard: String,
    schedule: Option<String>,
    weekday: Option<String>,
    hour: Option<u32>,
}

/// The `[sign_in]` table as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInFile {
    contact: Option<String>,
    idle_minutes: Option<u64>,
    absolute_hours: Option<u64>,
    public_url: Option<String>,
    #[serde(default)]
    rules: Vec<RoleRuleFile>,
    #[serde(default)]
    providers: Vec<ProviderFile>,
}

/// One `[[sign_in.providers]]` entry as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderFile {
    id: String,
    name: String,
    issuer: String,
    client_id: String,
    /// The environment variable holding the client secret, kept out of the file.
    client_secret_env: Option<String>,
}

/// One `[[sign_in.rules]]` entry as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleRuleFile {
    role: String,
    organisation: Option<String>,
    provider: Option<String>,
    email_domain: Option<String>,
    group: Option<String>,
    app_role: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TransparencyFile {
    key: Option<PathBuf>,
    checkpoint_every_events: Option<u64>,
    checkpoint_every_seconds: Option<u64>,
    witnesses: Option<Vec<String>>,
    quorum: Option<usize>,
}

/// The `[rules]` table as written: every setting optional, unknown ones refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    rag: Option<RagName>,
    rag_amber_gap: Option<f64>,
    rag_red_gap: Option<f64>,
    rag_tolerance: Option<f64>,
    roll_up: Option<RollUp>,
    stale_after_days: Option<u32>,
    due_soon_days: Option<u32>,
    indicator_tolerance: Option<f64>,
    call_in_working_days: Option<u32>,
}

/// The RAG rules by the names the `[rules]` table gives them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RagName {
    AsReported,
    AgainstTarget,
    AgainstExpected,
}

/// The most working days a call-in period may be set to: a setting beyond a year is a mistake,
/// and every view of a resolution counts the days one by one.
pub const MAX_CALL_IN_WORKING_DAYS: u32 = 260;

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
        let rules = match (path, from_file.rules) {
            (Some(path), Some(table)) => rules(path, table)?,
            _ => Rules::default(),
        };
        let sign_in = match (path, from_file.sign_in) {
            (Some(path), Some(table)) => sign_in(path, table)?,
            _ => SignIn::default(),
        };
        let reminders = match (path, from_file.reminders) {
            (Some(path), Some(table)) => Some(reminders(path, table)?),
            _ => None,
        };
        let webhooks = match (path, from_file.webhooks) {
            (Some(path), Some(table)) => webhooks(path, table)?,
            _ => crate::webhooks::WebhookSettings::default(),
        };
        let mut options = Vec::new();
        if let Some(flag) = flag {
            options.extend(["--db".to_owned(), shell_word(flag)]);
        }
        if let Some(file) = file {
            options.extend(["--config".to_owned(), shell_word(&file.display().to_string())]);
        }
        Ok(Config {
            database: DatabaseUrl::parse(&url)?,
            busy_timeout: crate::BUSY_TIMEOUT,
            options,
            transparency,
            rules,
            roles: sign_in.mapping,
            sessions: sign_in.limits,
            providers: sign_in.providers,
            public_url: sign_in.public_url,
            reminders,
            webhooks,
        })
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
fn reminders(path: &Path, table: RemindersFile) -> Result<ReminderSettings, ConfigError> {
    let refuse = |detail: String| ConfigError::File { path: path.to_owned(), detail: format!("[reminders] {detail}") };
    let security = match table.smtp_security.as_deref() {
        None => SmtpSecurity::None,
        Some(name) => SmtpSecurity::parse(name)
            .ok_or_else(|| refuse(format!("smtp_security is '{name}': give none, starttls or tls")))?,
    };
    let password = match (table.smtp_password_env, table.smtp_password_file) {
        (Some(_), Some(_)) => {
            return Err(refuse("names both smtp_password_env and smtp_password_file: give one of them".into()));
        }
        (Some(var), None) => Some(std::env::var(&var).map_err(|_| {
            refuse(format!("smtp_password_env names {var}, which is not set: set it to the SMTP password"))
        })?),
        (None, Some(file)) => {
            let file = path.parent().unwrap_or(Path::new("")).join(file);
            let text = std::fs::read_to_string(&file).map_err(|e| {
                refuse(format!(
                    "failed to read smtp_password_file {}: {e}: give a file holding the SMTP password",
                    file.display()
                ))
            })?;
            Some(text.trim_end_matches(['\r', '\n']).to_owned())
        }
        (None, None) => None,
    };
    let login = match (table.smtp_user, password) {
        (Some(user), Some(password)) => Some(SmtpLogin { user, password }),
        (None, None) => None,
        (Some(_), None) => {
            return Err(refuse(
                "smtp_user is given without a password: add smtp_password_env or smtp_password_file".into(),
            ));
        }
        (None, Some(_)) => return Err(refuse("a password is given without smtp_user: add the user name".into())),
    };
    let ca_certificate = match table.smtp_ca_file {
        None => None,
        Some(_) if security == SmtpSecurity::None => {
            return Err(refuse(
                "smtp_ca_file is given with smtp_security none, which uses no certificate: set smtp_security to starttls or tls"
                    .into(),
            ));
        }
        Some(file) => {
            let file = path.parent().unwrap_or(Path::new("")).join(file);
            let text = std::fs::read_to_string(&file).map_err(|e| {
                refuse(format!(
                    "failed to read smtp_ca_file {}: {e}: give a PEM file holding the certificate authority that signed the SMTP server's certificate",
                    file.display()
                ))
            })?;
            if !text.contains("-----BEGIN CERTIFICATE-----")
                || lettre::transport::smtp::client::Certificate::from_pem(text.as_bytes()).is_err()
            {
                return Err(refuse(format!(
                    "smtp_ca_file {} holds no certificate in PEM (-----BEGIN CERTIFICATE-----): give the certificate authority's certificate as PEM",
                    file.display()
                )));
            }
            Some(text)
        }
    };
    let schedule = match table.schedule.as_deref().unwrap_or("weekly") {
        "off" => Schedule::Off,
        "weekly" => {
            let weekday = match table.weekday.as_deref() {
                None => Weekday::Mon,
                Some(day) => day
                    .parse()
                    .map_err(|_| refuse(format!("weekday is '{day}': give a day of the week, such as monday")))?,
            };
            let hour = table.hour.unwrap_or(9);
            if hour > 23 {
                return Err(refuse(format!("hour is {hour}: give an hour of the day from 0 to 23 (UTC)")));
            }
            Schedule::Weekly { weekday, hour }
        }
        other => return Err(refuse(format!("schedule is '{other}': give weekly or off"))),
    };
    Ok(ReminderSettings {
        smtp_host: table.smtp_host,
        smtp_port: table.smtp_port.unwrap_or(security.default_port()),
        security,
        login,
        ca_certificate,
        schedule,
        from: table.from,
        dashboard: table.dashboard,
    })
}

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
    let witnesses = table
        .witnesses
        .unwrap_or_default()
        .iter()
        .map(|text| {
            NoteVerifier::parse(text).and_then(|key| key.of_kind(KeyKind::Witness)).map_err(|error| ConfigError::File {
                path: path.to_owned(),
                detail: format!(
                    "[transparency] witnesses holds '{text}', which is not a witness's key ({error}): give each as the witness's `covenant keys init --witness` printed it"
                ),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let quorum = table.quorum.unwrap_or(0);
    if quorum > witnesses.len() {
        return Err(ConfigError::File {
            path: path.to_owned(),
            detail: format!(
                "[transparency] quorum is {quorum}, but witnesses names {}: name at least {quorum} witnesses, or lower the quorum",
                witnesses.len()
            ),
        });
    }
    let base = path.parent().unwrap_or(Path::new(""));
    Ok(Transparency {
        key: table.key.map(|key| base.join(key)),
        policy: CheckpointPolicy { every_events, every: Duration::from_secs(every_seconds) },
        witnessing: Witnessing { witnesses, quorum },
    })
}

/// The `[webhooks]` table of the config file at `path`, checked: each setting left out takes
/// the default of [`crate::webhooks::WebhookSettings::default`].
fn webhooks(path: &Path, table: WebhooksFile) -> Result<crate::webhooks::WebhookSettings, ConfigError> {
    let defaults = crate::webhooks::WebhookSettings::default();
    let positive = |setting: &str, value: Option<u64>, default: u64| match value {
        None => Ok(default),
        Some(0) => Err(ConfigError::File {
            path: path.to_owned(),
            detail: format!(
                "[webhooks] {setting} is 0: give a whole number of at least 1, or leave it out for the default"
            ),
        }),
        Some(v) => Ok(v),
    };
    let max_attempts = positive("max_attempts", table.max_attempts.map(u64::from), u64::from(defaults.max_attempts))?;
    let retry_first = positive("retry_first_ms", table.retry_first_ms, defaults.retry_first.as_millis() as u64)?;
    let retry_most = positive("retry_most_seconds", table.retry_most_seconds, defaults.retry_most.as_secs())?;
    let timeout = positive("timeout_seconds", table.timeout_seconds, defaults.timeout.as_secs())?;
    Ok(crate::webhooks::WebhookSettings {
        allow_private: table.allow_private.unwrap_or(defaults.allow_private),
        max_attempts: u32::try_from(max_attempts).unwrap_or(u32::MAX),
        retry_first: Duration::from_millis(retry_first),
        retry_most: Duration::from_secs(retry_most),
        timeout: Duration::from_secs(timeout),
    })
}

/// The `[rules]` table of the config file at `path`, checked: each setting left out takes the
/// default of [`Rules::default`], and a value no rule can use is refused with what to write.
fn rules(path: &Path, table: RulesFile) -> Result<Rules, ConfigError> {
    let refuse = |detail: String| ConfigError::File { path: path.to_owned(), detail };
    let defaults = Rules::default();
    let fraction = |setting: &str, value: Option<f64>, default: f64| match value {
        None => Ok(default),
        Some(v) if v.is_finite() && (0.0..=1.0).contains(&v) => Ok(v),
        Some(v) => Err(refuse(format!(
            "[rules] {setting} is {v}: give a fraction of the target from 0 to 1, such as 0.1 for ten per cent"
        ))),
    };
    let points = |setting: &str, value: Option<f64>, default: f64| match value {
        None => Ok(default),
        Some(v) if v.is_finite() && (0.0..=100.0).contains(&v) => Ok(v),
        Some(v) => Err(refuse(format!(
            "[rules] {setting} is {v}: give a number of percentage points from 0 to 100, such as 10"
        ))),
    };
    let chosen = table.rag.unwrap_or(match defaults.rag {
        RagRule::AsReported => RagName::AsReported,
        RagRule::AgainstTarget { .. } => RagName::AgainstTarget,
        RagRule::AgainstExpected { .. } => RagName::AgainstExpected,
    });
    let only_with = |setting: &str, given: bool, rule: RagName, name: &str| {
        if given && chosen != rule {
            Err(refuse(format!(
                "[rules] {setting} applies only with rag = \"{name}\": leave it out, or set rag = \"{name}\""
            )))
        } else {
            Ok(())
        }
    };
    only_with("rag_amber_gap", table.rag_amber_gap.is_some(), RagName::AgainstExpected, "against_expected")?;
    only_with("rag_red_gap", table.rag_red_gap.is_some(), RagName::AgainstExpected, "against_expected")?;
    only_with("rag_tolerance", table.rag_tolerance.is_some(), RagName::AgainstTarget, "against_target")?;
    let indicator_tolerance = fraction("indicator_tolerance", table.indicator_tolerance, defaults.indicator_tolerance)?;
    let rag = match chosen {
        RagName::AsReported => RagRule::AsReported,
        RagName::AgainstTarget => {
            RagRule::AgainstTarget { tolerance: fraction("rag_tolerance", table.rag_tolerance, indicator_tolerance)? }
        }
        RagName::AgainstExpected => {
            let amber_gap = points("rag_amber_gap", table.rag_amber_gap, DEFAULT_AMBER_GAP)?;
            let red_gap = points("rag_red_gap", table.rag_red_gap, DEFAULT_RED_GAP)?;
            if amber_gap > red_gap {
                return Err(refuse(format!(
                    "[rules] rag_amber_gap ({amber_gap}) is more than rag_red_gap ({red_gap}): a commitment turns amber before it turns red, so give an amber gap no larger than the red one"
                )));
            }
            RagRule::AgainstExpected { amber_gap, red_gap }
        }
    };
    let call_in_working_days = table.call_in_working_days.unwrap_or(defaults.call_in_working_days);
    if !(1..=MAX_CALL_IN_WORKING_DAYS).contains(&call_in_working_days) {
        return Err(refuse(format!(
            "[rules] call_in_working_days is {call_in_working_days}: give a whole number of working days from 1 to {MAX_CALL_IN_WORKING_DAYS}, such as 5"
        )));
    }
    Ok(Rules {
        rag,
        roll_up: table.roll_up.unwrap_or(defaults.roll_up),
        stale_after_days: table.stale_after_days.unwrap_or(defaults.stale_after_days),
        due_soon_days: table.due_soon_days.unwrap_or(defaults.due_soon_days),
        indicator_tolerance,
        call_in_working_days,
    })
}

/// The `[sign_in]` table of the config file at `path`, checked: each rule names a role, has a
/// condition, and names an organisation exactly when it gives the contributor role; the session
/// limits are at least a minute and an hour, the idle one no longer than the absolute one.
fn sign_in(path: &Path, table: SignInFile) -> Result<SignIn, ConfigError> {
    let defaults = SessionLimits::default();
    let idle = table.idle_minutes.map_or(defaults.idle, |m| Duration::from_secs(m.saturating_mul(60)));
    let absolute = table.absolute_hours.map_or(defaults.absolute, |h| Duration::from_secs(h.saturating_mul(3600)));
    if idle.is_zero() || absolute.is_zero() || idle > absolute {
        return Err(ConfigError::File {
            path: path.to_owned(),
            detail: format!(
                "[sign_in] idle_minutes ({}) and absolute_hours ({}) must be whole numbers of at least 1, with the idle limit no longer than the absolute one: such as idle_minutes = 30 and absolute_hours = 8",
                idle.as_secs() / 60,
                absolute.as_secs() / 3600
            ),
        });
    }
    let refuse = |n: usize, detail: String| ConfigError::File {
        path: path.to_owned(),
        detail: format!("[[sign_in.rules]] number {n}: {detail}"),
    };
    let rules = table
        .rules
        .into_iter()
        .enumerate()
        .map(|(i, rule)| {
            let role = Role::parse(&rule.role).map_err(|e| refuse(i + 1, e.to_string()))?;
            let organisation = rule
                .organisation
                .map(|o| {
                    OrgId::parse(&o).map_err(|e| refuse(i + 1, format!("organisation '{o}' is not an org-id ({e})")))
                })
                .transpose()?;
            RoleRule::new(role, organisation, rule.provider, rule.email_domain, rule.group, rule.app_role)
                .map_err(|e| refuse(i + 1, e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    let contact = table.contact.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    let mapping =
        RoleMapping { rules, contact: contact.unwrap_or_else(|| crate::role_mapping::DEFAULT_CONTACT.to_owned()) };
    let refuse = |detail: String| ConfigError::File { path: path.to_owned(), detail };
    let public_url = table.public_url.map(|url| url.trim().trim_end_matches('/').to_owned());
    if let Some(url) = &public_url {
        if !secure_or_loopback(url) {
            return Err(refuse(format!(
                "[sign_in] public_url is {url}: give the https:// address people reach Covenant at (http:// only on this machine, such as http://127.0.0.1:8080)"
            )));
        }
    }
    if !table.providers.is_empty() && public_url.is_none() {
        return Err(refuse(
            "[sign_in] has providers but no public_url: give public_url, the https:// address people reach Covenant at, which the providers send them back to".to_owned(),
        ));
    }
    let mut providers: Vec<Provider> = Vec::new();
    for (i, given) in table.providers.into_iter().enumerate() {
        let n = i + 1;
        let id_ok =
            !given.id.is_empty() && given.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !id_ok || providers.iter().any(|p| p.id == given.id) {
            return Err(refuse(format!(
                "[[sign_in.providers]] number {n}: id '{}' must be unique and made of lower-case letters, digits and hyphens, such as west-lindsey",
                given.id
            )));
        }
        if !secure_or_loopback(&given.issuer) {
            return Err(refuse(format!(
                "[[sign_in.providers]] number {n}: issuer {} is not https://: give the provider's issuer exactly as its ID tokens say it",
                given.issuer
            )));
        }
        let client_secret = match given.client_secret_env {
            None => None,
            Some(var) => Some(std::env::var(&var).map_err(|_| {
                refuse(format!(
                    "[[sign_in.providers]] number {n}: client_secret_env names {var}, which is not set: set it to the client secret the provider gave"
                ))
            })?),
        };
        providers.push(Provider {
            id: given.id,
            name: given.name,
            issuer: given.issuer,
            client_id: given.client_id,
            client_secret,
        });
    }
    Ok(SignIn { mapping, limits: SessionLimits { idle, absolute }, providers, public_url })
}

/// The `[sign_in]` table, checked.
#[derive(Default)]
struct SignIn {
    mapping: RoleMapping,
    limits: SessionLimits,
    providers: Vec<Provider>,
    public_url: Option<String>,
}

/// Whether `url` is https, or http to this machine only (for trying Covenant out and for tests).
fn secure_or_loopback(url: &str) -> bool {
    url.starts_with("https://")
        || ["http://127.0.0.1", "http://localhost", "http://[::1]"]
            .iter()
            .any(|local| url.strip_prefix(local).is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/'])))
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
        "failed to read config file {}: {detail}; it may set database_url = \"…\", a [transparency] table with key = \"FILE\", checkpoint_every_events, checkpoint_every_seconds, witnesses and quorum (docs/audit.md), a [rules] table with the settings docs/reports.md lists, a [sign_in] table (docs/sign-in.md), and a [reminders] table with smtp_host, from, dashboard and the other settings docs/packs.md lists",
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

        let witness = crate::NoteSigner::generate_kind("partner.example.org/witness", KeyKind::Witness).expect("name");
        std::fs::write(
            etc.join("witnessed.toml"),
            format!("[transparency]\nwitnesses = [\"{}\"]\n", witness.verifier().to_text()),
        )
        .expect("write");
        let witnessed =
            Config::resolve(None, None, Some(&etc.join("witnessed.toml")), dir.path()).expect("a witness's key");
        assert_eq!(witnessed.transparency.witnessing, Witnessing { witnesses: vec![witness.verifier()], quorum: 0 });
        std::fs::write(
            etc.join("quorum.toml"),
            format!("[transparency]\nwitnesses = [\"{}\"]\nquorum = 1\n", witness.verifier().to_text()),
        )
        .expect("write");
        let quorum = Config::resolve(None, None, Some(&etc.join("quorum.toml")), dir.path()).expect("a quorum of one");
        assert_eq!(quorum.transparency.witnessing.quorum, 1);
        std::fs::write(
            etc.join("too-many.toml"),
            format!("[transparency]\nwitnesses = [\"{}\"]\nquorum = 2\n", witness.verifier().to_text()),
        )
        .expect("write");
        let refused =
            Config::resolve(None, None, Some(&etc.join("too-many.toml")), dir.path()).expect_err("more than named");
        assert!(refused.to_string().contains("quorum is 2, but witnesses names 1"), "{refused}");
        let log = crate::NoteSigner::generate("example.org/covenant").expect("name");
        std::fs::write(
            etc.join("log-key.toml"),
            format!("[transparency]\nwitnesses = [\"{}\"]\n", log.verifier().to_text()),
        )
        .expect("write");
        let refused =
            Config::resolve(None, None, Some(&etc.join("log-key.toml")), dir.path()).expect_err("a log's key");
        assert!(refused.to_string().contains("which is not a witness's key"), "{refused}");
        std::fs::write(etc.join("zero.toml"), "[transparency]\ncheckpoint_every_events = 0\n").expect("write");
        let zero = Config::resolve(None, None, Some(&etc.join("zero.toml")), dir.path()).expect_err("zero");
        assert!(zero.to_string().contains("checkpoint_every_events is 0"), "{zero}");
        std::fs::write(etc.join("typo.toml"), "[transparency]\nkeys = \"log.key\"\n").expect("write");
        let typo = Config::resolve(None, None, Some(&etc.join("typo.toml")), dir.path()).expect_err("typo");
        assert!(typo.to_string().contains("[transparency] table with key"), "{typo}");
    }

    /// Resolves a config file holding `text`.
    fn with_file(text: &str) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(DEFAULT_CONFIG_FILE), text).expect("write");
        Config::resolve(None, None, None, dir.path())
    }

    #[test]
    fn without_a_rules_table_every_rule_is_the_documented_default() {
        let dir = tempfile::tempdir().expect("tempdir");
        let none = Config::resolve(None, None, None, dir.path()).expect("default");
        assert_eq!(none.rules, Rules::default());
        let empty = with_file("[rules]\n").expect("an empty table");
        assert_eq!(empty.rules, Rules::default());
        let documented = Rules {
            rag: RagRule::AgainstExpected { amber_gap: 10.0, red_gap: 25.0 },
            roll_up: RollUp::Mean,
            stale_after_days: 90,
            due_soon_days: 30,
            indicator_tolerance: 0.1,
            call_in_working_days: 5,
        };
        assert_eq!(empty.rules, documented, "docs/reports.md names these defaults");

        let reports = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/reports.md");
        let reports = std::fs::read_to_string(reports).expect("docs/reports.md");
        let example = reports.split("```toml\n").nth(1).and_then(|rest| rest.split("```").next()).expect("an example");
        assert!(example.starts_with("[rules]"), "{example}");
        let example = with_file(example).expect("the documented example is read");
        assert_eq!(example.rules, documented, "the documented example spells out the defaults");
    }

    #[test]
    fn each_rule_is_read_from_the_rules_table() {
        let all = with_file(
            "[rules]\nrag = \"against_expected\"\nrag_amber_gap = 5\nrag_red_gap = 15.5\nroll_up = \"weighted\"\nstale_after_days = 30\ndue_soon_days = 14\nindicator_tolerance = 0.05\ncall_in_working_days = 10\n",
        )
        .expect("every setting");
        assert_eq!(
            all.rules,
            Rules {
                rag: RagRule::AgainstExpected { amber_gap: 5.0, red_gap: 15.5 },
                roll_up: RollUp::Weighted,
                stale_after_days: 30,
                due_soon_days: 14,
                indicator_tolerance: 0.05,
                call_in_working_days: 10,
            }
        );
        let one = with_file("[rules]\nstale_after_days = 7\n").expect("one setting");
        assert_eq!(one.rules, Rules { stale_after_days: 7, ..Rules::default() }, "the others keep their defaults");
        let reported = with_file("[rules]\nrag = \"as_reported\"\n").expect("as reported");
        assert_eq!(reported.rules.rag, RagRule::AsReported);
        let target = with_file("[rules]\nrag = \"against_target\"\nrag_tolerance = 0.2\n").expect("against target");
        assert_eq!(target.rules.rag, RagRule::AgainstTarget { tolerance: 0.2 });
        let inherited =
            with_file("[rules]\nrag = \"against_target\"\nindicator_tolerance = 0.25\n").expect("inherited");
        assert_eq!(
            inherited.rules.rag,
            RagRule::AgainstTarget { tolerance: 0.25 },
            "without rag_tolerance, a commitment's tolerance is the indicators'"
        );
    }

    #[test]
    fn a_rule_no_report_can_use_is_refused_saying_what_to_write() {
        let refused = |text: &str| with_file(text).expect_err(text).to_string();
        let wrong_type = refused("[rules]\nstale_after_days = \"ninety\"\n");
        assert!(wrong_type.contains("stale_after_days"), "{wrong_type}");
        assert!(wrong_type.contains("[rules] table with the settings docs/reports.md lists"), "{wrong_type}");
        let negative = refused("[rules]\ndue_soon_days = -1\n");
        assert!(negative.contains("due_soon_days"), "{negative}");
        let percent = refused("[rules]\nindicator_tolerance = 10\n");
        assert!(
            percent
                .contains("[rules] indicator_tolerance is 10: give a fraction of the target from 0 to 1, such as 0.1"),
            "{percent}"
        );
        let crossed = refused("[rules]\nrag_amber_gap = 30\n");
        assert!(crossed.contains("rag_amber_gap (30) is more than rag_red_gap (25)"), "{crossed}");
        let other_rule = refused("[rules]\nrag_tolerance = 0.1\n");
        assert!(
            other_rule.contains("rag_tolerance applies only with rag = \"against_target\": leave it out"),
            "{other_rule}"
        );
        let no_call_in = refused("[rules]\ncall_in_working_days = 0\n");
        assert!(no_call_in.contains("call_in_working_days is 0: give a whole number of working days from 1 to 260"));
        let unknown_rule = refused("[rules]\nrag = \"by_feel\"\n");
        assert!(unknown_rule.contains("by_feel") && unknown_rule.contains("against_expected"), "{unknown_rule}");
        let typo = refused("[rules]\nstale_days = 30\n");
        assert!(typo.contains("unknown field `stale_days`") && typo.contains("stale_after_days"), "{typo}");
    }

    #[test]
    fn the_sign_in_table_gives_the_rules_in_order_and_the_contact() {
        let none = with_file("").expect("no table");
        assert_eq!(none.roles, RoleMapping::default());
        let config = with_file(
            "[sign_in]\ncontact = \"the governance team, governance@lincolnshire.gov.uk\"\n\n[[sign_in.rules]]\nrole = \"secretariat\"\nprovider = \"Lincolnshire County Council\"\ngroup = \"hwb-secretariat\"\n\n[[sign_in.rules]]\nrole = \"contributor\"\norganisation = \"GB-LAE-WLI\"\nemail_domain = \"west-lindsey.gov.uk\"\ngroup = \"covenant-housing\"\n\n[[sign_in.rules]]\nrole = \"auditor\"\napp_role = \"Covenant.Auditor\"\n",
        )
        .expect("rules");
        assert_eq!(config.roles.contact, "the governance team, governance@lincolnshire.gov.uk");
        let roles: Vec<_> = config.roles.rules.iter().map(|r| (r.role, r.conditions())).collect();
        assert_eq!(
            roles,
            [
                (Role::Secretariat, "signed in with Lincolnshire County Council, in group hwb-secretariat".to_owned()),
                (Role::Contributor, "email at west-lindsey.gov.uk, in group covenant-housing".to_owned()),
                (Role::Auditor, "given application role Covenant.Auditor".to_owned()),
            ]
        );
        assert_eq!(config.roles.rules[1].organisation, Some(OrgId::parse("GB-LAE-WLI").expect("org")));
        assert_eq!(config.sessions, SessionLimits::default(), "30 minutes idle, 8 hours in all, unless set");
        assert_eq!(none.sessions.idle, Duration::from_secs(30 * 60));
        assert_eq!(none.sessions.absolute, Duration::from_secs(8 * 3600));
        let set = with_file("[sign_in]\nidle_minutes = 15\nabsolute_hours = 4\n").expect("limits");
        assert_eq!(
            set.sessions,
            SessionLimits { idle: Duration::from_secs(900), absolute: Duration::from_secs(4 * 3600) }
        );
        let crossed =
            with_file("[sign_in]\nidle_minutes = 600\nabsolute_hours = 8\n").expect_err("idle beyond absolute");
        assert!(crossed.to_string().contains("[sign_in] idle_minutes (600) and absolute_hours (8)"), "{crossed}");
        let zero = with_file("[sign_in]\nidle_minutes = 0\n").expect_err("zero");
        assert!(zero.to_string().contains("at least 1"), "{zero}");
    }

    #[test]
    fn the_documented_sign_in_examples_are_read_as_the_document_says() {
        let doc = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/sign-in.md");
        let doc = std::fs::read_to_string(doc).expect("docs/sign-in.md");
        let blocks: Vec<&str> = doc.split("```toml\n").skip(1).filter_map(|rest| rest.split("```").next()).collect();
        assert_eq!(blocks.len(), 3, "providers, rules, session limits");
        // The client secrets are read from the environment, which a test may not set.
        let providers: String =
            blocks[0].lines().filter(|l| !l.starts_with("client_secret_env")).map(|l| format!("{l}\n")).collect();
        let providers = with_file(&providers).expect("the providers example");
        let issuers: Vec<_> = providers.providers.iter().map(|p| (p.id.as_str(), p.issuer.as_str())).collect();
        assert_eq!(
            issuers,
            [
                ("lincolnshire", "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0"),
                ("google", "https://accounts.google.com"),
                ("west-lindsey", "https://id.west-lindsey.gov.uk/realms/staff"),
            ]
        );
        let rules = with_file(blocks[1]).expect("the rules example");
        assert_eq!(rules.roles.contact, "the governance team, governance@lincolnshire.gov.uk");
        let roles: Vec<_> = rules.roles.rules.iter().map(|r| r.role).collect();
        assert_eq!(roles, [Role::Secretariat, Role::Contributor, Role::Auditor, Role::Reader]);
        let limits = with_file(blocks[2]).expect("the limits example");
        assert_eq!(limits.sessions, SessionLimits::default(), "the document spells out the defaults");
    }

    #[test]
    fn the_sign_in_table_names_the_providers_over_https_with_a_public_url() {
        let config = with_file(
            "[sign_in]\npublic_url = \"https://covenant.lincolnshire.gov.uk/\"\n\n[[sign_in.providers]]\nid = \"west-lindsey\"\nname = \"West Lindsey District Council\"\nissuer = \"https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0\"\nclient_id = \"covenant\"\n",
        )
        .expect("a provider");
        assert_eq!(config.public_url.as_deref(), Some("https://covenant.lincolnshire.gov.uk"));
        assert_eq!(config.providers.len(), 1);
        assert_eq!(config.providers[0].name, "West Lindsey District Council");
        assert_eq!(config.providers[0].client_secret, None, "a public client, with PKCE");
        let refused = |text: &str| with_file(text).expect_err(text).to_string();
        let provider = "[[sign_in.providers]]\nid = \"wl\"\nname = \"WL\"\nissuer = \"https://login.example\"\nclient_id = \"c\"\n";
        let no_url = refused(&format!("[sign_in]\n{provider}"));
        assert!(no_url.contains("has providers but no public_url"), "{no_url}");
        let plain = refused("[sign_in]\npublic_url = \"http://covenant.example.gov.uk\"\n");
        assert!(plain.contains("give the https:// address"), "{plain}");
        let loopback = with_file("[sign_in]\npublic_url = \"http://127.0.0.1:8080\"\n").expect("loopback");
        assert_eq!(loopback.public_url.as_deref(), Some("http://127.0.0.1:8080"));
        let lookalike = refused("[sign_in]\npublic_url = \"http://127.0.0.1.example.org\"\n");
        assert!(lookalike.contains("https://"), "{lookalike}");
        let insecure = refused(&format!(
            "[sign_in]\npublic_url = \"https://c.example\"\n{}",
            provider.replace("https://login.example", "http://login.example")
        ));
        assert!(insecure.contains("issuer http://login.example is not https://"), "{insecure}");
        let twice = refused(&format!("[sign_in]\npublic_url = \"https://c.example\"\n{provider}{provider}"));
        assert!(twice.contains("number 2: id 'wl' must be unique"), "{twice}");
        let secret = refused(&format!(
            "[sign_in]\npublic_url = \"https://c.example\"\n{provider}client_secret_env = \"COVENANT_TEST_UNSET_SECRET\"\n"
        ));
        assert!(secret.contains("COVENANT_TEST_UNSET_SECRET, which is not set"), "{secret}");
    }

    #[test]
    fn a_sign_in_rule_that_cannot_be_used_is_refused_by_its_number() {
        let refused = |text: &str| with_file(text).expect_err(text).to_string();
        let unknown = refused("[[sign_in.rules]]\nrole = \"clerk\"\ngroup = \"g\"\n");
        assert!(unknown.contains("[[sign_in.rules]] number 1: 'clerk' is not a role"), "{unknown}");
        let open =
            refused("[[sign_in.rules]]\nrole = \"reader\"\ngroup = \"g\"\n[[sign_in.rules]]\nrole = \"admin\"\n");
        assert!(open.contains("number 2: a rule giving the admin role has no condition"), "{open}");
        let bad_org =
            refused("[[sign_in.rules]]\nrole = \"contributor\"\norganisation = \"west lindsey\"\ngroup = \"g\"\n");
        assert!(bad_org.contains("organisation 'west lindsey' is not an org-id"), "{bad_org}");
        let typo = refused("[[sign_in.rules]]\nrole = \"reader\"\ngroups = \"g\"\n");
        assert!(typo.contains("unknown field `groups`"), "{typo}");
    }

    #[test]
    fn the_reminders_table_secures_logs_in_and_schedules() {
        let base = "[reminders]\nsmtp_host = \"mail.example.gov.uk\"\nfrom = \"secretariat@example.gov.uk\"\ndashboard = \"https://covenant.example.gov.uk\"\n";
        let plain = with_file(base).expect("the least table").reminders.expect("reminders");
        assert_eq!((plain.smtp_port, plain.security, plain.login.is_none()), (25, SmtpSecurity::None, true));
        assert_eq!(plain.schedule, Schedule::Weekly { weekday: Weekday::Mon, hour: 9 }, "weekly by default");

        // The password from a file beside covenant.toml, its line end left out.
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("smtp-password"), "illustrative secret\n").expect("write");
        let table = format!(
            "{base}smtp_security = \"starttls\"\nsmtp_user = \"covenant\"\nsmtp_password_file = \"smtp-password\"\nweekday = \"thursday\"\nhour = 7\n"
        );
        std::fs::write(dir.path().join(DEFAULT_CONFIG_FILE), table).expect("write");
        let secured =
            Config::resolve(None, None, None, dir.path()).expect("a secured table").reminders.expect("reminders");
        assert_eq!((secured.smtp_port, secured.security), (587, SmtpSecurity::StartTls));
        assert_eq!(secured.login, Some(SmtpLogin { user: "covenant".into(), password: "illustrative secret".into() }));
        assert!(!format!("{secured:?}").contains("illustrative secret"), "the password is never printed");
        assert_eq!(secured.schedule, Schedule::Weekly { weekday: Weekday::Thu, hour: 7 });
        // An organisation's own certificate authority, from a PEM file beside covenant.toml.
        let pem = "-----BEGIN CERTIFICATE-----\nTUlJQmlsbHVzdHJhdGl2ZQ==\n-----END CERTIFICATE-----\n";
        std::fs::write(dir.path().join("council-ca.pem"), pem).expect("write");
        std::fs::write(dir.path().join("not-a-certificate.pem"), "illustrative\n").expect("write");
        let with_ca = |security: &str, file: &str| {
            let table = format!("{base}smtp_security = \"{security}\"\nsmtp_ca_file = \"{file}\"\n");
            std::fs::write(dir.path().join(DEFAULT_CONFIG_FILE), table).expect("write");
            Config::resolve(None, None, None, dir.path()).map(|c| c.reminders.expect("reminders"))
        };
        assert_eq!(with_ca("starttls", "council-ca.pem").expect("a CA file").ca_certificate.as_deref(), Some(pem));
        let no_tls = with_ca("none", "council-ca.pem").expect_err("no TLS").to_string();
        assert!(no_tls.contains("uses no certificate: set smtp_security to starttls or tls"), "{no_tls}");
        let not_pem = with_ca("tls", "not-a-certificate.pem").expect_err("not PEM").to_string();
        assert!(not_pem.contains("holds no certificate in PEM"), "{not_pem}");
        let missing = with_ca("tls", "missing.pem").expect_err("missing").to_string();
        assert!(missing.contains("failed to read smtp_ca_file"), "{missing}");
        let tls = with_file(&format!("{base}smtp_security = \"tls\"\nschedule = \"off\"\n")).expect("tls");
        let tls = tls.reminders.expect("reminders");
        assert_eq!((tls.smtp_port, tls.security, tls.schedule), (465, SmtpSecurity::Tls, Schedule::Off));

        let refused = |extra: &str| with_file(&format!("{base}{extra}")).expect_err("refused").to_string();
        let clear = refused("smtp_password = \"in clear\"\n");
        assert!(clear.contains("unknown field `smtp_password`"), "{clear}");
        let unset = refused("smtp_user = \"covenant\"\nsmtp_password_env = \"COVENANT_TEST_NO_SUCH_VARIABLE\"\n");
        assert!(unset.contains("COVENANT_TEST_NO_SUCH_VARIABLE, which is not set"), "{unset}");
        let no_password = refused("smtp_user = \"covenant\"\n");
        assert!(no_password.contains("without a password"), "{no_password}");
        let security = refused("smtp_security = \"ssl\"\n");
        assert!(security.contains("give none, starttls or tls"), "{security}");
        let hour = refused("hour = 24\n");
        assert!(hour.contains("from 0 to 23"), "{hour}");
        let day = refused("weekday = \"someday\"\n");
        assert!(day.contains("a day of the week"), "{day}");
    }
}
