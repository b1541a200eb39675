//! What the follow-up planner reads: who a group's emails go to, who
//! signs them, which meetings may have something due, and which messages
//! were queued already.
//!
//! Indexes it relies on: `enrolments (cohort_id, status)`,
//! `meetings (starts_at)`, `outbox_messages (dedupe_key)` (unique),
//! `outbox_messages (meeting_id)`, `reflections (enrolment_id, session_number)`.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{
    cohort_facilitators, cohorts, enrolments, meetings, outbox_messages, participants, reflections,
    users,
};
use crate::db::status::{EnrolmentStatus, MeetingStatus, ReflectionStatus};
use crate::db::DbConn;
use crate::error::AppError;

/// A parent in a group who can get its emails.
#[derive(Debug, Clone, Queryable)]
pub struct RecipientRow {
    pub enrolment_id: i64,
    pub name: String,
    pub preferred_name: Option<String>,
    pub email: Option<String>,
    pub enrolled_at: NaiveDateTime,
}

/// Active parents who can get the group's messages, by enrolment: with an
/// email address and emails not stopped, or who can be texted (a number,
/// consent, no STOP; the composer decides which way each message goes).
pub fn recipients(conn: &mut DbConn, cohort_id: i64) -> Result<Vec<RecipientRow>, AppError> {
    let by_email = enrolments::unsubscribed_at
        .is_null()
        .and(participants::email.is_not_null());
    let by_text = participants::phone
        .is_not_null()
        .and(participants::text_consent_at.is_not_null())
        .and(participants::texts_stopped_at.is_null());
    Ok(enrolments::table
        .inner_join(participants::table)
        .filter(enrolments::cohort_id.eq(cohort_id))
        .filter(enrolments::status.eq(EnrolmentStatus::Active.as_str()))
        .filter(participants::erased_at.is_null())
        .filter(by_email.or(by_text))
        .order(enrolments::id)
        .select((
            enrolments::id,
            participants::name,
            participants::preferred_name,
            participants::email,
            enrolments::enrolled_at,
        ))
        .load(conn)?)
}

/// A facilitator who signs a group's emails.
#[derive(Debug, Clone, Queryable)]
pub struct Facilitator {
    pub name: String,
    pub email: String,
    pub role: String,
}

/// A group's facilitators who can still sign in, the lead first.
pub fn facilitators(conn: &mut DbConn, cohort_id: i64) -> Result<Vec<Facilitator>, AppError> {
    Ok(cohort_facilitators::table
        .inner_join(users::table)
        .filter(cohort_facilitators::cohort_id.eq(cohort_id))
        .filter(users::disabled_at.is_null())
        .order((cohort_facilitators::role.desc(), users::name.asc()))
        .select((users::name, users::email, cohort_facilitators::role))
        .load(conn)?)
}

/// Groups (not paused) with a meeting between `from` and `to`, in the
/// order of their first such meeting.
pub fn groups_meeting_between(
    conn: &mut DbConn,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<i64>, AppError> {
    let rows: Vec<i64> = meetings::table
        .inner_join(cohorts::table)
        .filter(meetings::status.ne(MeetingStatus::Cancelled.as_str()))
        .filter(cohorts::follow_ups_paused.eq(false))
        .filter(meetings::starts_at.gt(from))
        .filter(meetings::starts_at.lt(to))
        .order(meetings::starts_at)
        .select(meetings::cohort_id)
        .load(conn)?;
    let mut seen = HashSet::new();
    Ok(rows.into_iter().filter(|id| seen.insert(*id)).collect())
}

/// Which of `keys` name a message queued already (ever).
pub fn queued_keys(conn: &mut DbConn, keys: &[String]) -> Result<HashSet<String>, AppError> {
    Ok(outbox_messages::table
        .filter(outbox_messages::dedupe_key.eq_any(keys))
        .select(outbox_messages::dedupe_key)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// The keys of the `kind` messages queued for a meeting.
pub fn queued_for_meeting(
    conn: &mut DbConn,
    meeting_id: i64,
    kind: &str,
) -> Result<HashSet<String>, AppError> {
    Ok(outbox_messages::table
        .filter(outbox_messages::meeting_id.eq(meeting_id))
        .filter(outbox_messages::kind.eq(kind))
        .select(outbox_messages::dedupe_key)
        .load::<String>(conn)?
        .into_iter()
        // A text is the same message as its email.
        .map(
            |k| match k.strip_prefix(crate::db::models::outbox_message::TEXT_KEY_PREFIX) {
                Some(email_key) => email_key.to_string(),
                None => k,
            },
        )
        .collect())
}

/// Whether the parent sent their reflection for a session.
pub fn sent_reflection(
    conn: &mut DbConn,
    enrolment_id: i64,
    session_number: i32,
) -> Result<bool, AppError> {
    let n: i64 = reflections::table
        .filter(reflections::enrolment_id.eq(enrolment_id))
        .filter(reflections::session_number.eq(session_number))
        .filter(reflections::status.eq(ReflectionStatus::Submitted.as_str()))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// What a stop-emails link shows: the group's title, whether emails are
/// stopped, whether the parent erased their details.
#[derive(Debug, Clone, Queryable)]
pub struct SubscriptionRow {
    pub cohort_title: String,
    pub unsubscribed_at: Option<NaiveDateTime>,
    pub erased_at: Option<NaiveDateTime>,
}

pub fn subscription(
    conn: &mut DbConn,
    enrolment_id: i64,
) -> Result<Option<SubscriptionRow>, AppError> {
    Ok(enrolments::table
        .inner_join(cohorts::table)
        .inner_join(participants::table)
        .filter(enrolments::id.eq(enrolment_id))
        .select((
            cohorts::title,
            enrolments::unsubscribed_at,
            participants::erased_at,
        ))
        .load(conn)?
        .into_iter()
        .next())
}
