//! `absence_alerts`: one alert to a group's facilitators when a parent has
//! missed several meetings in a row, and the note of the call that
//! answered it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::absence_alerts;
use crate::db::DbConn;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = absence_alerts)]
pub struct AbsenceAlert {
    pub id: i64,
    pub cohort_id: i64,
    pub enrolment_id: i64,
    /// The meeting whose mark made it `missed_in_row`.
    pub meeting_id: i64,
    pub missed_in_row: i32,
    pub created_at: NaiveDateTime,
    pub called_note: Option<String>,
    pub called_at: Option<NaiveDateTime>,
    pub called_by: Option<i64>,
}

/// A new alert.
#[derive(Debug, Clone, Copy)]
pub struct NewAlert {
    pub cohort_id: i64,
    pub enrolment_id: i64,
    pub meeting_id: i64,
    pub missed_in_row: i32,
    pub created_at: NaiveDateTime,
}

impl AbsenceAlert {
    /// Adds the alert unless this parent has one for this meeting.
    /// Returns whether it was added.
    pub fn insert(conn: &mut DbConn, new: NewAlert) -> Result<bool, AppError> {
        let insert = diesel::insert_into(absence_alerts::table)
            .values((
                absence_alerts::cohort_id.eq(new.cohort_id),
                absence_alerts::enrolment_id.eq(new.enrolment_id),
                absence_alerts::meeting_id.eq(new.meeting_id),
                absence_alerts::missed_in_row.eq(new.missed_in_row),
                absence_alerts::created_at.eq(new.created_at),
            ))
            .on_conflict((absence_alerts::enrolment_id, absence_alerts::meeting_id))
            .do_nothing();
        Ok(crate::on_backend!(conn, |c| insert.execute(c))? == 1)
    }

    /// One parent's alerts, oldest first.
    pub fn for_enrolment(
        conn: &mut DbConn,
        enrolment_id: i64,
    ) -> Result<Vec<AbsenceAlert>, AppError> {
        Ok(absence_alerts::table
            .filter(absence_alerts::enrolment_id.eq(enrolment_id))
            .order(absence_alerts::id)
            .select(AbsenceAlert::as_select())
            .load(conn)?)
    }

    /// A group's alerts nobody has answered yet, oldest first.
    pub fn open_for_cohort(
        conn: &mut DbConn,
        cohort_id: i64,
    ) -> Result<Vec<AbsenceAlert>, AppError> {
        Ok(absence_alerts::table
            .filter(absence_alerts::cohort_id.eq(cohort_id))
            .filter(absence_alerts::called_at.is_null())
            .order(absence_alerts::id)
            .select(AbsenceAlert::as_select())
            .load(conn)?)
    }

    /// How many unanswered alerts of parents still in them each of these
    /// groups has (groups with none are left out).
    pub fn open_counts(conn: &mut DbConn, cohort_ids: &[i64]) -> Result<Vec<(i64, i64)>, AppError> {
        use crate::db::schema::enrolments;
        use crate::db::status::EnrolmentStatus;
        Ok(absence_alerts::table
            .inner_join(enrolments::table)
            .filter(enrolments::status.eq(EnrolmentStatus::Active.as_str()))
            .filter(absence_alerts::cohort_id.eq_any(cohort_ids))
            .filter(absence_alerts::called_at.is_null())
            .group_by(absence_alerts::cohort_id)
            .select((absence_alerts::cohort_id, diesel::dsl::count_star()))
            .load(conn)?)
    }

    /// Answers a parent's open alerts with the note of the call.
    /// Returns how many were answered.
    pub fn answer_open(
        conn: &mut DbConn,
        enrolment_id: i64,
        note: &str,
        by: i64,
        at: NaiveDateTime,
    ) -> Result<usize, AppError> {
        Ok(diesel::update(
            absence_alerts::table
                .filter(absence_alerts::enrolment_id.eq(enrolment_id))
                .filter(absence_alerts::called_at.is_null()),
        )
        .set((
            absence_alerts::called_note.eq(Some(note)),
            absence_alerts::called_at.eq(Some(at)),
            absence_alerts::called_by.eq(Some(by)),
        ))
        .execute(conn)?)
    }

    /// Takes back an unanswered alert whose meeting's mark is no longer
    /// "absent" (the roll was corrected).
    pub fn withdraw_open(
        conn: &mut DbConn,
        enrolment_id: i64,
        meeting_id: i64,
    ) -> Result<usize, AppError> {
        Ok(diesel::delete(
            absence_alerts::table
                .filter(absence_alerts::enrolment_id.eq(enrolment_id))
                .filter(absence_alerts::meeting_id.eq(meeting_id))
                .filter(absence_alerts::called_at.is_null()),
        )
        .execute(conn)?)
    }
}
