use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::web_sessions;
use crate::db::DbConn;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = web_sessions)]
pub struct WebSession {
    pub id: i64,
    pub token_hash: String,
    pub user_id: Option<i64>,
    pub data: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub absolute_expires_at: NaiveDateTime,
    pub enrolment_id: Option<i64>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = web_sessions)]
pub struct NewWebSession<'a> {
    pub token_hash: &'a str,
    pub user_id: Option<i64>,
    pub data: &'a str,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub absolute_expires_at: NaiveDateTime,
    pub enrolment_id: Option<i64>,
}

impl WebSession {
    pub fn insert(conn: &mut DbConn, new: &NewWebSession<'_>) -> Result<(), AppError> {
        diesel::insert_into(web_sessions::table)
            .values(new)
            .execute(conn)?;
        Ok(())
    }

    /// The session for this token if neither its idle nor its absolute
    /// time is up.
    pub fn find_live(
        conn: &mut DbConn,
        token_hash: &str,
        now: NaiveDateTime,
    ) -> Result<Option<WebSession>, AppError> {
        Ok(web_sessions::table
            .filter(web_sessions::token_hash.eq(token_hash))
            .filter(web_sessions::expires_at.gt(now))
            .filter(web_sessions::absolute_expires_at.gt(now))
            .select(WebSession::as_select())
            .load(conn)?
            .pop())
    }

    /// Stores new state; returns false if the session is gone.
    pub fn update_state(
        conn: &mut DbConn,
        token_hash: &str,
        owner: (Option<i64>, Option<i64>),
        data: &str,
        now: NaiveDateTime,
        expires_at: NaiveDateTime,
    ) -> Result<bool, AppError> {
        let (user_id, enrolment_id) = owner;
        let n = diesel::update(
            web_sessions::table
                .filter(web_sessions::token_hash.eq(token_hash))
                .filter(web_sessions::absolute_expires_at.gt(now)),
        )
        .set((
            web_sessions::user_id.eq(user_id),
            web_sessions::enrolment_id.eq(enrolment_id),
            web_sessions::data.eq(data),
            web_sessions::last_seen_at.eq(now),
            web_sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
        Ok(n > 0)
    }

    pub fn touch(
        conn: &mut DbConn,
        token_hash: &str,
        now: NaiveDateTime,
        expires_at: NaiveDateTime,
    ) -> Result<(), AppError> {
        diesel::update(web_sessions::table.filter(web_sessions::token_hash.eq(token_hash)))
            .set((
                web_sessions::last_seen_at.eq(now),
                web_sessions::expires_at.eq(expires_at),
            ))
            .execute(conn)?;
        Ok(())
    }

    pub fn delete(conn: &mut DbConn, token_hash: &str) -> Result<(), AppError> {
        diesel::delete(web_sessions::table.filter(web_sessions::token_hash.eq(token_hash)))
            .execute(conn)?;
        Ok(())
    }

    /// Signs a person out everywhere (logout elsewhere, password change,
    /// account switched off).
    pub fn delete_for_user(conn: &mut DbConn, user_id: i64) -> Result<usize, AppError> {
        Ok(
            diesel::delete(web_sessions::table.filter(web_sessions::user_id.eq(user_id)))
                .execute(conn)?,
        )
    }

    /// Ends every session of a parent (their links were revoked).
    pub fn delete_for_enrolment(conn: &mut DbConn, enrolment_id: i64) -> Result<usize, AppError> {
        Ok(
            diesel::delete(web_sessions::table.filter(web_sessions::enrolment_id.eq(enrolment_id)))
                .execute(conn)?,
        )
    }

    pub fn delete_expired(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize, AppError> {
        Ok(diesel::delete(
            web_sessions::table.filter(
                web_sessions::expires_at
                    .le(now)
                    .or(web_sessions::absolute_expires_at.le(now)),
            ),
        )
        .execute(conn)?)
    }
}
