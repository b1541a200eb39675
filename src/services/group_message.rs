//! A one-off message from the facilitators to everyone in a group about a
//! meeting ("we're in room 4 tonight"). It is checked first (who gets it,
//! what it says), held a few minutes after Send so it can be undone, and
//! then goes through the outbox like any email.

use chrono::Duration;
use serde::Serialize;

use crate::db::ids::{CohortId, MeetingId};
use crate::db::models::{Audit, Meeting, OutboxMessage, User};
use crate::db::status::MeetingStatus;
use crate::db::{now, write_tx, DbConn};
use crate::error::{AppError, FieldErrors};
use crate::mail::Composer;
use crate::services::follow_ups::{self, CANCEL_HOLD_MINUTES, GROUP_MESSAGE_MAX};
use crate::services::schedule;

/// The email kind.
pub const KIND: &str = "group_message";

/// What the check before sending shows.
#[derive(Debug, Serialize)]
pub struct MessageCheck {
    pub message: String,
    /// How many parents get it.
    pub count: usize,
    pub subject: String,
    /// The email as the first of them gets it (plain text).
    pub text: String,
    pub hold_minutes: i64,
}

/// What became of the messages sent about a meeting lately.
#[derive(Debug, Serialize)]
pub struct MessageState {
    pub held: usize,
    pub goes_at: Option<String>,
    pub sent: usize,
}

/// How far back the meeting page reports messages sent.
const REPORTED_HOURS: i64 = 24;

fn checked(message: &str) -> Result<String, AppError> {
    let message = message.replace("\r\n", "\n").trim().to_string();
    let mut e = FieldErrors::default();
    if message.is_empty() {
        e.add("message", "Please write the message you want to send.");
    } else if message.chars().count() > GROUP_MESSAGE_MAX {
        e.add(
            "message",
            format!(
                "Please keep it to {GROUP_MESSAGE_MAX} characters: this is for short news. It is {} now.",
                message.chars().count()
            ),
        );
    }
    e.check()?;
    Ok(message)
}

fn meeting_open(
    conn: &mut DbConn,
    user: &User,
    ids: (CohortId, MeetingId),
) -> Result<Meeting, AppError> {
    let (_, meeting) = crate::services::access::find_visible_meeting(conn, user, ids.0, ids.1)?;
    if meeting.status == MeetingStatus::Cancelled {
        return Err(AppError::validation(
            "This meeting is cancelled; parents were told. Restore it first to message them about it.",
        ));
    }
    Ok(meeting)
}

/// The check before sending: who gets it and what it says.
pub fn check(
    conn: &mut DbConn,
    mail: &Composer,
    user: &User,
    ids: (CohortId, MeetingId),
    message: &str,
) -> Result<MessageCheck, AppError> {
    let message = checked(message)?;
    let meeting = meeting_open(conn, user, ids)?;
    let (email, count) = follow_ups::group_message_preview(conn, mail, &meeting, &message, now())?;
    let Some(email) = email else {
        return Err(AppError::validation(
            "Nobody in this group gets emails yet (no parents with an email address who have not said stop).",
        ));
    };
    Ok(MessageCheck {
        message,
        count,
        subject: email.subject,
        text: email.text,
        hold_minutes: CANCEL_HOLD_MINUTES,
    })
}

/// Sends it (held a few minutes). Returns how many parents, and when it
/// goes in the group's time.
pub fn send(
    conn: &mut DbConn,
    mail: &Composer,
    user: &User,
    ids: (CohortId, MeetingId),
    message: &str,
) -> Result<(usize, String), AppError> {
    let message = checked(message)?;
    let meeting = meeting_open(conn, user, ids)?;
    let cohort = crate::services::access::find_visible(conn, user, ids.0 .0)?;
    let tz = schedule::parse_time_zone(&cohort.time_zone)?;
    let at = now();
    let n = write_tx(conn, |conn| -> Result<usize, AppError> {
        let n = follow_ups::group_message(conn, mail, &meeting, &message, at)?;
        Audit::by_user(user.id)
            .did("meeting.message")
            .on_meeting(&meeting)
            .record(conn)?;
        Ok(n)
    })?;
    let goes = schedule::to_local(tz, at + Duration::minutes(CANCEL_HOLD_MINUTES))
        .format("%H:%M")
        .to_string();
    Ok((n, goes))
}

/// Stops the messages still held. Returns how many were stopped.
pub fn undo(conn: &mut DbConn, user: &User, ids: (CohortId, MeetingId)) -> Result<usize, AppError> {
    let (_, meeting) = crate::services::access::find_visible_meeting(conn, user, ids.0, ids.1)?;
    write_tx(conn, |conn| {
        let n = OutboxMessage::cancel_for_meeting(conn, meeting.id, &[KIND], now())?;
        if n > 0 {
            Audit::by_user(user.id)
                .did("meeting.message_undo")
                .on_meeting(&meeting)
                .record(conn)?;
        }
        Ok(n)
    })
}

/// The messages sent about this meeting lately, for its page.
pub fn state(
    conn: &mut DbConn,
    meeting: &Meeting,
    tz: chrono_tz::Tz,
) -> Result<Option<MessageState>, AppError> {
    let since = now() - Duration::hours(REPORTED_HOURS);
    let h = OutboxMessage::held_and_sent(conn, meeting.id, KIND, since)?;
    if h.held == 0 && h.sent == 0 {
        return Ok(None);
    }
    Ok(Some(MessageState {
        held: h.held,
        goes_at: h
            .goes_at
            .map(|at| schedule::to_local(tz, at).format("%H:%M").to_string()),
        sent: h.sent,
    }))
}
