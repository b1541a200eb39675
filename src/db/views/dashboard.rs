//! What the facilitator dashboard reads: the groups a user sees and, per
//! group, its counts, in a fixed number of queries however many groups.
//! The queries name the user's groups by a subquery, not a list of ids, so
//! an admin of thousands of groups stays within the database's limit on
//! bound values; counting is done in SQL and the rest grouped once.
//!
//! Indexes it relies on: `cohort_facilitators (user_id)`,
//! `enrolments (cohort_id, status)`, `meetings (cohort_id, starts_at)`,
//! `attendance (meeting_id)`, `reflections (enrolment_id)`,
//! `rsvps PRIMARY KEY (meeting_id, enrolment_id)`.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use crate::db::models::{Cohort, User};
use crate::db::schema::{
    attendance, cohort_facilitators, cohorts, curriculum_versions, enrolments, meetings,
    reflections, rsvps,
};
use crate::db::status::{
    AttendanceStatus, EnrolmentStatus, MeetingStatus, ReflectionStatus, RsvpAnswer,
};
use crate::db::DbConn;
use crate::error::AppError;

/// One meeting of a group, as the dashboard needs it.
#[derive(Debug, Clone, Queryable)]
pub struct DashMeeting {
    pub cohort_id: i64,
    pub id: i64,
    pub starts_at: NaiveDateTime,
    pub session_number: i32,
    #[diesel(deserialize_as = String)]
    pub status: MeetingStatus,
}

/// Everything the dashboard shows, by cohort id.
#[derive(Debug, Default)]
pub struct DashboardRows {
    /// Newest first.
    pub cohorts: Vec<Cohort>,
    /// Curriculum title by curriculum version id.
    pub curriculum_titles: HashMap<i64, String>,
    /// Parents currently in each group.
    pub active_parents: HashMap<i64, i64>,
    /// Every meeting, cancelled ones too, in time order.
    pub meetings: HashMap<i64, Vec<DashMeeting>>,
    /// "Present" marks at meetings held (not cancelled) by `at`.
    pub present_marks: HashMap<i64, i64>,
    /// When each reflection shared with facilitators was sent.
    pub shared_reflections: HashMap<i64, Vec<Option<NaiveDateTime>>>,
    /// (coming, apologies) from parents in the group now, by meeting, for
    /// meetings not yet started.
    pub rsvp_counts: HashMap<i64, (i64, i64)>,
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

/// The titles of the curriculum versions `cohorts` run: a handful of
/// versions, however many groups.
fn curriculum_titles(
    conn: &mut DbConn,
    cohorts: &[Cohort],
) -> Result<HashMap<i64, String>, AppError> {
    let version_ids: BTreeSet<i64> = cohorts.iter().map(|c| c.curriculum_version_id).collect();
    Ok(curriculum_versions::table
        .filter(curriculum_versions::id.eq_any(version_ids))
        .select((curriculum_versions::id, curriculum_versions::title))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// The dashboard's rows for `user`, with "held" meaning started by `at`.
pub fn dashboard(
    conn: &mut DbConn,
    user: &User,
    at: NaiveDateTime,
) -> Result<DashboardRows, AppError> {
    let (user_id, is_admin) = (user.id, user.is_admin);
    // The same groups as `visible_cohorts`, as a subquery.
    let visible = || {
        cohorts::table
            .filter(
                cohorts::id
                    .eq_any(
                        cohort_facilitators::table
                            .filter(cohort_facilitators::user_id.eq(user_id))
                            .select(cohort_facilitators::cohort_id),
                    )
                    .or(is_admin.into_sql::<Bool>()),
            )
            .select(cohorts::id)
    };
    let cohorts = visible_cohorts(conn, user)?;
    let curriculum_titles = curriculum_titles(conn, &cohorts)?;
    let active_parents = enrolments::table
        .filter(enrolments::cohort_id.eq_any(visible()))
        .filter(enrolments::status.eq(EnrolmentStatus::Active.as_str()))
        .group_by(enrolments::cohort_id)
        .select((enrolments::cohort_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let meetings_by_cohort = grouped(
        meetings::table
            .filter(meetings::cohort_id.eq_any(visible()))
            .order(meetings::starts_at.asc())
            .select((
                meetings::cohort_id,
                meetings::id,
                meetings::starts_at,
                meetings::session_number,
                meetings::status,
            ))
            .load::<DashMeeting>(conn)?,
        |m| (m.cohort_id, m),
    );
    let present_marks = attendance::table
        .inner_join(meetings::table)
        .filter(meetings::cohort_id.eq_any(visible()))
        .filter(meetings::status.ne(MeetingStatus::Cancelled.as_str()))
        .filter(meetings::starts_at.le(at))
        .filter(attendance::status.eq(AttendanceStatus::Present.as_str()))
        .group_by(meetings::cohort_id)
        .select((meetings::cohort_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let shared_reflections = grouped(
        reflections::table
            .inner_join(enrolments::table)
            .filter(enrolments::cohort_id.eq_any(visible()))
            .filter(reflections::status.eq(ReflectionStatus::Submitted.as_str()))
            .filter(reflections::visibility.eq("facilitators"))
            .select((enrolments::cohort_id, reflections::submitted_at))
            .load::<(i64, Option<NaiveDateTime>)>(conn)?,
        |r| r,
    );
    let rsvp_counts = rsvp_counts(conn, user, at)?;
    Ok(DashboardRows {
        rsvp_counts,
        cohorts,
        curriculum_titles,
        active_parents,
        meetings: meetings_by_cohort,
        present_marks,
        shared_reflections,
    })
}

/// (coming, apologies) by meeting, for the meetings of `user`'s groups
/// after `at`, counting the parents in their group now.
fn rsvp_counts(
    conn: &mut DbConn,
    user: &User,
    at: NaiveDateTime,
) -> Result<HashMap<i64, (i64, i64)>, AppError> {
    let (user_id, is_admin) = (user.id, user.is_admin);
    let visible = cohorts::table
        .filter(
            cohorts::id
                .eq_any(
                    cohort_facilitators::table
                        .filter(cohort_facilitators::user_id.eq(user_id))
                        .select(cohort_facilitators::cohort_id),
                )
                .or(is_admin.into_sql::<Bool>()),
        )
        .select(cohorts::id);
    let rows = rsvps::table
        .inner_join(meetings::table)
        .inner_join(enrolments::table)
        .filter(meetings::cohort_id.eq_any(visible))
        .filter(meetings::starts_at.gt(at))
        .filter(enrolments::status.eq(EnrolmentStatus::Active.as_str()))
        .group_by((rsvps::meeting_id, rsvps::answer))
        .select((rsvps::meeting_id, rsvps::answer, count_star()))
        .load::<(i64, String, i64)>(conn)?;
    let mut counts: HashMap<i64, (i64, i64)> = HashMap::new();
    for (meeting_id, answer, n) in rows {
        let entry = counts.entry(meeting_id).or_default();
        match RsvpAnswer::parse(&answer) {
            Some(RsvpAnswer::Coming) => entry.0 += n,
            Some(RsvpAnswer::Apologies) => entry.1 += n,
            None => {}
        }
    }
    Ok(counts)
}

/// Rows grouped by cohort, in their order.
fn grouped<T, V>(rows: Vec<T>, split: impl Fn(T) -> (i64, V)) -> HashMap<i64, Vec<V>> {
    let mut out: HashMap<i64, Vec<V>> = HashMap::new();
    for row in rows {
        let (cohort_id, value) = split(row);
        out.entry(cohort_id).or_default().push(value);
    }
    out
}
