//! What "catching up" reads for one group: the missed meetings (absent or
//! excused marks at meetings that went ahead), which handouts each parent
//! opened, and which reflections they sent.
//!
//! Indexes it relies on: `attendance (meeting_id)`, `meetings (cohort_id)`,
//! `enrolments (cohort_id, status)`, `reflections (enrolment_id, session_number)`,
//! `handout_reads (enrolment_id, session_number)` (its key).

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{attendance, enrolments, handout_reads, meetings, reflections};
use crate::db::status::{AttendanceStatus, MeetingStatus, ReflectionStatus};
use crate::db::DbConn;
use crate::error::AppError;

/// One missed meeting of one parent.
#[derive(Debug, Clone, Queryable)]
pub struct MissedRow {
    pub meeting_id: i64,
    pub enrolment_id: i64,
    pub session_number: i32,
    #[diesel(deserialize_as = String)]
    pub status: AttendanceStatus,
    pub caught_up_at: Option<NaiveDateTime>,
}

#[derive(Debug, Default)]
pub struct CatchUpRows {
    pub missed: Vec<MissedRow>,
    /// (enrolment, session) of every handout opened.
    pub read: HashSet<(i64, i32)>,
    /// (enrolment, session) of every reflection sent.
    pub sent: HashSet<(i64, i32)>,
}

pub fn catching_up(conn: &mut DbConn, cohort_id: i64) -> Result<CatchUpRows, AppError> {
    let missed = attendance::table
        .inner_join(meetings::table)
        .filter(meetings::cohort_id.eq(cohort_id))
        .filter(meetings::status.ne(MeetingStatus::Cancelled.as_str()))
        .filter(attendance::status.ne(AttendanceStatus::Present.as_str()))
        .order((meetings::starts_at.asc(), attendance::enrolment_id.asc()))
        .select((
            attendance::meeting_id,
            attendance::enrolment_id,
            meetings::session_number,
            attendance::status,
            attendance::caught_up_at,
        ))
        .load::<MissedRow>(conn)?;
    let read = handout_reads::table
        .inner_join(enrolments::table)
        .filter(enrolments::cohort_id.eq(cohort_id))
        .select((handout_reads::enrolment_id, handout_reads::session_number))
        .load::<(i64, i32)>(conn)?
        .into_iter()
        .collect();
    let sent = reflections::table
        .inner_join(enrolments::table)
        .filter(enrolments::cohort_id.eq(cohort_id))
        .filter(reflections::status.eq(ReflectionStatus::Submitted.as_str()))
        .select((reflections::enrolment_id, reflections::session_number))
        .load::<(i64, i32)>(conn)?
        .into_iter()
        .collect();
    Ok(CatchUpRows { missed, read, sent })
}
