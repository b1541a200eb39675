//! The mailer worker. Lanes lease due outbox rows, send each over their
//! own connection and record the outcome row by row, so a crash between a
//! server's 250 and the record costs at most one resend per lane (the
//! Message-ID stays the same). Transient failures wait with exponential
//! backoff and jitter; permanent ones (5xx) are dead at once.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lettre::transport::smtp::client::AsyncSmtpConnection;
use tokio::sync::{watch, Notify};

use crate::db::models::outbox_message::Outcome;
use crate::db::models::OutboxMessage;
use crate::db::{now, Pool};
use crate::error::AppError;
use crate::mail::lanes;
use crate::mail::smtp::{send_on, SendError};
use crate::mail::text_sender::{TextReport, TextSender};
use crate::mail::{build_message, Composer, KeptMessage, Transport};

pub use crate::config::WorkerConfig;

/// What a run did.
#[derive(Debug, Default)]
pub struct Tally {
    pub sent: AtomicU64,
    pub retrying: AtomicU64,
    pub dead: AtomicU64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Report {
    pub sent: u64,
    pub retrying: u64,
    pub dead: u64,
    pub planned: u64,
    /// The text sender's run, when texting is on.
    pub texts: TextReport,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Until nothing is due, then return.
    Drain,
    Forever,
}

pub struct Worker {
    pool: Pool,
    transport: Transport,
    composer: Arc<Composer>,
    config: WorkerConfig,
    owner: String,
    tally: Tally,
    /// Wakes idle lanes when one finds a full batch.
    more: Notify,
    progress: Option<indicatif::ProgressBar>,
    /// When sent bodies were last blanked (once an hour is plenty).
    last_forget: std::sync::Mutex<Option<std::time::Instant>>,
    /// Sends the outbox's texts beside the emails, when texting is on.
    texts: Option<Arc<TextSender>>,
}

impl Worker {
    pub fn new(
        pool: Pool,
        transport: Transport,
        composer: Arc<Composer>,
        config: WorkerConfig,
    ) -> Result<Self, AppError> {
        let owner = lanes::lease_owner("")?;
        Ok(Self {
            pool,
            transport,
            composer,
            config,
            owner,
            tally: Tally::default(),
            more: Notify::new(),
            progress: None,
            last_forget: std::sync::Mutex::new(None),
            texts: None,
        })
    }

    /// Sends texts too, through this sender.
    pub fn with_texts(mut self, texts: Arc<TextSender>) -> Self {
        self.texts = Some(texts);
        self
    }

    /// Shows a progress bar while draining by hand.
    pub fn with_progress(mut self, bar: indicatif::ProgressBar) -> Self {
        self.progress = Some(bar);
        self
    }

    fn report(&self, planned: u64) -> Report {
        Report {
            sent: self.tally.sent.load(Ordering::Relaxed),
            retrying: self.tally.retrying.load(Ordering::Relaxed),
            dead: self.tally.dead.load(Ordering::Relaxed),
            planned,
            texts: self.texts.as_ref().map(|t| t.report()).unwrap_or_default(),
        }
    }

    async fn db<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut crate::db::DbConn) -> Result<T, AppError> + Send + 'static,
    {
        lanes::on_pool(&self.pool, f).await
    }

    /// Queues the follow-ups that have come due, and once an hour blanks
    /// the bodies of emails sent longer ago than `keep_sent`.
    pub async fn plan(&self) -> Result<u64, AppError> {
        let composer = self.composer.clone();
        let forget = self.last_forget.lock().is_ok_and(|mut last| {
            let due = last.is_none_or(|t| t.elapsed() >= Duration::from_secs(3600));
            if due {
                *last = Some(std::time::Instant::now());
            }
            due
        });
        let keep = self.config.keep_sent;
        self.db(move |conn| {
            if forget {
                let n = OutboxMessage::forget_sent_bodies(conn, now() - keep)?;
                if n > 0 {
                    tracing::info!(emails = n, "blanked the bodies of old sent emails");
                }
            }
            let at = now();
            let queued = crate::services::follow_ups::queue_due(conn, &composer, at)?;
            let offered = crate::services::waitlist::advance(conn, &composer, at)?;
            Ok((queued + offered) as u64)
        })
        .await
    }

    /// Queues what is due, sends everything due now, and returns. Messages
    /// that fail wait for their next try; run again later for those.
    pub async fn drain(self: &Arc<Self>) -> Result<Report, AppError> {
        let planned = self.plan().await?;
        let (_tx, rx) = watch::channel(false);
        match &self.texts {
            Some(texts) => {
                tokio::join!(self.lanes(Mode::Drain, rx), texts.drain());
            }
            None => self.lanes(Mode::Drain, rx).await,
        }
        Ok(self.report(planned))
    }

    /// Sends as messages come due until `stop` turns true.
    pub async fn run(self: Arc<Self>, stop: watch::Receiver<bool>) -> Report {
        let planner = {
            let worker = self.clone();
            let mut stop = stop.clone();
            tokio::spawn(async move {
                loop {
                    if let Err(e) = worker.plan().await {
                        tracing::warn!(error = %e, "queuing due follow-ups failed");
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(worker.config.plan_every) => {}
                        _ = stop.changed() => break,
                    }
                    if *stop.borrow() {
                        break;
                    }
                }
            })
        };
        let texts = self
            .texts
            .clone()
            .map(|t| tokio::spawn(t.run(stop.clone())));
        self.lanes(Mode::Forever, stop).await;
        let _ = planner.await;
        if let Some(texts) = texts {
            let _ = texts.await;
        }
        self.report(0)
    }

    async fn lanes(self: &Arc<Self>, mode: Mode, stop: watch::Receiver<bool>) {
        let mut handles = Vec::new();
        for lane in 0..self.config.connections.max(1) {
            let worker = self.clone();
            let stop = stop.clone();
            handles.push(tokio::spawn(
                async move { worker.lane(lane, mode, stop).await },
            ));
        }
        for h in handles {
            if let Err(e) = h.await {
                tracing::error!(error = %e, "a mail lane stopped unexpectedly");
            }
        }
    }

    async fn lane(self: Arc<Self>, lane: usize, mode: Mode, mut stop: watch::Receiver<bool>) {
        let started = now();
        let mut conn: Option<AsyncSmtpConnection> = None;
        let mut last_used = Instant::now();
        loop {
            if *stop.borrow() {
                break;
            }
            let (owner, limit, lease) = (
                self.owner.clone(),
                self.config.batch,
                chrono::Duration::from_std(self.config.lease())
                    .unwrap_or(chrono::Duration::minutes(5)),
            );
            let claimed = self
                .db(move |c| {
                    let at = now();
                    let due_by = if mode == Mode::Drain { started } else { at };
                    OutboxMessage::claim(c, &owner, limit, at, due_by, at + lease)
                })
                .await;
            let batch = match claimed {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!(error = %e, "leasing outbox rows failed");
                    if mode == Mode::Drain {
                        break;
                    }
                    self.idle(lane, &mut stop).await;
                    continue;
                }
            };
            if batch.len() as i64 == limit {
                self.more.notify_waiters();
            }
            if batch.is_empty() {
                if mode == Mode::Drain {
                    break;
                }
                if conn.is_some() && last_used.elapsed() > Duration::from_secs(30) {
                    if let Some(mut c) = conn.take() {
                        let _ = tokio::time::timeout(Duration::from_secs(2), c.quit()).await;
                    }
                }
                self.idle(lane, &mut stop).await;
                continue;
            }
            let mut rows = batch.into_iter();
            for row in rows.by_ref() {
                let outcome = self.send_one(&mut conn, &row).await;
                last_used = Instant::now();
                self.record(&row, outcome).await;
                if *stop.borrow() {
                    break;
                }
            }
            let left: Vec<i64> = rows.map(|r| r.id).collect();
            if !left.is_empty() {
                let owner = self.owner.clone();
                if let Err(e) = self
                    .db(move |c| OutboxMessage::release(c, &left, &owner, now()))
                    .await
                {
                    tracing::warn!(error = %e, "releasing leased rows failed; their lease will lapse");
                }
            }
        }
        if let Some(mut c) = conn.take() {
            let _ = tokio::time::timeout(Duration::from_secs(2), c.quit()).await;
        }
    }

    /// Lane 0 polls; the others wait to be woken by a full batch (or the
    /// poll interval times four), so an idle server hardly touches the
    /// database.
    async fn idle(&self, lane: usize, stop: &mut watch::Receiver<bool>) {
        let wait = if lane == 0 {
            self.config.poll
        } else {
            self.config.poll * 4
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = self.more.notified(), if lane != 0 => {}
            _ = stop.changed() => {}
        }
    }

    async fn send_one(
        &self,
        conn: &mut Option<AsyncSmtpConnection>,
        row: &OutboxMessage,
    ) -> Result<(), SendError> {
        let outgoing = build_message(row, &self.composer.from).map_err(SendError::Permanent)?;
        match &self.transport {
            Transport::Smtp(client) => {
                let attempt = async {
                    let c = match conn {
                        Some(c) if !c.has_broken() => c,
                        _ => conn.insert(client.connect().await?),
                    };
                    send_on(c, &outgoing.envelope, &outgoing.formatted).await
                };
                match tokio::time::timeout(self.config.send_timeout, attempt).await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(e)) => {
                        *conn = None;
                        Err(e)
                    }
                    Err(_) => {
                        *conn = None;
                        Err(SendError::Transient(format!(
                            "the mail server did not answer within {} s",
                            self.config.send_timeout.as_secs_f32()
                        )))
                    }
                }
            }
            Transport::Folder(dir) => {
                let dir = dir.clone();
                let id = row.id;
                let bytes = outgoing.formatted;
                tokio::task::spawn_blocking(move || write_eml(&dir, id, &bytes))
                    .await
                    .map_err(|e| SendError::Transient(e.to_string()))?
                    .map_err(|e| SendError::Transient(format!("cannot write the message: {e}")))
            }
            Transport::Memory(kept) => {
                let mut kept = kept
                    .lock()
                    .map_err(|_| SendError::Transient("memory transport poisoned".into()))?;
                kept.push(KeptMessage {
                    outbox_id: row.id,
                    to: row.to_address.clone(),
                    subject: row.subject.clone(),
                    message_id: row.message_id.clone(),
                    formatted: String::from_utf8_lossy(&outgoing.formatted).into_owned(),
                });
                Ok(())
            }
        }
    }

    async fn record(&self, row: &OutboxMessage, result: Result<(), SendError>) {
        let outcome = lanes::outcome(&self.config, row.attempts, result, now());
        match &outcome {
            Outcome::Sent => {
                let n = self.tally.sent.fetch_add(1, Ordering::Relaxed) + 1;
                if self.config.crash_after_sends == Some(n) {
                    // The fault drill: the server has said 250, the row
                    // still says "sending".
                    eprintln!("fault drill: stopping after {n} sent, before recording");
                    std::process::abort();
                }
            }
            Outcome::Retry { error, .. } => {
                self.tally.retrying.fetch_add(1, Ordering::Relaxed);
                tracing::info!(id = row.id, attempts = row.attempts, error = %error, "email will be retried");
            }
            Outcome::Dead { error } => {
                self.tally.dead.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(id = row.id, error = %error, "email given up");
            }
        }
        if let Some(bar) = &self.progress {
            bar.inc(1);
        }
        lanes::record(&self.pool, &self.owner, row.id, &outcome, "an email").await;
    }
}

fn write_eml(dir: &std::path::Path, id: i64, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{id}.eml.tmp"));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(tmp, dir.join(format!("{id:06}.eml")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        let c = WorkerConfig {
            retry_base: Duration::from_secs(10),
            retry_max: Duration::from_secs(100),
            ..WorkerConfig::default()
        };
        for (attempts, centre) in [(1, 10.0), (2, 20.0), (3, 40.0), (5, 100.0), (40, 100.0)] {
            let d = c.backoff(attempts).as_secs_f64();
            assert!(
                d >= centre * 0.8 - 1e-9 && d <= centre * 1.2 + 1e-9,
                "{attempts}: {d}"
            );
        }
    }

    #[test]
    fn settings_come_from_the_environment() {
        let get = |k: &str| match k {
            "OUTBOX_CONNECTIONS" => Some("4".to_string()),
            "OUTBOX_SEND_TIMEOUT_SECS" => Some("2".to_string()),
            _ => None,
        };
        let c = WorkerConfig::from_lookup(&get).unwrap();
        assert_eq!((c.connections, c.send_timeout), (4, Duration::from_secs(2)));
        let bad = |k: &str| (k == "OUTBOX_SEND_TIMEOUT_SECS").then(|| "60".to_string());
        let e = WorkerConfig::from_lookup(&bad).unwrap_err();
        assert_eq!(e.variable, "OUTBOX_SEND_TIMEOUT_SECS");
    }
}
