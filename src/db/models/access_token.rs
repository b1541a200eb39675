use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::crypto::{hash_token, new_token};
use crate::db::schema::access_tokens;
use crate::db::{now, DbConn};
use crate::error::AppError;

/// A secret link's record. Only the token's hash is kept; the token itself
/// is shown once, when it is made.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = access_tokens)]
pub struct AccessToken {
    pub id: i64,
    pub purpose: String,
    pub token_hash: String,
    pub enrolment_id: Option<i64>,
    pub cohort_id: Option<i64>,
    pub user_id: Option<i64>,
    pub attempts: i32,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// What a presented token turned out to be.
pub enum Lookup {
    Live(AccessToken),
    /// Known but revoked or expired: the person deserves to hear so (410).
    Retired(AccessToken),
    Unknown,
}

impl AccessToken {
    /// Retires an account's live tokens of `purpose` and makes a new one,
    /// ending at `expires_at`. Returns the token and its stored hash.
    pub fn replace_for_user(
        conn: &mut DbConn,
        purpose: &str,
        user_id: i64,
        at: NaiveDateTime,
        expires_at: NaiveDateTime,
    ) -> Result<(String, String), AppError> {
        diesel::update(
            access_tokens::table
                .filter(access_tokens::purpose.eq(purpose))
                .filter(access_tokens::user_id.eq(user_id))
                .filter(access_tokens::used_at.is_null())
                .filter(access_tokens::revoked_at.is_null()),
        )
        .set(access_tokens::revoked_at.eq(Some(at)))
        .execute(conn)?;
        let token = new_token()?;
        let hash = hash_token(&token);
        diesel::insert_into(access_tokens::table)
            .values((
                access_tokens::purpose.eq(purpose),
                access_tokens::token_hash.eq(&hash),
                access_tokens::user_id.eq(Some(user_id)),
                access_tokens::created_at.eq(at),
                access_tokens::expires_at.eq(Some(expires_at)),
            ))
            .execute(conn)?;
        Ok((token, hash))
    }

    /// Makes a token for a parent's enrolment, ending at `expires_at`, and
    /// records how it was handed over. Returns the token.
    pub fn insert_for_enrolment(
        conn: &mut DbConn,
        purpose: &str,
        enrolment_id: i64,
        channel: &str,
        at: NaiveDateTime,
        expires_at: NaiveDateTime,
    ) -> Result<String, AppError> {
        let token = new_token()?;
        diesel::insert_into(access_tokens::table)
            .values((
                access_tokens::purpose.eq(purpose),
                access_tokens::token_hash.eq(hash_token(&token)),
                access_tokens::enrolment_id.eq(Some(enrolment_id)),
                access_tokens::created_at.eq(at),
                access_tokens::expires_at.eq(Some(expires_at)),
                access_tokens::channel.eq(Some(channel)),
            ))
            .execute(conn)?;
        Ok(token)
    }

    /// Ids of an enrolment's live tokens of `purpose` handed over by
    /// `channel`, newest first.
    pub fn live_for_enrolment(
        conn: &mut DbConn,
        purpose: &str,
        enrolment_id: i64,
        channel: &str,
        at: NaiveDateTime,
    ) -> Result<Vec<i64>, AppError> {
        Ok(access_tokens::table
            .filter(access_tokens::purpose.eq(purpose))
            .filter(access_tokens::enrolment_id.eq(enrolment_id))
            .filter(access_tokens::channel.eq(channel))
            .filter(access_tokens::revoked_at.is_null())
            .filter(access_tokens::expires_at.gt(at))
            .order((access_tokens::created_at.desc(), access_tokens::id.desc()))
            .select(access_tokens::id)
            .load(conn)?)
    }

    /// Ends `ids` at `at` (they read as expired, not switched off).
    pub fn expire(conn: &mut DbConn, ids: &[i64], at: NaiveDateTime) -> Result<(), AppError> {
        if !ids.is_empty() {
            diesel::update(access_tokens::table.filter(access_tokens::id.eq_any(ids)))
                .set(access_tokens::expires_at.eq(Some(at)))
                .execute(conn)?;
        }
        Ok(())
    }

    /// Switches off every token of `purpose` an enrolment has.
    pub fn revoke_for_enrolment(
        conn: &mut DbConn,
        purpose: &str,
        enrolment_id: i64,
        at: NaiveDateTime,
    ) -> Result<(), AppError> {
        diesel::update(
            access_tokens::table
                .filter(access_tokens::purpose.eq(purpose))
                .filter(access_tokens::enrolment_id.eq(enrolment_id))
                .filter(access_tokens::revoked_at.is_null()),
        )
        .set(access_tokens::revoked_at.eq(Some(at)))
        .execute(conn)?;
        Ok(())
    }

    /// Switches off an enrolment's unused tokens of `purpose` (asking for
    /// a new code retires the last one).
    pub fn revoke_unused_for_enrolment(
        conn: &mut DbConn,
        purpose: &str,
        enrolment_id: i64,
        at: NaiveDateTime,
    ) -> Result<(), AppError> {
        diesel::update(
            access_tokens::table
                .filter(access_tokens::purpose.eq(purpose))
                .filter(access_tokens::enrolment_id.eq(enrolment_id))
                .filter(access_tokens::used_at.is_null())
                .filter(access_tokens::revoked_at.is_null()),
        )
        .set(access_tokens::revoked_at.eq(Some(at)))
        .execute(conn)?;
        Ok(())
    }

    /// Stores an already hashed secret (a sign-in code) for an enrolment.
    pub fn insert_hashed_for_enrolment(
        conn: &mut DbConn,
        purpose: &str,
        enrolment_id: i64,
        hash: &str,
        at: NaiveDateTime,
        expires_at: NaiveDateTime,
    ) -> Result<(), AppError> {
        diesel::insert_into(access_tokens::table)
            .values((
                access_tokens::purpose.eq(purpose),
                access_tokens::token_hash.eq(hash),
                access_tokens::enrolment_id.eq(Some(enrolment_id)),
                access_tokens::created_at.eq(at),
                access_tokens::expires_at.eq(Some(expires_at)),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// The newest unused, unrevoked token of `purpose` for any of
    /// `enrolment_ids`.
    pub fn newest_unused(
        conn: &mut DbConn,
        purpose: &str,
        enrolment_ids: &[i64],
    ) -> Result<Option<AccessToken>, AppError> {
        Ok(access_tokens::table
            .filter(access_tokens::purpose.eq(purpose))
            .filter(access_tokens::enrolment_id.eq_any(enrolment_ids))
            .filter(access_tokens::used_at.is_null())
            .filter(access_tokens::revoked_at.is_null())
            .order((access_tokens::created_at.desc(), access_tokens::id.desc()))
            .select(AccessToken::as_select())
            .load(conn)?
            .into_iter()
            .next())
    }

    /// Counts one try at an unused token, if it has tries left (one
    /// statement, so parallel guesses cannot pass the limit). Returns the
    /// tries made so far, or `None` when none are left.
    pub fn count_try(conn: &mut DbConn, id: i64, most: i32) -> Result<Option<i32>, AppError> {
        let counted = diesel::update(
            access_tokens::table
                .find(id)
                .filter(access_tokens::attempts.lt(most))
                .filter(access_tokens::used_at.is_null()),
        )
        .set(access_tokens::attempts.eq(access_tokens::attempts + 1))
        .execute(conn)?;
        if counted != 1 {
            return Ok(None);
        }
        Ok(Some(
            access_tokens::table
                .find(id)
                .select(access_tokens::attempts)
                .first(conn)?,
        ))
    }

    /// Marks a one-time token used; false if it already was.
    pub fn use_once(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> Result<bool, AppError> {
        let used = diesel::update(
            access_tokens::table
                .find(id)
                .filter(access_tokens::used_at.is_null()),
        )
        .set(access_tokens::used_at.eq(Some(at)))
        .execute(conn)?;
        Ok(used == 1)
    }

    /// Retires the cohort's live tokens of `purpose` and makes a new one.
    /// Returns the token to show.
    pub fn replace_for_cohort(
        conn: &mut DbConn,
        purpose: &str,
        cohort_id: i64,
    ) -> Result<String, AppError> {
        Self::revoke_for_cohort(conn, purpose, cohort_id)?;
        let token = new_token()?;
        diesel::insert_into(access_tokens::table)
            .values((
                access_tokens::purpose.eq(purpose),
                access_tokens::token_hash.eq(hash_token(&token)),
                access_tokens::cohort_id.eq(Some(cohort_id)),
                access_tokens::created_at.eq(now()),
            ))
            .execute(conn)?;
        Ok(token)
    }

    pub fn revoke_for_cohort(
        conn: &mut DbConn,
        purpose: &str,
        cohort_id: i64,
    ) -> Result<usize, AppError> {
        Ok(diesel::update(
            access_tokens::table
                .filter(access_tokens::purpose.eq(purpose))
                .filter(access_tokens::cohort_id.eq(cohort_id))
                .filter(access_tokens::revoked_at.is_null()),
        )
        .set(access_tokens::revoked_at.eq(Some(now())))
        .execute(conn)?)
    }

    /// Whether the cohort has a live token of `purpose`, and since when.
    pub fn live_since(
        conn: &mut DbConn,
        purpose: &str,
        cohort_id: i64,
    ) -> Result<Option<NaiveDateTime>, AppError> {
        Ok(access_tokens::table
            .filter(access_tokens::purpose.eq(purpose))
            .filter(access_tokens::cohort_id.eq(cohort_id))
            .filter(access_tokens::revoked_at.is_null())
            .select(access_tokens::created_at)
            .order(access_tokens::created_at.desc())
            .load(conn)?
            .into_iter()
            .next())
    }

    pub fn lookup(conn: &mut DbConn, purpose: &str, token: &str) -> Result<Lookup, AppError> {
        // Tokens we hand out are 64 hex characters; anything else is no token.
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(Lookup::Unknown);
        }
        let row: Option<AccessToken> = access_tokens::table
            .filter(access_tokens::token_hash.eq(hash_token(token)))
            .filter(access_tokens::purpose.eq(purpose))
            .select(AccessToken::as_select())
            .load(conn)?
            .into_iter()
            .next();
        Ok(match row {
            None => Lookup::Unknown,
            Some(t) if t.revoked_at.is_some() || t.expires_at.is_some_and(|e| e <= now()) => {
                Lookup::Retired(t)
            }
            Some(t) => Lookup::Live(t),
        })
    }
}

/// An RSVP link as stored: whose it is, for which meeting, and whether
/// it is still good.
#[derive(Debug, Clone, Queryable)]
pub struct MeetingToken {
    pub id: i64,
    pub purpose: String,
    pub enrolment_id: Option<i64>,
    pub meeting_id: Option<i64>,
    pub expires_at: Option<NaiveDateTime>,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

impl AccessToken {
    /// Makes a short token of `purpose` for one parent and one meeting,
    /// ending at `expires_at` (the meeting's start). Returns the token.
    pub fn insert_for_meeting(
        conn: &mut DbConn,
        purpose: &str,
        enrolment_id: i64,
        meeting_id: i64,
        at: NaiveDateTime,
        expires_at: NaiveDateTime,
    ) -> Result<String, AppError> {
        let token = crate::crypto::new_short_token()?;
        diesel::insert_into(access_tokens::table)
            .values((
                access_tokens::purpose.eq(purpose),
                access_tokens::token_hash.eq(hash_token(&token)),
                access_tokens::enrolment_id.eq(Some(enrolment_id)),
                access_tokens::meeting_id.eq(Some(meeting_id)),
                access_tokens::created_at.eq(at),
                access_tokens::expires_at.eq(Some(expires_at)),
            ))
            .execute(conn)?;
        Ok(token)
    }

    /// The short token `token` if it is one of `purposes` (by its hash;
    /// anything not shaped like a short token is no token).
    pub fn find_meeting_token(
        conn: &mut DbConn,
        purposes: &[String],
        token: &str,
    ) -> Result<Option<MeetingToken>, AppError> {
        if !crate::crypto::is_short_token(token) {
            return Ok(None);
        }
        Ok(access_tokens::table
            .filter(access_tokens::token_hash.eq(hash_token(token)))
            .filter(access_tokens::purpose.eq_any(purposes))
            .select((
                access_tokens::id,
                access_tokens::purpose,
                access_tokens::enrolment_id,
                access_tokens::meeting_id,
                access_tokens::expires_at,
                access_tokens::used_at,
                access_tokens::revoked_at,
            ))
            .load::<MeetingToken>(conn)?
            .into_iter()
            .next())
    }
}
