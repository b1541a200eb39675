//! What the composer reads to decide how a message reaches a parent: their
//! number, texting consent and STOP, whether they stopped emails, their
//! choice for the kind, and the group's time zone and phone country.
//!
//! Indexes it relies on: `enrolments (id)`, `participants (id)`,
//! `cohorts (id)`, `contact_preferences (enrolment_id, kind)` (primary key).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::contact_preference::{ContactChoice, ContactPreference};
use crate::db::schema::{cohorts, enrolments, participants};
use crate::db::DbConn;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable)]
struct ReachColumns {
    participant_id: i64,
    phone: Option<String>,
    text_consent_at: Option<NaiveDateTime>,
    texts_stopped_at: Option<NaiveDateTime>,
    erased_at: Option<NaiveDateTime>,
    unsubscribed_at: Option<NaiveDateTime>,
    time_zone: String,
    phone_country: Option<String>,
}

/// How one parent in one group can be reached.
#[derive(Debug, Clone)]
pub struct Reach {
    pub participant_id: i64,
    pub phone: Option<String>,
    pub can_text: bool,
    /// They stopped the group's emails (RFC 8058 link or their page).
    pub emails_stopped: bool,
    pub erased: bool,
    pub time_zone: String,
    /// The group's phone country, else the organisation's.
    pub phone_country: Option<String>,
    /// Their choice for the kind asked about, if they made one.
    pub choice: Option<ContactChoice>,
}

pub fn reach(conn: &mut DbConn, enrolment_id: i64, kind: &str) -> Result<Option<Reach>, AppError> {
    let Some(row) = enrolments::table
        .inner_join(participants::table)
        .inner_join(cohorts::table)
        .filter(enrolments::id.eq(enrolment_id))
        .select((
            participants::id,
            participants::phone,
            participants::text_consent_at,
            participants::texts_stopped_at,
            participants::erased_at,
            enrolments::unsubscribed_at,
            cohorts::time_zone,
            cohorts::phone_country,
        ))
        .load::<ReachColumns>(conn)?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let choice = ContactPreference::choice(conn, enrolment_id, kind)?;
    let phone_country = match row.phone_country {
        Some(c) => Some(c),
        None => crate::db::models::support::settings(conn)?.map(|(country, _)| country),
    };
    Ok(Some(Reach {
        participant_id: row.participant_id,
        can_text: row.phone.is_some()
            && row.text_consent_at.is_some()
            && row.texts_stopped_at.is_none()
            && row.erased_at.is_none(),
        phone: row.phone,
        emails_stopped: row.unsubscribed_at.is_some(),
        erased: row.erased_at.is_some(),
        time_zone: row.time_zone,
        phone_country,
        choice,
    }))
}
