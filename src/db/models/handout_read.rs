//! `handout_reads`: the first time a parent opened a session's handout on
//! their own page (what "read the handout" means for catching up).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::handout_reads;
use crate::db::DbConn;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = handout_reads)]
pub struct HandoutRead {
    pub enrolment_id: i64,
    pub session_number: i32,
    pub first_read_at: NaiveDateTime,
}

impl HandoutRead {
    /// Notes a read; a later read of the same handout changes nothing.
    pub fn record(
        conn: &mut DbConn,
        enrolment_id: i64,
        session_number: i32,
        at: NaiveDateTime,
    ) -> Result<(), AppError> {
        let insert = diesel::insert_into(handout_reads::table)
            .values((
                handout_reads::enrolment_id.eq(enrolment_id),
                handout_reads::session_number.eq(session_number),
                handout_reads::first_read_at.eq(at),
            ))
            .on_conflict((handout_reads::enrolment_id, handout_reads::session_number))
            .do_nothing();
        crate::on_backend!(conn, |c| insert.execute(c))?;
        Ok(())
    }
}
