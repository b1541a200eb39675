//! Running a meeting: the session plan with clock times, attendance, the
//! fidelity checklist, and changes to the schedule.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveTime};
use serde::Serialize;

use crate::curriculum::markdown;
use crate::db::ids::{CohortId, EnrolmentId, MeetingId, ParticipantId, UserId};
use crate::db::models::attendance::Attendance;
use crate::db::models::Audit;
use crate::db::models::{
    meeting_segment, AttendanceStatus, CurriculumVersion, Enrolment, Meeting, OutboxMessage, User,
};
use crate::db::status::MeetingStatus;
use crate::db::{now, write_tx, DbConn};
use crate::error::{AppError, FieldErrors};
use crate::services::{forms, schedule};

#[derive(Debug, Serialize)]
pub struct MeetingPage {
    pub cohort_id: i64,
    pub cohort_title: String,
    pub meeting_id: i64,
    pub session_number: i32,
    pub session_title: String,
    pub when: String,
    pub date_value: String,
    pub time_value: String,
    pub ends: String,
    pub minutes: i32,
    pub cancelled: bool,
    pub is_makeup: bool,
    pub is_past: bool,
    pub schedule_note: Option<String>,
    pub location: Option<String>,
    pub objectives: Vec<String>,
    pub materials: Vec<String>,
    pub agenda: Vec<TimedSegment>,
    pub notes_html: String,
    pub discussion_prompts: Vec<String>,
    pub reflection_prompts: Vec<String>,
    pub home_practice_title: String,
    pub home_practice_html: String,
    pub fidelity_note: Option<String>,
    pub fidelity_recorded: bool,
    pub roll: Vec<RollLine>,
    /// The meeting is still ahead: saving its roll needs a yes.
    pub roll_early: bool,
    pub present: usize,
    /// The facilitators' personal note for this meeting's recap email.
    pub recap_note: Option<String>,
    /// When the recap goes out, or `None` if this group sends no recaps.
    pub recap_due: Option<String>,
    /// The recap's time has passed (it went, or goes any minute).
    pub recap_due_past: bool,
    pub follow_ups_paused: bool,
    /// While cancelled: what became of the "cancelled" emails.
    pub cancellation: Option<CancelState>,
    /// One-off messages to the group about this meeting, lately.
    pub message: Option<crate::services::group_message::MessageState>,
    /// The group's country prints on US Letter (else A4).
    pub letter_paper: bool,
    /// Who said they are coming, sent apologies, or has not answered.
    pub rsvps: crate::services::rsvps::Tally,
    /// Parents who missed this meeting, and whether they caught up.
    pub catching_up: Vec<crate::services::absence::CatchUpLine>,
}

/// A cancelled meeting's emails: held ones can still be stopped by Undo.
#[derive(Debug, Serialize)]
pub struct CancelState {
    pub held: usize,
    /// When the held emails go ("19:07").
    pub goes_at: Option<String>,
    pub sent: usize,
}

#[derive(Debug, Serialize)]
pub struct TimedSegment {
    pub index: usize,
    pub clock: String,
    pub minutes: u32,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub title: String,
    pub notes: Option<String>,
    pub delivered: bool,
}

#[derive(Debug, Serialize)]
pub struct RollLine {
    pub enrolment_id: i64,
    pub name: String,
    pub status: Option<AttendanceStatus>,
    pub present: bool,
    pub absent: bool,
    pub excused: bool,
    /// No mark saved yet, and they sent apologies: starts as "excused".
    pub sent_apologies: bool,
}

pub fn page(
    conn: &mut DbConn,
    user: &User,
    cohort_id: CohortId,
    meeting_id: MeetingId,
) -> Result<MeetingPage, AppError> {
    let (cohort, meeting) =
        crate::services::access::find_visible_meeting(conn, user, cohort_id, meeting_id)?;
    let curriculum = CurriculumVersion::load_curriculum(conn, cohort.curriculum_version_id)?;
    let session = curriculum
        .session(meeting.session_number as u32)
        .ok_or_else(|| AppError::internal("meeting for a session the curriculum lacks"))?;
    let tz = schedule::parse_time_zone(&cohort.time_zone)?;
    let start = schedule::to_local(tz, meeting.starts_at);
    let ticks: HashMap<i32, bool> = meeting_segment::delivered(conn, &[meeting.id])?
        .into_iter()
        .map(|(_, i, d)| (i, d))
        .collect();
    let agenda = timed_agenda(session, start, &ticks);
    let roll = roll(conn, &meeting)?;
    let recap_at = crate::services::follow_ups::FollowUp::Recap.due_at(&cohort, &meeting);
    let cancellation = cancel_state(conn, &meeting, tz)?;
    let message = crate::services::group_message::state(conn, &meeting, tz)?;
    let catching_up = crate::services::absence::catch_up_lines(conn, cohort.id)?
        .into_iter()
        .filter(|l| l.meeting_id == meeting.id)
        .collect();
    Ok(MeetingPage {
        cohort_id: cohort.id,
        cohort_title: cohort.title.clone(),
        meeting_id: meeting.id,
        session_number: meeting.session_number,
        session_title: session.title.clone(),
        when: schedule::format_local(tz, meeting.starts_at),
        date_value: start.format("%Y-%m-%d").to_string(),
        time_value: start.format("%H:%M").to_string(),
        ends: (start + Duration::minutes(i64::from(meeting.minutes)))
            .format("%H:%M")
            .to_string(),
        minutes: meeting.minutes,
        cancelled: meeting.status == MeetingStatus::Cancelled,
        is_makeup: meeting.is_makeup,
        is_past: meeting.starts_at <= now(),
        roll_early: roll_is_early(&meeting),
        schedule_note: meeting.schedule_note.clone(),
        location: meeting.location.clone().or(cohort.location.clone()),
        objectives: session.objectives.clone(),
        materials: session.materials.clone(),
        agenda,
        // Shown under the page's <h2>Facilitator notes</h2>.
        notes_html: markdown::to_safe_html_in_section(&session.facilitator_notes, 2),
        discussion_prompts: session.discussion_prompts.clone(),
        reflection_prompts: session.reflection_prompts.clone(),
        home_practice_title: session.home_practice.title.clone(),
        home_practice_html: markdown::to_safe_html(&session.home_practice.text),
        fidelity_note: meeting.fidelity_note.clone(),
        fidelity_recorded: !ticks.is_empty(),
        present: roll.iter().filter(|r| r.present).count(),
        roll,
        recap_note: meeting.recap_note.clone(),
        recap_due: cohort
            .send_recap
            .then(|| schedule::format_local(tz, recap_at)),
        recap_due_past: recap_at <= now(),
        follow_ups_paused: cohort.follow_ups_paused,
        letter_paper: crate::services::zones::prints_on_letter(&cohort.time_zone),
        cancellation,
        message,
        rsvps: crate::services::rsvps::meeting_tally(conn, &meeting)?,
        catching_up,
    })
}

fn cancel_state(
    conn: &mut DbConn,
    meeting: &Meeting,
    tz: chrono_tz::Tz,
) -> Result<Option<CancelState>, AppError> {
    if meeting.status != MeetingStatus::Cancelled {
        return Ok(None);
    }
    // Meetings cancelled before cancellations had a time: since the last change.
    let since = meeting.cancelled_at.unwrap_or(meeting.updated_at);
    let h = OutboxMessage::held_and_sent(conn, meeting.id, "meeting_cancelled", since)?;
    Ok(Some(CancelState {
        held: h.held,
        goes_at: h
            .goes_at
            .map(|at| schedule::to_local(tz, at).format("%H:%M").to_string()),
        sent: h.sent,
    }))
}

/// The session's agenda with clock times from the meeting's local start,
/// each part ticked if the facilitator recorded it as delivered.
pub fn timed_agenda(
    session: &crate::curriculum::Session,
    start: chrono::NaiveDateTime,
    ticks: &HashMap<i32, bool>,
) -> Vec<TimedSegment> {
    let mut clock = start;
    session
        .agenda
        .iter()
        .enumerate()
        .map(|(i, seg)| {
            let line = TimedSegment {
                index: i,
                clock: clock.format("%H:%M").to_string(),
                minutes: seg.minutes,
                kind: seg.kind.as_str(),
                kind_label: seg.kind.label(),
                title: seg.title.clone(),
                notes: seg.notes.clone(),
                delivered: ticks.get(&(i as i32)).copied().unwrap_or(false),
            };
            clock += Duration::minutes(i64::from(seg.minutes));
            line
        })
        .collect()
}

/// The group's parents with the mark each has at this meeting, if any.
/// Until a mark is saved, a parent who sent apologies starts as "excused"
/// (a saved mark always wins) and everyone else blank.
fn roll(conn: &mut DbConn, meeting: &Meeting) -> Result<Vec<RollLine>, AppError> {
    let marks: HashMap<i64, AttendanceStatus> = Attendance::for_meeting(conn, meeting.id)?
        .into_iter()
        .map(|a| (a.enrolment_id, a.status))
        .collect();
    let apologies = crate::services::rsvps::apologies_for(conn, meeting.id)?;
    Ok(Enrolment::active_names(conn, meeting.cohort_id)?
        .into_iter()
        .map(|e| {
            let status = marks.get(&e.enrolment_id).copied();
            let sent_apologies = status.is_none() && apologies.contains(&e.enrolment_id);
            RollLine {
                enrolment_id: e.enrolment_id,
                name: e.shown_name(),
                present: status == Some(AttendanceStatus::Present),
                absent: status == Some(AttendanceStatus::Absent),
                excused: status == Some(AttendanceStatus::Excused) || sent_apologies,
                sent_apologies,
                status,
            }
        })
        .collect())
}

pub fn parse_status(s: &str) -> Option<AttendanceStatus> {
    AttendanceStatus::parse(s)
}

/// Saves the roll for a meeting. Marks may be corrected later; every
/// correction is audited (which mark changed, never anything personal).
/// Returns how many marks changed.
pub fn record_attendance(
    conn: &mut DbConn,
    mail: &crate::mail::Composer,
    user: &User,
    (cohort_id, meeting_id): (CohortId, MeetingId),
    marks: &[(i64, AttendanceStatus)],
) -> Result<usize, AppError> {
    let (cohort, meeting) =
        crate::services::access::find_visible_meeting(conn, user, cohort_id, meeting_id)?;
    if meeting.status == MeetingStatus::Cancelled {
        return Err(AppError::validation(
            "This meeting is cancelled, so there is no attendance to take.",
        ));
    }
    write_tx(conn, |conn| {
        let members = Enrolment::ids_in_cohort(conn, cohort.id)?;
        let before: HashMap<i64, AttendanceStatus> = Attendance::for_meeting(conn, meeting.id)?
            .into_iter()
            .map(|a| (a.enrolment_id, a.status))
            .collect();
        let mut changes = Vec::new();
        for (enrolment_id, status) in marks {
            if !members.contains(enrolment_id) {
                return Err(AppError::not_found("That parent is not in this group."));
            }
            match before.get(enrolment_id) {
                Some(old) if old == status => continue,
                Some(old) => {
                    let detail = format!("{old} -> {}", status.as_str());
                    Audit::by_user(user.id)
                        .did("attendance.correct")
                        .on("enrolment", *enrolment_id)
                        .in_cohort(cohort.id)
                        .detail(Some(&detail))
                        .record(conn)?;
                }
                None => {}
            }
            Attendance::record(
                conn,
                MeetingId(meeting.id),
                EnrolmentId(*enrolment_id),
                *status,
                Some(user.id),
            )?;
            changes.push(crate::services::absence::MarkChange {
                enrolment_id: *enrolment_id,
                before: before.get(enrolment_id).copied(),
                after: *status,
            });
        }
        if !changes.is_empty() {
            Audit::by_user(user.id)
                .did("attendance.record")
                .on_meeting(&meeting)
                .record(conn)?;
        }
        crate::services::absence::after_roll(conn, mail, (&cohort, &meeting), &changes, now())?;
        Ok(changes.len())
    })
}

/// A roll is taken as people arrive: from this long before the start.
pub const ROLL_OPENS_MINUTES_BEFORE: i64 = 60;

/// What the roll form sent.
#[derive(Debug, Default)]
pub struct RollForm {
    pub marks: Vec<(i64, AttendanceStatus)>,
    /// "Mark everyone present": everyone not marked otherwise is present.
    pub everyone_present: bool,
    /// The facilitator said yes, save marks for a meeting still ahead.
    pub early_ok: bool,
}

/// Whether a meeting is still too far ahead for its roll.
pub fn roll_is_early(meeting: &Meeting) -> bool {
    meeting.starts_at - Duration::minutes(ROLL_OPENS_MINUTES_BEFORE) > now()
}

/// Saves the roll form: refuses marks for a meeting that has not happened
/// unless the facilitator said so, and fills "everyone present".
pub fn take_roll(
    conn: &mut DbConn,
    mail: &crate::mail::Composer,
    user: &User,
    cohort_id: CohortId,
    meeting_id: MeetingId,
    form: RollForm,
) -> Result<usize, AppError> {
    let (cohort, meeting) =
        crate::services::access::find_visible_meeting(conn, user, cohort_id, meeting_id)?;
    if roll_is_early(&meeting) && !form.early_ok {
        let tz = schedule::parse_time_zone(&cohort.time_zone)?;
        return Err(AppError::validation(format!(
            "This meeting hasn't happened yet: it is on {}. Nothing was saved. To save marks now anyway, tick \"This meeting has happened\" and save again.",
            schedule::format_local(tz, meeting.starts_at)
        )));
    }
    let mut marks = form.marks;
    if form.everyone_present {
        for e in Enrolment::active_names(conn, cohort.id)? {
            if !marks.iter().any(|(id, _)| *id == e.enrolment_id) {
                marks.push((e.enrolment_id, AttendanceStatus::Present));
            }
        }
    }
    record_attendance(conn, mail, user, (cohort_id, meeting_id), &marks)
}

/// Someone new came tonight: adds them to the group (as by hand, welcome
/// email and all) and marks them present at this meeting. Someone already
/// in the group is just marked present. Returns what happened, in words.
pub fn add_walk_in(
    conn: &mut DbConn,
    mail: &crate::mail::Composer,
    user: &User,
    (cohort_id, meeting_id): (CohortId, MeetingId),
    input: &crate::services::roster::ParticipantInput,
) -> Result<String, AppError> {
    use crate::services::roster::{self, Added};
    let (cohort, meeting) =
        crate::services::access::find_visible_meeting(conn, user, cohort_id, meeting_id)?;
    if meeting.status == MeetingStatus::Cancelled {
        return Err(AppError::validation(
            "This meeting is cancelled, so nobody can be marked present at it.",
        ));
    }
    let name = input.name.clone();
    let (enrolment_id, message) = match roster::add(conn, mail, user, cohort.id, input, "walk-in") {
        Ok((enrolment, Added::New)) => (
            enrolment.id,
            format!("{name} is in the group and marked present. They get the welcome email."),
        ),
        Ok((enrolment, Added::Readmitted)) => (
            enrolment.id,
            format!("{name} had left the group, is back in, and is marked present."),
        ),
        Err(AppError::Conflict(why)) => {
            let already = match input.email.as_deref() {
                Some(email) => match crate::db::models::Participant::find_by_email(conn, email)? {
                    Some(p) => Enrolment::find_for(conn, cohort_id, ParticipantId(p.id))?,
                    None => None,
                },
                None => None,
            };
            let Some(e) = already else {
                return Err(AppError::Conflict(why));
            };
            (
                e.id,
                format!("{name} was already in the group; they are marked present."),
            )
        }
        Err(e) => return Err(e),
    };
    record_attendance(
        conn,
        mail,
        user,
        (cohort_id, meeting_id),
        &[(enrolment_id, AttendanceStatus::Present)],
    )?;
    Ok(message)
}

/// Ticks the agenda segments delivered and keeps a note of changes.
pub fn record_fidelity(
    conn: &mut DbConn,
    user: &User,
    cohort_id: CohortId,
    meeting_id: MeetingId,
    delivered: &[usize],
    note: &str,
) -> Result<(), AppError> {
    let (cohort, meeting) =
        crate::services::access::find_visible_meeting(conn, user, cohort_id, meeting_id)?;
    let curriculum = CurriculumVersion::load_curriculum(conn, cohort.curriculum_version_id)?;
    let segments = curriculum
        .session(meeting.session_number as u32)
        .map(|s| s.agenda.len())
        .unwrap_or(0);
    let mut errors = FieldErrors::default();
    let note = forms::optional_text(&mut errors, "fidelity_note", note, 2000);
    errors.check()?;
    let ticks: Vec<bool> = (0..segments).map(|i| delivered.contains(&i)).collect();
    write_tx(conn, |conn| {
        meeting_segment::replace(conn, MeetingId(meeting.id), &ticks, UserId(user.id))?;
        Meeting::set_fidelity_note(conn, meeting.id, note.as_deref())?;
        Audit::by_user(user.id)
            .did("meeting.fidelity")
            .on_meeting(&meeting)
            .record(conn)
    })
}

/// Delivered segments over all segments of the meetings with a checklist.
pub fn fidelity_rollup(
    conn: &mut DbConn,
    meeting_ids: &[i64],
) -> Result<Option<(usize, usize, usize)>, AppError> {
    let rows = meeting_segment::delivered(conn, meeting_ids)?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut meetings: Vec<i64> = rows.iter().map(|r| r.0).collect();
    meetings.sort_unstable();
    meetings.dedup();
    let delivered = rows.iter().filter(|r| r.2).count();
    Ok(Some((delivered, rows.len(), meetings.len())))
}

/// Moves a meeting to another local date and time (this one only).
pub fn reschedule(
    conn: &mut DbConn,
    mail: &crate::mail::Composer,
    user: &User,
    cohort_id: CohortId,
    meeting_id: MeetingId,
    date: &str,
    time: &str,
) -> Result<(), AppError> {
    let (cohort, meeting) =
        crate::services::access::find_visible_meeting(conn, user, cohort_id, meeting_id)?;
    let (local_date, local_time) = date_and_time(date, time)?;
    let tz = schedule::parse_time_zone(&cohort.time_zone)?;
    let (utc, note) = schedule::local_to_utc(tz, local_date.and_time(local_time));
    write_tx(conn, |conn| {
        Meeting::reschedule(conn, meeting.id, utc, note.as_deref())?;
        if utc != meeting.starts_at && meeting.status != MeetingStatus::Cancelled {
            let moved = Meeting::find_in_cohort(conn, CohortId(cohort.id), MeetingId(meeting.id))?;
            crate::services::follow_ups::meeting_moved(
                conn,
                mail,
                &moved,
                meeting.starts_at,
                now(),
            )?;
        }
        Audit::by_user(user.id)
            .did("meeting.reschedule")
            .on_meeting(&meeting)
            .record(conn)
    })
}

pub fn cancel(
    conn: &mut DbConn,
    mail: &crate::mail::Composer,
    user: &User,
    cohort_id: CohortId,
    meeting_id: MeetingId,
) -> Result<usize, AppError> {
    let (_, meeting) =
        crate::services::access::find_visible_meeting(conn, user, cohort_id, meeting_id)?;
    if meeting.status == MeetingStatus::Cancelled {
        return Ok(0);
    }
    write_tx(conn, |conn| {
        let at = now();
        Meeting::set_status(conn, meeting.id, MeetingStatus::Cancelled, at)?;
        let told = crate::services::follow_ups::meeting_cancelled(conn, mail, &meeting, at)?;
        Audit::by_user(user.id)
            .did("meeting.cancel")
            .on_meeting(&meeting)
            .record(conn)?;
        Ok(told)
    })
}

/// What cancelling a meeting will do, for the page that asks first.
#[derive(Debug, Serialize)]
pub struct CancelCheck {
    pub cohort_id: i64,
    pub cohort_title: String,
    pub meeting_id: i64,
    pub session_number: i32,
    pub session_title: String,
    pub when: String,
    pub is_past: bool,
    /// Parents who will get the "cancelled" email.
    pub to_tell: usize,
    pub hold_minutes: i64,
}

pub fn cancel_check(
    conn: &mut DbConn,
    user: &User,
    cohort_id: CohortId,
    meeting_id: MeetingId,
) -> Result<CancelCheck, AppError> {
    let (cohort, meeting) =
        crate::services::access::find_visible_meeting(conn, user, cohort_id, meeting_id)?;
    if meeting.status == MeetingStatus::Cancelled {
        return Err(AppError::Conflict(
            "This meeting is already cancelled.".into(),
        ));
    }
    let curriculum = CurriculumVersion::load_curriculum(conn, cohort.curriculum_version_id)?;
    let tz = schedule::parse_time_zone(&cohort.time_zone)?;
    let is_past = meeting.starts_at <= now();
    Ok(CancelCheck {
        cohort_id: cohort.id,
        cohort_title: cohort.title.clone(),
        meeting_id: meeting.id,
        session_number: meeting.session_number,
        session_title: curriculum.session_title(meeting.session_number),
        when: schedule::format_local(tz, meeting.starts_at),
        is_past,
        to_tell: if is_past {
            0
        } else {
            crate::services::follow_ups::recipients(conn, cohort.id)?.len()
        },
        hold_minutes: crate::services::follow_ups::CANCEL_HOLD_MINUTES,
    })
}

/// A cancelled meeting is on again (Undo, or "restore this meeting").
pub fn restore(
    conn: &mut DbConn,
    mail: &crate::mail::Composer,
    user: &User,
    cohort_id: CohortId,
    meeting_id: MeetingId,
) -> Result<crate::services::follow_ups::Restored, AppError> {
    let (_, meeting) =
        crate::services::access::find_visible_meeting(conn, user, cohort_id, meeting_id)?;
    if meeting.status != MeetingStatus::Cancelled {
        return Err(AppError::Conflict("This meeting is not cancelled.".into()));
    }
    write_tx(conn, |conn| {
        let at = now();
        let restored = crate::services::follow_ups::meeting_restored(conn, mail, &meeting, at)?;
        Meeting::set_status(conn, meeting.id, MeetingStatus::Scheduled, at)?;
        Audit::by_user(user.id)
            .did("meeting.restore")
            .on_meeting(&meeting)
            .record(conn)?;
        Ok(restored)
    })
}

/// Adds an extra meeting for a session (a make-up). Returns its id.
pub fn add_makeup(
    conn: &mut DbConn,
    user: &User,
    cohort_id: i64,
    session_number: &str,
    date: &str,
    time: &str,
) -> Result<i64, AppError> {
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    let curriculum = CurriculumVersion::load_curriculum(conn, cohort.curriculum_version_id)?;
    let mut errors = FieldErrors::default();
    let session = session_number
        .trim()
        .parse::<u32>()
        .ok()
        .and_then(|n| curriculum.session(n));
    if session.is_none() {
        errors.add("session_number", "Please choose a session of this course.");
    }
    let local_date = forms::date(&mut errors, "date", date);
    let local_time = forms::time(&mut errors, "time", time);
    errors.check()?;
    let (Some(session), Some(d), Some(t)) = (session, local_date, local_time) else {
        return Err(AppError::internal("checked make-up lacks a field"));
    };
    let tz = schedule::parse_time_zone(&cohort.time_zone)?;
    let (utc, note) = schedule::local_to_utc(tz, d.and_time(t));
    write_tx(conn, |conn| {
        let at = now();
        Meeting::insert_many(
            conn,
            &[crate::db::models::NewMeeting {
                cohort_id: cohort.id,
                session_number: session.number as i32,
                starts_at: utc,
                minutes: session.minutes as i32,
                is_makeup: true,
                schedule_note: note,
                created_at: at,
                updated_at: at,
            }],
        )?;
        let id = Meeting::for_cohort(conn, cohort.id)?
            .into_iter()
            .filter(|m| {
                m.is_makeup && m.starts_at == utc && m.session_number == session.number as i32
            })
            .map(|m| m.id)
            .max()
            .ok_or_else(|| AppError::internal("make-up vanished"))?;
        Audit::by_user(user.id)
            .did("meeting.add_makeup")
            .on("meeting", id)
            .in_cohort(cohort.id)
            .record(conn)?;
        Ok(id)
    })
}

fn date_and_time(date: &str, time: &str) -> Result<(NaiveDate, NaiveTime), AppError> {
    let mut errors = FieldErrors::default();
    let d = forms::date(&mut errors, "date", date);
    let t = forms::time(&mut errors, "time", time);
    errors.check()?;
    d.zip(t)
        .ok_or_else(|| AppError::internal("checked date lacks a field"))
}
