//! Test scaffolding: a fresh database per test and an app built by the same
//! `build_app()` the server uses.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use actix_web::http::header::HeaderMap;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::web;
use attune::config::Config;
use attune::db::{self, DatabaseTarget};
use attune::AppState;
use diesel::connection::SimpleConnection;

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub fn repo_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The PostgreSQL server to create test databases on, if tests run against
/// PostgreSQL.
pub fn postgres_base() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
}

/// One test's own database, removed when dropped.
pub struct TestDb {
    pub url: String,
    pub target: DatabaseTarget,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub fn new() -> Self {
        match postgres_base() {
            Some(base) => {
                let name = format!(
                    "attune_t{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst)
                );
                let mut admin = db::connect(&DatabaseTarget::parse(&base).unwrap()).unwrap();
                // One statement per call: PostgreSQL runs a multi-statement
                // string as one transaction, and CREATE DATABASE refuses that.
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
                    .unwrap();
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .unwrap();
                let url = with_database(&base, &name);
                Self {
                    target: DatabaseTarget::parse(&url).unwrap(),
                    url,
                    _dir: None,
                    pg: Some((base, name)),
                }
            }
            None => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("attune.db").display());
                Self {
                    target: DatabaseTarget::parse(&url).unwrap(),
                    url,
                    _dir: Some(dir),
                    pg: None,
                }
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.pg.is_some()
    }

    /// A migrated connection outside any pool.
    pub fn conn(&self) -> db::DbConn {
        let mut conn = db::connect(&self.target).unwrap();
        db::run_migrations(&mut conn).unwrap();
        conn
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, name)) = &self.pg {
            if let Ok(DatabaseTarget::Postgres { .. }) = DatabaseTarget::parse(base) {
                if let Ok(mut admin) = db::connect(&DatabaseTarget::parse(base).unwrap()) {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

/// Replaces the database name in a postgres URL.
fn with_database(url: &str, name: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let scheme_end = head.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match head[scheme_end..].find('/') {
        Some(i) => &head[..scheme_end + i],
        None => head,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

pub fn test_config(db_url: &str, curricula: Option<PathBuf>) -> Config {
    test_config_with(db_url, curricula, &[])
}

/// `test_config` with some variables set (or overridden).
pub fn test_config_with(db_url: &str, curricula: Option<PathBuf>, vars: &[(&str, &str)]) -> Config {
    let curricula = curricula.unwrap_or_else(|| repo_path("curricula"));
    let db_url = db_url.to_string();
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_lookup(move |key| {
        if let Some((_, v)) = vars.iter().find(|(k, _)| k == key) {
            return Some(v.clone());
        }
        match key {
            "DATABASE_URL" => Some(db_url.clone()),
            "CURRICULA_DIR" => Some(curricula.display().to_string()),
            "DATABASE_POOL_SIZE" => Some("4".into()),
            _ => None,
        }
    })
    .unwrap()
}

/// Adds a coordinator: sees every group's schedule, roster, attendance and
/// reports, never reflection text or one parent's answers.
pub fn add_coordinator(app: &TestApp, email: &str) -> attune::db::models::User {
    let user = add_user(app, email, false);
    let mut conn = app.state.pool.get().unwrap();
    attune::db::models::User::set_coordinator(&mut conn, user.id, true).unwrap();
    attune::db::models::User::find(&mut conn, user.id)
        .unwrap()
        .unwrap()
}

pub struct TestApp {
    pub state: web::Data<AppState>,
    /// Kept so the database lives as long as the app.
    _db: TestDb,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

impl TestApp {
    pub fn new() -> Self {
        Self::with_curricula(None)
    }

    /// An app with some configuration variables set.
    pub fn with_vars(vars: &[(&str, &str)]) -> Self {
        Self::build(None, vars)
    }

    pub fn with_curricula(dir: Option<PathBuf>) -> Self {
        Self::build(dir, &[])
    }

    fn build(dir: Option<PathBuf>, vars: &[(&str, &str)]) -> Self {
        type Files = (
            std::sync::Arc<attune::curriculum::Library>,
            std::sync::Arc<attune::render::Templates>,
        );
        // The shipped curricula and templates, loaded once for all tests.
        static SHARED: std::sync::OnceLock<Files> = std::sync::OnceLock::new();
        let db = TestDb::new();
        let config = test_config_with(&db.url, dir.clone(), vars);
        let (library, templates) = match dir {
            Some(_) => AppState::load_files(&config).unwrap(),
            None => SHARED
                .get_or_init(|| AppState::load_files(&config).unwrap())
                .clone(),
        };
        let state = AppState::with_files(config, library, templates).unwrap();
        Self {
            state: web::Data::new(state),
            _db: db,
        }
    }

    pub async fn send(&self, req: TestRequest) -> Resp {
        let app = test::init_service(attune::build_app(self.state.clone())).await;
        // An error from the middleware becomes its own response, as the
        // real server does it.
        let (status, headers, body) = match test::try_call_service(&app, req.to_request()).await {
            Ok(res) => {
                let status = res.status();
                let headers = res.headers().clone();
                (status, headers, test::read_body(res).await)
            }
            Err(err) => {
                let res = err.error_response();
                let status = res.status();
                let headers = res.headers().clone();
                let body = actix_web::body::to_bytes(res.into_body())
                    .await
                    .unwrap_or_default();
                (status, headers, body)
            }
        };
        // PDF downloads are binary; every other answer must be UTF-8.
        let pdf = headers
            .get("content-type")
            .is_some_and(|t| t.as_bytes().starts_with(b"application/pdf"));
        Resp {
            status,
            headers,
            body: if pdf {
                String::from_utf8_lossy(&body).into_owned()
            } else {
                String::from_utf8(body.to_vec()).unwrap()
            },
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(TestRequest::get().uri(path)).await
    }

    /// The test database's URL, for running the real binary on it.
    pub fn database_url(&self) -> &str {
        &self._db.url
    }
}

/// What handlebars makes of text in `{{ }}`.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            '`' => out.push_str("&#x60;"),
            '=' => out.push_str("&#x3D;"),
            c => out.push(c),
        }
    }
    out
}

#[test]
fn database_names_are_swapped() {
    assert_eq!(
        with_database("postgres://u@h:5432/ci", "t1"),
        "postgres://u@h:5432/t1"
    );
    assert_eq!(
        with_database("postgres://h/ci?sslmode=disable", "t1"),
        "postgres://h/t1?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h", "t1"), "postgres://h/t1");
}

/// A browser-like client: keeps cookies between requests and reads the
/// form token from the last page.
pub struct Browser<'a> {
    pub app: &'a TestApp,
    cookies: std::collections::BTreeMap<String, String>,
    pub last_token: Option<String>,
    /// The network address requests come from (none by default).
    pub peer: Option<std::net::SocketAddr>,
    /// Headers sent with every request (`Sec-Fetch-Dest`, say).
    pub extra_headers: Vec<(String, String)>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: Default::default(),
            last_token: None,
            peer: None,
            extra_headers: Vec::new(),
        }
    }

    /// A browser on another network (for per-address limits).
    pub fn from_address(app: &'a TestApp, ip: &str) -> Self {
        let mut b = Self::new(app);
        b.peer = Some(format!("{ip}:40000").parse().unwrap());
        b
    }

    fn cookie_header(&self) -> Option<String> {
        (!self.cookies.is_empty()).then(|| {
            self.cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    async fn send(&mut self, mut req: TestRequest) -> Resp {
        if let Some(c) = self.cookie_header() {
            req = req.insert_header(("Cookie", c));
        }
        if let Some(peer) = self.peer {
            req = req.peer_addr(peer);
        }
        for (name, value) in &self.extra_headers {
            req = req.insert_header((name.as_str(), value.as_str()));
        }
        let res = self.app.send(req).await;
        for value in res.headers.get_all("set-cookie") {
            let Ok(text) = value.to_str() else { continue };
            let pair = text.split(';').next().unwrap_or("");
            if let Some((name, val)) = pair.split_once('=') {
                let expired = text.to_ascii_lowercase().contains("max-age=0") || val.is_empty();
                if expired {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_string(), val.to_string());
                }
            }
        }
        if let Some(t) = find_token(&res.body) {
            self.last_token = Some(t);
        }
        res
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.send(TestRequest::get().uri(path)).await
    }

    /// Posts a form with the current token added.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let token = self.last_token.clone().unwrap_or_default();
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts exactly these fields (no token added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.send(
            TestRequest::post()
                .uri(path)
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .set_payload(body),
        )
        .await
    }

    pub fn cookies(&self) -> std::collections::BTreeMap<String, String> {
        self.cookies.clone()
    }

    pub fn set_cookies(&mut self, cookies: std::collections::BTreeMap<String, String>) {
        self.cookies = cookies;
    }

    /// Posts a multipart form (a file upload) with the current token.
    pub async fn post_multipart(&mut self, path: &str, parts: &[(&str, &[u8])]) -> Resp {
        let boundary = "attuneTestBoundary7MA4YWxkTrZu0gW";
        let token = self.last_token.clone().unwrap_or_default();
        let mut body = Vec::new();
        let mut add = |name: &str, value: &[u8]| {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            let disposition = if name == "file" {
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"roster.csv\"\r\nContent-Type: text/csv\r\n\r\n")
            } else {
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n")
            };
            body.extend_from_slice(disposition.as_bytes());
            body.extend_from_slice(value);
            body.extend_from_slice(b"\r\n");
        };
        add("csrf_token", token.as_bytes());
        for (name, value) in parts {
            add(name, value);
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.send(
            TestRequest::post()
                .uri(path)
                .insert_header((
                    "Content-Type",
                    format!("multipart/form-data; boundary={boundary}"),
                ))
                .set_payload(body),
        )
        .await
    }

    /// Signs in through the real form.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Resp {
        self.get("/login").await;
        self.post("/login", &[("email", email), ("password", password)])
            .await
    }
}

fn find_token(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = start + html[start..].find('"')?;
    Some(html[start..end].to_string()).filter(|t| !t.is_empty())
}

pub const PASSWORD: &str = "a long enough password";

/// Adds an account straight into the database. Every test account has the
/// same password, so it is hashed once per test run.
pub fn add_user(app: &TestApp, email: &str, admin: bool) -> attune::db::models::User {
    use attune::db::models::{NewUser, User};
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash = HASH.get_or_init(|| attune::crypto::hash_password(PASSWORD).unwrap());
    let mut conn = app.state.pool.get().unwrap();
    let at = attune::db::now();
    User::insert(
        &mut conn,
        &NewUser {
            email,
            name: &email.split('@').next().unwrap().replace('.', " "),
            password_hash: hash,
            is_admin: admin,
            created_at: at,
            updated_at: at,
        },
    )
    .unwrap()
}
