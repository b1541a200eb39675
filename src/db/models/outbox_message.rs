//! The outbox: every email is a row, written in the same transaction as the
//! change that causes it, and sent later by the mailer worker.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use crate::db::schema::outbox_messages;
pub use crate::db::status::{OutboxChannel, OutboxStatus};
use crate::db::DbConn;
use crate::error::AppError;

/// Kinds that are follow-ups: a paused cohort holds them back, and a parent
/// who unsubscribed gets none of them.
pub const FOLLOW_UP_KINDS: [&str; 9] = [
    "welcome",
    "reminder",
    "recap",
    "nudge",
    "meeting_moved",
    "meeting_cancelled",
    "meeting_restored",
    "missed_you",
    "reflection_reply",
];

/// What became of the messages of one kind about a meeting.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeldAndSent {
    pub held: usize,
    pub goes_at: Option<NaiveDateTime>,
    pub sent: usize,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox_messages)]
pub struct OutboxMessage {
    pub id: i64,
    pub kind: String,
    pub dedupe_key: String,
    pub to_address: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub text_body: String,
    pub html_body: Option<String>,
    /// Extra headers as a JSON object of name to value.
    pub headers: String,
    pub message_id: String,
    #[diesel(deserialize_as = String)]
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub leased_until: Option<NaiveDateTime>,
    pub lease_owner: Option<String>,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub cohort_id: Option<i64>,
    pub enrolment_id: Option<i64>,
    pub meeting_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    #[diesel(deserialize_as = String)]
    pub channel: OutboxChannel,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = outbox_messages)]
pub struct NewOutboxMessage {
    pub kind: String,
    pub dedupe_key: String,
    pub to_address: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub text_body: String,
    pub html_body: Option<String>,
    pub headers: String,
    pub message_id: String,
    /// `OutboxStatus::as_str` (the row is written by reference).
    pub status: String,
    pub next_attempt_at: NaiveDateTime,
    pub cohort_id: Option<i64>,
    pub enrolment_id: Option<i64>,
    pub meeting_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// `OutboxChannel::as_str`.
    pub channel: String,
}

/// Statuses of a message still waiting to go (queued, or failed and to
/// be tried again).
fn waiting() -> [&'static str; 2] {
    [OutboxStatus::Queued.as_str(), OutboxStatus::Failed.as_str()]
}

/// What [`cancelled`] sets: the status, why, and when.
type Cancelled<'a> = (
    diesel::dsl::Eq<outbox_messages::status, &'static str>,
    diesel::dsl::Eq<outbox_messages::last_error, Option<&'a str>>,
    diesel::dsl::Eq<outbox_messages::updated_at, NaiveDateTime>,
);

/// The change that cancels a waiting message, with why.
fn cancelled(why: &str, now: NaiveDateTime) -> Cancelled<'_> {
    (
        outbox_messages::status.eq(OutboxStatus::Cancelled.as_str()),
        outbox_messages::last_error.eq(Some(why)),
        outbox_messages::updated_at.eq(now),
    )
}

/// A text's dedupe key is its email's key with this in front: one
/// message, two ways (the planner counts either as the message queued).
pub const TEXT_KEY_PREFIX: &str = "text:";

/// The `WHERE` of rows a worker may claim on a channel (due, or leased
/// by a worker that lapsed; not the follow-ups of a paused group), and the
/// `SET` that leases them.
fn claim_clauses(channel: OutboxChannel) -> (String, String) {
    let channel = channel.as_str();
    let kinds = FOLLOW_UP_KINDS
        .iter()
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(",");
    let (queued, failed, sending) = (
        OutboxStatus::Queued.as_str(),
        OutboxStatus::Failed.as_str(),
        OutboxStatus::Sending.as_str(),
    );
    let due = format!(
        "((o.status IN ('{queued}','{failed}') AND o.next_attempt_at <= $5) \
           OR (o.status = '{sending}' AND o.leased_until < $1)) \
         AND o.channel = '{channel}' \
         AND NOT EXISTS (SELECT 1 FROM cohorts c WHERE c.id = o.cohort_id \
           AND c.follow_ups_paused AND o.kind IN ({kinds}))"
    );
    let set = format!(
        "status = '{sending}', lease_owner = $2, leased_until = $3, \
         attempts = attempts + 1, updated_at = $1"
    );
    (due, set)
}

/// The id of a row `claim` leased.
#[derive(QueryableByName)]
struct ClaimedId {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

impl NewOutboxMessage {
    /// Queues the message unless one with the same dedupe key exists.
    /// Returns whether it was queued.
    pub fn insert(&self, conn: &mut DbConn) -> Result<bool, AppError> {
        let insert = diesel::insert_into(outbox_messages::table)
            .values(self)
            .on_conflict(outbox_messages::dedupe_key)
            .do_nothing();
        let n = crate::on_backend!(conn, |c| insert.execute(c))?;
        Ok(n == 1)
    }
}

/// Who leases due rows, how many, and until when (see `claim`).
#[derive(Debug, Clone, Copy)]
pub struct Lease<'a> {
    pub owner: &'a str,
    pub limit: i64,
    pub now: NaiveDateTime,
    pub due_by: NaiveDateTime,
    pub lease_until: NaiveDateTime,
}

/// How one send went, as the worker records it.
#[derive(Debug, Clone)]
pub enum Outcome {
    Sent,
    /// Try again at the given time.
    Retry {
        at: NaiveDateTime,
        error: String,
    },
    Dead {
        error: String,
    },
}

impl OutboxMessage {
    /// Whether a message with this dedupe key was ever queued.
    pub fn exists_with_key(conn: &mut DbConn, key: &str) -> Result<bool, AppError> {
        Ok(diesel::select(diesel::dsl::exists(
            outbox_messages::table.filter(outbox_messages::dedupe_key.eq(key)),
        ))
        .get_result(conn)?)
    }

    pub fn find(conn: &mut DbConn, id: i64) -> Result<Option<OutboxMessage>, AppError> {
        Ok(outbox_messages::table
            .find(id)
            .select(OutboxMessage::as_select())
            .load(conn)?
            .into_iter()
            .next())
    }

    /// Leases up to `limit` due messages to `owner` until `lease_until`:
    /// queued or failed ones whose time has come, and ones another worker
    /// leased but never finished (it crashed). PostgreSQL skips rows other
    /// workers hold; on SQLite the immediate transaction serialises
    /// claimers. Follow-ups of paused cohorts wait. Only rows due by
    /// `due_by` are taken (a drain takes what was due when it began, not
    /// the retries it caused).
    pub fn claim(
        conn: &mut DbConn,
        owner: &str,
        limit: i64,
        now: NaiveDateTime,
        due_by: NaiveDateTime,
        lease_until: NaiveDateTime,
    ) -> Result<Vec<OutboxMessage>, AppError> {
        let lease = Lease {
            owner,
            limit,
            now,
            due_by,
            lease_until,
        };
        Self::claim_on(conn, OutboxChannel::Email, &lease)
    }

    /// [`claim`](Self::claim) for one channel: the mailer takes only
    /// emails, the text sender only texts.
    pub fn claim_on(
        conn: &mut DbConn,
        channel: OutboxChannel,
        lease: &Lease<'_>,
    ) -> Result<Vec<OutboxMessage>, AppError> {
        let Lease {
            owner,
            limit,
            now,
            due_by,
            lease_until,
        } = *lease;
        let (due, set) = claim_clauses(channel);
        let claimed = match conn {
            DbConn::Postgres(c) => {
                let sql = format!(
                    "UPDATE outbox_messages SET {set} WHERE id IN (\
                       SELECT o.id FROM outbox_messages o WHERE {due} \
                       ORDER BY o.next_attempt_at, o.id LIMIT $4 \
                       FOR UPDATE OF o SKIP LOCKED) \
                     RETURNING id"
                );
                diesel::sql_query(sql)
                    .bind::<Timestamp, _>(now)
                    .bind::<Text, _>(owner)
                    .bind::<Timestamp, _>(lease_until)
                    .bind::<BigInt, _>(limit)
                    .bind::<Timestamp, _>(due_by)
                    .load::<ClaimedId>(c)?
            }
            DbConn::Sqlite(_) => crate::db::write_tx(conn, |conn| {
                let DbConn::Sqlite(c) = conn else {
                    return Err(AppError::internal("backend changed mid-claim"));
                };
                let sql = format!(
                    "UPDATE outbox_messages SET {set} WHERE id IN (\
                       SELECT o.id FROM outbox_messages o WHERE {due} \
                       ORDER BY o.next_attempt_at, o.id LIMIT $4) \
                     RETURNING id"
                )
                // Numbered `?N` so each value binds where it belongs.
                .replace('$', "?");
                Ok(diesel::sql_query(sql)
                    .bind::<Timestamp, _>(now)
                    .bind::<Text, _>(owner)
                    .bind::<Timestamp, _>(lease_until)
                    .bind::<BigInt, _>(limit)
                    .bind::<Timestamp, _>(due_by)
                    .load::<ClaimedId>(c)?)
            })?,
        };
        // The claimed rows, read through the typed model (statuses checked).
        let ids: Vec<i64> = claimed.into_iter().map(|c| c.id).collect();
        Ok(outbox_messages::table
            .filter(outbox_messages::id.eq_any(ids))
            .order((
                outbox_messages::next_attempt_at.asc(),
                outbox_messages::id.asc(),
            ))
            .select(OutboxMessage::as_select())
            .load(conn)?)
    }

    /// Records how a leased send went. Only the lease holder may: a row
    /// another worker reclaimed is left to it. Returns whether it recorded.
    pub fn finish(
        conn: &mut DbConn,
        id: i64,
        owner: &str,
        outcome: &Outcome,
        now: NaiveDateTime,
    ) -> Result<bool, AppError> {
        let mine = outbox_messages::table
            .filter(outbox_messages::id.eq(id))
            .filter(outbox_messages::lease_owner.eq(owner))
            .filter(outbox_messages::status.eq(OutboxStatus::Sending.as_str()));
        let n = match outcome {
            Outcome::Sent => diesel::update(mine)
                .set((
                    outbox_messages::status.eq(OutboxStatus::Sent.as_str()),
                    outbox_messages::sent_at.eq(Some(now)),
                    outbox_messages::leased_until.eq(None::<NaiveDateTime>),
                    outbox_messages::last_error.eq(None::<String>),
                    outbox_messages::updated_at.eq(now),
                ))
                .execute(conn)?,
            Outcome::Retry { at, error } => diesel::update(mine)
                .set((
                    outbox_messages::status.eq(OutboxStatus::Failed.as_str()),
                    outbox_messages::next_attempt_at.eq(*at),
                    outbox_messages::leased_until.eq(None::<NaiveDateTime>),
                    outbox_messages::last_error.eq(Some(error)),
                    outbox_messages::updated_at.eq(now),
                ))
                .execute(conn)?,
            Outcome::Dead { error } => diesel::update(mine)
                .set((
                    outbox_messages::status.eq(OutboxStatus::Dead.as_str()),
                    outbox_messages::leased_until.eq(None::<NaiveDateTime>),
                    outbox_messages::last_error.eq(Some(error)),
                    outbox_messages::updated_at.eq(now),
                ))
                .execute(conn)?,
        };
        Ok(n == 1)
    }

    /// Hands a leased text back unsent, to go at `at` (it came due in
    /// quiet hours): the try is not counted.
    pub fn postpone(
        conn: &mut DbConn,
        id: i64,
        owner: &str,
        at: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Result<bool, AppError> {
        let n = diesel::update(
            outbox_messages::table
                .filter(outbox_messages::id.eq(id))
                .filter(outbox_messages::lease_owner.eq(owner))
                .filter(outbox_messages::status.eq(OutboxStatus::Sending.as_str())),
        )
        .set((
            outbox_messages::status.eq(OutboxStatus::Queued.as_str()),
            outbox_messages::attempts.eq(outbox_messages::attempts - 1),
            outbox_messages::next_attempt_at.eq(at),
            outbox_messages::leased_until.eq(None::<NaiveDateTime>),
            outbox_messages::updated_at.eq(now),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }

    /// Cancels the texts still waiting for these enrolments (STOP).
    pub fn cancel_texts_for(
        conn: &mut DbConn,
        enrolment_ids: &[i64],
        why: &str,
        now: NaiveDateTime,
    ) -> Result<usize, AppError> {
        Ok(diesel::update(
            outbox_messages::table
                .filter(outbox_messages::enrolment_id.eq_any(enrolment_ids))
                .filter(outbox_messages::channel.eq(OutboxChannel::Text.as_str()))
                .filter(outbox_messages::status.eq_any(waiting())),
        )
        .set(cancelled(why, now))
        .execute(conn)?)
    }

    /// Notes why the message with this key was not sent (it is
    /// cancelled with the reason), so the planner does not make it again.
    pub fn note_not_sent(
        conn: &mut DbConn,
        key: &str,
        why: &str,
        now: NaiveDateTime,
    ) -> Result<usize, AppError> {
        Ok(diesel::update(
            outbox_messages::table
                .filter(outbox_messages::dedupe_key.eq(key))
                .filter(outbox_messages::status.eq(OutboxStatus::Cancelled.as_str()))
                .filter(outbox_messages::last_error.is_null()),
        )
        .set((
            outbox_messages::last_error.eq(Some(why)),
            outbox_messages::updated_at.eq(now),
        ))
        .execute(conn)?)
    }

    /// Hands leased rows back unsent (the worker is stopping).
    pub fn release(
        conn: &mut DbConn,
        ids: &[i64],
        owner: &str,
        now: NaiveDateTime,
    ) -> Result<usize, AppError> {
        Ok(diesel::update(
            outbox_messages::table
                .filter(outbox_messages::id.eq_any(ids))
                .filter(outbox_messages::lease_owner.eq(owner))
                .filter(outbox_messages::status.eq(OutboxStatus::Sending.as_str())),
        )
        .set((
            outbox_messages::status.eq(OutboxStatus::Queued.as_str()),
            outbox_messages::attempts.eq(outbox_messages::attempts - 1),
            outbox_messages::leased_until.eq(None::<NaiveDateTime>),
            outbox_messages::updated_at.eq(now),
        ))
        .execute(conn)?)
    }

    /// Cancels what is still waiting to go for a meeting (it moved or was
    /// cancelled). Returns how many.
    pub fn cancel_for_meeting(
        conn: &mut DbConn,
        meeting_id: i64,
        kinds: &[&str],
        now: NaiveDateTime,
    ) -> Result<usize, AppError> {
        Ok(diesel::update(
            outbox_messages::table
                .filter(outbox_messages::meeting_id.eq(meeting_id))
                .filter(outbox_messages::kind.eq_any(kinds))
                .filter(outbox_messages::status.eq_any(waiting())),
        )
        .set(cancelled("The meeting changed before this was sent.", now))
        .execute(conn)?)
    }

    /// Cancels the `kind` messages still waiting for one parent about one
    /// meeting, by every channel (a "we missed you" after the mark was
    /// corrected). Returns how many.
    pub fn cancel_about(
        conn: &mut DbConn,
        kind: &str,
        (enrolment_id, meeting_id): (i64, i64),
        why: &str,
        now: NaiveDateTime,
    ) -> Result<usize, AppError> {
        Ok(diesel::update(
            outbox_messages::table
                .filter(outbox_messages::kind.eq(kind))
                .filter(outbox_messages::enrolment_id.eq(enrolment_id))
                .filter(outbox_messages::meeting_id.eq(meeting_id))
                .filter(outbox_messages::status.eq_any(waiting())),
        )
        .set(cancelled(why, now))
        .execute(conn)?)
    }

    /// Puts back what [`OutboxMessage::cancel_about`] stopped, to go at
    /// `send_at` (the mark was corrected back). Returns how many.
    pub fn reopen_about(
        conn: &mut DbConn,
        kind: &str,
        (enrolment_id, meeting_id): (i64, i64),
        send_at: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Result<usize, AppError> {
        Ok(diesel::update(
            outbox_messages::table
                .filter(outbox_messages::kind.eq(kind))
                .filter(outbox_messages::enrolment_id.eq(enrolment_id))
                .filter(outbox_messages::meeting_id.eq(meeting_id))
                .filter(outbox_messages::status.eq(OutboxStatus::Cancelled.as_str())),
        )
        .set((
            outbox_messages::status.eq(OutboxStatus::Queued.as_str()),
            outbox_messages::last_error.eq(None::<String>),
            outbox_messages::next_attempt_at.eq(send_at),
            outbox_messages::updated_at.eq(now),
        ))
        .execute(conn)?)
    }

    /// Puts back in the queue what a meeting's cancellation at `since`
    /// stopped (its reminders, say), when the meeting is on again.
    pub fn reopen_for_meeting(
        conn: &mut DbConn,
        meeting_id: i64,
        kinds: &[&str],
        since: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Result<usize, AppError> {
        Ok(diesel::update(
            outbox_messages::table
                .filter(outbox_messages::meeting_id.eq(meeting_id))
                .filter(outbox_messages::kind.eq_any(kinds))
                .filter(outbox_messages::status.eq(OutboxStatus::Cancelled.as_str()))
                .filter(outbox_messages::updated_at.ge(since)),
        )
        .set((
            outbox_messages::status.eq(OutboxStatus::Queued.as_str()),
            outbox_messages::last_error.eq(None::<String>),
            outbox_messages::updated_at.eq(now),
        ))
        .execute(conn)?)
    }

    /// A meeting's messages of `kind` made since `since`: how many wait
    /// (queued or failed) and when the first goes, and how many went.
    pub fn held_and_sent(
        conn: &mut DbConn,
        meeting_id: i64,
        kind: &str,
        since: NaiveDateTime,
    ) -> Result<HeldAndSent, AppError> {
        let rows: Vec<(String, NaiveDateTime)> = outbox_messages::table
            .filter(outbox_messages::meeting_id.eq(meeting_id))
            .filter(outbox_messages::kind.eq(kind))
            .filter(outbox_messages::created_at.ge(since))
            .select((outbox_messages::status, outbox_messages::next_attempt_at))
            .load(conn)?;
        let waiting = waiting();
        let gone = [OutboxStatus::Sent.as_str(), OutboxStatus::Sending.as_str()];
        Ok(HeldAndSent {
            held: rows
                .iter()
                .filter(|(s, _)| waiting.contains(&s.as_str()))
                .count(),
            goes_at: rows
                .iter()
                .filter(|(s, _)| waiting.contains(&s.as_str()))
                .map(|(_, at)| *at)
                .min(),
            sent: rows
                .iter()
                .filter(|(s, _)| gone.contains(&s.as_str()))
                .count(),
        })
    }

    /// Blanks the text and HTML of emails sent before `before`: they hold
    /// personal links and words about a family, and nobody needs them once
    /// delivered. Subject, addressee, times and status stay for the record.
    pub fn forget_sent_bodies(conn: &mut DbConn, before: NaiveDateTime) -> Result<usize, AppError> {
        Ok(diesel::update(
            outbox_messages::table
                .filter(outbox_messages::status.eq(OutboxStatus::Sent.as_str()))
                .filter(outbox_messages::sent_at.lt(before))
                .filter(outbox_messages::text_body.ne("")),
        )
        .set((
            outbox_messages::text_body.eq(""),
            outbox_messages::html_body.eq(None::<String>),
        ))
        .execute(conn)?)
    }

    /// Cancels the follow-ups still waiting for a parent (they unsubscribed
    /// or left the group).
    pub fn cancel_for_enrolment(
        conn: &mut DbConn,
        enrolment_id: i64,
        why: &str,
        now: NaiveDateTime,
    ) -> Result<usize, AppError> {
        Ok(diesel::update(
            outbox_messages::table
                .filter(outbox_messages::enrolment_id.eq(enrolment_id))
                .filter(outbox_messages::kind.eq_any(FOLLOW_UP_KINDS))
                .filter(outbox_messages::status.eq_any(waiting())),
        )
        .set(cancelled(why, now))
        .execute(conn)?)
    }

    /// Puts a dead, failed or cancelled message back in the queue to go now.
    pub fn requeue(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> Result<bool, AppError> {
        let n = diesel::update(
            outbox_messages::table
                .filter(outbox_messages::id.eq(id))
                .filter(outbox_messages::status.eq_any([
                    OutboxStatus::Dead.as_str(),
                    OutboxStatus::Failed.as_str(),
                    OutboxStatus::Cancelled.as_str(),
                ])),
        )
        .set((
            outbox_messages::status.eq(OutboxStatus::Queued.as_str()),
            outbox_messages::attempts.eq(0),
            outbox_messages::next_attempt_at.eq(now),
            outbox_messages::leased_until.eq(None::<NaiveDateTime>),
            outbox_messages::lease_owner.eq(None::<String>),
            outbox_messages::updated_at.eq(now),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }

    /// How many messages may go now.
    pub fn due_count(conn: &mut DbConn, now: NaiveDateTime) -> Result<i64, AppError> {
        Ok(outbox_messages::table
            .filter(outbox_messages::status.eq_any(waiting()))
            .filter(outbox_messages::next_attempt_at.le(now))
            .count()
            .get_result(conn)?)
    }

    /// Messages of a cohort, newest first.
    pub fn for_cohort(
        conn: &mut DbConn,
        cohort_id: i64,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>, AppError> {
        Ok(outbox_messages::table
            .filter(outbox_messages::cohort_id.eq(cohort_id))
            .order((
                outbox_messages::created_at.desc(),
                outbox_messages::id.desc(),
            ))
            .limit(limit)
            .select(OutboxMessage::as_select())
            .load(conn)?)
    }

    /// Messages that need someone to look: dead, or failing and retrying.
    pub fn troubled(conn: &mut DbConn, limit: i64) -> Result<Vec<OutboxMessage>, AppError> {
        Ok(outbox_messages::table
            .filter(
                outbox_messages::status
                    .eq_any([OutboxStatus::Dead.as_str(), OutboxStatus::Failed.as_str()]),
            )
            .order(outbox_messages::updated_at.desc())
            .limit(limit)
            .select(OutboxMessage::as_select())
            .load(conn)?)
    }

    /// How many messages are in each status, for a cohort or everywhere.
    pub fn counts(
        conn: &mut DbConn,
        cohort_id: Option<i64>,
    ) -> Result<Vec<(String, i64)>, AppError> {
        let q = outbox_messages::table
            .group_by(outbox_messages::status)
            .select((outbox_messages::status, diesel::dsl::count_star()));
        Ok(match cohort_id {
            Some(id) => q.filter(outbox_messages::cohort_id.eq(id)).load(conn)?,
            None => q.load(conn)?,
        })
    }
}

/// Statuses by count, from `counts`.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct StatusCounts {
    pub queued: i64,
    pub sending: i64,
    pub sent: i64,
    pub failed: i64,
    pub dead: i64,
    pub cancelled: i64,
}

impl StatusCounts {
    pub fn from_rows(rows: &[(String, i64)]) -> Self {
        let mut c = Self::default();
        for (status, n) in rows {
            match OutboxStatus::parse(status) {
                Some(OutboxStatus::Queued) => c.queued += n,
                Some(OutboxStatus::Sending) => c.sending += n,
                Some(OutboxStatus::Sent) => c.sent += n,
                Some(OutboxStatus::Failed) => c.failed += n,
                Some(OutboxStatus::Dead) => c.dead += n,
                Some(OutboxStatus::Cancelled) => c.cancelled += n,
                None => {}
            }
        }
        c
    }
}
