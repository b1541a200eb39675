//! The rows a scale load (`attune demo --scale`) writes, and the batched
//! INSERT that writes them.
//! `treat_none_as_null` writes NULL rather than DEFAULT, which lets SQLite
//! take a whole batch as one statement (diesel otherwise inserts row by row).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use std::collections::HashMap;

use crate::db::models::{Cohort, NewUser};
use crate::db::schema::{
    attendance, cohort_facilitators, cohorts, enrolments, meetings, participants, reflections,
    users,
};
use crate::db::DbConn;
use crate::error::AppError;

/// Under SQLite's 32,766 and PostgreSQL's 65,535 bound values.
const MAX_BINDS: usize = 30_000;

#[derive(Insertable)]
#[diesel(table_name = cohorts, treat_none_as_null = true)]
pub struct CohortRow<'a> {
    pub curriculum_version_id: i64,
    pub title: &'a str,
    pub time_zone: &'a str,
    pub location: Option<&'a str>,
    pub online_url: Option<&'a str>,
    pub capacity: Option<i32>,
    pub language: &'a str,
    pub follow_ups_paused: bool,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub meeting_time: &'a str,
    pub cadence_days: i32,
}

#[derive(Insertable)]
#[diesel(table_name = cohort_facilitators)]
pub struct FacilitatorRow {
    pub cohort_id: i64,
    pub user_id: i64,
    pub role: &'static str,
    pub added_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = meetings, treat_none_as_null = true)]
pub struct MeetingRow<'a> {
    pub cohort_id: i64,
    pub session_number: i32,
    pub starts_at: NaiveDateTime,
    pub minutes: i32,
    pub schedule_note: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = participants, treat_none_as_null = true)]
pub struct ParticipantRow<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub preferred_name: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = enrolments, treat_none_as_null = true)]
pub struct EnrolmentRow {
    pub cohort_id: i64,
    pub participant_id: i64,
    pub status: &'static str,
    pub source: &'static str,
    pub consent_version: Option<&'static str>,
    pub consented_at: Option<NaiveDateTime>,
    pub enrolled_at: NaiveDateTime,
    pub withdrawn_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = attendance)]
pub struct AttendanceRow {
    pub meeting_id: i64,
    pub enrolment_id: i64,
    pub status: &'static str,
    pub recorded_by: i64,
    pub recorded_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = reflections, treat_none_as_null = true)]
pub struct ReflectionRow {
    pub enrolment_id: i64,
    pub session_number: i32,
    pub answers: String,
    pub visibility: &'static str,
    pub status: &'static str,
    pub submitted_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub first_read_at: Option<NaiveDateTime>,
    pub facilitator_reply: Option<&'static str>,
    pub replied_by: Option<i64>,
    pub replied_at: Option<NaiveDateTime>,
}

pub enum Rows<'a> {
    Users(&'a [NewUser<'a>]),
    Cohorts(&'a [CohortRow<'a>]),
    Facilitators(&'a [FacilitatorRow]),
    Meetings(&'a [MeetingRow<'a>]),
    Participants(&'a [ParticipantRow<'a>]),
    Enrolments(&'a [EnrolmentRow]),
    Attendance(&'a [AttendanceRow]),
    Reflections(&'a [ReflectionRow]),
}

/// Multi-row INSERTs of as many rows as the bound-value limit allows.
/// Returns the rows written.
pub fn insert_all(conn: &mut DbConn, rows: Rows<'_>) -> Result<usize, AppError> {
    // `$columns`: how many values one row binds.
    macro_rules! batches {
        ($table:expr, $rows:expr, $columns:expr) => {{
            let mut written = 0;
            for chunk in $rows.chunks(MAX_BINDS / $columns) {
                let insert = diesel::insert_into($table).values(chunk);
                written += crate::on_backend!(&mut *conn, |c| insert.execute(c))?;
            }
            written
        }};
    }
    Ok(match rows {
        Rows::Users(r) => batches!(users::table, r, 6),
        Rows::Cohorts(r) => batches!(cohorts::table, r, 13),
        Rows::Facilitators(r) => batches!(cohort_facilitators::table, r, 4),
        Rows::Meetings(r) => batches!(meetings::table, r, 7),
        Rows::Participants(r) => batches!(participants::table, r, 6),
        Rows::Enrolments(r) => batches!(enrolments::table, r, 10),
        Rows::Attendance(r) => batches!(attendance::table, r, 5),
        Rows::Reflections(r) => batches!(reflections::table, r, 12),
    })
}

// ---------------------------------------------------------------------
// Reading back what a load wrote

/// Groups whose title starts with `prefix`, oldest first.
pub fn cohorts_titled(conn: &mut DbConn, prefix: &str) -> Result<Vec<Cohort>, AppError> {
    Ok(cohorts::table
        .filter(cohorts::title.like(format!("{prefix}%")))
        .order(cohorts::id)
        .select(Cohort::as_select())
        .load(conn)?)
}

/// How many groups (titled `prefix…`) and people (parents and accounts
/// at `@domain`) a load would collide with.
pub fn count_marked(conn: &mut DbConn, prefix: &str, domain: &str) -> Result<(i64, i64), AppError> {
    let email = format!("%@{domain}");
    let groups: i64 = cohorts::table
        .filter(cohorts::title.like(format!("{prefix}%")))
        .count()
        .get_result(conn)?;
    let parents: i64 = participants::table
        .filter(participants::email.like(&email))
        .count()
        .get_result(conn)?;
    let accounts: i64 = users::table
        .filter(users::email.like(&email))
        .count()
        .get_result(conn)?;
    Ok((groups, parents + accounts))
}

/// Account ids by email, for accounts at `@domain`.
pub fn user_ids(conn: &mut DbConn, domain: &str) -> Result<HashMap<String, i64>, AppError> {
    Ok(users::table
        .filter(users::email.like(format!("%@{domain}")))
        .select((users::email, users::id))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect())
}

/// Group ids by title, for groups titled `prefix…` made after `after`.
pub fn cohort_ids(
    conn: &mut DbConn,
    after: i64,
    prefix: &str,
) -> Result<HashMap<String, i64>, AppError> {
    Ok(cohorts::table
        .filter(cohorts::id.gt(after))
        .filter(cohorts::title.like(format!("{prefix}%")))
        .select((cohorts::title, cohorts::id))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect())
}

/// Meeting ids by (group, session).
pub fn meeting_ids(
    conn: &mut DbConn,
    cohort_ids: &[i64],
) -> Result<HashMap<(i64, i32), i64>, AppError> {
    Ok(meetings::table
        .filter(meetings::cohort_id.eq_any(cohort_ids))
        .select((meetings::cohort_id, meetings::session_number, meetings::id))
        .load::<(i64, i32, i64)>(conn)?
        .into_iter()
        .map(|(c, s, id)| ((c, s), id))
        .collect())
}

/// Parent ids by email, for parents at `@domain` added after `after`.
pub fn participant_ids(
    conn: &mut DbConn,
    after: i64,
    domain: &str,
) -> Result<HashMap<String, i64>, AppError> {
    Ok(participants::table
        .filter(participants::id.gt(after))
        .filter(participants::email.like(format!("%@{domain}")))
        .select((participants::email.assume_not_null(), participants::id))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect())
}

/// Enrolment ids by parent, in `cohort_ids` (a parent is in one of them).
pub fn enrolment_ids(conn: &mut DbConn, cohort_ids: &[i64]) -> Result<HashMap<i64, i64>, AppError> {
    Ok(enrolments::table
        .filter(enrolments::cohort_id.eq_any(cohort_ids))
        .select((enrolments::participant_id, enrolments::id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect())
}

/// SQLite settings for one big load: no fsync per page (all of it lands
/// or none does) and a big cache for the b-trees being appended to; and
/// back to what `db::connect` sets after, folding the write-ahead log in.
pub fn sqlite_bulk_mode(conn: &mut DbConn, on: bool) -> Result<(), AppError> {
    use diesel::connection::SimpleConnection;
    conn.batch_execute(if on {
        "PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;"
    } else {
        "PRAGMA synchronous = FULL; PRAGMA cache_size = -2000; \
         PRAGMA wal_checkpoint(TRUNCATE);"
    })?;
    Ok(())
}
