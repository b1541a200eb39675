use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{cohort_facilitators, cohorts};
use crate::db::DbConn;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = cohorts)]
pub struct Cohort {
    pub id: i64,
    pub curriculum_version_id: i64,
    pub title: String,
    pub time_zone: String,
    pub location: Option<String>,
    pub online_url: Option<String>,
    pub capacity: Option<i32>,
    pub language: String,
    pub status: String,
    pub follow_ups_paused: bool,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The planned local start time, "HH:MM".
    pub meeting_time: String,
    pub cadence_days: i32,
    /// "until_next_meeting" or "always".
    pub reflection_editing: String,
    pub send_welcome: bool,
    pub send_reminder: bool,
    pub send_recap: bool,
    pub send_nudge: bool,
    pub reminder_hours_before: i32,
    pub recap_hours_after: i32,
    pub nudge_hours_after: i32,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = cohorts)]
pub struct NewCohort<'a> {
    pub curriculum_version_id: i64,
    pub title: &'a str,
    pub time_zone: &'a str,
    pub location: Option<&'a str>,
    pub online_url: Option<&'a str>,
    pub capacity: Option<i32>,
    pub language: &'a str,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub meeting_time: &'a str,
    pub cadence_days: i32,
}

impl Cohort {
    /// Inserts the cohort and makes `lead` its lead facilitator.
    pub fn insert(conn: &mut DbConn, new: &NewCohort<'_>, lead: i64) -> Result<Cohort, AppError> {
        diesel::insert_into(cohorts::table)
            .values(new)
            .execute(conn)?;
        let cohort: Cohort = cohorts::table
            .filter(cohorts::created_by.eq(new.created_by))
            .filter(cohorts::title.eq(new.title))
            .order(cohorts::id.desc())
            .select(Cohort::as_select())
            .first(conn)?;
        diesel::insert_into(cohort_facilitators::table)
            .values((
                cohort_facilitators::cohort_id.eq(cohort.id),
                cohort_facilitators::user_id.eq(lead),
                cohort_facilitators::role.eq("lead"),
                cohort_facilitators::added_at.eq(new.created_at),
            ))
            .execute(conn)?;
        Ok(cohort)
    }

    pub fn for_facilitator(conn: &mut DbConn, user_id: i64) -> Result<Vec<Cohort>, AppError> {
        Ok(cohorts::table
            .inner_join(cohort_facilitators::table)
            .filter(cohort_facilitators::user_id.eq(user_id))
            .order(cohorts::created_at.desc())
            .select(Cohort::as_select())
            .load(conn)?)
    }
}
