//! `rsvps`: a parent's answer for one meeting ("I'll be there" or "I can't
//! come this time"), one row per meeting and parent; changing their mind
//! updates it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::rsvps;
use crate::db::status::{ApologyReason, RsvpAnswer};
use crate::db::DbConn;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rsvps)]
pub struct Rsvp {
    pub meeting_id: i64,
    pub enrolment_id: i64,
    #[diesel(deserialize_as = String)]
    pub answer: RsvpAnswer,
    pub reason: Option<String>,
    pub note: Option<String>,
    /// How it came: `link` (a reminder's button), `home` (their page), ...
    pub via: String,
    pub answered_at: NaiveDateTime,
}

impl Rsvp {
    /// The reason as the enum, if one was given and is known.
    pub fn apology_reason(&self) -> Option<ApologyReason> {
        self.reason.as_deref().and_then(ApologyReason::parse)
    }
}

/// An answer to store.
#[derive(Debug, Clone)]
pub struct NewRsvp<'a> {
    pub meeting_id: i64,
    pub enrolment_id: i64,
    pub answer: RsvpAnswer,
    pub reason: Option<ApologyReason>,
    pub note: Option<&'a str>,
    pub via: &'a str,
    pub answered_at: NaiveDateTime,
}

impl Rsvp {
    /// Records an answer, replacing the parent's earlier one for the meeting.
    pub fn save(conn: &mut DbConn, new: &NewRsvp<'_>) -> Result<(), AppError> {
        let reason = new.reason.map(ApologyReason::as_str);
        let upsert = diesel::insert_into(rsvps::table)
            .values((
                rsvps::meeting_id.eq(new.meeting_id),
                rsvps::enrolment_id.eq(new.enrolment_id),
                rsvps::answer.eq(new.answer.as_str()),
                rsvps::reason.eq(reason),
                rsvps::note.eq(new.note),
                rsvps::via.eq(new.via),
                rsvps::answered_at.eq(new.answered_at),
            ))
            .on_conflict((rsvps::meeting_id, rsvps::enrolment_id))
            .do_update()
            .set((
                rsvps::answer.eq(new.answer.as_str()),
                rsvps::reason.eq(reason),
                rsvps::note.eq(new.note),
                rsvps::via.eq(new.via),
                rsvps::answered_at.eq(new.answered_at),
            ));
        crate::on_backend!(conn, |c| upsert.execute(c))?;
        Ok(())
    }

    pub fn find(
        conn: &mut DbConn,
        meeting_id: i64,
        enrolment_id: i64,
    ) -> Result<Option<Rsvp>, AppError> {
        Ok(rsvps::table
            .find((meeting_id, enrolment_id))
            .select(Rsvp::as_select())
            .load(conn)?
            .into_iter()
            .next())
    }

    /// Every answer for a meeting (primary key: `meeting_id` leads).
    pub fn for_meeting(conn: &mut DbConn, meeting_id: i64) -> Result<Vec<Rsvp>, AppError> {
        Ok(rsvps::table
            .filter(rsvps::meeting_id.eq(meeting_id))
            .select(Rsvp::as_select())
            .load(conn)?)
    }

    /// Deletes every answer of these places (erasing a parent).
    pub fn delete_for_enrolments(conn: &mut DbConn, ids: &[i64]) -> Result<(), AppError> {
        diesel::delete(rsvps::table.filter(rsvps::enrolment_id.eq_any(ids))).execute(conn)?;
        Ok(())
    }
}
