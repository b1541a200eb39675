//! What one scale cohort will be, planned from its index before anything
//! is written, and a parent's place in it.

use chrono::NaiveDateTime;

pub struct CohortPlan {
    pub(super) index: usize,
    pub(super) title: String,
    pub(super) curriculum: usize,
    pub(super) time_zone: &'static str,
    pub(super) meeting_time: &'static str,
    pub lead: i64,
    pub(super) co: Option<i64>,
    pub(super) created_at: NaiveDateTime,
    pub meetings: Vec<PlannedMeeting>,
    /// The index of its first parent among all scale parents.
    pub(super) first_participant: usize,
    pub size: usize,
}

pub struct PlannedMeeting {
    pub session_number: i32,
    pub starts_at: NaiveDateTime,
    pub(super) minutes: i32,
    pub(super) schedule_note: Option<String>,
}

/// A parent in their cohort.
#[derive(Clone, Copy)]
pub struct Member<'p> {
    pub plan: &'p CohortPlan,
    pub cohort_id: i64,
    pub enrolment_id: i64,
    /// The parent's index among all scale parents.
    pub who: usize,
    pub withdrawn: Option<NaiveDateTime>,
}
