//! What facilitators see and change about their group's emails: which
//! follow-ups go and when, pausing them, reading one first, sending a
//! stuck one again; and the administrators' list of what could not be sent.
//!
//! Nothing here shows a message's body: bodies hold parents' personal
//! links. Previews are rendered afresh with placeholder links instead.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::db::ids::{CohortId, MeetingId, MessageId};
use crate::db::models::outbox_message::StatusCounts;
use crate::db::models::Audit;
use crate::db::models::{Cohort, Enrolment, Meeting, OutboxMessage, User};
use crate::db::status::EnrolmentStatus;
use crate::db::status::{MeetingStatus, OutboxStatus};
use crate::db::{now, write_tx, DbConn};
use crate::error::{AppError, FieldErrors};
use crate::mail::{Composer, RenderedEmail};
use crate::services::{follow_ups, forms, schedule};

/// How many messages the Emails page lists.
const RECENT: i64 = 50;
/// How many planned follow-ups "Coming up" lists.
const COMING_UP: usize = 6;
/// How many troubled messages the administrators' list shows.
const TROUBLED: i64 = 200;
/// The longest personal note for a recap email.
pub const RECAP_NOTE_MAX: usize = 2000;

pub const REMINDER_HOURS: (i32, i32) = (1, 72);
pub const RECAP_HOURS: (i32, i32) = (0, 48);
pub const NUDGE_HOURS: (i32, i32) = (12, 336);

/// An email kind in plain words.
pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "welcome" => "Welcome",
        "reminder" => "Reminder",
        "recap" => "Recap",
        "nudge" => "Gentle nudge",
        "meeting_moved" => "Meeting moved",
        "meeting_cancelled" => "Meeting cancelled",
        "meeting_restored" => "Meeting on after all",
        "group_message" => "Message to the group",
        "new_link" => "New personal link",
        "signin_code" => "Sign-in code",
        "already_in" => "Already in the group",
        "sign_in_link" => "Facilitator sign-in link",
        "missed_you" => "We missed you",
        "reflection_reply" => "Your facilitator replied",
        "absence_alert" => "Missed meetings alert",
        "waitlist_offer" => "A place offered from the waiting list",
        _ => "Email",
    }
}

fn status_label(status: OutboxStatus) -> &'static str {
    match status {
        OutboxStatus::Queued => "Waiting to go",
        OutboxStatus::Sending => "Going now",
        OutboxStatus::Sent => "Sent",
        OutboxStatus::Failed => "Not sent yet, trying again",
        OutboxStatus::Dead => "Could not be sent",
        OutboxStatus::Cancelled => "Not sent",
    }
}

fn audit(
    conn: &mut DbConn,
    user: &User,
    action: &str,
    kind: &str,
    id: i64,
    cohort_id: Option<i64>,
) -> Result<(), AppError> {
    Audit::by_user(user.id)
        .did(action)
        .on(kind, id)
        .in_cohort_if(cohort_id)
        .record(conn)
}

// ---------------------------------------------------------------------
// Settings

/// The settings form as typed: checkboxes are present when ticked.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SettingsForm {
    pub send_welcome: Option<String>,
    pub send_reminder: Option<String>,
    pub send_recap: Option<String>,
    pub send_nudge: Option<String>,
    pub reminder_hours_before: String,
    pub recap_hours_after: String,
    pub nudge_hours_after: String,
    pub send_missed_you: Option<String>,
    /// "09:00"; empty keeps 09:00.
    pub missed_you_at: String,
    /// Empty keeps the usual 2.
    pub absence_alert_after: String,
}

impl SettingsForm {
    pub fn from_cohort(c: &Cohort) -> Self {
        let tick = |on: bool| on.then(|| "1".to_string());
        Self {
            send_welcome: tick(c.send_welcome),
            send_reminder: tick(c.send_reminder),
            send_recap: tick(c.send_recap),
            send_nudge: tick(c.send_nudge),
            reminder_hours_before: c.reminder_hours_before.to_string(),
            recap_hours_after: c.recap_hours_after.to_string(),
            nudge_hours_after: c.nudge_hours_after.to_string(),
            send_missed_you: tick(c.send_missed_you),
            missed_you_at: c.missed_you_at.clone(),
            absence_alert_after: c.absence_alert_after.to_string(),
        }
    }
}

/// Checked settings.
pub use crate::db::models::cohort::EmailSettings as Settings;

fn hours(errors: &mut FieldErrors, field: &str, value: &str, (min, max): (i32, i32)) -> i32 {
    match value.trim().parse::<i32>() {
        Ok(n) if (min..=max).contains(&n) => n,
        _ => {
            errors.add(
                field,
                format!("Please enter a whole number of hours from {min} to {max}."),
            );
            0
        }
    }
}

/// Reads the settings form; every mistake at once.
pub fn check_settings(form: &SettingsForm) -> Result<Settings, AppError> {
    let mut errors = FieldErrors::default();
    let settings = Settings {
        send_welcome: form.send_welcome.is_some(),
        send_reminder: form.send_reminder.is_some(),
        send_recap: form.send_recap.is_some(),
        send_nudge: form.send_nudge.is_some(),
        reminder_hours_before: hours(
            &mut errors,
            "reminder_hours_before",
            &form.reminder_hours_before,
            REMINDER_HOURS,
        ),
        recap_hours_after: hours(
            &mut errors,
            "recap_hours_after",
            &form.recap_hours_after,
            RECAP_HOURS,
        ),
        nudge_hours_after: hours(
            &mut errors,
            "nudge_hours_after",
            &form.nudge_hours_after,
            NUDGE_HOURS,
        ),
        send_missed_you: form.send_missed_you.is_some(),
        missed_you_at: missed_you_time(&mut errors, &form.missed_you_at),
        absence_alert_after: alert_after(&mut errors, &form.absence_alert_after),
    };
    errors.check()?;
    Ok(settings)
}

/// The local time of the "we missed you" (empty: 09:00).
fn missed_you_time(errors: &mut FieldErrors, value: &str) -> chrono::NaiveTime {
    let nine = chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default();
    if value.trim().is_empty() {
        return nine;
    }
    forms::time(errors, "missed_you_at", value).unwrap_or(nine)
}

/// How many missed meetings in a row alert the facilitators (empty: 2).
fn alert_after(errors: &mut FieldErrors, value: &str) -> i32 {
    let (min, max) = crate::services::absence::ALERT_AFTER;
    match value.trim() {
        "" => 2,
        v => match v.parse::<i32>() {
            Ok(n) if (min..=max).contains(&n) => n,
            _ => {
                errors.add(
                    "absence_alert_after",
                    format!("Please enter a whole number of meetings from {min} to {max}."),
                );
                2
            }
        },
    }
}

/// Saves which follow-ups a group sends, and when.
pub fn update_settings(
    conn: &mut DbConn,
    user: &User,
    cohort_id: i64,
    form: &SettingsForm,
) -> Result<(), AppError> {
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    let s = check_settings(form)?;
    write_tx(conn, |conn| {
        Cohort::set_email_settings(conn, cohort.id, &s, now())?;
        audit(
            conn,
            user,
            "emails.settings",
            "cohort",
            cohort.id,
            Some(cohort.id),
        )
    })
}

/// Holds back (or lets go again) every follow-up of a group, queued ones
/// included. The worker skips a paused group's follow-ups when it sends
/// and when it plans.
pub fn set_paused(
    conn: &mut DbConn,
    user: &User,
    cohort_id: i64,
    paused: bool,
) -> Result<(), AppError> {
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    write_tx(conn, |conn| {
        Cohort::set_paused(conn, cohort.id, paused, now())?;
        audit(
            conn,
            user,
            if paused {
                "emails.pause"
            } else {
                "emails.resume"
            },
            "cohort",
            cohort.id,
            Some(cohort.id),
        )
    })
}

// ---------------------------------------------------------------------
// The Emails page

#[derive(Debug, Serialize)]
pub struct Counts {
    pub waiting: i64,
    pub sent: i64,
    pub attention: i64,
    pub cancelled: i64,
}

impl From<&StatusCounts> for Counts {
    fn from(c: &StatusCounts) -> Self {
        Self {
            waiting: c.queued + c.sending,
            sent: c.sent,
            attention: c.failed + c.dead,
            cancelled: c.cancelled,
        }
    }
}

/// A follow-up still to come.
#[derive(Debug, Serialize)]
pub struct ComingUp {
    pub kind: &'static str,
    pub label: &'static str,
    pub meeting_id: i64,
    pub session_number: i32,
    pub session_title: String,
    pub due: String,
    pub due_now: bool,
}

/// One message on the Emails page: never its body.
#[derive(Debug, Serialize)]
pub struct MessageLine {
    pub id: i64,
    pub kind_label: &'static str,
    pub session_number: Option<i32>,
    pub to_name: String,
    pub status: OutboxStatus,
    pub status_label: &'static str,
    /// What the time beside it means: "Sent", "Goes", "Tried" ...
    pub when_label: &'static str,
    pub when: String,
    pub reason: Option<String>,
    pub needs_attention: bool,
    pub can_resend: bool,
}

#[derive(Debug, Serialize)]
pub struct EmailsPage {
    pub cohort_id: i64,
    pub cohort_title: String,
    pub time_zone: String,
    pub paused: bool,
    pub counts: Counts,
    /// Parents who get follow-ups: in the group, with an address, not
    /// stopped.
    pub recipients: usize,
    /// Parents in the group who get none (no address, or said stop).
    pub left_out: usize,
    pub settings: SettingsForm,
    pub coming_up: Vec<ComingUp>,
    pub more_planned: usize,
    pub messages: Vec<MessageLine>,
    /// The meeting a preview of a welcome can point at (none needed) and
    /// the first meeting still to come, for the previews in the settings.
    pub next_meeting_id: Option<i64>,
}

/// Who a message is for, as a list shows it.
fn shown_name(m: &OutboxMessage) -> String {
    m.to_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "A parent".into())
}

fn message_line(m: &OutboxMessage, tz: chrono_tz::Tz, sessions: &HashMap<i64, i32>) -> MessageLine {
    let (when_label, at) = match m.status {
        OutboxStatus::Sent => ("Sent", m.sent_at.unwrap_or(m.updated_at)),
        OutboxStatus::Queued => ("Due to go", m.next_attempt_at),
        OutboxStatus::Failed => ("Next try", m.next_attempt_at),
        OutboxStatus::Sending => ("Started", m.updated_at),
        OutboxStatus::Dead | OutboxStatus::Cancelled => ("", m.updated_at),
    };
    let needs_attention = matches!(m.status, OutboxStatus::Failed | OutboxStatus::Dead);
    MessageLine {
        id: m.id,
        kind_label: kind_label(&m.kind),
        session_number: m.meeting_id.and_then(|id| sessions.get(&id).copied()),
        to_name: shown_name(m),
        status: m.status,
        status_label: status_label(m.status),
        when_label,
        when: schedule::format_local(tz, at),
        reason: m
            .last_error
            .clone()
            .filter(|_| m.status != OutboxStatus::Sent),
        needs_attention,
        can_resend: needs_attention,
    }
}

fn group_size(conn: &mut DbConn, cohort_id: i64) -> Result<usize, AppError> {
    Ok(Enrolment::count_active(conn, cohort_id)? as usize)
}

pub fn page(
    conn: &mut DbConn,
    user: &User,
    cohort_id: i64,
    at: NaiveDateTime,
) -> Result<EmailsPage, AppError> {
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    let tz = schedule::parse_time_zone(&cohort.time_zone)?;
    let counts = StatusCounts::from_rows(&OutboxMessage::counts(conn, Some(cohort.id))?);
    let recipients = follow_ups::recipients(conn, cohort.id)?.len();
    let in_group = group_size(conn, cohort.id)?;
    let planned = follow_ups::planned(conn, &cohort, at)?;
    let more_planned = planned.len().saturating_sub(COMING_UP);
    let coming_up = planned
        .into_iter()
        .take(COMING_UP)
        .map(|p| ComingUp {
            due_now: p.due_at <= at,
            kind: p.kind,
            label: p.label,
            meeting_id: p.meeting_id,
            session_number: p.session_number,
            session_title: p.session_title,
            due: p.due,
        })
        .collect();
    let meetings = Meeting::for_cohort(conn, cohort.id)?;
    let sessions: HashMap<i64, i32> = meetings.iter().map(|m| (m.id, m.session_number)).collect();
    let next_meeting_id = meetings
        .iter()
        .find(|m| m.status != MeetingStatus::Cancelled && m.starts_at > at)
        .or(meetings
            .iter()
            .rev()
            .find(|m| m.status != MeetingStatus::Cancelled))
        .map(|m| m.id);
    let messages = OutboxMessage::for_cohort(conn, cohort.id, RECENT)?
        .iter()
        .map(|m| message_line(m, tz, &sessions))
        .collect();
    Ok(EmailsPage {
        cohort_id: cohort.id,
        cohort_title: cohort.title.clone(),
        time_zone: cohort.time_zone.clone(),
        paused: cohort.follow_ups_paused,
        counts: Counts::from(&counts),
        recipients,
        left_out: in_group.saturating_sub(recipients),
        settings: SettingsForm::from_cohort(&cohort),
        coming_up,
        more_planned,
        messages,
        next_meeting_id,
    })
}

// ---------------------------------------------------------------------
// Previews

#[derive(Debug, Serialize)]
pub struct Preview {
    pub cohort_id: i64,
    pub cohort_title: String,
    pub kind: String,
    pub kind_label: &'static str,
    pub meeting_id: Option<i64>,
    pub session_number: Option<i32>,
    pub to: String,
    pub subject: String,
    pub text: String,
    #[serde(skip)]
    pub html: String,
    /// The text message version and how long it is.
    pub text_message: Option<TextPreview>,
    /// Whether this server can send texts.
    pub texting_on: bool,
}

/// A text message as a preview shows it: the words and its parts.
#[derive(Debug, Clone, Serialize)]
pub struct TextPreview {
    pub body: String,
    pub segments: usize,
    pub characters: usize,
    /// GSM-7 fits 160 characters in one text; any other character makes
    /// the whole text Unicode (70).
    pub unicode: bool,
}

impl TextPreview {
    pub fn of(body: String) -> Self {
        let length = crate::mail::segments::measure(&body);
        Self {
            segments: length.segments,
            characters: length.units,
            unicode: length.encoding == crate::mail::segments::Encoding::Ucs2,
            body,
        }
    }
}

/// A follow-up as a parent of this group would get it, rendered with
/// placeholder links. Writes nothing. Without a meeting, a meeting's
/// follow-up is shown for the next meeting.
pub fn preview(
    conn: &mut DbConn,
    composer: &Composer,
    user: &User,
    cohort_id: i64,
    kind: &str,
    meeting_id: Option<i64>,
    at: NaiveDateTime,
) -> Result<Preview, AppError> {
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    let shown = if crate::services::absence::previews(kind) {
        crate::services::absence::preview(conn, composer, &cohort, kind, meeting_id, at)?
    } else {
        follow_ups::preview(conn, composer, &cohort, kind, meeting_id, at)?
    };
    let RenderedEmail {
        subject,
        text,
        html,
    } = shown.email;
    Ok(Preview {
        cohort_id: cohort.id,
        cohort_title: cohort.title,
        kind: kind.to_string(),
        kind_label: kind_label(kind),
        meeting_id: shown.meeting.as_ref().map(|m| m.id),
        session_number: shown.meeting.as_ref().map(|m| m.session_number),
        to: shown.to,
        subject,
        text,
        html,
        text_message: shown.text_message.map(TextPreview::of),
        texting_on: composer.texts_on(),
    })
}

// ---------------------------------------------------------------------
// Sending again

/// Why a parent no longer gets this message, if they don't.
fn refusal(conn: &mut DbConn, m: &OutboxMessage) -> Result<Option<String>, AppError> {
    let Some(enrolment_id) = m.enrolment_id else {
        return Ok(None);
    };
    let row = Enrolment::mail_standing(conn, enrolment_id)?
        .map(|s| (s.status, s.unsubscribed_at, s.erased_at));
    let who = m.to_name.clone().unwrap_or_else(|| "This parent".into());
    Ok(match row {
        None | Some((_, _, Some(_))) => {
            Some("This parent's details have been removed, so we won't send it again.".into())
        }
        Some((_, Some(_), _)) => Some(format!(
            "{who} has asked for no more emails, so we won't send this one again."
        )),
        Some((status, None, None)) if status != EnrolmentStatus::Active => Some(format!(
            "{who} is no longer in the group, so we won't send this one again."
        )),
        Some(_) => None,
    })
}

/// What happened when a message was sent again.
#[derive(Debug)]
pub struct Resent {
    pub cohort_id: Option<i64>,
    pub to_name: String,
    pub kind_label: &'static str,
    /// The group's follow-ups are paused, so it waits until they resume.
    pub held: bool,
}

fn resend(conn: &mut DbConn, user: &User, m: OutboxMessage) -> Result<Resent, AppError> {
    write_tx(conn, |conn| {
        // Read again inside the transaction: the worker may have moved it.
        let m = OutboxMessage::find(conn, m.id)?
            .ok_or_else(|| AppError::not_found("We couldn't find that email."))?;
        if !matches!(
            m.status,
            OutboxStatus::Dead | OutboxStatus::Failed | OutboxStatus::Cancelled
        ) {
            return Err(AppError::Conflict(match m.status {
                OutboxStatus::Sent => {
                    "That email was sent already, so there is nothing to send again.".into()
                }
                _ => "That email is already waiting to go.".into(),
            }));
        }
        if let Some(why) = refusal(conn, &m)? {
            return Err(AppError::Conflict(why));
        }
        OutboxMessage::requeue(conn, m.id, now())?;
        audit(
            conn,
            user,
            "outbox.resend",
            "outbox_message",
            m.id,
            m.cohort_id,
        )?;
        let held = match m.cohort_id {
            Some(id) => {
                Cohort::is_paused(conn, id)?
                    && crate::db::models::outbox_message::FOLLOW_UP_KINDS.contains(&m.kind.as_str())
            }
            None => false,
        };
        Ok(Resent {
            cohort_id: m.cohort_id,
            to_name: m.to_name.clone().unwrap_or_else(|| "the parent".into()),
            kind_label: kind_label(&m.kind),
            held,
        })
    })
}

/// Sends a stuck message of this group again. A message of another group
/// is "not found"; one whose parent left or said stop is refused (409).
pub fn resend_in_cohort(
    conn: &mut DbConn,
    user: &User,
    cohort_id: CohortId,
    message_id: MessageId,
) -> Result<Resent, AppError> {
    let (cohort_id, message_id) = (cohort_id.0, message_id.0);
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    let m = OutboxMessage::find(conn, message_id)?
        .filter(|m| m.cohort_id == Some(cohort.id))
        .ok_or_else(|| AppError::not_found("We couldn't find that email in this group."))?;
    resend(conn, user, m)
}

/// An administrator sends any stuck message again (same rules).
pub fn admin_resend(conn: &mut DbConn, user: &User, message_id: i64) -> Result<Resent, AppError> {
    crate::services::access::require_admin(
        conn,
        user,
        "outbox",
        "Only administrators can see every group's emails.",
    )?;
    let m = OutboxMessage::find(conn, message_id)?
        .ok_or_else(|| AppError::not_found("We couldn't find that email."))?;
    resend(conn, user, m)
}

// ---------------------------------------------------------------------
// The administrators' outbox

#[derive(Debug, Serialize)]
pub struct TroubledLine {
    pub id: i64,
    pub cohort_id: Option<i64>,
    pub cohort_title: Option<String>,
    pub kind_label: &'static str,
    pub to_name: String,
    pub status_label: &'static str,
    pub dead: bool,
    pub reason: Option<String>,
    pub when: String,
    pub attempts: i32,
}

#[derive(Debug, Serialize)]
pub struct OutboxPage {
    pub counts: Counts,
    pub lines: Vec<TroubledLine>,
}

/// Failed and dead messages of every group, latest first.
pub fn outbox(conn: &mut DbConn, user: &User) -> Result<OutboxPage, AppError> {
    crate::services::access::require_admin(
        conn,
        user,
        "outbox",
        "Only administrators can see every group's emails.",
    )?;
    let counts = StatusCounts::from_rows(&OutboxMessage::counts(conn, None)?);
    let rows = OutboxMessage::troubled(conn, TROUBLED)?;
    let mut ids: Vec<i64> = rows.iter().filter_map(|m| m.cohort_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let groups: HashMap<i64, (String, String)> = Cohort::titles_and_zones(conn, &ids)?;
    let lines = rows
        .into_iter()
        .map(|m| {
            let group = m.cohort_id.and_then(|id| groups.get(&id));
            let tz = group
                .and_then(|g| schedule::parse_time_zone(&g.1).ok())
                .unwrap_or(chrono_tz::UTC);
            TroubledLine {
                id: m.id,
                cohort_id: m.cohort_id,
                cohort_title: group.map(|g| g.0.clone()),
                kind_label: kind_label(&m.kind),
                to_name: shown_name(&m),
                status_label: status_label(m.status),
                dead: m.status == OutboxStatus::Dead,
                reason: m.last_error.clone(),
                when: schedule::format_local(tz, m.updated_at),
                attempts: m.attempts,
            }
        })
        .collect();
    Ok(OutboxPage {
        counts: Counts::from(&counts),
        lines,
    })
}

// ---------------------------------------------------------------------
// The recap note

/// Saves (or, when empty, clears) the personal note for a meeting's recap.
pub fn set_recap_note(
    conn: &mut DbConn,
    user: &User,
    cohort_id: CohortId,
    meeting_id: MeetingId,
    note: &str,
) -> Result<(), AppError> {
    let (cohort, meeting) =
        crate::services::access::find_visible_meeting(conn, user, cohort_id, meeting_id)?;
    let mut errors = FieldErrors::default();
    let note = forms::optional_text(&mut errors, "recap_note", note, RECAP_NOTE_MAX);
    if let (false, Some(n)) = (errors.is_empty(), note.as_deref()) {
        let mut long = FieldErrors::default();
        long.add(
            "recap_note",
            format!(
                "Please keep the note to {} characters. It has {} now.",
                RECAP_NOTE_MAX,
                n.chars().count()
            ),
        );
        return Err(AppError::Invalid(long));
    }
    write_tx(conn, |conn| {
        Meeting::set_recap_note(conn, meeting.id, note.as_deref(), now())?;
        audit(
            conn,
            user,
            "meeting.recap_note",
            "meeting",
            meeting.id,
            Some(cohort.id),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(r: &str, c: &str, n: &str) -> SettingsForm {
        SettingsForm {
            send_recap: Some("1".into()),
            reminder_hours_before: r.into(),
            recap_hours_after: c.into(),
            nudge_hours_after: n.into(),
            ..Default::default()
        }
    }

    #[test]
    fn settings_are_bounded() {
        let s = check_settings(&form("24", "0", "72")).unwrap();
        assert!(s.send_recap && !s.send_welcome && !s.send_reminder && !s.send_nudge);
        assert_eq!(
            (
                s.reminder_hours_before,
                s.recap_hours_after,
                s.nudge_hours_after
            ),
            (24, 0, 72)
        );
        assert!(check_settings(&form("1", "48", "12")).is_ok());
        assert!(check_settings(&form("72", "0", "336")).is_ok());
        let Err(AppError::Invalid(e)) = check_settings(&form("0", "49", "11")) else {
            panic!("out of range accepted");
        };
        assert_eq!(e.0.len(), 3);
        let Err(AppError::Invalid(e)) = check_settings(&form("", "2.5", "a")) else {
            panic!("not numbers accepted");
        };
        assert_eq!(e.0.len(), 3);
    }
}
