//! Tonight's sheet: what a facilitator prints at 6 pm for one meeting. The
//! agenda with clock times in brief, who is coming, who sent apologies
//! (and why), who has not answered, who missed the last two meetings, the
//! shared reflections still waiting for a reply (names and sessions only,
//! never the words), and the parents' own notes with their answers.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::db::ids::{CohortId, MeetingId};
use crate::db::models::{CurriculumVersion, User};
use crate::db::status::{AttendanceStatus, MeetingStatus};
use crate::db::views::tonight::{self as rows, TonightRows};
use crate::db::DbConn;
use crate::error::AppError;
use crate::services::rsvps::{self, Tally};
use crate::services::schedule;

/// One line of the agenda in brief.
#[derive(Debug, Clone, Serialize)]
pub struct AgendaLine {
    pub clock: String,
    pub minutes: u32,
    pub title: String,
}

/// A reflection waiting for a reply: whose, for which session.
#[derive(Debug, Clone, Serialize)]
pub struct WaitingLine {
    pub reflection_id: i64,
    pub enrolment_id: i64,
    pub name: String,
    pub session_number: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Sheet {
    pub cohort_id: i64,
    pub cohort_title: String,
    pub meeting_id: i64,
    pub session_number: i32,
    pub session_title: String,
    pub when: String,
    pub ends: String,
    pub location: Option<String>,
    pub cancelled: bool,
    pub agenda: Vec<AgendaLine>,
    pub tally: Tally,
    /// Parents who were not present at either of the two meetings before.
    pub missed_last: Vec<String>,
    /// How many earlier meetings "missed" looks at (0, 1 or 2).
    pub earlier_meetings: usize,
    pub waiting: Vec<WaitingLine>,
    pub waiting_count: usize,
    pub letter_paper: bool,
}

/// The sheet for a meeting of one of `user`'s groups.
pub fn sheet(
    conn: &mut DbConn,
    user: &User,
    cohort_id: CohortId,
    meeting_id: MeetingId,
) -> Result<Sheet, AppError> {
    let (cohort, meeting) =
        crate::services::access::find_visible_meeting(conn, user, cohort_id, meeting_id)?;
    let curriculum = CurriculumVersion::load_curriculum(conn, cohort.curriculum_version_id)?;
    let session = curriculum
        .session(meeting.session_number as u32)
        .ok_or_else(|| AppError::internal("meeting for a session the curriculum lacks"))?;
    let tz = schedule::parse_time_zone(&cohort.time_zone)?;
    let start = schedule::to_local(tz, meeting.starts_at);
    let data = rows::tonight(conn, &meeting)?;
    let agenda = crate::services::meetings::timed_agenda(session, start, &HashMap::new())
        .into_iter()
        .map(|s| AgendaLine {
            clock: s.clock,
            minutes: s.minutes,
            title: s.title,
        })
        .collect();
    let shaped = shape(&data);
    Ok(Sheet {
        cohort_id: cohort.id,
        cohort_title: cohort.title.clone(),
        meeting_id: meeting.id,
        session_number: meeting.session_number,
        session_title: session.title.clone(),
        when: schedule::format_local(tz, meeting.starts_at),
        ends: (start + chrono::Duration::minutes(i64::from(meeting.minutes)))
            .format("%H:%M")
            .to_string(),
        location: meeting.location.clone().or(cohort.location.clone()),
        cancelled: meeting.status == MeetingStatus::Cancelled,
        agenda,
        tally: shaped.tally,
        missed_last: shaped.missed_last,
        earlier_meetings: data.earlier.len(),
        waiting_count: shaped.waiting.len(),
        waiting: shaped.waiting,
        letter_paper: crate::services::zones::prints_on_letter(&cohort.time_zone),
    })
}

/// The people parts of the sheet, from its rows.
pub struct Shaped {
    pub tally: Tally,
    pub missed_last: Vec<String>,
    pub waiting: Vec<WaitingLine>,
}

pub fn shape(data: &TonightRows) -> Shaped {
    let roster: Vec<(i64, String)> = data
        .roster
        .iter()
        .map(|e| (e.enrolment_id, e.shown_name()))
        .collect();
    let names: HashMap<i64, &str> = roster.iter().map(|(id, n)| (*id, n.as_str())).collect();
    Shaped {
        tally: rsvps::tally(&roster, &data.rsvps),
        missed_last: missed_last(data, &roster),
        waiting: data
            .waiting
            .iter()
            .filter_map(|r| {
                names.get(&r.enrolment_id).map(|n| WaitingLine {
                    reflection_id: r.id,
                    enrolment_id: r.enrolment_id,
                    name: (*n).to_string(),
                    session_number: r.session_number,
                })
            })
            .collect(),
    }
}

/// Parents marked absent or excused at each of the two meetings before
/// (someone with no mark, a newcomer say, has missed nothing).
fn missed_last(data: &TonightRows, roster: &[(i64, String)]) -> Vec<String> {
    let needed = rows::EARLIER_MEETINGS as usize;
    if data.earlier.len() < needed {
        return Vec::new();
    }
    let mut missed: HashMap<i64, HashSet<i64>> = HashMap::new();
    for m in &data.earlier_marks {
        if m.status != AttendanceStatus::Present {
            missed
                .entry(m.enrolment_id)
                .or_default()
                .insert(m.meeting_id);
        }
    }
    roster
        .iter()
        .filter(|(id, _)| missed.get(id).is_some_and(|s| s.len() >= needed))
        .map(|(_, n)| n.clone())
        .collect()
}
