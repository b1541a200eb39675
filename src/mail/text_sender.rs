//! The text sender: lanes lease due text rows of the outbox (the same
//! leases, retries with backoff and dead-letters as the mailer), check
//! quiet hours once more, send each through the gateway and record the
//! outcome row by row, so a crash between the gateway's answer and the
//! record costs at most one resend per lane.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::NaiveDateTime;
use tokio::sync::{watch, Notify};

use crate::config::WorkerConfig;
use crate::db::models::outbox_message::{Lease, Outcome};
use crate::db::models::{Cohort, OutboxChannel, OutboxMessage};
use crate::db::{now, DbConn, Pool};
use crate::error::AppError;
use crate::mail::gateway::{OutgoingText, SmsGateway};
use crate::mail::smtp::SendError;
use crate::mail::{lanes, texts};

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TextReport {
    pub sent: u64,
    pub retrying: u64,
    pub dead: u64,
    /// Came due in quiet hours: put back until morning.
    pub postponed: u64,
}

#[derive(Debug, Default)]
struct Tally {
    sent: AtomicU64,
    retrying: AtomicU64,
    dead: AtomicU64,
    postponed: AtomicU64,
}

pub struct TextSender {
    pool: Pool,
    gateway: Arc<dyn SmsGateway>,
    config: WorkerConfig,
    owner: String,
    tally: Tally,
    more: Notify,
}

impl TextSender {
    pub fn new(
        pool: Pool,
        gateway: Arc<dyn SmsGateway>,
        config: WorkerConfig,
    ) -> Result<Self, AppError> {
        let owner = lanes::lease_owner("-texts")?;
        Ok(Self {
            pool,
            gateway,
            config,
            owner,
            tally: Tally::default(),
            more: Notify::new(),
        })
    }

    pub fn describe(&self) -> String {
        self.gateway.describe()
    }

    pub fn report(&self) -> TextReport {
        TextReport {
            sent: self.tally.sent.load(Ordering::Relaxed),
            retrying: self.tally.retrying.load(Ordering::Relaxed),
            dead: self.tally.dead.load(Ordering::Relaxed),
            postponed: self.tally.postponed.load(Ordering::Relaxed),
        }
    }

    async fn db<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        lanes::on_pool(&self.pool, f).await
    }

    /// Sends every text due now and returns (retries wait for a later run).
    pub async fn drain(self: &Arc<Self>) -> TextReport {
        let (_tx, rx) = watch::channel(false);
        self.lanes(Some(now()), rx).await;
        self.report()
    }

    /// Sends texts as they come due until `stop` turns true.
    pub async fn run(self: Arc<Self>, stop: watch::Receiver<bool>) -> TextReport {
        self.lanes(None, stop).await;
        self.report()
    }

    async fn lanes(
        self: &Arc<Self>,
        drain_from: Option<NaiveDateTime>,
        stop: watch::Receiver<bool>,
    ) {
        let mut handles = Vec::new();
        for lane in 0..self.config.connections.max(1) {
            let (sender, stop) = (self.clone(), stop.clone());
            handles.push(tokio::spawn(async move {
                sender.lane(lane, drain_from, stop).await
            }));
        }
        for h in handles {
            if let Err(e) = h.await {
                tracing::error!(error = %e, "a text lane stopped unexpectedly");
            }
        }
    }

    async fn lane(
        self: Arc<Self>,
        lane: usize,
        drain_from: Option<NaiveDateTime>,
        mut stop: watch::Receiver<bool>,
    ) {
        loop {
            if *stop.borrow() {
                break;
            }
            let batch = match self.claim(drain_from).await {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!(error = %e, "leasing text rows failed");
                    if drain_from.is_some() {
                        break;
                    }
                    self.idle(lane, &mut stop).await;
                    continue;
                }
            };
            if batch.claimed as i64 == self.config.batch {
                self.more.notify_waiters();
            }
            if batch.claimed == 0 {
                if drain_from.is_some() {
                    break;
                }
                self.idle(lane, &mut stop).await;
                continue;
            }
            let mut rows = batch.to_send.into_iter();
            for row in rows.by_ref() {
                let result = self.send_one(&row).await;
                self.record(&row, result).await;
                if *stop.borrow() {
                    break;
                }
            }
            self.release(rows.map(|r| r.id).collect()).await;
        }
    }

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

    /// Leases a batch, and puts back until morning the texts whose group
    /// is in quiet hours now.
    async fn claim(&self, drain_from: Option<NaiveDateTime>) -> Result<Claimed, AppError> {
        let owner = self.owner.clone();
        let limit = self.config.batch;
        let lease =
            chrono::Duration::from_std(self.config.lease()).unwrap_or(chrono::Duration::minutes(5));
        let claimed = self
            .db(move |c| {
                let at = now();
                let rows = OutboxMessage::claim_on(
                    c,
                    OutboxChannel::Text,
                    &Lease {
                        owner: &owner,
                        limit,
                        now: at,
                        due_by: drain_from.unwrap_or(at),
                        lease_until: at + lease,
                    },
                )?;
                postpone_quiet(c, rows, &owner, at)
            })
            .await?;
        self.tally
            .postponed
            .fetch_add(claimed.postponed, Ordering::Relaxed);
        Ok(claimed)
    }

    async fn release(&self, left: Vec<i64>) {
        if left.is_empty() {
            return;
        }
        let owner = self.owner.clone();
        if let Err(e) = self
            .db(move |c| OutboxMessage::release(c, &left, &owner, now()))
            .await
        {
            tracing::warn!(error = %e, "releasing leased texts failed; their lease will lapse");
        }
    }

    async fn send_one(&self, row: &OutboxMessage) -> Result<(), SendError> {
        let gateway = self.gateway.clone();
        let (id, to, body) = (
            row.message_id.clone(),
            row.to_address.clone(),
            row.text_body.clone(),
        );
        tokio::task::spawn_blocking(move || {
            gateway.send(&OutgoingText {
                id: &id,
                to: &to,
                body: &body,
            })
        })
        .await
        .map_err(|e| SendError::Transient(format!("the sending task failed: {e}")))?
    }

    async fn record(&self, row: &OutboxMessage, result: Result<(), SendError>) {
        let outcome = lanes::outcome(&self.config, row.attempts, result, now());
        let counter = match &outcome {
            Outcome::Sent => &self.tally.sent,
            Outcome::Retry { error, .. } => {
                tracing::info!(id = row.id, attempts = row.attempts, error = %error, "text will be retried");
                &self.tally.retrying
            }
            Outcome::Dead { error } => {
                tracing::warn!(id = row.id, error = %error, "text given up");
                &self.tally.dead
            }
        };
        counter.fetch_add(1, Ordering::Relaxed);
        lanes::record(&self.pool, &self.owner, row.id, &outcome, "a text").await;
    }
}

/// A leased batch: what to send now, and how many were leased in all.
struct Claimed {
    to_send: Vec<OutboxMessage>,
    claimed: usize,
    postponed: u64,
}

fn postpone_quiet(
    conn: &mut DbConn,
    rows: Vec<OutboxMessage>,
    owner: &str,
    at: NaiveDateTime,
) -> Result<Claimed, AppError> {
    let mut ids: Vec<i64> = rows.iter().filter_map(|r| r.cohort_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let zones = Cohort::titles_and_zones(conn, &ids)?;
    let claimed = rows.len();
    let (mut to_send, mut postponed) = (Vec::with_capacity(claimed), 0);
    for row in rows {
        let tz = row
            .cohort_id
            .and_then(|id| zones.get(&id))
            .map(|(_, zone)| texts::zone(zone))
            .unwrap_or(chrono_tz::Tz::UTC);
        let morning = texts::outside_quiet_hours(at, tz);
        if morning > at {
            OutboxMessage::postpone(conn, row.id, owner, morning, at)?;
            postponed += 1;
        } else {
            to_send.push(row);
        }
    }
    Ok(Claimed {
        to_send,
        claimed,
        postponed,
    })
}
