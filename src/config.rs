//! Typed configuration from environment variables, with defaults that work
//! on a laptop. Each problem names the variable, so `main` can print one line
//! and exit 2.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/attune.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

#[derive(Debug, Clone)]
pub struct Config {
    pub database: DatabaseTarget,
    pub bind: SocketAddr,
    /// The address people use to reach the app, without a trailing slash.
    pub base_url: String,
    /// From `SECRET_KEY`; when absent one is generated and kept in the
    /// database, so every server on that database shares it.
    pub secret_key: Option<String>,
    /// Where email goes; `None` writes it to files in `mail_dir`.
    pub smtp: Option<SmtpSettings>,
    /// The sender of every email (`MAIL_FROM`).
    pub mail_from: lettre::message::Mailbox,
    /// Without SMTP, emails are written here as .eml files (`MAIL_DIR`).
    pub mail_dir: PathBuf,
    /// Whether `serve` runs the mailer worker (`OUTBOX_WORKER=off` when a
    /// separate `attune outbox run` does).
    pub outbox_worker: bool,
    pub outbox: WorkerConfig,
    pub log: String,
    /// Where curricula are read from; `None` uses the copy built into the
    /// binary.
    pub curricula_dir: Option<PathBuf>,
    /// A folder whose templates override the built-in ones.
    pub templates_dir: Option<PathBuf>,
    pub pool_size: u32,
    /// How long a request waits for a free database connection before it
    /// is answered 503 (`DATABASE_WAIT_MS`).
    pub pool_wait: std::time::Duration,
    /// Requests one server process works on at once; the rest are answered
    /// 503 with Retry-After at once (`MAX_IN_FLIGHT`).
    pub max_in_flight: usize,
    /// Serves `GET /load-test/static/{bytes}`, a fixed page of that many
    /// bytes through every middleware, as the load script's yardstick
    /// (`LOAD_TEST_ROUTE=on`; off by default).
    pub load_test_route: bool,
    /// Reverse proxies whose `X-Forwarded-For` is believed
    /// (`TRUSTED_PROXIES`, comma-separated addresses; none by default).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Personal links end this many days after the group's last meeting
    /// (`PARENT_LINK_DAYS`, 90 by default).
    pub parent_link_days: i64,
    /// Where texts go (`SMS_GATEWAY_URL` and its credentials); `None`
    /// means texting is off on this server.
    pub sms: Option<SmsSettings>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl ConfigError {
    pub fn new(variable: &'static str, message: impl Into<String>) -> Self {
        Self {
            variable,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.variable, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// A short wait: under overload a quick 503 beats a queue of timeouts.
pub const DEFAULT_POOL_WAIT_MS: u64 = 1000;
/// Well above what two cores finish at once (a page takes well under a
/// millisecond), so only real overload is refused.
pub const DEFAULT_MAX_IN_FLIGHT: u64 = 256;

/// A whole number from `var` within `range`, or `None` when unset.
pub(crate) fn number(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    range: std::ops::RangeInclusive<u64>,
) -> Result<Option<u64>, ConfigError> {
    match get(var) {
        None => Ok(None),
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) if range.contains(&n) => Ok(Some(n)),
            _ => Err(ConfigError::new(
                var,
                format!(
                    "'{v}' is not a number from {} to {}",
                    range.start(),
                    range.end()
                ),
            )),
        },
    }
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Reads configuration through `get`, so tests need not touch the
    /// process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        let database = DatabaseTarget::parse(&database_url)
            .map_err(|m| ConfigError::new("DATABASE_URL", m))?;

        let bind_text = get("BIND").unwrap_or_else(|| DEFAULT_BIND.into());
        let bind = parse_bind(&bind_text).map_err(|m| ConfigError::new("BIND", m))?;

        let base_url = match get("BASE_URL") {
            Some(url) => parse_base_url(&url).map_err(|m| ConfigError::new("BASE_URL", m))?,
            None => default_base_url(bind),
        };

        let secret_key = secret_key(&get)?;
        let smtp = match get("SMTP_URL") {
            Some(url) => Some(parse_smtp_url(&url).map_err(|m| ConfigError::new("SMTP_URL", m))?),
            None => None,
        };
        let mail_from = mail_from(&get, &base_url)?;
        let mail_dir = get("MAIL_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("data/mail"));
        let outbox_worker = switch(&get, "OUTBOX_WORKER", true)?;
        let outbox = WorkerConfig::from_lookup(&get)?;
        let log = log_filter(&get)?;
        // Working from a checkout: read the files so edits show at once.
        let curricula_dir = folder(&get, "CURRICULA_DIR")?
            .or_else(|| Some(PathBuf::from("curricula")).filter(|d| d.join("README.md").is_file()));
        let templates_dir = folder(&get, "TEMPLATES_DIR")?;

        let pool_size = number(&get, "DATABASE_POOL_SIZE", 1..=256)?.unwrap_or(10) as u32;
        let pool_wait = std::time::Duration::from_millis(
            number(&get, "DATABASE_WAIT_MS", 10..=30_000)?.unwrap_or(DEFAULT_POOL_WAIT_MS),
        );
        let load_test_route = switch(&get, "LOAD_TEST_ROUTE", false)?;
        let trusted_proxies = trusted_proxies(&get)?;
        let parent_link_days =
            number(&get, "PARENT_LINK_DAYS", 1..=3650)?.map_or(DEFAULT_LINK_DAYS, |d| d as i64);
        let max_in_flight =
            number(&get, "MAX_IN_FLIGHT", 1..=100_000)?.unwrap_or(DEFAULT_MAX_IN_FLIGHT) as usize;
        let sms = SmsSettings::from_lookup(&get)?;

        Ok(Self {
            database,
            bind,
            base_url,
            secret_key,
            smtp,
            mail_from,
            mail_dir,
            outbox_worker,
            outbox,
            log,
            curricula_dir,
            templates_dir,
            pool_size,
            pool_wait,
            max_in_flight,
            load_test_route,
            trusted_proxies,
            parent_link_days,
            sms,
        })
    }

    /// `--bind` on the command line wins over `BIND`; the default
    /// `BASE_URL` follows it.
    pub fn with_bind(mut self, bind: &str, base_url_from_env: bool) -> Result<Self, ConfigError> {
        self.bind = parse_bind(bind).map_err(|m| ConfigError::new("--bind", m))?;
        if !base_url_from_env {
            self.base_url = default_base_url(self.bind);
        }
        Ok(self)
    }
}

fn parse_bind(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    let text = match text.strip_prefix("localhost:") {
        Some(port) => format!("127.0.0.1:{port}"),
        None => text.to_string(),
    };
    text.parse()
        .map_err(|_| format!("'{text}' is not an address and port, like 127.0.0.1:8080"))
}

fn default_base_url(bind: SocketAddr) -> String {
    let host = if bind.ip().is_loopback() || bind.ip().is_unspecified() {
        "localhost".to_string()
    } else {
        bind.ip().to_string()
    };
    format!("http://{host}:{}", bind.port())
}

fn parse_base_url(url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("'{url}' must start with https:// (or http:// for local use)"))?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(format!("'{url}' has no host name"));
    }
    if url.contains(['?', '#']) {
        return Err(format!("'{url}' must not have a query or fragment"));
    }
    Ok(url.to_string())
}

fn parse_smtp_url(url: &str) -> Result<SmtpSettings, String> {
    let url = url.trim();
    let ok = url.starts_with("smtp://") || url.starts_with("smtps://");
    if !ok {
        return Err(format!(
            "'{}' must start with smtp:// or smtps:// (like smtp://user:pass@mail.example.org:587)",
            redact_password(url)
        ));
    }
    SmtpSettings::parse(url).map_err(|e| format!("'{}': {e}", redact_password(url)))
}

/// "attune <attune@HOST>" for the host of BASE_URL (or localhost).
fn default_mail_from(base_url: &str) -> Result<lettre::message::Mailbox, String> {
    let host = base_url
        .split_once("://")
        .map(|(_, r)| r)
        .unwrap_or(base_url)
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    let domain = if host.contains('.') && host.parse::<std::net::IpAddr>().is_err() {
        host
    } else {
        "localhost"
    };
    lettre::Address::new("attune", domain)
        .map(|a| lettre::message::Mailbox::new(Some("attune".into()), a))
        .map_err(|e| format!("cannot make a sender address from {domain}: {e}"))
}

// Plain settings types that the lower layers read. They live here so this
// file imports nothing of attune's: the database, the mailer and the
// services take their settings from it, never the other way round.

/// Where the data lives, parsed from `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    Sqlite { path: PathBuf },
    Postgres { url: String },
}

impl DatabaseTarget {
    /// Parses `sqlite://path`, `sqlite:path`, `sqlite:///abs/path`,
    /// `postgres://...` and `postgresql://...`. The message names no
    /// variable; the caller adds it.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err("a SQLite URL needs a file path, like sqlite://data/attune.db".into());
            }
            if path.contains('?') {
                return Err("SQLite URLs take no options; give only the file path".into());
            }
            return Ok(Self::Sqlite {
                path: PathBuf::from(path),
            });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let rest = url.split_once("://").map(|(_, r)| r).unwrap_or("");
            if rest.is_empty() || rest.starts_with('?') {
                return Err(
                    "a PostgreSQL URL needs a host or database, like postgres://localhost/attune"
                        .into(),
                );
            }
            return Ok(Self::Postgres {
                url: url.to_string(),
            });
        }
        let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or(url);
        if scheme.is_empty() {
            Err("is empty; use sqlite://data/attune.db or postgres://host/db".into())
        } else {
            Err(format!(
                "unsupported scheme '{scheme}'; use sqlite://path/to/file.db or postgres://user@host/db"
            ))
        }
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, Self::Sqlite { .. })
    }

    /// A description safe to log: no password.
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite { path } => format!("SQLite at {}", path.display()),
            Self::Postgres { url } => format!("PostgreSQL at {}", redact_password(url)),
        }
    }
}

/// A URL with its password left out, for messages and logs.
pub fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}@{host}")
        }
        None => url.to_string(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain text; for a relay on the same machine.
    None,
    /// STARTTLS when the server offers it.
    Opportunistic,
    /// STARTTLS or fail.
    Required,
    /// TLS from the first byte (smtps://, usually port 465).
    Implicit,
}

#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub(crate) credentials: Option<(String, String)>,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password.
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.credentials.as_ref().map(|c| &c.0))
            .finish()
    }
}

impl SmtpSettings {
    /// `smtp://[user:pass@]host[:port][?tls=none|opportunistic|required]`
    /// (port 587, STARTTLS when offered) or `smtps://...` (port 465).
    pub fn parse(url: &str) -> Result<Self, String> {
        let parsed = url::Url::parse(url.trim()).map_err(|e| format!("not a URL: {e}"))?;
        let implicit = match parsed.scheme() {
            "smtp" => false,
            "smtps" => true,
            other => {
                return Err(format!(
                    "unsupported scheme '{other}'; use smtp:// or smtps://"
                ))
            }
        };
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("needs a host, like smtp://mail.example.org:587")?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = parsed.port().unwrap_or(if implicit { 465 } else { 587 });
        let mut security = if implicit {
            Security::Implicit
        } else {
            Security::Opportunistic
        };
        for (k, v) in parsed.query_pairs() {
            match (k.as_ref(), v.as_ref(), implicit) {
                ("tls", "none", false) => security = Security::None,
                ("tls", "opportunistic", false) => security = Security::Opportunistic,
                ("tls", "required", false) => security = Security::Required,
                ("tls", _, true) => return Err("smtps:// is always TLS; drop ?tls=".into()),
                ("tls", other, _) => {
                    return Err(format!(
                        "tls={other} is not known; use tls=none, tls=opportunistic or tls=required"
                    ))
                }
                (other, _, _) => return Err(format!("unknown option '{other}'")),
            }
        }
        let credentials = if parsed.username().is_empty() {
            None
        } else {
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8()
                    .map(|d| d.into_owned())
                    .map_err(|_| "the user or password is not valid UTF-8".to_string())
            };
            Some((
                decode(parsed.username())?,
                decode(parsed.password().unwrap_or(""))?,
            ))
        };
        Ok(Self {
            host,
            port,
            security,
            credentials,
        })
    }
}

/// How long a greeting, a command or a whole message may take; lettre
/// times out only the TCP connect.
pub const DEFAULT_SEND_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Lanes, each with at most one SMTP connection.
    pub connections: usize,
    /// Rows a lane leases at a time.
    pub batch: i64,
    /// The longest one message may take, connect to 250.
    pub send_timeout: Duration,
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// Tries before a transiently failing message is dead.
    pub max_attempts: i32,
    /// How often an idle worker looks for due rows.
    pub poll: Duration,
    /// How often follow-ups that have come due are queued.
    pub plan_every: Duration,
    /// Added to the longest a batch can take to make a lease.
    pub lease_margin: Duration,
    /// Fault drill: abort the process right after this many 250s, before
    /// recording the last one (`ATTUNE_FAULT_CRASH_AFTER_SENDS`).
    pub crash_after_sends: Option<u64>,
    /// How long a sent email keeps its body (which holds a personal link)
    /// before it is blanked (`OUTBOX_KEEP_DAYS`).
    pub keep_sent: chrono::Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            connections: 8,
            batch: 10,
            send_timeout: DEFAULT_SEND_TIMEOUT,
            retry_base: Duration::from_secs(60),
            retry_max: Duration::from_secs(3600),
            max_attempts: 8,
            poll: Duration::from_secs(1),
            plan_every: Duration::from_secs(60),
            lease_margin: Duration::from_secs(30),
            crash_after_sends: None,
            keep_sent: chrono::Duration::days(30),
        }
    }
}

impl WorkerConfig {
    /// A lease outlives the longest a lane can take over its batch, so a
    /// live worker never loses a row it is still sending.
    pub fn lease(&self) -> Duration {
        self.send_timeout * (self.batch.max(1) as u32) + self.lease_margin
    }

    /// The wait before try number `attempts + 1`: doubling from the base,
    /// capped, and spread by +-20% so failed batches do not retry in step.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let doublings = attempts.saturating_sub(1).clamp(0, 30) as u32;
        let raw = self
            .retry_base
            .saturating_mul(2u32.saturating_pow(doublings))
            .min(self.retry_max);
        let spread = crate::crypto::random_bytes::<2>()
            .map(|b| f64::from(u16::from_le_bytes(b)) / f64::from(u16::MAX))
            .unwrap_or(0.5);
        raw.mul_f64(0.8 + 0.4 * spread)
    }
}

impl WorkerConfig {
    /// `OUTBOX_CONNECTIONS` (1-64), `OUTBOX_SEND_TIMEOUT_SECS` (1-10),
    /// `OUTBOX_RETRY_BASE_MS`, `OUTBOX_MAX_ATTEMPTS` (1-50),
    /// `OUTBOX_POLL_MS`, `OUTBOX_BATCH` (1-100), `OUTBOX_LEASE_MARGIN_SECS`.
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut c = Self::default();
        if let Some(n) = number(get, "OUTBOX_CONNECTIONS", 1..=64)? {
            c.connections = n as usize;
        }
        if let Some(n) = number(get, "OUTBOX_SEND_TIMEOUT_SECS", 1..=10)? {
            c.send_timeout = Duration::from_secs(n);
        }
        if let Some(n) = number(get, "OUTBOX_RETRY_BASE_MS", 1..=86_400_000)? {
            c.retry_base = Duration::from_millis(n);
        }
        if let Some(n) = number(get, "OUTBOX_MAX_ATTEMPTS", 1..=50)? {
            c.max_attempts = n as i32;
        }
        if let Some(n) = number(get, "OUTBOX_POLL_MS", 10..=60_000)? {
            c.poll = Duration::from_millis(n);
        }
        if let Some(n) = number(get, "OUTBOX_BATCH", 1..=100)? {
            c.batch = n as i64;
        }
        if let Some(n) = number(get, "OUTBOX_LEASE_MARGIN_SECS", 1..=3600)? {
            c.lease_margin = Duration::from_secs(n);
        }
        if let Some(n) = number(get, "OUTBOX_KEEP_DAYS", 1..=3650)? {
            c.keep_sent = chrono::Duration::days(n as i64);
        }
        c.crash_after_sends = number(get, "ATTUNE_FAULT_CRASH_AFTER_SENDS", 1..=u64::MAX)?;
        Ok(c)
    }
}

/// Which text-message API the gateway speaks (`SMS_GATEWAY_KIND`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsGatewayKind {
    /// Twilio's Messages API (and the many services that copy it): a form
    /// POST with basic auth.
    Twilio,
    /// A generic JSON webhook: `{to, body, id}` signed with HMAC-SHA256.
    Json,
}

/// The text-message gateway. Outbound and inbound both use `auth_token`:
/// Twilio signs its webhooks with it, and the JSON gateway shares it.
#[derive(Clone)]
pub struct SmsSettings {
    /// Without a trailing slash.
    pub url: String,
    pub kind: SmsGatewayKind,
    pub account_sid: String,
    pub auth_token: String,
    /// The number or sender name texts come from (`SMS_FROM`).
    pub from: String,
}

impl std::fmt::Debug for SmsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the token.
        f.debug_struct("SmsSettings")
            .field("url", &self.url)
            .field("kind", &self.kind)
            .field("account_sid", &self.account_sid)
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl SmsSettings {
    /// `SMS_GATEWAY_URL` (http or https), `SMS_GATEWAY_KIND` (`twilio`, the
    /// default, or `json`), `SMS_ACCOUNT_SID` (Twilio only),
    /// `SMS_AUTH_TOKEN` and `SMS_FROM`. No URL: texting is off.
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ConfigError> {
        let Some(url) = get("SMS_GATEWAY_URL") else {
            return Ok(None);
        };
        let url = url.trim().trim_end_matches('/').to_string();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ConfigError::new(
                "SMS_GATEWAY_URL",
                format!("'{url}' must start with https:// (like https://api.twilio.com)"),
            ));
        }
        let kind = match get("SMS_GATEWAY_KIND").as_deref().map(str::trim) {
            None | Some("twilio") => SmsGatewayKind::Twilio,
            Some("json") => SmsGatewayKind::Json,
            Some(other) => {
                return Err(ConfigError::new(
                    "SMS_GATEWAY_KIND",
                    format!("'{other}' is not twilio or json"),
                ))
            }
        };
        let required = |var: &'static str| {
            get(var)
                .map(|v| v.trim().to_string())
                .ok_or_else(|| ConfigError::new(var, "is needed when SMS_GATEWAY_URL is set"))
        };
        let account_sid = match kind {
            SmsGatewayKind::Twilio => required("SMS_ACCOUNT_SID")?,
            SmsGatewayKind::Json => get("SMS_ACCOUNT_SID").unwrap_or_default(),
        };
        if !account_sid.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ConfigError::new(
                "SMS_ACCOUNT_SID",
                "must be letters and digits only",
            ));
        }
        Ok(Some(Self {
            url,
            kind,
            account_sid,
            auth_token: required("SMS_AUTH_TOKEN")?,
            from: required("SMS_FROM")?,
        }))
    }
}

/// When personal links end: `days_after_course` days after the group's
/// last meeting (`PARENT_LINK_DAYS`, 90 by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkPolicy {
    pub days_after_course: i64,
}

impl Default for LinkPolicy {
    fn default() -> Self {
        Self {
            days_after_course: DEFAULT_LINK_DAYS,
        }
    }
}

pub const DEFAULT_LINK_DAYS: i64 = 90;

/// `SECRET_KEY`, if set: at least 32 characters.
fn secret_key(get: &impl Fn(&str) -> Option<String>) -> Result<Option<String>, ConfigError> {
    match get("SECRET_KEY") {
        Some(key) if key.trim().len() < 32 => Err(ConfigError::new(
            "SECRET_KEY",
            "must be at least 32 characters (leave it unset to have one generated)",
        )),
        other => Ok(other.map(|k| k.trim().to_string())),
    }
}

/// `MAIL_FROM`, or an address at the site's own host.
fn mail_from(
    get: &impl Fn(&str) -> Option<String>,
    base_url: &str,
) -> Result<lettre::message::Mailbox, ConfigError> {
    match get("MAIL_FROM") {
        Some(from) => from
            .trim()
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| {
                ConfigError::new(
                    "MAIL_FROM",
                    format!(
                    "'{from}' is not an address like \"Parent classes <classes@example.org>\" ({e})"
                ),
                )
            }),
        None => default_mail_from(base_url).map_err(|m| ConfigError::new("MAIL_FROM", m)),
    }
}

/// An `on`/`off` setting; `default` when unset.
fn switch(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match get(name).as_deref().map(str::trim) {
        None => Ok(default),
        Some("on") => Ok(true),
        Some("off") => Ok(false),
        Some(other) => Err(ConfigError::new(
            name,
            format!("'{other}' should be on or off"),
        )),
    }
}

/// `LOG`, checked as a tracing filter.
fn log_filter(get: &impl Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    let log = get("LOG").unwrap_or_else(|| "info".into());
    tracing_subscriber::EnvFilter::try_new(&log).map_err(|e| {
        ConfigError::new(
            "LOG",
            format!("'{log}' is not a log filter ({e}); try info, debug or attune=debug"),
        )
    })?;
    Ok(log)
}

/// A folder setting: it must exist when given.
fn folder(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<PathBuf>, ConfigError> {
    let Some(dir) = get(name).map(PathBuf::from) else {
        return Ok(None);
    };
    if !dir.is_dir() {
        return Err(ConfigError::new(
            name,
            format!("{} is not a folder", dir.display()),
        ));
    }
    Ok(Some(dir))
}

/// `TRUSTED_PROXIES`: comma-separated IP addresses.
fn trusted_proxies(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Vec<std::net::IpAddr>, ConfigError> {
    let Some(list) = get("TRUSTED_PROXIES") else {
        return Ok(Vec::new());
    };
    list.split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| {
            a.parse::<std::net::IpAddr>().map_err(|_| {
                ConfigError::new(
                    "TRUSTED_PROXIES",
                    format!(
                        "'{a}' is not an IP address (list your reverse proxies' addresses, comma-separated)"
                    ),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_work_locally() {
        let c = config(&[]).unwrap();
        assert!(c.database.is_sqlite());
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.base_url, "http://localhost:8080");
        assert_eq!(c.secret_key, None);
    }

    #[test]
    fn every_bad_setting_names_its_variable() {
        let cases = [
            ("DATABASE_URL", "mysql://x"),
            ("BIND", "not an address"),
            ("BASE_URL", "ftp://x"),
            ("SECRET_KEY", "short"),
            ("SMTP_URL", "mail.example.org"),
            ("LOG", "attune=loud"),
            ("CURRICULA_DIR", "/definitely/not/here"),
            ("DATABASE_POOL_SIZE", "0"),
        ];
        for (var, value) in cases {
            let err = config(&[(var, value)]).unwrap_err();
            assert_eq!(err.variable, var, "{err}");
            assert!(!err.to_string().contains('\n'));
        }
    }

    #[test]
    fn base_url_loses_trailing_slash() {
        let c = config(&[("BASE_URL", "https://attune.example.org/")]).unwrap();
        assert_eq!(c.base_url, "https://attune.example.org");
    }
}
