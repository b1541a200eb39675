//! A participant's texting: their consent (when, and the words agreed to)
//! and STOP, which stops every text to them at once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::Participant;
use crate::db::schema::participants;
use crate::db::DbConn;
use crate::error::AppError;

impl Participant {
    /// Records consent with the exact words agreed to (a tick in their
    /// preferences, or the paper form a facilitator holds). Consenting
    /// again resumes texts they had stopped.
    pub fn record_text_consent(
        conn: &mut DbConn,
        id: i64,
        wording: &str,
        at: NaiveDateTime,
    ) -> Result<(), AppError> {
        diesel::update(participants::table.find(id))
            .set((
                participants::text_consent_at.eq(Some(at)),
                participants::text_consent_wording.eq(Some(wording)),
                participants::texts_stopped_at.eq(None::<NaiveDateTime>),
                participants::updated_at.eq(at),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// Stops (`Some`) or resumes (`None`) all texts to one person.
    pub fn set_texts_stopped(
        conn: &mut DbConn,
        id: i64,
        stopped: Option<NaiveDateTime>,
        at: NaiveDateTime,
    ) -> Result<(), AppError> {
        diesel::update(participants::table.find(id))
            .set((
                participants::texts_stopped_at.eq(stopped),
                participants::updated_at.eq(at),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// Sets a checked (E.164) phone number, or clears it.
    pub fn set_phone(
        conn: &mut DbConn,
        id: i64,
        phone: Option<&str>,
        at: NaiveDateTime,
    ) -> Result<(), AppError> {
        diesel::update(participants::table.find(id))
            .set((
                participants::phone.eq(phone),
                participants::updated_at.eq(at),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// Everyone (not erased) with this E.164 number: a family may share a
    /// phone, and STOP from it stops them all.
    pub fn with_phone(conn: &mut DbConn, e164: &str) -> Result<Vec<Participant>, AppError> {
        Ok(participants::table
            .filter(participants::phone.eq(e164))
            .filter(participants::erased_at.is_null())
            .order(participants::id.asc())
            .select(Participant::as_select())
            .load(conn)?)
    }
}

impl Participant {
    /// The enrolments (in any group) of these people.
    pub fn enrolment_ids(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<i64>, AppError> {
        use crate::db::schema::enrolments;
        Ok(enrolments::table
            .filter(enrolments::participant_id.eq_any(ids))
            .select(enrolments::id)
            .load(conn)?)
    }
}
