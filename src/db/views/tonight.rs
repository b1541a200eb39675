//! What tonight's sheet reads for one meeting: the group's parents, their
//! answers, their marks at the two meetings before, and the reflections
//! shared since then that wait for a reply. A handful of queries, each on
//! one group or one meeting, however many parents the whole site has.
//!
//! Indexes it relies on: `enrolments UNIQUE (cohort_id, participant_id)`,
//! `rsvps PRIMARY KEY (meeting_id, enrolment_id)`,
//! `attendance PRIMARY KEY (meeting_id, enrolment_id)`,
//! `meetings (cohort_id, starts_at)`,
//! `reflections UNIQUE (enrolment_id, session_number)`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::rsvp::Rsvp;
use crate::db::models::{Enrolment, Meeting, NamedEnrolment};
use crate::db::schema::{attendance, enrolments, meetings, reflections};
use crate::db::status::{AttendanceStatus, EnrolmentStatus, MeetingStatus, ReflectionStatus};
use crate::db::DbConn;
use crate::error::AppError;

/// How many meetings before tonight count for "missed the last ones".
pub const EARLIER_MEETINGS: i64 = 2;

/// One mark at an earlier meeting.
#[derive(Debug, Clone, Queryable)]
pub struct EarlierMark {
    pub meeting_id: i64,
    pub enrolment_id: i64,
    #[diesel(deserialize_as = String)]
    pub status: AttendanceStatus,
}

/// A shared reflection nobody has answered yet.
#[derive(Debug, Clone, Queryable)]
pub struct WaitingReflection {
    pub id: i64,
    pub enrolment_id: i64,
    pub session_number: i32,
    pub submitted_at: Option<NaiveDateTime>,
}

#[derive(Debug, Default)]
pub struct TonightRows {
    /// The group's parents now, by name.
    pub roster: Vec<NamedEnrolment>,
    pub rsvps: Vec<Rsvp>,
    /// The (up to two) meetings held before this one, newest first.
    pub earlier: Vec<i64>,
    /// Every mark at those meetings.
    pub earlier_marks: Vec<EarlierMark>,
    /// Shared reflections with no reply, sent since the meeting before.
    pub waiting: Vec<WaitingReflection>,
}

pub fn tonight(conn: &mut DbConn, meeting: &Meeting) -> Result<TonightRows, AppError> {
    let roster = Enrolment::active_names(conn, meeting.cohort_id)?;
    let rsvps = Rsvp::for_meeting(conn, meeting.id)?;
    let earlier: Vec<(i64, NaiveDateTime)> = meetings::table
        .filter(meetings::cohort_id.eq(meeting.cohort_id))
        .filter(meetings::starts_at.lt(meeting.starts_at))
        .filter(meetings::status.ne(MeetingStatus::Cancelled.as_str()))
        .order(meetings::starts_at.desc())
        .limit(EARLIER_MEETINGS)
        .select((meetings::id, meetings::starts_at))
        .load(conn)?;
    let earlier_ids: Vec<i64> = earlier.iter().map(|m| m.0).collect();
    let earlier_marks = attendance::table
        .filter(attendance::meeting_id.eq_any(&earlier_ids))
        .select((
            attendance::meeting_id,
            attendance::enrolment_id,
            attendance::status,
        ))
        .load::<EarlierMark>(conn)?;
    let since = earlier.first().map(|m| m.1);
    let mut waiting = reflections::table
        .inner_join(enrolments::table)
        .filter(enrolments::cohort_id.eq(meeting.cohort_id))
        .filter(enrolments::status.eq(EnrolmentStatus::Active.as_str()))
        .filter(reflections::status.eq(ReflectionStatus::Submitted.as_str()))
        .filter(reflections::visibility.eq("facilitators"))
        .filter(reflections::facilitator_reply.is_null())
        .order(reflections::submitted_at.asc())
        .select((
            reflections::id,
            reflections::enrolment_id,
            reflections::session_number,
            reflections::submitted_at,
        ))
        .load::<WaitingReflection>(conn)?;
    if let Some(since) = since {
        waiting.retain(|r| r.submitted_at.is_some_and(|s| s >= since));
    }
    Ok(TonightRows {
        roster,
        rsvps,
        earlier: earlier_ids,
        earlier_marks,
        waiting,
    })
}
