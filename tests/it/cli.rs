//! The `attune` binary as a person uses it: exit codes, one-line errors,
//! the curriculum checker, and a real server answering.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{repo_path, TestDb};

pub(crate) const VARS: [&str; 13] = [
    "DATABASE_URL",
    "MAX_IN_FLIGHT",
    "DATABASE_WAIT_MS",
    "LOAD_TEST_ROUTE",
    "BIND",
    "BASE_URL",
    "SECRET_KEY",
    "SMTP_URL",
    "LOG",
    "CURRICULA_DIR",
    "TEMPLATES_DIR",
    "DATABASE_POOL_SIZE",
    "RUST_BACKTRACE",
];

/// The binary with a clean environment, run from `dir`.
pub(crate) fn attune(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_attune"));
    for v in VARS {
        cmd.env_remove(v);
    }
    cmd.current_dir(dir)
        .env("CURRICULA_DIR", repo_path("curricula"))
        .stdin(Stdio::null());
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A setting error: exit 2 and exactly one line naming the variable.
fn assert_setting_error(out: &Output, variable: &str, fragment: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line, got: {stderr}");
    assert!(
        stderr.starts_with(&format!("attune: {variable}: ")),
        "{stderr}"
    );
    assert!(
        stderr.contains(fragment),
        "expected {fragment:?} in {stderr}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

#[test]
fn a_wrong_database_url_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = attune(dir.path())
        .args(["migrate"])
        .env("DATABASE_URL", "mysql://localhost/attune")
        .output()
        .unwrap();
    assert_setting_error(&out, "DATABASE_URL", "unsupported scheme 'mysql'");
}

#[test]
fn an_unreachable_postgres_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    // Port 1 on loopback: nothing listens, the refusal is immediate.
    let started = Instant::now();
    let out = attune(dir.path())
        .args(["serve"])
        .env(
            "DATABASE_URL",
            "postgres://attune:secret@127.0.0.1:1/attune",
        )
        .output()
        .unwrap();
    assert_setting_error(
        &out,
        "DATABASE_URL",
        "cannot connect to PostgreSQL at postgres://attune@127.0.0.1:1/attune",
    );
    assert!(
        !text(&out.stderr).contains("secret"),
        "the password is never printed"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn an_unwritable_data_folder_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the folder should be: even root cannot create it.
    std::fs::write(dir.path().join("data"), "not a folder").unwrap();
    let out = attune(dir.path()).args(["demo"]).output().unwrap();
    assert_setting_error(&out, "DATABASE_URL", "cannot create the data folder data");

    let out = attune(dir.path())
        .args(["migrate"])
        .env("DATABASE_URL", "sqlite:///proc/attune-test/attune.db")
        .output()
        .unwrap();
    assert_setting_error(&out, "DATABASE_URL", "/proc/attune-test");
}

#[test]
fn other_bad_settings_name_their_variable() {
    let dir = tempfile::tempdir().unwrap();
    for (var, value, fragment) in [
        ("BIND", "here", "not an address"),
        ("SECRET_KEY", "short", "at least 32"),
        ("LOG", "attune=shouty", "not a log filter"),
        ("BASE_URL", "attune.example.org", "must start with https://"),
        ("SMTP_URL", "mail.example.org", "smtp://"),
    ] {
        let out = attune(dir.path())
            .args(["migrate"])
            .env(var, value)
            .output()
            .unwrap();
        assert_setting_error(&out, var, fragment);
    }
    let out = attune(dir.path())
        .args(["serve", "--bind", "nowhere"])
        .output()
        .unwrap();
    assert_setting_error(&out, "--bind", "not an address");
}

#[test]
fn the_checker_passes_the_shipped_curricula() {
    let out = attune(&repo_path(""))
        .args(["curriculum", "check"])
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok  ")).count(),
        5,
        "{stdout}"
    );
    assert_eq!(
        stdout.lines().count(),
        5,
        "one line per curriculum: {stdout}"
    );
}

#[test]
fn the_checker_lists_every_planted_error_with_file_and_line() {
    let fixtures = repo_path("tests/fixtures/broken-curricula");
    let out = attune(&repo_path(""))
        .args(["curriculum", "check"])
        .arg(&fixtures)
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let planted = [
        ("typos/curriculum.toml", 4, "unknown key `sesion_minutes`"),
        ("typos/curriculum.toml", 1, "missing key `session_minutes`"),
        (
            "typos/sessions/01-first.md",
            1,
            "session number 1 is used twice",
        ),
        (
            "typos/sessions/01-first.md",
            6,
            "`reflection_prompts` has 1 prompt;",
        ),
        (
            "typos/sessions/01-first.md",
            12,
            "the agenda adds up to 75 minutes, but the session is 90",
        ),
        ("typos/sessions/01-first.md", 19, "unknown kind `lecture`"),
        (
            "typos/sessions/01-first.md",
            25,
            "the link `../../other/sessions/01-x.md` leaves the curriculum folder",
        ),
        ("typos/sessions/01-first.md", 31, "`{{` is template syntax"),
        ("typos/sessions/01-again.md", 7, "unknown key `colour`"),
        (
            "typos/sessions/01-again.md",
            23,
            "the parent handout is empty",
        ),
        ("typos/sessions", 1, "session 2 is missing"),
        (
            "typos/sessions/03-after-a-gap.md",
            20,
            "the link `/etc/passwd` leaves the curriculum folder",
        ),
        ("typos/sessions/03-after-a-gap.md", 22, "Flesch-Kincaid"),
        ("no-manifest", 1, "no curriculum.toml"),
        ("typos/guide.md", 1, "missing guide.md"),
        ("bad-syntax/guide.md", 1, "missing guide.md"),
        ("bad-syntax/sessions/01-broken.md", 2, "TOML syntax"),
        (
            "bad-syntax/sessions/01-broken.md",
            9,
            "missing section `# Facilitator notes`",
        ),
    ];
    for (file, line, fragment) in planted {
        let prefix = format!("{}/{file}:{line}: ", fixtures.display());
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(&prefix) && l.contains(fragment)),
            "expected {file}:{line} {fragment:?} in:\n{stdout}"
        );
    }
    assert!(
        stdout.contains(&format!("{} problems in", planted.len())),
        "no more and no fewer problems than planted:\n{stdout}"
    );
}

/// Copies a shipped one-session workshop to `dir/name`, changed by `edit`
/// (relative path, file text) -> new text, or None to leave the file out.
fn workshop_copy(dir: &Path, name: &str, edit: impl Fn(&str, &str) -> Option<String>) {
    let from = repo_path("curricula/calm-after-the-storm");
    for rel in [
        "curriculum.toml",
        "guide.md",
        "sessions/01-calm-after-the-storm.md",
    ] {
        let text = std::fs::read_to_string(from.join(rel)).unwrap();
        if let Some(text) = edit(rel, &text) {
            let to = dir.join(name).join(rel);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::write(to, text).unwrap();
        }
    }
}

#[test]
fn the_checker_holds_courses_to_the_safety_rules() {
    let dir = tempfile::tempdir().unwrap();
    // A course without its facilitator guide.
    workshop_copy(dir.path(), "no-guide", |rel, t| {
        (rel != "guide.md").then(|| t.to_string())
    });
    // The other locale's spelling, on a known line of the handout.
    let session = "sessions/01-calm-after-the-storm.md";
    let mut colour_line = 0;
    workshop_copy(dir.path(), "wrong-spelling", |rel, t| {
        Some(if rel == session {
            t.replacen(
                "# Parent handout\n",
                "# Parent handout\n\nPick a colour for calm.\n",
                1,
            )
        } else {
            t.to_string()
        })
    });
    let copied = std::fs::read_to_string(dir.path().join("wrong-spelling").join(session)).unwrap();
    for (i, l) in copied.lines().enumerate() {
        if l.contains("colour") {
            colour_line = i + 1;
        }
    }
    // Session 1 that promises "what is shared stays here" with no word
    // about when a facilitator must act.
    let mut handout_line = 0;
    workshop_copy(dir.path(), "no-limit", |rel, t| {
        if rel != session {
            return Some(t.to_string());
        }
        let mut t = t.to_string();
        for (from, to) in [
            ("exception", "rule"),
            ("unless", "and"),
            ("except", "and"),
            ("harmed", "helped"),
            ("harm", "help"),
            ("hurt", "help"),
            ("danger", "luck"),
            ("unsafe", "tired"),
            ("at risk", "at rest"),
            ("but if", "and if"),
            ("one time", "one day"),
            ("safe", "calm"),
        ] {
            t = t.replace(from, to);
        }
        Some(t)
    });
    let limitless = std::fs::read_to_string(dir.path().join("no-limit").join(session)).unwrap();
    for (i, l) in limitless.lines().enumerate() {
        if l == "# Parent handout" {
            handout_line = i + 1;
        }
    }
    let out = attune(&repo_path(""))
        .args(["curriculum", "check"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let root = dir.path().display();
    for (file, line, fragment) in [
        ("no-guide/guide.md".to_string(), 1, "missing guide.md"),
        (
            format!("wrong-spelling/{session}"),
            colour_line,
            "`colour` is UK spelling; this course is en-US: write `color`",
        ),
        (
            format!("no-limit/{session}"),
            1,
            "session 1's plan must state the limit of confidentiality",
        ),
        (
            format!("no-limit/{session}"),
            handout_line,
            "session 1's handout must tell parents the limit of confidentiality",
        ),
    ] {
        let prefix = format!("{root}/{file}:{line}: ");
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(&prefix) && l.contains(fragment)),
            "expected {file}:{line} {fragment:?} in:\n{stdout}"
        );
    }
    assert!(stdout.contains("4 problems in"), "only those:\n{stdout}");
}

#[test]
fn the_curriculum_list_names_versions_and_hashes() {
    let out = attune(&repo_path(""))
        .args(["curriculum", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 5);
    assert!(stdout.contains("secure-base") && stdout.contains("1.1.0"));
    assert!(stdout.contains("calm-after-the-storm") && stdout.contains("1.0.0"));
}

#[test]
fn a_user_can_be_added_from_stdin() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    let add = |email: &str, password: &str| {
        let mut child = attune(dir.path())
            .args([
                "user",
                "add",
                "--email",
                email,
                "--name",
                "Rosa Park",
                "--admin",
                "--password-stdin",
            ])
            .env("DATABASE_URL", &db.url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{password}\n").as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = add("rosa@example.org", "a good long password");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("as an administrator"));

    let out = add("rosa@example.org", "a good long password");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("already an account"));

    let out = add("other@example.org", "short");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("at least 10 characters"));

    let out = attune(dir.path())
        .args(["user", "add", "--email", "x@example.org", "--name", "X"])
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert_setting_error(&out, "--password-stdin", "no terminal");
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, response))
}

/// `demo` then `serve`, as the README tells a newcomer.
#[test]
fn the_readme_start_works_and_the_server_answers() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    let out = attune(dir.path())
        .args(["demo"])
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("demo@attune.local"), "{stdout}");
    assert!(stdout.contains("Password:"), "{stdout}");
    let link_start = stdout.find("/p/").expect("a parent's link");
    let parent_link = stdout[link_start..link_start + 3 + 64].to_string();

    let port = free_port();
    let started = Instant::now();
    let _server = Server(
        attune(dir.path())
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", &db.url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut health = None;
    while started.elapsed() < Duration::from_secs(20) && health.is_none() {
        health = http_get(port, "/healthz").filter(|(s, _)| *s == 200);
        std::thread::sleep(Duration::from_millis(20));
    }
    let (_, body) = health.expect("the server answers /healthz");
    println!("serve answered /healthz after {:?}", started.elapsed());
    assert!(body.contains("\"status\":\"ok\""));
    let (status, page) = http_get(port, "/curricula").unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("Secure Base"));
    // The load script's yardstick is off unless asked for.
    let (status, _) = http_get(port, "/load-test/static/100").unwrap();
    assert_eq!(status, 404);
    // The parent's link opens their page (a redirect to /me with a session).
    let (status, response) = http_get(port, &parent_link).unwrap();
    assert_eq!(status, 303, "{response}");
    assert!(response.contains("location: /me") || response.contains("Location: /me"));

    // A client that never finishes its request is answered 408 and dropped
    // after the 5 s allowed for a request's head; the server goes on.
    let mut slow = TcpStream::connect(("127.0.0.1", port)).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(slow, "GET /curricula HTTP/1.1\r\nHost: local").unwrap();
    let waited = Instant::now();
    let mut answer = String::new();
    let _ = slow.read_to_string(&mut answer);
    let waited = waited.elapsed();
    assert!(
        waited >= Duration::from_secs(4) && waited < Duration::from_secs(15),
        "dropped after {waited:?}: {answer:?}"
    );
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    let (status, _) = http_get(port, "/healthz").unwrap();
    assert_eq!(status, 200);
}

/// With `MAX_IN_FLIGHT` requests already being worked on, the next is
/// answered 503 at once, and the server serves again when they finish.
#[test]
fn a_full_server_answers_503_at_once_and_recovers() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _server = Server(
        attune(dir.path())
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", &db.url)
            .env("MAX_IN_FLIGHT", "2")
            .env("LOAD_TEST_ROUTE", "on")
            .env("OUTBOX_WORKER", "off")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20)
        && http_get(port, "/healthz").is_none_or(|(s, _)| s != 200)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    let (status, page) = http_get(port, "/load-test/static/1228").unwrap();
    assert_eq!(status, 200);
    let body = &page[page.find("\r\n\r\n").unwrap() + 4..];
    assert_eq!(body.len(), 1228);

    // Two sign-in forms whose bodies never finish arriving: both are being
    // worked on (waiting for their body) and hold the two places.
    let mut holders = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            s,
            "POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail="
        )
        .unwrap();
        holders.push(s);
    }
    std::thread::sleep(Duration::from_millis(300));
    let asked = Instant::now();
    let (status, busy) = http_get(port, "/curricula").unwrap();
    let answered = asked.elapsed();
    assert_eq!(status, 503, "{busy}");
    assert!(answered < Duration::from_secs(1), "took {answered:?}");
    let lower = busy.to_ascii_lowercase();
    assert!(lower.contains("retry-after: 2"), "{busy}");
    assert!(
        lower.contains("content-security-policy: default-src 'self'"),
        "{busy}"
    );
    assert!(lower.contains("x-content-type-options: nosniff"), "{busy}");
    assert!(busy.contains("very busy"), "{busy}");
    let (status, json) = http_get(port, "/healthz").unwrap();
    assert_eq!(status, 503);
    assert!(json.contains("\"status\":503"), "{json}");

    // They give up; the server is itself again at once.
    drop(holders);
    let freed = Instant::now();
    let mut status = 0;
    while freed.elapsed() < Duration::from_secs(5) {
        status = http_get(port, "/curricula").map_or(0, |(s, _)| s);
        if status == 200 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(status, 200, "serves again after {:?}", freed.elapsed());
}

#[test]
fn a_busy_port_is_one_line_and_exit_2() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = attune(dir.path())
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &db.url)
        .env("LOG", "error")
        .output()
        .unwrap();
    assert_setting_error(&out, "BIND", "cannot listen on");
}

#[test]
fn backup_copies_a_sqlite_database_and_points_postgres_to_pg_dump() {
    use diesel::RunQueryDsl;

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let count = |path: &Path| -> i64 {
        let target = attune::db::DatabaseTarget::Sqlite {
            path: path.to_path_buf(),
        };
        let attune::db::DbConn::Sqlite(mut c) = attune::db::connect(&target).unwrap() else {
            panic!("not SQLite")
        };
        diesel::sql_query("SELECT COUNT(*) AS n FROM participants")
            .get_result::<Count>(&mut c)
            .unwrap()
            .n
    };
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live.db");
    let url = format!("sqlite://{}", live.display());
    let out = attune(dir.path())
        .arg("demo")
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let copy = dir.path().join("copy of live.db");
    let backup = || {
        attune(dir.path())
            .args(["backup", "-o"])
            .arg(&copy)
            .env("DATABASE_URL", &url)
            .output()
            .unwrap()
    };
    let out = backup();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("integrity check says ok"));
    assert!(count(&live) > 0);
    assert_eq!(count(&copy), count(&live));

    // A backup never overwrites.
    let out = backup();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("already exists"));

    let out = attune(dir.path())
        .args(["backup", "-o", "x.db"])
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .output()
        .unwrap();
    assert_setting_error(&out, "DATABASE_URL", "pg_dump");
}

/// `demo --scale`: groups of about twelve with their course's meetings,
/// attendance for held meetings and two or three reflections per parent; a
/// facilitator signs in with the printed password and sees their group, the
/// printed parent link opens; a second run refuses and changes nothing.
#[actix_web::test]
async fn demo_scale_fills_a_database_once() {
    use crate::common::{Browser, TestApp};
    use actix_web::http::StatusCode;
    use attune::db::schema::{
        attendance, cohort_facilitators, cohorts, enrolments, meetings, participants, reflections,
        users,
    };
    use diesel::prelude::*;
    use std::collections::HashMap;

    let app = TestApp::new();
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        attune(dir.path())
            .arg("demo")
            .args(args)
            .env("DATABASE_URL", app.database_url())
            .output()
            .unwrap()
    };
    // With the plain demo there first, its facilitator joins a scale group.
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(&["--scale", "300"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains(" 300 parents"), "{stdout}");
    let after = |label: &str| -> String {
        let line = stdout.lines().find(|l| l.contains(label)).unwrap();
        let rest = &line[line.find(label).unwrap() + label.len()..];
        rest.split_whitespace().next().unwrap().to_string()
    };
    let email = after(" as ");
    let password = after("Password:");
    let cohort_id: i64 = after("/cohorts/").parse().unwrap();
    let token = after("/p/");
    assert!(email.ends_with("@scale.example"), "{stdout}");
    assert!(
        stdout.contains("demo@attune.local co-facilitates"),
        "{stdout}"
    );

    let now = attune::db::now();
    let mut conn = app.state.pool.get().unwrap();
    let groups: Vec<(i64, String)> = cohorts::table
        .filter(cohorts::title.like("Scale #%"))
        .select((cohorts::id, cohorts::title))
        .load(&mut conn)
        .unwrap();
    assert_eq!(groups.len(), 25);
    let ids: Vec<i64> = groups.iter().map(|g| g.0).collect();
    let parents: i64 = participants::table
        .filter(participants::email.like("%@scale.example"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(parents, 300);
    let facilitators: i64 = users::table
        .filter(users::email.like("%@scale.example"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(facilitators, 2);

    let roster: Vec<(i64, i64, String)> = enrolments::table
        .filter(enrolments::cohort_id.eq_any(&ids))
        .select((enrolments::id, enrolments::cohort_id, enrolments::status))
        .load(&mut conn)
        .unwrap();
    assert_eq!(roster.len(), 300);
    let withdrawn = roster.iter().filter(|r| r.2 == "withdrawn").count();
    assert!((1..=25).contains(&withdrawn), "{withdrawn} withdrawn");
    let mut sizes: HashMap<i64, usize> = HashMap::new();
    for r in &roster {
        *sizes.entry(r.1).or_default() += 1;
    }
    assert!(sizes.values().all(|s| (10..=14).contains(s)), "{sizes:?}");
    assert!(sizes.values().any(|s| *s != 12), "sizes vary: {sizes:?}");

    let planned: Vec<(i64, i64, chrono::NaiveDateTime)> = meetings::table
        .filter(meetings::cohort_id.eq_any(&ids))
        .select((meetings::id, meetings::cohort_id, meetings::starts_at))
        .load(&mut conn)
        .unwrap();
    let mut held: HashMap<i64, usize> = ids.iter().map(|id| (*id, 0)).collect();
    let mut total: HashMap<i64, usize> = HashMap::new();
    for m in &planned {
        *total.entry(m.1).or_default() += 1;
        if m.2 <= now {
            *held.entry(m.1).or_default() += 1;
        }
    }
    assert!(total.values().all(|n| (6..=8).contains(n)), "{total:?}");
    assert!(held.values().any(|n| *n == 0), "some groups not started");
    assert!(
        held.iter().any(|(id, n)| *n == total[id]),
        "some groups finished"
    );
    assert!(
        held.iter().any(|(id, n)| *n > 0 && *n < total[id]),
        "some groups part-way"
    );

    // Attendance only for meetings already held.
    let starts: HashMap<i64, chrono::NaiveDateTime> = planned.iter().map(|m| (m.0, m.2)).collect();
    let marks: Vec<i64> = attendance::table
        .filter(attendance::meeting_id.eq_any(starts.keys().copied().collect::<Vec<_>>()))
        .select(attendance::meeting_id)
        .load(&mut conn)
        .unwrap();
    assert!(!marks.is_empty());
    assert!(marks.iter().all(|m| starts[m] <= now));

    let notes: Vec<(i64, String, String, Option<chrono::NaiveDateTime>)> = reflections::table
        .filter(reflections::enrolment_id.eq_any(roster.iter().map(|r| r.0).collect::<Vec<_>>()))
        .select((
            reflections::enrolment_id,
            reflections::answers,
            reflections::visibility,
            reflections::submitted_at,
        ))
        .load(&mut conn)
        .unwrap();
    let mut written: HashMap<i64, usize> = HashMap::new();
    for n in &notes {
        *written.entry(n.0).or_default() += 1;
        serde_json::from_str::<Vec<String>>(&n.1).unwrap();
        assert!(n.3.is_some_and(|t| t <= now));
    }
    let (mut sum, mut counted) = (0, 0);
    for (id, cohort, status) in &roster {
        let n = written.get(id).copied().unwrap_or(0);
        let h = held[cohort];
        if status == "withdrawn" {
            assert_eq!(n, 0);
        } else {
            assert!(h.min(2) <= n && n <= h.min(3), "{n} reflections, {h} held");
            if h >= 3 {
                sum += n;
                counted += 1;
            }
        }
    }
    let average = sum as f64 / counted as f64;
    assert!((2.0..=3.0).contains(&average), "{average}");
    assert!(notes.iter().any(|n| n.2 == "only_me"));
    assert!(notes.iter().any(|n| n.2 == "facilitators"));

    let leads: Vec<(i64, String)> = cohort_facilitators::table
        .filter(cohort_facilitators::cohort_id.eq_any(&ids))
        .select((cohort_facilitators::cohort_id, cohort_facilitators::role))
        .load(&mut conn)
        .unwrap();
    for id in &ids {
        assert_eq!(
            leads.iter().filter(|l| l.0 == *id && l.1 == "lead").count(),
            1
        );
    }
    drop(conn);

    // The printed facilitator sees the printed group; the link opens.
    let mut b = Browser::new(&app);
    let res = b.sign_in(&email, &password).await;
    assert_eq!(res.header("location"), "/dashboard");
    let res = b.get("/dashboard").await;
    assert_eq!(res.status, StatusCode::OK);
    let title = &groups.iter().find(|g| g.0 == cohort_id).unwrap().1;
    assert!(res.body.contains(title.as_str()), "{title}");
    let res = b.get(&format!("/cohorts/{cohort_id}")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains(title.as_str()));
    let mut parent = Browser::new(&app);
    let res = parent.get(&format!("/p/{token}")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.header("location"), "/me");
    let res = parent.get("/me").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains(title.as_str()));

    // Once only: a second run refuses in one line and adds nothing.
    let out = run(&["--scale", "300"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("already has scale data"), "{stderr}");
    let mut conn = app.state.pool.get().unwrap();
    let parents: i64 = participants::table
        .filter(participants::email.like("%@scale.example"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(parents, 300);

    for bad in ["0", "1000001", "many"] {
        let out = run(&["--scale", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(text(&out.stderr).contains("--scale"), "{bad}");
    }
}
