//! Drains 10,000 queued emails to a local SMTP server (aiosmtpd, the same
//! sink the tests use) and reports messages per second, next to Python's
//! smtplib sending the very same bytes to the same server over one
//! connection in the same run. Not a pass/fail test: see benches/README.md.
//!
//!     cargo bench --bench outbox_drain
//!
//! BENCH_MESSAGES (default 10000), BENCH_CONNECTIONS (default "1,4,8"),
//! BENCH_DATABASE_URL (default: a fresh SQLite file; a postgres:// URL to
//! an empty database works too).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use attune::config::Config;
use attune::db::models::OutboxMessage;
use attune::db::{write_tx, DbConn};
use attune::error::AppError;
use attune::mail::compose::Envelope;
use attune::mail::smtp::{SmtpClient, SmtpSettings};
use attune::mail::worker::{Worker, WorkerConfig};
use attune::mail::Transport;
use attune::AppState;

fn main() {
    if let Err(e) = run() {
        eprintln!("outbox_drain: {e}");
        std::process::exit(1);
    }
}

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run() -> Result<(), String> {
    let n: usize = std::env::var("BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let lanes: Vec<usize> = std::env::var("BENCH_CONNECTIONS")
        .unwrap_or_else(|_| "1,4,8".into())
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;

    // The sink, logging to a file we never read (it only counts).
    let mut sink = Command::new("python3")
        .arg(root().join("tests/support/smtp_sink.py"))
        .args(["--port", "0", "--log"])
        .arg(dir.path().join("received.jsonl"))
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("python3: {e}"))?;
    let mut line = String::new();
    BufReader::new(sink.stdout.take().ok_or("no stdout")?)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let port: u16 = line
        .trim()
        .strip_prefix("PORT ")
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| format!("the sink did not start (pip install aiosmtpd): {line:?}"))?;

    let db_url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let curricula = root().join("curricula");
    let config = Config::from_lookup(|k| match k {
        "DATABASE_URL" => Some(db_url.clone()),
        "CURRICULA_DIR" => Some(curricula.display().to_string()),
        "DATABASE_POOL_SIZE" => Some("12".into()),
        _ => None,
    })
    .map_err(|e| e.to_string())?;
    let state = AppState::init(config).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let url = format!("smtp://127.0.0.1:{port}?tls=none");
    println!(
        "outbox_drain: {n} messages, database {}, SMTP sink on 127.0.0.1:{port}",
        if db_url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );

    let mut results = Vec::new();
    let mut first_round = true;
    for &connections in &lanes {
        queue(&state, n, &format!("bench{connections}"))?;
        if first_round {
            // The same bytes, for smtplib, before they are sent.
            let file = dir.path().join("messages.jsonl");
            dump(&state, &file)?;
            let out = Command::new("python3")
                .arg(root().join("benches/raw_smtp_client.py"))
                .args(["--port", &port.to_string(), "--messages"])
                .arg(&file)
                .output()
                .map_err(|e| e.to_string())?;
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            let rate = text
                .split("rate=")
                .nth(1)
                .and_then(|r| r.trim().parse::<f64>().ok())
                .ok_or_else(|| {
                    format!(
                        "smtplib said: {text} {}",
                        String::from_utf8_lossy(&out.stderr)
                    )
                })?;
            results.push(("python smtplib, 1 connection".to_string(), rate));
            first_round = false;
        }
        let client = SmtpClient::new(
            SmtpSettings::parse(&url).map_err(|e| e.to_string())?,
            "bench.attune",
        )?;
        let worker = Arc::new(
            Worker::new(
                state.pool.clone(),
                Transport::Smtp(Arc::new(client)),
                state.mail.clone(),
                WorkerConfig {
                    connections,
                    batch: 20,
                    ..WorkerConfig::default()
                },
            )
            .map_err(|e| e.to_string())?,
        );
        let started = Instant::now();
        let report = runtime
            .block_on(worker.drain())
            .map_err(|e| e.to_string())?;
        let secs = started.elapsed().as_secs_f64();
        if report.sent as usize != n {
            return Err(format!("sent {} of {n}: {report:?}", report.sent));
        }
        results.push((
            format!("attune worker, {connections} connection(s)"),
            n as f64 / secs,
        ));
    }
    let _ = sink.kill();
    let _ = sink.wait();

    println!("{:<36} {:>12}", "sender", "messages/s");
    for (name, rate) in &results {
        println!("{name:<36} {rate:>12.0}");
    }
    let _ = std::io::stdout().flush();
    std::thread::sleep(Duration::from_millis(10));
    Ok(())
}

fn queue(state: &AppState, n: usize, prefix: &str) -> Result<(), String> {
    let mut conn = state.pool.get().map_err(|e| e.to_string())?;
    let ctx = serde_json::json!({
        "name": "Sam",
        "cohort": "Tuesday evenings",
        "course": "Secure Base",
        "facilitators": "Maya Patel and Sam Lee",
        "link_url": "https://attune.example/p/0123456789abcdef0123456789abcdef",
    });
    write_tx(&mut conn, |conn: &mut DbConn| {
        for i in 0..n {
            state.mail.queue(
                conn,
                &Envelope {
                    kind: "new_link",
                    dedupe_key: format!("{prefix}:{i}"),
                    to_address: format!("parent{i}@example.org"),
                    to_name: Some(format!("Parent {i}")),
                    cohort_id: None,
                    enrolment_id: None,
                    meeting_id: None,
                    send_at: attune::db::now(),
                    reply_to: None,
                    unsubscribe: false,
                },
                ctx.clone(),
            )?;
        }
        Ok::<(), AppError>(())
    })
    .map_err(|e| e.to_string())
}

/// The queued messages as smtplib will send them: lettre's bytes.
fn dump(state: &AppState, file: &std::path::Path) -> Result<(), String> {
    use attune::db::schema::outbox_messages;
    use diesel::prelude::*;
    let mut conn = state.pool.get().map_err(|e| e.to_string())?;
    let rows: Vec<OutboxMessage> = outbox_messages::table
        .filter(outbox_messages::status.eq("queued"))
        .select(OutboxMessage::as_select())
        .load(&mut *conn)
        .map_err(|e| e.to_string())?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(file).map_err(|e| e.to_string())?);
    for row in rows {
        let m = attune::mail::build_message(&row, &state.mail.from)?;
        let line = serde_json::json!({
            "from": m.envelope.from().map(|a| a.to_string()),
            "to": m.envelope.to().iter().map(|a| a.to_string()).collect::<Vec<_>>(),
            "data": String::from_utf8_lossy(&m.formatted),
        });
        writeln!(out, "{line}").map_err(|e| e.to_string())?;
    }
    Ok(())
}
