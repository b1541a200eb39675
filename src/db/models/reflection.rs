use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::reflections;
pub use crate::db::status::ReflectionStatus;
use crate::db::DbConn;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = reflections)]
pub struct Reflection {
    pub id: i64,
    pub enrolment_id: i64,
    pub session_number: i32,
    /// JSON list of answers, one per prompt (empty string when skipped).
    pub answers: String,
    pub visibility: String,
    #[diesel(deserialize_as = String)]
    pub status: ReflectionStatus,
    pub facilitator_reply: Option<String>,
    pub replied_by: Option<i64>,
    pub replied_at: Option<NaiveDateTime>,
    pub submitted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub first_read_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = reflections)]
pub struct NewReflection<'a> {
    pub enrolment_id: i64,
    pub session_number: i32,
    pub answers: &'a str,
    pub visibility: &'a str,
    pub status: &'a str,
    pub submitted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A parent's answers for one session, as `Reflection::save` writes them.
#[derive(Debug)]
pub struct SavedAnswers<'a> {
    pub enrolment_id: i64,
    pub session_number: i32,
    /// JSON array of answers, one per prompt.
    pub answers: &'a str,
    pub visibility: &'a str,
    pub status: ReflectionStatus,
    pub submitted_at: Option<NaiveDateTime>,
    pub at: NaiveDateTime,
}

impl Reflection {
    /// Writes a parent's answers for a session: the first save makes the
    /// row, later ones change it (one row per enrolment and session).
    pub fn save(conn: &mut DbConn, a: &SavedAnswers<'_>) -> Result<(), AppError> {
        let upsert = diesel::insert_into(reflections::table)
            .values((
                reflections::enrolment_id.eq(a.enrolment_id),
                reflections::session_number.eq(a.session_number),
                reflections::answers.eq(a.answers),
                reflections::visibility.eq(a.visibility),
                reflections::status.eq(a.status.as_str()),
                reflections::submitted_at.eq(a.submitted_at),
                reflections::created_at.eq(a.at),
                reflections::updated_at.eq(a.at),
            ))
            .on_conflict((reflections::enrolment_id, reflections::session_number))
            .do_update()
            .set((
                reflections::answers.eq(a.answers),
                reflections::visibility.eq(a.visibility),
                reflections::status.eq(a.status.as_str()),
                reflections::submitted_at.eq(a.submitted_at),
                reflections::updated_at.eq(a.at),
            ));
        crate::on_backend!(conn, |c| upsert.execute(c))?;
        Ok(())
    }

    /// A parent's reflection for a session, if they wrote one.
    pub fn find(
        conn: &mut DbConn,
        enrolment_id: i64,
        session_number: i32,
    ) -> Result<Option<Reflection>, AppError> {
        Ok(reflections::table
            .filter(reflections::enrolment_id.eq(enrolment_id))
            .filter(reflections::session_number.eq(session_number))
            .select(Reflection::as_select())
            .load(conn)?
            .into_iter()
            .next())
    }

    /// A reflection and the group its writer is in.
    pub fn with_cohort(conn: &mut DbConn, id: i64) -> Result<Option<(Reflection, i64)>, AppError> {
        use crate::db::schema::enrolments;
        Ok(reflections::table
            .inner_join(enrolments::table)
            .filter(reflections::id.eq(id))
            .select((Reflection::as_select(), enrolments::cohort_id))
            .load(conn)?
            .into_iter()
            .next())
    }

    /// Notes when a facilitator first saw each of `ids`.
    pub fn mark_read(conn: &mut DbConn, ids: &[i64], at: NaiveDateTime) -> Result<(), AppError> {
        diesel::update(
            reflections::table
                .filter(reflections::id.eq_any(ids))
                .filter(reflections::first_read_at.is_null()),
        )
        .set(reflections::first_read_at.eq(Some(at)))
        .execute(conn)?;
        Ok(())
    }

    /// A facilitator's short note back.
    pub fn set_reply(
        conn: &mut DbConn,
        id: i64,
        text: &str,
        by: i64,
        at: NaiveDateTime,
    ) -> Result<(), AppError> {
        diesel::update(reflections::table.find(id))
            .set((
                reflections::facilitator_reply.eq(Some(text)),
                reflections::replied_by.eq(Some(by)),
                reflections::replied_at.eq(Some(at)),
            ))
            .execute(conn)?;
        Ok(())
    }

    pub fn insert(conn: &mut DbConn, new: &NewReflection<'_>) -> Result<(), AppError> {
        diesel::insert_into(reflections::table)
            .values(new)
            .execute(conn)?;
        Ok(())
    }

    pub fn for_enrolment(
        conn: &mut DbConn,
        enrolment_id: i64,
    ) -> Result<Vec<Reflection>, AppError> {
        Ok(reflections::table
            .filter(reflections::enrolment_id.eq(enrolment_id))
            .order(reflections::session_number.asc())
            .select(Reflection::as_select())
            .load(conn)?)
    }
}
