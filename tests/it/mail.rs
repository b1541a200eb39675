//! The outbox and the mailer worker against a real SMTP server: Python's
//! aiosmtpd (tests/support/smtp_sink.py, installed by .ci/run), which can
//! answer 250, 451 or 550, drop the connection or hang. Each test starts its
//! own server and counts what arrived there.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use attune::db::models::outbox_message::StatusCounts;
use attune::db::models::OutboxMessage;
use attune::db::{write_tx, DbConn};
use attune::error::AppError;
use attune::mail::compose::Envelope;
use attune::mail::smtp::{SmtpClient, SmtpSettings};
use attune::mail::worker::{Worker, WorkerConfig};
use attune::mail::Transport;
use serde_json::{json, Value};

use crate::common::{repo_path, TestApp};

/// A running SMTP sink; killed when dropped.
pub struct Sink {
    child: Child,
    pub port: u16,
    pub log: PathBuf,
    _dir: Arc<tempfile::TempDir>,
}

/// Whether Python's aiosmtpd is there. Outside CI a test without it says
/// so and passes; CI (.ci/run installs it) insists.
pub fn have_sink() -> bool {
    static FOUND: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let found = *FOUND.get_or_init(|| {
        Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs aiosmtpd for the SMTP tests (pip install aiosmtpd)"
        );
        eprintln!("skipping SMTP test: pip install aiosmtpd to run it");
    }
    found
}

impl Sink {
    /// A new sink, or `None` (test skipped) without aiosmtpd outside CI.
    pub fn start(args: &[&str]) -> Option<Sink> {
        if !have_sink() {
            return None;
        }
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let log = dir.path().join("received.jsonl");
        Some(Self::spawn(0, log, dir, args))
    }

    fn spawn(port: u16, log: PathBuf, dir: Arc<tempfile::TempDir>, args: &[&str]) -> Sink {
        let mut child = Command::new("python3")
            .arg(repo_path("tests/support/smtp_sink.py"))
            .args(["--port", &port.to_string(), "--log"])
            .arg(&log)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                panic!("the SMTP sink did not start (is aiosmtpd installed? pip install aiosmtpd): {line:?}")
            });
        Sink {
            child,
            port,
            log,
            _dir: dir,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    /// Every message the server accepted, in order.
    pub fn received(&self) -> Vec<Value> {
        match std::fs::read_to_string(&self.log) {
            Ok(text) => text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| serde_json::from_str(l).unwrap())
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn fast_config() -> WorkerConfig {
    WorkerConfig {
        connections: 4,
        batch: 10,
        send_timeout: Duration::from_secs(2),
        retry_base: Duration::from_millis(20),
        retry_max: Duration::from_millis(200),
        max_attempts: 40,
        poll: Duration::from_millis(20),
        ..WorkerConfig::default()
    }
}

pub fn smtp_worker(app: &TestApp, sink_url: &str, config: WorkerConfig) -> Arc<Worker> {
    let client = SmtpClient::new(SmtpSettings::parse(sink_url).unwrap(), "attune.test").unwrap();
    Arc::new(
        Worker::new(
            app.state.pool.clone(),
            Transport::Smtp(Arc::new(client)),
            app.state.mail.clone(),
            config,
        )
        .unwrap(),
    )
}

fn ctx() -> Value {
    json!({
        "name": "Sam",
        "cohort": "Tuesday group",
        "course": "A Secure Base",
        "facilitators": "Maya Patel",
        "link_url": "https://attune.example/p/abc",
    })
}

fn envelope(key: &str, to: &str) -> Envelope {
    Envelope {
        kind: "new_link",
        dedupe_key: key.to_string(),
        to_address: to.to_string(),
        to_name: Some("Sam Parent".into()),
        cohort_id: None,
        enrolment_id: None,
        meeting_id: None,
        send_at: attune::db::now(),
        reply_to: None,
        unsubscribe: false,
    }
}

/// Queues `n` messages in one transaction.
pub fn queue_many(app: &TestApp, prefix: &str, n: usize) {
    let mut conn = app.state.pool.get().unwrap();
    write_tx(&mut conn, |conn: &mut DbConn| {
        for i in 0..n {
            let env = envelope(&format!("{prefix}:{i}"), &format!("parent{i}@example.org"));
            assert!(app.state.mail.queue(conn, &env, ctx())?);
        }
        Ok::<(), AppError>(())
    })
    .unwrap();
}

pub fn counts(app: &TestApp) -> StatusCounts {
    let mut conn = app.state.pool.get().unwrap();
    StatusCounts::from_rows(&OutboxMessage::counts(&mut conn, None).unwrap())
}

fn rows(app: &TestApp) -> Vec<OutboxMessage> {
    use attune::db::schema::outbox_messages;
    use diesel::prelude::*;
    let mut conn = app.state.pool.get().unwrap();
    outbox_messages::table
        .order(outbox_messages::id)
        .select(OutboxMessage::as_select())
        .load(&mut *conn)
        .unwrap()
}

/// Drains again and again until `done` or the deadline (a guard against a
/// hang, not a speed test).
async fn drain_until(app: &TestApp, worker: &Arc<Worker>, done: impl Fn(&StatusCounts) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        worker.drain().await.unwrap();
        let c = counts(app);
        if done(&c) {
            return;
        }
        assert!(Instant::now() < deadline, "outbox never settled: {c:?}");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

/// Message-IDs the server got, with how many times each came.
fn arrivals(sink: &Sink) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for m in sink.received() {
        *seen
            .entry(m["message_id"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    seen
}

#[actix_web::test]
async fn a_thousand_messages_with_transient_failures_each_arrive_exactly_once() {
    let app = TestApp::new();
    let Some(sink) = Sink::start(&["--transient-rate", "0.3", "--seed", "7"]) else {
        return;
    };
    queue_many(&app, "bulk", 1000);
    let worker = smtp_worker(&app, &sink.url(), fast_config());
    drain_until(&app, &worker, |c| c.sent == 1000).await;

    let c = counts(&app);
    assert_eq!((c.sent, c.dead, c.failed, c.queued), (1000, 0, 0, 0));
    let seen = arrivals(&sink);
    assert_eq!(sink.received().len(), 1000, "one arrival per message");
    assert!(seen.values().all(|n| *n == 1));
    let ids: HashSet<String> = rows(&app).into_iter().map(|r| r.message_id).collect();
    assert_eq!(ids, seen.keys().cloned().collect::<HashSet<_>>());
    // Some really were refused on the way (about 30% of tries).
    let retried = rows(&app).iter().filter(|r| r.attempts > 1).count();
    assert!(retried > 150, "only {retried} needed a second try");
}

#[actix_web::test]
async fn a_permanent_refusal_is_dead_at_once_with_the_reason() {
    let app = TestApp::new();
    let Some(sink) = Sink::start(&["--mode", "550"]) else {
        return;
    };
    queue_many(&app, "refused", 3);
    let worker = smtp_worker(&app, &sink.url(), fast_config());
    let report = worker.drain().await.unwrap();
    assert_eq!(report.dead, 3);
    for row in rows(&app) {
        assert_eq!(row.status.as_str(), "dead");
        assert_eq!(row.attempts, 1, "no retries for a 5xx");
        let error = row.last_error.unwrap();
        assert!(
            error.contains("550") || error.contains("mailbox unavailable"),
            "{error}"
        );
    }
    assert!(sink.received().is_empty());
}

#[actix_web::test]
async fn a_server_that_is_down_for_a_while_is_caught_up_when_it_returns() {
    let app = TestApp::new();
    let Some(sink) = Sink::start(&[]) else {
        return;
    };
    let worker = smtp_worker(&app, &sink.url(), fast_config());
    // Take it down: the port now refuses connections.
    let (port, original_log, sink_dir) = (sink.port, sink.log.clone(), sink._dir.clone());
    sink.stop();

    queue_many(&app, "down", 20);
    worker.drain().await.unwrap();
    let c = counts(&app);
    assert_eq!(
        (c.failed, c.sent),
        (20, 0),
        "refused connections wait for a retry"
    );
    let error = rows(&app)[0].last_error.clone().unwrap();
    assert!(error.contains("cannot connect"), "{error}");

    let back = Sink::spawn(port, original_log, sink_dir, &[]);
    drain_until(&app, &worker, |c| c.sent == 20).await;
    let seen = arrivals(&back);
    assert_eq!(seen.len(), 20);
    assert!(seen.values().all(|n| *n == 1));
}

#[actix_web::test]
async fn a_hanging_server_holds_a_message_no_longer_than_the_timeout() {
    for hang_at in ["data", "greeting"] {
        let app = TestApp::new();
        let Some(sink) = Sink::start(&["--mode", "hang", "--hang-at", hang_at]) else {
            return;
        };
        queue_many(&app, "hang", 3);
        let worker = smtp_worker(
            &app,
            &sink.url(),
            WorkerConfig {
                send_timeout: Duration::from_secs(1),
                connections: 2,
                ..fast_config()
            },
        );
        // A guard: without the worker's own timeout this would never end.
        let report = tokio::time::timeout(Duration::from_secs(60), worker.drain())
            .await
            .expect("the worker gave up on the hung server")
            .unwrap();
        assert_eq!(report.retrying, 3, "hang at {hang_at}");
        for row in rows(&app) {
            assert_eq!(row.status.as_str(), "failed");
            assert!(
                row.last_error
                    .as_deref()
                    .unwrap()
                    .contains("did not answer within 1 s"),
                "{:?}",
                row.last_error
            );
        }
    }
}

#[actix_web::test]
async fn a_transaction_that_rolls_back_queues_nothing() {
    let app = TestApp::new();
    let mut conn = app.state.pool.get().unwrap();
    let result = write_tx(&mut conn, |conn: &mut DbConn| {
        assert!(app
            .state
            .mail
            .queue(conn, &envelope("rolled-back", "pat@example.org"), ctx())?);
        Err::<(), AppError>(AppError::Conflict("changed my mind".into()))
    });
    assert!(result.is_err());
    drop(conn);
    assert!(rows(&app).is_empty());
    // And the same key can be queued afterwards: the first never existed.
    queue_many(&app, "rolled-back-then", 1);
    assert_eq!(rows(&app).len(), 1);
}

#[actix_web::test]
async fn the_same_key_is_queued_once() {
    let app = TestApp::new();
    let mut conn = app.state.pool.get().unwrap();
    let env = envelope("once", "pat@example.org");
    assert!(app.state.mail.queue(&mut conn, &env, ctx()).unwrap());
    assert!(!app.state.mail.queue(&mut conn, &env, ctx()).unwrap());
    drop(conn);
    assert_eq!(rows(&app).len(), 1);
}

#[actix_web::test]
async fn header_injection_is_refused_and_dot_lines_arrive_whole() {
    let app = TestApp::new();
    let mut conn = app.state.pool.get().unwrap();
    for bad in [
        "pat@example.org\r\nBcc: evil@example.org",
        "pat@example.org\nBcc: evil@example.org",
        "not an address",
    ] {
        let err = app
            .state
            .mail
            .queue(&mut conn, &envelope("bad", bad), ctx())
            .unwrap_err();
        assert!(matches!(err, AppError::BadRequest(_)), "{bad:?}: {err:?}");
    }
    // A name and a subject value with line breaks stay on one line.
    let mut env = envelope("name", "pat@example.org");
    env.to_name = Some("Pat\r\nBcc: evil@example.org".into());
    let mut c = ctx();
    c["name"] = json!("Pat\r\nBcc: evil@example.org");
    c["course"] = json!("Course\r\nBcc: evil@example.org");
    assert!(app.state.mail.queue(&mut conn, &env, c).unwrap());
    // A body line that is a lone dot would end the message early unless
    // the client escapes it.
    {
        use attune::db::schema::outbox_messages;
        use diesel::prelude::*;
        diesel::update(outbox_messages::table)
            .set(outbox_messages::text_body.eq("before\n.\nafter the dot\n..\nthe end\n"))
            .execute(&mut *conn)
            .unwrap();
    }
    drop(conn);
    assert!(rows(&app).iter().all(|r| !r.subject.contains('\n')));

    let Some(sink) = Sink::start(&["--keep-data"]) else {
        return;
    };
    let worker = smtp_worker(&app, &sink.url(), fast_config());
    worker.drain().await.unwrap();
    let got = sink.received();
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(
        m["rcpt_tos"],
        json!(["pat@example.org"]),
        "no extra recipients"
    );
    let data = m["data"].as_str().unwrap();
    let headers = &data[..data.find("\r\n\r\n").unwrap()];
    assert!(
        !headers
            .lines()
            .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
        "{headers}"
    );
    assert!(
        data.contains("after the dot"),
        "the message went on after the dot"
    );
    assert!(data.contains("the end"));
}

/// The fault drill: the worker process dies after the server's 250 and
/// before it records "sent". That message goes out once more when its
/// lease lapses (at-least-once delivery; the Message-ID is the same, so
/// mail clients can tell). Nothing else is sent twice, nothing is lost.
#[actix_web::test]
async fn a_crash_between_the_250_and_the_record_sends_that_one_message_twice_at_most() {
    let app = TestApp::new();
    let Some(sink) = Sink::start(&[]) else {
        return;
    };
    queue_many(&app, "crash", 10);
    let dir = tempfile::tempdir().unwrap();
    let run = |fault: bool| {
        let mut cmd = attune_bin(dir.path(), &app, &sink);
        cmd.args(["outbox", "run", "--once"])
            .env("OUTBOX_CONNECTIONS", "1")
            .env("OUTBOX_BATCH", "1")
            .env("OUTBOX_SEND_TIMEOUT_SECS", "1")
            .env("OUTBOX_LEASE_MARGIN_SECS", "1");
        if fault {
            cmd.env("ATTUNE_FAULT_CRASH_AFTER_SENDS", "1");
        }
        cmd.output().unwrap()
    };
    let crashed = run(true);
    assert!(!crashed.status.success(), "the drill aborts the process");
    assert_eq!(sink.received().len(), 1);
    let c = counts(&app);
    assert_eq!((c.sending, c.queued, c.sent), (1, 9, 0));

    // The lease (1 s timeout x 1 message + 1 s) lapses; a new run reclaims.
    std::thread::sleep(Duration::from_millis(2500));
    let again = run(false);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(counts(&app).sent, 10);
    let seen = arrivals(&sink);
    assert_eq!(seen.len(), 10, "nothing lost");
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert_eq!(twice.len(), 1, "exactly the one in flight went twice");
    assert_eq!(*twice[0].1, 2);
    assert_eq!(
        sink.received()[0]["message_id"].as_str(),
        Some(twice[0].0.as_str())
    );
}

/// The binary with a clean environment on the test's database and sink.
fn attune_bin(dir: &Path, app: &TestApp, sink: &Sink) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_attune"));
    for (k, _) in std::env::vars() {
        if k.starts_with("OUTBOX_") || k.starts_with("ATTUNE_") || k == "SMTP_URL" || k == "BIND" {
            cmd.env_remove(k);
        }
    }
    cmd.current_dir(dir)
        .env("DATABASE_URL", app.database_url())
        .env("CURRICULA_DIR", repo_path("curricula"))
        .env("SMTP_URL", sink.url())
        .env("LOG", "warn")
        .stdin(Stdio::null());
    cmd
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Two `attune serve` processes on one database drain 5,000 messages
/// together: every message arrives exactly once (counted at the server).
#[actix_web::test]
async fn two_servers_on_one_database_send_each_message_exactly_once() {
    let app = TestApp::new();
    let Some(sink) = Sink::start(&[]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let servers: Vec<Server> = (0..2)
        .map(|_| {
            Server(
                attune_bin(dir.path(), &app, &sink)
                    .args(["serve", "--bind", &format!("127.0.0.1:{}", free_port())])
                    .env("OUTBOX_POLL_MS", "50")
                    .env("OUTBOX_CONNECTIONS", "4")
                    .stdout(Stdio::null())
                    .spawn()
                    .unwrap(),
            )
        })
        .collect();
    let total = 5000;
    queue_many(&app, "two", total);
    let deadline = Instant::now() + Duration::from_secs(300);
    while counts(&app).sent < total as i64 {
        assert!(Instant::now() < deadline, "not drained: {:?}", counts(&app));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(servers);
    let seen = arrivals(&sink);
    assert_eq!(seen.len(), total, "none lost");
    assert_eq!(sink.received().len(), total, "none twice");
    let owners: HashSet<String> = rows(&app)
        .into_iter()
        .filter_map(|r| r.lease_owner)
        .collect();
    assert_eq!(owners.len(), 2, "both servers sent: {owners:?}");
}
