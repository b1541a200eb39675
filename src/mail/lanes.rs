//! What the mailer's lanes and the text sender's lanes share: a lease
//! owner's name, database work off the async threads, the outcome of one
//! send by the retry rules, and recording it.

use std::time::Duration;

use chrono::NaiveDateTime;

use crate::config::WorkerConfig;
use crate::db::models::outbox_message::Outcome;
use crate::db::models::OutboxMessage;
use crate::db::{now, DbConn, Pool};
use crate::error::AppError;
use crate::mail::smtp::SendError;

/// A worker's name on the rows it leases: this process and a random tag,
/// so two workers (or two servers) never take each other's leases.
pub fn lease_owner(suffix: &str) -> Result<String, AppError> {
    Ok(format!(
        "{}-{}{suffix}",
        std::process::id(),
        hex::encode(crate::crypto::random_bytes::<4>()?)
    ))
}

/// Runs blocking database work off the async threads.
pub async fn on_pool<T, F>(pool: &Pool, f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
{
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await
    .map_err(|e| AppError::caused("database task", e))?
}

/// What one try means for its row: sent; a permanent refusal or the last
/// try, dead; else tried again after the backoff.
pub fn outcome(
    config: &WorkerConfig,
    attempts: i32,
    result: Result<(), SendError>,
    at: NaiveDateTime,
) -> Outcome {
    match result {
        Ok(()) => Outcome::Sent,
        Err(SendError::Permanent(error)) => Outcome::Dead { error },
        Err(SendError::Transient(error)) if attempts >= config.max_attempts => Outcome::Dead {
            error: format!("gave up after {attempts} tries; the last: {error}"),
        },
        Err(SendError::Transient(error)) => Outcome::Retry {
            at: at
                + chrono::Duration::from_std(config.backoff(attempts))
                    .unwrap_or(chrono::Duration::hours(1)),
            error,
        },
    }
}

/// Records a row's outcome, trying three times: a row left "sending" is
/// only sent again once its lease lapses, so it is worth a retry.
pub async fn record(pool: &Pool, owner: &str, row_id: i64, outcome: &Outcome, what: &str) {
    for attempt in 0..3u64 {
        let (owner, outcome) = (owner.to_string(), outcome.clone());
        match on_pool(pool, move |c| {
            OutboxMessage::finish(c, row_id, &owner, &outcome, now())
        })
        .await
        {
            Ok(_) => return,
            Err(e) => {
                tracing::warn!(id = row_id, error = %e, "recording {what}'s outcome failed");
                tokio::time::sleep(Duration::from_millis(200 * (attempt + 1))).await;
            }
        }
    }
}
