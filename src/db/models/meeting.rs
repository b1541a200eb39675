use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::meetings;
use crate::db::DbConn;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = meetings)]
pub struct Meeting {
    pub id: i64,
    pub cohort_id: i64,
    pub session_number: i32,
    pub starts_at: NaiveDateTime,
    pub minutes: i32,
    pub status: String,
    pub is_makeup: bool,
    pub location: Option<String>,
    pub facilitator_note: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = meetings)]
pub struct NewMeeting {
    pub cohort_id: i64,
    pub session_number: i32,
    pub starts_at: NaiveDateTime,
    pub minutes: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Meeting {
    pub fn insert_many(conn: &mut DbConn, new: &[NewMeeting]) -> Result<(), AppError> {
        let insert = diesel::insert_into(meetings::table).values(new);
        crate::on_backend!(conn, |c| insert.execute(c))?;
        Ok(())
    }

    pub fn for_cohort(conn: &mut DbConn, cohort_id: i64) -> Result<Vec<Meeting>, AppError> {
        Ok(meetings::table
            .filter(meetings::cohort_id.eq(cohort_id))
            .order((meetings::starts_at.asc(), meetings::id.asc()))
            .select(Meeting::as_select())
            .load(conn)?)
    }
}
