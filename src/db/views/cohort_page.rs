//! What a group's page reads: its meetings, every attendance mark, the
//! roster, the facilitators, and when its invite and calendar links were
//! made, in a fixed number of queries.
//!
//! Indexes it relies on: `meetings (cohort_id, starts_at)`,
//! `attendance (meeting_id)`, `enrolments (cohort_id, status)`,
//! `cohort_facilitators (cohort_id)`, `access_tokens (purpose, cohort_id)`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::access_token::AccessToken;
use crate::db::models::Meeting;
use crate::db::schema::{attendance, cohort_facilitators, enrolments, participants, users};
use crate::db::status::{AttendanceStatus, EnrolmentStatus};
use crate::db::DbConn;
use crate::error::AppError;

/// One attendance mark.
#[derive(Debug, Clone, Queryable)]
pub struct Mark {
    pub meeting_id: i64,
    pub enrolment_id: i64,
    #[diesel(deserialize_as = String)]
    pub status: AttendanceStatus,
    /// Missed, then marked caught up.
    pub caught_up: bool,
}

/// One parent on the roster, in or out of the group.
#[derive(Debug, Clone, Queryable)]
pub struct RosterRow {
    pub enrolment_id: i64,
    #[diesel(deserialize_as = String)]
    pub status: EnrolmentStatus,
    pub name: String,
    pub preferred_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// One of the group's facilitators.
#[derive(Debug, Clone, Queryable)]
pub struct FacilitatorRow {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: String,
}

#[derive(Debug)]
pub struct CohortPageRows {
    /// In time order.
    pub meetings: Vec<Meeting>,
    pub marks: Vec<Mark>,
    /// Current parents first (by status), then by name.
    pub roster: Vec<RosterRow>,
    /// The lead first, then by name.
    pub facilitators: Vec<FacilitatorRow>,
    /// When the live invite link was made, if there is one.
    pub invite_since: Option<NaiveDateTime>,
    /// When the live calendar feed address was made, if there is one.
    pub calendar_since: Option<NaiveDateTime>,
}

/// The rows of group `cohort_id`'s page. `invite` and `calendar` are the
/// purposes their links are stored under.
pub fn cohort_page(
    conn: &mut DbConn,
    cohort_id: i64,
    invite: &str,
    calendar: &str,
) -> Result<CohortPageRows, AppError> {
    let meetings = Meeting::for_cohort(conn, cohort_id)?;
    let meeting_ids: Vec<i64> = meetings.iter().map(|m| m.id).collect();
    let marks = attendance::table
        .filter(attendance::meeting_id.eq_any(&meeting_ids))
        .select((
            attendance::meeting_id,
            attendance::enrolment_id,
            attendance::status,
            attendance::caught_up_at.is_not_null(),
        ))
        .load::<Mark>(conn)?;
    let roster = enrolments::table
        .inner_join(participants::table)
        .filter(enrolments::cohort_id.eq(cohort_id))
        .order((enrolments::status.asc(), participants::name.asc()))
        .select((
            enrolments::id,
            enrolments::status,
            participants::name,
            participants::preferred_name,
            participants::email,
            participants::phone,
        ))
        .load::<RosterRow>(conn)?;
    let facilitators = cohort_facilitators::table
        .inner_join(users::table)
        .filter(cohort_facilitators::cohort_id.eq(cohort_id))
        .order((cohort_facilitators::role.desc(), users::name.asc()))
        .select((
            users::id,
            users::name,
            users::email,
            cohort_facilitators::role,
        ))
        .load::<FacilitatorRow>(conn)?;
    Ok(CohortPageRows {
        meetings,
        marks,
        roster,
        facilitators,
        invite_since: AccessToken::live_since(conn, invite, cohort_id)?,
        calendar_since: AccessToken::live_since(conn, calendar, cohort_id)?,
    })
}
