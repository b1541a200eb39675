use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::participants;
use crate::db::DbConn;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = participants)]
pub struct Participant {
    pub id: i64,
    pub email: Option<String>,
    pub name: String,
    pub preferred_name: Option<String>,
    pub phone: Option<String>,
    pub erased_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// When they agreed to texts, and the words they agreed to.
    pub text_consent_at: Option<NaiveDateTime>,
    pub text_consent_wording: Option<String>,
    /// STOP (by text or from their preferences): no texts at all.
    pub texts_stopped_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = participants)]
pub struct NewParticipant<'a> {
    pub email: Option<&'a str>,
    pub name: &'a str,
    pub preferred_name: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Two spellings of one name: the same letters, ignoring case and the
/// spaces between words ("ANA  RUIZ" is "Ana Ruiz").
pub fn same_name(a: &str, b: &str) -> bool {
    name_key(a) == name_key(b)
}

/// A name as compared: lower case, one space between words.
pub fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Participant {
    /// Finds the participant with this email, or adds them: one person,
    /// however many cohorts they join. Where two parents share the address,
    /// the one of the same name, else the first.
    pub fn find_or_insert(
        conn: &mut DbConn,
        new: &NewParticipant<'_>,
    ) -> Result<Participant, AppError> {
        if let Some(email) = new.email {
            let mut existing = Self::all_with_email(conn, email)?;
            let named = existing.iter().position(|p| same_name(&p.name, new.name));
            if let Some(i) = named.or((!existing.is_empty()).then_some(0)) {
                return Ok(existing.swap_remove(i));
            }
        }
        Self::insert(conn, new)
    }

    /// Finds the participant with this email and this name, or adds them:
    /// a couple sharing one address are two people.
    pub fn find_or_insert_named(
        conn: &mut DbConn,
        new: &NewParticipant<'_>,
    ) -> Result<Participant, AppError> {
        if let Some(email) = new.email {
            let existing = Self::all_with_email(conn, email)?;
            if let Some(p) = existing.into_iter().find(|p| same_name(&p.name, new.name)) {
                return Ok(p);
            }
        }
        Self::insert(conn, new)
    }

    fn all_with_email(conn: &mut DbConn, email: &str) -> Result<Vec<Participant>, AppError> {
        Ok(participants::table
            .filter(participants::email.eq(email))
            .order(participants::id.asc())
            .select(Participant::as_select())
            .load(conn)?)
    }

    fn insert(conn: &mut DbConn, new: &NewParticipant<'_>) -> Result<Participant, AppError> {
        diesel::insert_into(participants::table)
            .values(new)
            .execute(conn)?;
        Ok(participants::table
            .order(participants::id.desc())
            .filter(participants::name.eq(new.name))
            .select(Participant::as_select())
            .load(conn)?
            .into_iter()
            .next()
            .ok_or(diesel::result::Error::NotFound)?)
    }
}

impl Participant {
    /// Everyone with one of `emails`, first added first.
    pub fn with_emails(conn: &mut DbConn, emails: &[String]) -> Result<Vec<Participant>, AppError> {
        Ok(participants::table
            .filter(participants::email.eq_any(emails))
            .order(participants::id.asc())
            .select(Participant::as_select())
            .load(conn)?)
    }

    /// The person with this email who has not erased their details.
    pub fn find_by_email(conn: &mut DbConn, email: &str) -> Result<Option<Participant>, AppError> {
        Ok(participants::table
            .filter(participants::email.eq(email))
            .filter(participants::erased_at.is_null())
            .select(Participant::as_select())
            .load(conn)?
            .into_iter()
            .next())
    }

    pub fn find(conn: &mut DbConn, id: i64) -> Result<Participant, AppError> {
        Ok(participants::table
            .find(id)
            .select(Participant::as_select())
            .load(conn)?
            .into_iter()
            .next()
            .ok_or(diesel::result::Error::NotFound)?)
    }
}
