use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::reflections;
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
    pub status: String,
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

impl Reflection {
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
