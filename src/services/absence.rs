//! Keeping in touch with a parent who missed a meeting: the warm "we
//! missed you" the next morning, "caught up" (read the handout and sent
//! the session's reflection, marked by a facilitator, kept apart from
//! "present"), the facilitators' alert after several missed meetings in a
//! row with the note of the call that answered it, and the short message
//! that a facilitator replied to a reflection.
//!
//! Every message here is queued in the transaction of the change that
//! causes it; none carries a reflection's or a reply's words.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime, NaiveTime};
use serde::Serialize;
use serde_json::{json, Value};

use crate::db::ids::{CohortId, EnrolmentId, MeetingId};
use crate::db::models::absence_alert::{AbsenceAlert, NewAlert};
use crate::db::models::handout_read::HandoutRead;
use crate::db::models::{Attendance, AttendanceStatus, Audit, Cohort, Enrolment, Meeting};
use crate::db::models::{OutboxMessage, Reflection, User};
use crate::db::status::MeetingStatus;
use crate::db::views::catching_up::{catching_up, CatchUpRows};
use crate::db::{now, write_tx, DbConn};
use crate::error::{AppError, FieldErrors};
use crate::mail::compose::Envelope;
use crate::mail::Composer;
use crate::services::follow_ups::{self as follow, CohortFacts, Previewed, Recipient};
use crate::services::{forms, schedule};

pub const MISSED_YOU: &str = "missed_you";
pub const ABSENCE_ALERT: &str = "absence_alert";
pub const REFLECTION_REPLY: &str = "reflection_reply";
/// A "we missed you" that could not go within this long of the meeting
/// (the roll was taken a week late) stays unsent: by then it is old news.
const MISSED_YOU_TOO_LATE: Duration = Duration::days(6);
/// The settings' bounds for "missed this many in a row".
pub const ALERT_AFTER: (i32, i32) = (1, 10);
/// The longest "called them" note.
pub const CALL_NOTE_MAX: usize = 1000;

/// One mark the roll changed: what it was and what it is now.
#[derive(Debug, Clone, Copy)]
pub struct MarkChange {
    pub enrolment_id: i64,
    pub before: Option<AttendanceStatus>,
    pub after: AttendanceStatus,
}

// ---------------------------------------------------------------------
// After the roll

/// What the roll's changes mean for follow-up, in the roll's transaction:
/// a newly absent parent gets a "we missed you" (and may complete a run
/// of missed meetings that alerts the facilitators); a mark corrected
/// away from absent takes both back if they have not gone yet.
pub fn after_roll(
    conn: &mut DbConn,
    mail: &Composer,
    (cohort, meeting): (&Cohort, &Meeting),
    changes: &[MarkChange],
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let absent = AttendanceStatus::Absent;
    let newly: Vec<i64> = changes
        .iter()
        .filter(|c| c.after == absent && c.before != Some(absent))
        .map(|c| c.enrolment_id)
        .collect();
    for c in changes
        .iter()
        .filter(|c| c.before == Some(absent) && c.after != absent)
    {
        let about = (c.enrolment_id, meeting.id);
        OutboxMessage::cancel_about(
            conn,
            MISSED_YOU,
            about,
            "They were not absent after all.",
            at,
        )?;
        AbsenceAlert::withdraw_open(conn, c.enrolment_id, meeting.id)?;
    }
    if newly.is_empty() {
        return Ok(());
    }
    queue_missed_you(conn, mail, (cohort, meeting), &newly, at)?;
    let meetings = Meeting::for_cohort(conn, cohort.id)?;
    for enrolment_id in newly {
        raise_alert(conn, mail, (cohort, meeting), &meetings, enrolment_id, at)?;
    }
    Ok(())
}

/// When a meeting's "we missed you" goes: the next local morning at the
/// group's chosen time.
pub fn missed_you_due(cohort: &Cohort, meeting: &Meeting) -> Result<NaiveDateTime, AppError> {
    let tz = schedule::parse_time_zone(&cohort.time_zone)?;
    let time = NaiveTime::parse_from_str(cohort.missed_you_at.trim(), "%H:%M")
        .unwrap_or(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default());
    let day = schedule::to_local(tz, meeting.starts_at).date() + Duration::days(1);
    Ok(schedule::local_to_utc(tz, day.and_time(time)).0)
}

fn queue_missed_you(
    conn: &mut DbConn,
    mail: &Composer,
    (cohort, meeting): (&Cohort, &Meeting),
    enrolment_ids: &[i64],
    at: NaiveDateTime,
) -> Result<usize, AppError> {
    if !cohort.send_missed_you || meeting.status == MeetingStatus::Cancelled {
        return Ok(0);
    }
    let send_at = missed_you_due(cohort, meeting)?.max(at);
    if send_at > meeting.starts_at + MISSED_YOU_TOO_LATE {
        return Ok(0);
    }
    // Only parents who still get the group's emails, and who were in the
    // group when the meeting began.
    let people: Vec<Recipient> = follow::recipients(conn, cohort.id)?
        .into_iter()
        .filter(|r| enrolment_ids.contains(&r.enrolment_id) && r.enrolled_at <= meeting.starts_at)
        .collect();
    if people.is_empty() {
        return Ok(0);
    }
    let f = follow::facts_for(conn, cohort.clone())?;
    let meetings = Meeting::for_cohort(conn, cohort.id)?;
    let mut queued = 0;
    for r in &people {
        let key = format!("{MISSED_YOU}:{}:{}", r.enrolment_id, meeting.id);
        let ctx = missed_you_ctx(conn, mail, (&f, r), meeting, &meetings, Some(at))?;
        let env = follow::envelope(MISSED_YOU, key, &f, r, Some(meeting.id), send_at);
        let about = (r.enrolment_id, meeting.id);
        if mail.queue(conn, &env, ctx)?
            || OutboxMessage::reopen_about(conn, MISSED_YOU, about, send_at, at)? > 0
        {
            queued += 1;
        }
    }
    Ok(queued)
}

/// The values of a "we missed you": the base context, `meeting`, the
/// weekday it met on, the next meeting, and the personal links to the
/// session's handout (`handout_url`) and its reflection (`catch_up_url`).
/// `links_from` is `None` for a preview: placeholders instead of links.
fn missed_you_ctx(
    conn: &mut DbConn,
    mail: &Composer,
    (f, r): (&CohortFacts, &Recipient),
    m: &Meeting,
    meetings: &[Meeting],
    links_from: Option<NaiveDateTime>,
) -> Result<Value, AppError> {
    let mut ctx = follow::base_ctx(f, r);
    ctx.insert("meeting".into(), json!(follow::meeting_facts(f, m)));
    let day = schedule::to_local(f.tz, m.starts_at)
        .format("%A")
        .to_string();
    ctx.insert("day".into(), json!(day));
    let to = format!("sessions/{}", m.session_number);
    let handout = match links_from {
        None => mail.url(&format!("/p/(their-personal-link)?to={to}")),
        Some(at) => {
            let expires = Some(at + Duration::days(follow::EMAIL_LINK_DAYS));
            follow::personal_link(conn, mail, r.enrolment_id, Some(&to), expires)?
        }
    };
    ctx.insert(
        "catch_up_url".into(),
        json!(format!("{handout}#reflection")),
    );
    ctx.insert("handout_url".into(), json!(handout));
    if let Some(next) = meetings
        .iter()
        .filter(|n| n.status != MeetingStatus::Cancelled && n.starts_at > m.starts_at)
        .min_by_key(|n| n.starts_at)
    {
        ctx.insert("next_meeting".into(), json!(follow::meeting_facts(f, next)));
    }
    Ok(Value::Object(ctx))
}

// ---------------------------------------------------------------------
// Missed meetings in a row

/// The meetings of the run of missed meetings that ends at `meeting` for
/// one parent: "absent" counts, unless caught up; "excused" (and a
/// meeting with no roll) neither counts nor breaks the run; "present" or
/// caught up ends it.
pub fn missed_run(meetings: &[Meeting], marks: &[Attendance], meeting: &Meeting) -> Vec<i64> {
    let by_meeting: HashMap<i64, &Attendance> = marks.iter().map(|a| (a.meeting_id, a)).collect();
    let mut run = Vec::new();
    let mut held: Vec<&Meeting> = meetings
        .iter()
        .filter(|m| m.status != MeetingStatus::Cancelled && m.starts_at <= meeting.starts_at)
        .collect();
    held.sort_by_key(|m| (m.starts_at, m.id));
    for m in held.into_iter().rev() {
        match by_meeting.get(&m.id) {
            None => continue,
            Some(a) if a.status == AttendanceStatus::Excused && a.caught_up_at.is_none() => {
                continue
            }
            Some(a) if a.status == AttendanceStatus::Absent && a.caught_up_at.is_none() => {
                run.push(m.id)
            }
            Some(_) => break,
        }
    }
    run
}

/// Raises the facilitators' alert when this absence makes the run long
/// enough, once per run, and emails them.
fn raise_alert(
    conn: &mut DbConn,
    mail: &Composer,
    (cohort, meeting): (&Cohort, &Meeting),
    meetings: &[Meeting],
    enrolment_id: i64,
    at: NaiveDateTime,
) -> Result<bool, AppError> {
    let marks = Attendance::for_enrolment(conn, EnrolmentId(enrolment_id))?;
    let run = missed_run(meetings, &marks, meeting);
    if run.first() != Some(&meeting.id) || (run.len() as i32) < cohort.absence_alert_after.max(1) {
        return Ok(false);
    }
    let earlier = AbsenceAlert::for_enrolment(conn, enrolment_id)?;
    if earlier.iter().any(|a| run.contains(&a.meeting_id)) {
        return Ok(false);
    }
    let added = AbsenceAlert::insert(
        conn,
        NewAlert {
            cohort_id: cohort.id,
            enrolment_id,
            meeting_id: meeting.id,
            missed_in_row: run.len() as i32,
            created_at: at,
        },
    )?;
    if added {
        email_alert(
            conn,
            mail,
            cohort,
            (enrolment_id, meeting.id, run.len()),
            at,
        )?;
    }
    Ok(added)
}

/// The alert's email to each of the group's facilitators: who, how many
/// meetings, and the link to their page. Nothing they wrote.
fn email_alert(
    conn: &mut DbConn,
    mail: &Composer,
    cohort: &Cohort,
    (enrolment_id, meeting_id, missed): (i64, i64, usize),
    at: NaiveDateTime,
) -> Result<usize, AppError> {
    let name = Enrolment::active_names(conn, cohort.id)?
        .into_iter()
        .find(|e| e.enrolment_id == enrolment_id)
        .map(|e| e.shown_name())
        .unwrap_or_else(|| "A parent".into());
    let f = follow::facts_for(conn, cohort.clone())?;
    let mut n = 0;
    for person in follow::facilitators(conn, cohort.id)? {
        let ctx = alert_ctx(mail, &f, &person.name, (enrolment_id, &name, missed));
        let env = Envelope {
            kind: ABSENCE_ALERT,
            dedupe_key: format!(
                "{ABSENCE_ALERT}:{enrolment_id}:{meeting_id}:{}",
                person.email.to_lowercase()
            ),
            to_address: person.email.clone(),
            to_name: Some(person.name.clone()),
            cohort_id: Some(cohort.id),
            // Not the parent's: their stop link and choices are not the
            // facilitators'.
            enrolment_id: None,
            meeting_id: Some(meeting_id),
            send_at: at,
            reply_to: None,
            unsubscribe: false,
        };
        if mail.queue(conn, &env, ctx)? {
            n += 1;
        }
    }
    Ok(n)
}

fn alert_ctx(
    mail: &Composer,
    f: &CohortFacts,
    facilitator: &str,
    (enrolment_id, parent, missed): (i64, &str, usize),
) -> Value {
    let mut ctx = follow::greeting_ctx(f, &follow::greeting(facilitator, None));
    ctx.insert("parent".into(), json!(parent));
    ctx.insert("missed".into(), json!(missed));
    ctx.insert(
        "missed_words".into(),
        json!(forms::count(missed, "meeting", "meetings")),
    );
    ctx.insert(
        "parent_url".into(),
        json!(mail.url(&format!(
            "/cohorts/{}/enrolments/{enrolment_id}#to-call",
            f.cohort.id
        ))),
    );
    ctx.insert(
        "footer_note".into(),
        json!(format!(
            "You are getting this because you facilitate {}.",
            f.cohort.title
        )),
    );
    Value::Object(ctx)
}

// ---------------------------------------------------------------------
// Alerts on the group's pages

/// A parent to call: their open alert.
#[derive(Debug, Clone, Serialize)]
pub struct AlertLine {
    pub enrolment_id: i64,
    pub name: String,
    pub missed_in_row: i32,
    pub phone: Option<String>,
    pub since: String,
}

/// The group's open alerts of parents still in it, oldest first.
pub fn open_alerts(conn: &mut DbConn, cohort: &Cohort) -> Result<Vec<AlertLine>, AppError> {
    let tz = schedule::parse_time_zone(&cohort.time_zone)?;
    let open = AbsenceAlert::open_for_cohort(conn, cohort.id)?;
    if open.is_empty() {
        return Ok(Vec::new());
    }
    let names: HashMap<i64, String> = Enrolment::active_names(conn, cohort.id)?
        .into_iter()
        .map(|e| (e.enrolment_id, e.shown_name()))
        .collect();
    let mut lines: Vec<AlertLine> = Vec::new();
    for a in open {
        let Some(name) = names.get(&a.enrolment_id) else {
            continue;
        };
        if lines.iter().any(|l| l.enrolment_id == a.enrolment_id) {
            continue;
        }
        let phone = match Enrolment::find(conn, a.enrolment_id)? {
            Some(e) => crate::db::models::Participant::find(conn, e.participant_id)?.phone,
            None => None,
        };
        lines.push(AlertLine {
            enrolment_id: a.enrolment_id,
            name: name.clone(),
            missed_in_row: a.missed_in_row,
            phone,
            since: schedule::format_local(tz, a.created_at),
        });
    }
    Ok(lines)
}

/// The last answered alert of a parent, as their page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CallLine {
    pub note: String,
    pub when: String,
}

/// One parent's alert state: open (to call) or the last call noted.
#[derive(Debug, Clone, Serialize)]
pub struct ParentAlerts {
    pub open: Option<i32>,
    pub last_call: Option<CallLine>,
}

pub fn parent_alerts(
    conn: &mut DbConn,
    cohort: &Cohort,
    enrolment_id: i64,
) -> Result<ParentAlerts, AppError> {
    let tz = schedule::parse_time_zone(&cohort.time_zone)?;
    let alerts = AbsenceAlert::for_enrolment(conn, enrolment_id)?;
    Ok(ParentAlerts {
        open: alerts
            .iter()
            .filter(|a| a.called_at.is_none())
            .map(|a| a.missed_in_row)
            .max(),
        last_call: alerts
            .iter()
            .filter_map(|a| Some((a.called_at?, a.called_note.clone().unwrap_or_default())))
            .max_by_key(|(when, _)| *when)
            .map(|(when, note)| CallLine {
                note,
                when: schedule::format_local(tz, when),
            }),
    })
}

/// Open alerts per group, for the dashboard's badges.
pub fn open_counts(conn: &mut DbConn, cohort_ids: &[i64]) -> Result<HashMap<i64, i64>, AppError> {
    Ok(AbsenceAlert::open_counts(conn, cohort_ids)?
        .into_iter()
        .collect())
}

/// A facilitator notes the call that answers a parent's alert: the badge
/// clears. Returns the parent's name, for the page's notice.
pub fn record_call(
    conn: &mut DbConn,
    user: &User,
    cohort_id: CohortId,
    enrolment_id: EnrolmentId,
    note: &str,
) -> Result<(), AppError> {
    let (cohort, enrolment) =
        crate::services::access::find_visible_enrolment(conn, user, cohort_id, enrolment_id)?;
    let mut errors = FieldErrors::default();
    let note = forms::optional_text(&mut errors, "called_note", note, CALL_NOTE_MAX);
    if !errors.is_empty() {
        return Err(AppError::validation(format!(
            "Please keep the note to {CALL_NOTE_MAX} characters."
        )));
    }
    let note = note.unwrap_or_else(|| "Called them.".into());
    write_tx(conn, |conn| {
        let answered = AbsenceAlert::answer_open(conn, enrolment.id, &note, user.id, now())?;
        if answered == 0 {
            return Err(AppError::Conflict(
                "There is no call waiting for this parent: it was noted already.".into(),
            ));
        }
        Audit::by_user(user.id)
            .did("absence.called")
            .on_enrolment(enrolment.id)
            .in_cohort(cohort.id)
            .record(conn)
    })
}

// ---------------------------------------------------------------------
// Caught up

/// One missed meeting as the catching-up lists show it.
#[derive(Debug, Clone, Serialize)]
pub struct CatchUpLine {
    pub enrolment_id: i64,
    pub meeting_id: i64,
    pub name: String,
    pub session_number: i32,
    pub excused: bool,
    pub read_handout: bool,
    pub sent_reflection: bool,
    /// Read the handout and sent the reflection: ready to mark.
    pub ready: bool,
    pub caught_up: bool,
}

fn lines(rows: &CatchUpRows, names: &HashMap<i64, String>) -> Vec<CatchUpLine> {
    rows.missed
        .iter()
        .filter_map(|m| {
            let key = (m.enrolment_id, m.session_number);
            let (read, sent) = (rows.read.contains(&key), rows.sent.contains(&key));
            Some(CatchUpLine {
                enrolment_id: m.enrolment_id,
                meeting_id: m.meeting_id,
                name: names.get(&m.enrolment_id)?.clone(),
                session_number: m.session_number,
                excused: m.status == AttendanceStatus::Excused,
                read_handout: read,
                sent_reflection: sent,
                ready: read && sent,
                caught_up: m.caught_up_at.is_some(),
            })
        })
        .collect()
}

/// Every missed meeting of the group's current parents, in time order.
pub fn catch_up_lines(conn: &mut DbConn, cohort_id: i64) -> Result<Vec<CatchUpLine>, AppError> {
    let rows = catching_up(conn, cohort_id)?;
    let names: HashMap<i64, String> = Enrolment::active_names(conn, cohort_id)?
        .into_iter()
        .map(|e| (e.enrolment_id, e.shown_name()))
        .collect();
    Ok(lines(&rows, &names))
}

/// Marks a missed meeting caught up (or takes that back). Returns the
/// notice to show.
pub fn set_caught_up(
    conn: &mut DbConn,
    user: &User,
    (cohort_id, meeting_id, enrolment_id): (CohortId, MeetingId, EnrolmentId),
    caught_up: bool,
) -> Result<String, AppError> {
    let (cohort, meeting) =
        crate::services::access::find_visible_meeting(conn, user, cohort_id, meeting_id)?;
    crate::services::access::find_visible_enrolment(conn, user, cohort_id, enrolment_id)?;
    let mark = Attendance::for_meeting(conn, meeting.id)?
        .into_iter()
        .find(|a| a.enrolment_id == enrolment_id.0);
    match mark.map(|a| a.status) {
        None => {
            return Err(AppError::Conflict(
                "There is no mark for this parent at this meeting yet. Take the roll first.".into(),
            ))
        }
        Some(AttendanceStatus::Present) => {
            return Err(AppError::Conflict(
                "This parent was at this meeting, so there is nothing to catch up.".into(),
            ))
        }
        Some(_) => {}
    }
    write_tx(conn, |conn| {
        let by = caught_up.then_some(user.id);
        let changed =
            Attendance::set_caught_up(conn, MeetingId(meeting.id), enrolment_id, by, now())?;
        if changed {
            Audit::by_user(user.id)
                .did(if caught_up {
                    "attendance.caught_up"
                } else {
                    "attendance.caught_up_undo"
                })
                .on_enrolment(enrolment_id.0)
                .in_cohort(cohort.id)
                .record(conn)?;
        }
        Ok(if caught_up {
            format!("Session {} is marked as caught up.", meeting.session_number)
        } else {
            format!(
                "Session {} is no longer marked as caught up.",
                meeting.session_number
            )
        })
    })
}

/// Notes that a parent opened a session's handout on their page (the
/// first time only).
pub fn record_handout_read(
    conn: &mut DbConn,
    enrolment_id: i64,
    session_number: u32,
) -> Result<(), AppError> {
    HandoutRead::record(conn, enrolment_id, session_number as i32, now())
}

// ---------------------------------------------------------------------
// "Your facilitator replied"

/// Tells the parent there is a reply to their reflection, with a link to
/// read it on their page; in the reply's transaction. Not the words of
/// either. One message a day per reflection, so editing a reply does not
/// send another. Nothing for a parent who said stop or has no address.
pub fn reply_written(
    conn: &mut DbConn,
    mail: &Composer,
    reflection: &Reflection,
    cohort_id: i64,
    at: NaiveDateTime,
) -> Result<bool, AppError> {
    let Some(r) = follow::recipients(conn, cohort_id)?
        .into_iter()
        .find(|r| r.enrolment_id == reflection.enrolment_id)
    else {
        return Ok(false);
    };
    let f = follow::facts(conn, cohort_id)?;
    let key = format!(
        "{REFLECTION_REPLY}:{}:{}:{}",
        r.enrolment_id,
        reflection.id,
        at.format("%Y-%m-%d")
    );
    if OutboxMessage::exists_with_key(conn, &key)? {
        return Ok(false);
    }
    let ctx = reply_ctx(conn, mail, (&f, &r), reflection.session_number, Some(at))?;
    let env = follow::envelope(REFLECTION_REPLY, key, &f, &r, None, at);
    mail.queue(conn, &env, ctx)
}

fn reply_ctx(
    conn: &mut DbConn,
    mail: &Composer,
    (f, r): (&CohortFacts, &Recipient),
    session_number: i32,
    links_from: Option<NaiveDateTime>,
) -> Result<Value, AppError> {
    let mut ctx = follow::base_ctx(f, r);
    let to = format!("sessions/{session_number}");
    let link = match links_from {
        None => mail.url(&format!("/p/(their-personal-link)?to={to}")),
        Some(at) => {
            let expires = Some(at + Duration::days(follow::EMAIL_LINK_DAYS));
            follow::personal_link(conn, mail, r.enrolment_id, Some(&to), expires)?
        }
    };
    ctx.insert("reply_url".into(), json!(format!("{link}#reflection")));
    ctx.insert("session_number".into(), json!(session_number));
    ctx.insert(
        "session_title".into(),
        json!(f.curriculum.session_title(session_number)),
    );
    Ok(Value::Object(ctx))
}

// ---------------------------------------------------------------------
// Previews

/// Whether this part of attune writes the email kind's preview.
pub fn previews(kind: &str) -> bool {
    [MISSED_YOU, REFLECTION_REPLY, ABSENCE_ALERT].contains(&kind)
}

/// A "we missed you", "there is a reply" or facilitators' alert as it
/// would go, with placeholder links; writes nothing. The meeting is the
/// one asked for, else the last one held, else the first.
pub fn preview(
    conn: &mut DbConn,
    mail: &Composer,
    cohort: &Cohort,
    kind: &str,
    meeting_id: Option<i64>,
    at: NaiveDateTime,
) -> Result<Previewed, AppError> {
    let meetings = Meeting::for_cohort(conn, cohort.id)?;
    let meeting = match meeting_id {
        Some(id) => meetings.iter().find(|m| m.id == id),
        None => meetings
            .iter()
            .rfind(|m| m.status != MeetingStatus::Cancelled && m.starts_at <= at)
            .or(meetings.first()),
    }
    .ok_or_else(|| AppError::NotFound("That meeting is not in this group.".into()))?;
    let f = follow::facts_for(conn, cohort.clone())?;
    let r = follow::sample_recipient(conn, cohort.id, at)?;
    let (kind, mut ctx, to): (&'static str, Value, String) = match kind {
        MISSED_YOU => (
            MISSED_YOU,
            missed_you_ctx(conn, mail, (&f, &r), meeting, &meetings, None)?,
            r.email.clone(),
        ),
        REFLECTION_REPLY => (
            REFLECTION_REPLY,
            reply_ctx(conn, mail, (&f, &r), meeting.session_number, None)?,
            r.email.clone(),
        ),
        ABSENCE_ALERT => {
            let lead = follow::facilitators(conn, cohort.id)?.into_iter().next();
            let (name, email) = lead
                .map(|p| (p.name, p.email))
                .unwrap_or_else(|| ("Facilitator".into(), "facilitator@example.org".into()));
            let missed = cohort.absence_alert_after.max(1) as usize;
            let ctx = alert_ctx(mail, &f, &name, (r.enrolment_id, &r.name, missed));
            (ABSENCE_ALERT, ctx, email)
        }
        _ => return Err(AppError::NotFound("There is no such email.".into())),
    };
    if let Value::Object(map) = &mut ctx {
        if kind != ABSENCE_ALERT {
            map.insert(
                "unsubscribe_url".into(),
                json!(mail.url("/u/(their-own-stop-link)")),
            );
        }
    }
    let env = Envelope {
        unsubscribe: false,
        ..follow::envelope(kind, String::new(), &f, &r, Some(meeting.id), at)
    };
    let text_message = mail.render_text(kind, &ctx)?;
    Ok(Previewed {
        text_message,
        email: mail.render(&env, ctx)?,
        to,
        meeting: (kind == MISSED_YOU).then(|| meeting.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meeting(id: i64, day: i64) -> Meeting {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(18, 0, 0)
            .unwrap()
            + Duration::days(day);
        Meeting {
            id,
            cohort_id: 1,
            session_number: id as i32,
            starts_at: at,
            minutes: 90,
            status: MeetingStatus::Scheduled,
            is_makeup: false,
            location: None,
            facilitator_note: None,
            created_at: at,
            updated_at: at,
            schedule_note: None,
            fidelity_note: None,
            recap_note: None,
            cancelled_at: None,
        }
    }

    fn mark(meeting_id: i64, status: AttendanceStatus, caught_up: bool) -> Attendance {
        let at = chrono::NaiveDateTime::default();
        Attendance {
            meeting_id,
            enrolment_id: 7,
            status,
            recorded_by: None,
            recorded_at: at,
            caught_up_at: caught_up.then_some(at),
            caught_up_by: None,
        }
    }

    #[test]
    fn a_run_counts_absences_skips_apologies_and_stops_at_a_visit() {
        use AttendanceStatus::*;
        let ms: Vec<Meeting> = (1..=5).map(|i| meeting(i, i * 7)).collect();
        let marks = vec![
            mark(1, Absent, false),
            mark(2, Present, false),
            mark(3, Absent, false),
            mark(4, Excused, false),
            mark(5, Absent, false),
        ];
        assert_eq!(missed_run(&ms, &marks, &ms[4]), vec![5, 3]);
        assert_eq!(missed_run(&ms, &marks, &ms[3]), vec![3]);
        // Caught up on session 3: the run is just the last one.
        let mut caught = marks.clone();
        caught[2] = mark(3, Absent, true);
        assert_eq!(missed_run(&ms, &caught, &ms[4]), vec![5]);
        // No roll at meeting 2: neither counts nor breaks.
        let gaps = vec![mark(1, Absent, false), mark(3, Absent, false)];
        assert_eq!(missed_run(&ms, &gaps, &ms[2]), vec![3, 1]);
    }
}
