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

impl Participant {
    /// Finds the participant with this email, or adds them: one person,
    /// however many cohorts they join.
    pub fn find_or_insert(
        conn: &mut DbConn,
        new: &NewParticipant<'_>,
    ) -> Result<Participant, AppError> {
        if let Some(email) = new.email {
            let existing = participants::table
                .filter(participants::email.eq(email))
                .select(Participant::as_select())
                .load(conn)?
                .into_iter()
                .next();
            if let Some(p) = existing {
                return Ok(p);
            }
        }
        diesel::insert_into(participants::table)
            .values(new)
            .execute(conn)?;
        Ok(participants::table
            .order(participants::id.desc())
            .filter(participants::name.eq(new.name))
            .select(Participant::as_select())
            .first(conn)?)
    }
}

impl Participant {
    /// The id of each of `emails` someone already has.
    pub fn ids_by_email(
        conn: &mut DbConn,
        emails: &[String],
    ) -> Result<std::collections::HashMap<String, i64>, AppError> {
        Ok(participants::table
            .filter(participants::email.eq_any(emails))
            .select((participants::email.assume_not_null(), participants::id))
            .load::<(String, i64)>(conn)?
            .into_iter()
            .collect())
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
