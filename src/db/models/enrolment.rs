use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::enrolments;
use crate::db::DbConn;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = enrolments)]
pub struct Enrolment {
    pub id: i64,
    pub cohort_id: i64,
    pub participant_id: i64,
    pub status: String,
    pub source: String,
    pub notes: Option<String>,
    pub consent_version: Option<String>,
    pub consented_at: Option<NaiveDateTime>,
    pub unsubscribed_at: Option<NaiveDateTime>,
    pub enrolled_at: NaiveDateTime,
    pub withdrawn_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = enrolments)]
pub struct NewEnrolment<'a> {
    pub cohort_id: i64,
    pub participant_id: i64,
    pub status: &'a str,
    pub source: &'a str,
    pub enrolled_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Enrolment {
    pub fn insert(conn: &mut DbConn, new: &NewEnrolment<'_>) -> Result<Enrolment, AppError> {
        diesel::insert_into(enrolments::table)
            .values(new)
            .execute(conn)?;
        Ok(enrolments::table
            .filter(enrolments::cohort_id.eq(new.cohort_id))
            .filter(enrolments::participant_id.eq(new.participant_id))
            .select(Enrolment::as_select())
            .first(conn)?)
    }

    pub fn for_cohort(conn: &mut DbConn, cohort_id: i64) -> Result<Vec<Enrolment>, AppError> {
        Ok(enrolments::table
            .filter(enrolments::cohort_id.eq(cohort_id))
            .order(enrolments::id.asc())
            .select(Enrolment::as_select())
            .load(conn)?)
    }
}

impl Enrolment {
    pub fn find_in_cohort(
        conn: &mut DbConn,
        cohort_id: i64,
        enrolment_id: i64,
    ) -> Result<Enrolment, AppError> {
        enrolments::table
            .find(enrolment_id)
            .filter(enrolments::cohort_id.eq(cohort_id))
            .select(Enrolment::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| AppError::not_found("We couldn't find that parent in this group."))
    }

    pub fn find_for(
        conn: &mut DbConn,
        cohort_id: i64,
        participant_id: i64,
    ) -> Result<Option<Enrolment>, AppError> {
        Ok(enrolments::table
            .filter(enrolments::cohort_id.eq(cohort_id))
            .filter(enrolments::participant_id.eq(participant_id))
            .select(Enrolment::as_select())
            .first(conn)
            .optional()?)
    }

    pub fn set_status(conn: &mut DbConn, id: i64, status: &str) -> Result<(), AppError> {
        let at = crate::db::now();
        let withdrawn_at = (status == "withdrawn").then_some(at);
        diesel::update(enrolments::table.find(id))
            .set((
                enrolments::status.eq(status),
                enrolments::withdrawn_at.eq(withdrawn_at),
                enrolments::updated_at.eq(at),
            ))
            .execute(conn)?;
        Ok(())
    }

    pub fn set_notes(conn: &mut DbConn, id: i64, notes: Option<&str>) -> Result<(), AppError> {
        diesel::update(enrolments::table.find(id))
            .set(enrolments::notes.eq(notes))
            .execute(conn)?;
        Ok(())
    }
}
