//! A facilitator's view of one parent in their group, and finding parents
//! on a group's roster.

use serde::Serialize;

use crate::db::ids::{CohortId, EnrolmentId};
use crate::db::models::{Attendance, User};
use crate::db::status::{AttendanceStatus, EnrolmentStatus};
use crate::db::DbConn;
use crate::error::AppError;
use crate::services::cohorts::{self, RosterLine};

/// One meeting as it went for one parent.
#[derive(Debug, Serialize)]
pub struct ParentMeeting {
    pub session_number: i32,
    pub session_title: String,
    pub when: String,
    pub cancelled: bool,
    pub is_past: bool,
    /// Their mark, if attendance was taken.
    pub mark: Option<AttendanceStatus>,
    /// Missed it, then caught up (marked by a facilitator).
    pub caught_up: bool,
}

/// A facilitator's page about one parent in their group: who they are,
/// how the meetings went for them, and the changes that need care
/// (switching links off, withdrawing), each said plainly before it is done.
#[derive(Debug, Serialize)]
pub struct ParentRecord {
    pub cohort_id: i64,
    pub cohort_title: String,
    pub parent: RosterLine,
    pub waitlisted: bool,
    pub meetings: Vec<ParentMeeting>,
    /// The meetings they missed, and whether they caught up.
    pub catching_up: Vec<crate::services::absence::CatchUpLine>,
    /// Their missed-meetings alert: open, or the last call noted.
    pub alerts: crate::services::absence::ParentAlerts,
}

pub fn parent_record(
    conn: &mut DbConn,
    user: &User,
    cohort_id: CohortId,
    enrolment_id: EnrolmentId,
) -> Result<ParentRecord, AppError> {
    let (cohort, _) =
        crate::services::access::find_visible_enrolment(conn, user, cohort_id, enrolment_id)?;
    let alerts = crate::services::absence::parent_alerts(conn, &cohort, enrolment_id.0)?;
    let catching_up = crate::services::absence::catch_up_lines(conn, cohort.id)?
        .into_iter()
        .filter(|l| l.enrolment_id == enrolment_id.0)
        .collect();
    let page = cohorts::page(conn, user, cohort_id.0)?;
    let marks = Attendance::for_enrolment(conn, enrolment_id)?;
    let parent = page
        .roster
        .into_iter()
        .find(|r| r.enrolment_id == enrolment_id.0)
        .ok_or_else(|| AppError::not_found("That parent isn't in this group."))?;
    let meetings = page
        .meetings
        .into_iter()
        .map(|m| ParentMeeting {
            mark: marks
                .iter()
                .find(|k| k.meeting_id == m.id)
                .map(|k| k.status),
            caught_up: marks
                .iter()
                .any(|k| k.meeting_id == m.id && k.caught_up_at.is_some()),
            session_number: m.session_number,
            session_title: m.session_title,
            when: m.when,
            cancelled: m.cancelled,
            is_past: m.is_past,
        })
        .collect();
    Ok(ParentRecord {
        cohort_id: page.id,
        cohort_title: page.title,
        waitlisted: parent.status == EnrolmentStatus::Waitlisted,
        parent,
        meetings,
        catching_up,
        alerts,
    })
}

/// The roster lines whose name, preferred name, email or phone contain
/// `query` (any case, any spacing); everyone for an empty query.
pub fn matching(lines: Vec<RosterLine>, query: &str) -> Vec<RosterLine> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return lines;
    }
    lines
        .into_iter()
        .filter(|l| {
            let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
            let hay = format!(
                "{} {} {} {}",
                l.name,
                l.preferred_name.as_deref().unwrap_or(""),
                l.email.as_deref().unwrap_or(""),
                l.phone.as_deref().map(digits).unwrap_or_default(),
            )
            .to_lowercase();
            words.iter().all(|w| {
                hay.contains(w.as_str()) || (!digits(w).is_empty() && hay.contains(&digits(w)))
            })
        })
        .collect()
}
