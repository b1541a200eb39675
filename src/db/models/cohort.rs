use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::ids::{CohortId, UserId};
use crate::db::schema::{cohort_facilitators, cohorts};
pub use crate::db::status::CohortStatus;
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
    #[diesel(deserialize_as = String)]
    pub status: CohortStatus,
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
    /// The "we missed you" message the morning after a missed meeting.
    pub send_missed_you: bool,
    /// Its local time ("09:00") in the group's time zone.
    pub missed_you_at: String,
    /// Missed meetings in a row that alert the facilitators.
    pub absence_alert_after: i32,
    /// How long a waiting-list offer stays open.
    pub offer_hours: i32,
    /// ISO country code phone numbers typed without + are read in; none
    /// means the organisation's country.
    pub phone_country: Option<String>,
    /// The site (place) the group meets at, if said.
    pub site_id: Option<i64>,
    /// The measures this group asks (slugs, space-separated); `None`
    /// means the curriculum's own choice.
    pub measures: Option<String>,
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

/// Which follow-up emails a group sends, and when (checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmailSettings {
    pub send_welcome: bool,
    pub send_reminder: bool,
    pub send_recap: bool,
    pub send_nudge: bool,
    pub reminder_hours_before: i32,
    pub recap_hours_after: i32,
    pub nudge_hours_after: i32,
    /// "We missed you" the morning after a missed meeting, and its time.
    pub send_missed_you: bool,
    pub missed_you_at: chrono::NaiveTime,
    /// Missed meetings in a row that alert the facilitators.
    pub absence_alert_after: i32,
}

impl Cohort {
    pub fn set_email_settings(
        conn: &mut DbConn,
        id: i64,
        s: &EmailSettings,
        at: chrono::NaiveDateTime,
    ) -> Result<(), AppError> {
        diesel::update(cohorts::table.find(id))
            .set((
                cohorts::send_welcome.eq(s.send_welcome),
                cohorts::send_reminder.eq(s.send_reminder),
                cohorts::send_recap.eq(s.send_recap),
                cohorts::send_nudge.eq(s.send_nudge),
                cohorts::reminder_hours_before.eq(s.reminder_hours_before),
                cohorts::recap_hours_after.eq(s.recap_hours_after),
                cohorts::nudge_hours_after.eq(s.nudge_hours_after),
                cohorts::send_missed_you.eq(s.send_missed_you),
                cohorts::missed_you_at.eq(s.missed_you_at.format("%H:%M").to_string()),
                cohorts::absence_alert_after.eq(s.absence_alert_after),
                cohorts::updated_at.eq(at),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// Holds back (or lets go) the group's follow-up emails.
    pub fn set_paused(
        conn: &mut DbConn,
        id: i64,
        paused: bool,
        at: chrono::NaiveDateTime,
    ) -> Result<(), AppError> {
        diesel::update(cohorts::table.find(id))
            .set((
                cohorts::follow_ups_paused.eq(paused),
                cohorts::updated_at.eq(at),
            ))
            .execute(conn)?;
        Ok(())
    }

    pub fn is_paused(conn: &mut DbConn, id: i64) -> Result<bool, AppError> {
        Ok(cohorts::table
            .find(id)
            .select(cohorts::follow_ups_paused)
            .first(conn)?)
    }

    /// (title, time zone) of each of `ids`.
    pub fn titles_and_zones(
        conn: &mut DbConn,
        ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, (String, String)>, AppError> {
        Ok(cohorts::table
            .filter(cohorts::id.eq_any(ids))
            .select((cohorts::id, cohorts::title, cohorts::time_zone))
            .load::<(i64, String, String)>(conn)?
            .into_iter()
            .map(|(id, title, tz)| (id, (title, tz)))
            .collect())
    }

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

    pub fn find(conn: &mut DbConn, id: i64) -> Result<Option<Cohort>, AppError> {
        Ok(cohorts::table
            .find(id)
            .select(Cohort::as_select())
            .load(conn)?
            .into_iter()
            .next())
    }

    /// The group `created_by` made with this title, newest first.
    pub fn find_by_title(
        conn: &mut DbConn,
        created_by: i64,
        title: &str,
    ) -> Result<Option<Cohort>, AppError> {
        Ok(cohorts::table
            .filter(cohorts::created_by.eq(created_by))
            .filter(cohorts::title.eq(title))
            .order(cohorts::id.desc())
            .select(Cohort::as_select())
            .load(conn)?
            .into_iter()
            .next())
    }

    /// Whether `user_id` is one of the group's facilitators.
    pub fn is_facilitated_by(
        conn: &mut DbConn,
        cohort_id: CohortId,
        user_id: UserId,
    ) -> Result<bool, AppError> {
        let (cohort_id, user_id) = (cohort_id.0, user_id.0);
        let n: i64 = cohort_facilitators::table
            .filter(cohort_facilitators::cohort_id.eq(cohort_id))
            .filter(cohort_facilitators::user_id.eq(user_id))
            .count()
            .get_result(conn)?;
        Ok(n > 0)
    }

    /// Adds `user_id` as a co-facilitator.
    pub fn add_co_facilitator(
        conn: &mut DbConn,
        cohort_id: CohortId,
        user_id: UserId,
        at: chrono::NaiveDateTime,
    ) -> Result<(), AppError> {
        let (cohort_id, user_id) = (cohort_id.0, user_id.0);
        diesel::insert_into(cohort_facilitators::table)
            .values((
                cohort_facilitators::cohort_id.eq(cohort_id),
                cohort_facilitators::user_id.eq(user_id),
                cohort_facilitators::role.eq("co"),
                cohort_facilitators::added_at.eq(at),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// Removes a co-facilitator (never the lead); whether there was one.
    pub fn remove_co_facilitator(
        conn: &mut DbConn,
        cohort_id: CohortId,
        user_id: UserId,
    ) -> Result<bool, AppError> {
        let (cohort_id, user_id) = (cohort_id.0, user_id.0);
        let removed = diesel::delete(
            cohort_facilitators::table
                .filter(cohort_facilitators::cohort_id.eq(cohort_id))
                .filter(cohort_facilitators::user_id.eq(user_id))
                .filter(cohort_facilitators::role.eq("co")),
        )
        .execute(conn)?;
        Ok(removed > 0)
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

impl Cohort {
    /// The group's places (none: no limit) and how long a waiting-list
    /// offer stays open.
    pub fn set_places(
        conn: &mut DbConn,
        id: i64,
        capacity: Option<i32>,
        offer_hours: i32,
    ) -> Result<(), AppError> {
        diesel::update(cohorts::table.find(id))
            .set((
                cohorts::capacity.eq(capacity),
                cohorts::offer_hours.eq(offer_hours),
                cohorts::updated_at.eq(crate::db::now()),
            ))
            .execute(conn)?;
        Ok(())
    }
}
