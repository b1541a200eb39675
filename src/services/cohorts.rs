//! Cohorts: who may see which, and what the facilitator's pages show.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use crate::db::models::{Cohort, User};
use crate::db::schema::{cohort_facilitators, cohorts, curriculum_versions, enrolments, meetings};
use crate::db::{now, DbConn};
use crate::error::AppError;
use crate::services::schedule;

/// A cohort as a line on the dashboard.
#[derive(Debug, Serialize)]
pub struct CohortSummary {
    pub id: i64,
    pub title: String,
    pub curriculum_title: String,
    pub time_zone: String,
    pub participants: i64,
    pub meetings_done: i64,
    pub meetings_total: i64,
    pub next_meeting: Option<String>,
    pub next_session: Option<i32>,
}

/// The cohorts `user` may see: those they facilitate, or all for admins.
pub fn visible_cohorts(conn: &mut DbConn, user: &User) -> Result<Vec<Cohort>, AppError> {
    if user.is_admin {
        Ok(cohorts::table
            .order(cohorts::created_at.desc())
            .select(Cohort::as_select())
            .load(conn)?)
    } else {
        Cohort::for_facilitator(conn, user.id)
    }
}

/// One cohort, if `user` may see it. Anyone else gets "not found", so
/// cohort ids tell a stranger nothing.
pub fn find_visible(conn: &mut DbConn, user: &User, cohort_id: i64) -> Result<Cohort, AppError> {
    let cohort: Option<Cohort> = cohorts::table
        .find(cohort_id)
        .select(Cohort::as_select())
        .first(conn)
        .optional()?;
    let not_found = || AppError::not_found("We couldn't find that group.");
    let cohort = cohort.ok_or_else(not_found)?;
    if user.is_admin {
        return Ok(cohort);
    }
    let facilitates: i64 = cohort_facilitators::table
        .filter(cohort_facilitators::cohort_id.eq(cohort_id))
        .filter(cohort_facilitators::user_id.eq(user.id))
        .count()
        .get_result(conn)?;
    if facilitates > 0 {
        Ok(cohort)
    } else {
        Err(not_found())
    }
}

/// Dashboard lines for `user`'s cohorts, in a fixed number of queries.
pub fn summaries(conn: &mut DbConn, user: &User) -> Result<Vec<CohortSummary>, AppError> {
    let list = visible_cohorts(conn, user)?;
    let ids: Vec<i64> = list.iter().map(|c| c.id).collect();
    let version_ids: Vec<i64> = list.iter().map(|c| c.curriculum_version_id).collect();
    let titles: HashMap<i64, String> = curriculum_versions::table
        .filter(curriculum_versions::id.eq_any(&version_ids))
        .select((curriculum_versions::id, curriculum_versions::title))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let counts: HashMap<i64, i64> = enrolments::table
        .filter(enrolments::cohort_id.eq_any(&ids))
        .filter(enrolments::status.eq("active"))
        .group_by(enrolments::cohort_id)
        .select((enrolments::cohort_id, diesel::dsl::count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let all_meetings: Vec<(i64, chrono::NaiveDateTime, i32, String)> = meetings::table
        .filter(meetings::cohort_id.eq_any(&ids))
        .order(meetings::starts_at.asc())
        .select((
            meetings::cohort_id,
            meetings::starts_at,
            meetings::session_number,
            meetings::status,
        ))
        .load(conn)?;
    let at = now();
    Ok(list
        .into_iter()
        .map(|c| {
            let tz = schedule::parse_time_zone(&c.time_zone).ok();
            let mine = all_meetings
                .iter()
                .filter(|m| m.0 == c.id && m.3 != "cancelled");
            let total = mine.clone().count() as i64;
            let done = mine.clone().filter(|m| m.1 <= at).count() as i64;
            let next = mine.clone().find(|m| m.1 > at);
            CohortSummary {
                id: c.id,
                curriculum_title: titles
                    .get(&c.curriculum_version_id)
                    .cloned()
                    .unwrap_or_default(),
                participants: counts.get(&c.id).copied().unwrap_or(0),
                meetings_done: done,
                meetings_total: total,
                next_meeting: next.and_then(|m| tz.map(|tz| schedule::format_local(tz, m.1))),
                next_session: next.map(|m| m.2),
                title: c.title,
                time_zone: c.time_zone,
            }
        })
        .collect())
}
