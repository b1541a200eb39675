use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::login_attempts;
use crate::db::DbConn;
use crate::error::AppError;

/// Notes one failed sign-in under each key ("account:…", "ip:…").
pub fn record(conn: &mut DbConn, keys: &[&str], at: NaiveDateTime) -> Result<(), AppError> {
    for key in keys {
        diesel::insert_into(login_attempts::table)
            .values((login_attempts::key.eq(*key), login_attempts::at.eq(at)))
            .execute(conn)?;
    }
    Ok(())
}

pub fn count_since(conn: &mut DbConn, key: &str, since: NaiveDateTime) -> Result<i64, AppError> {
    Ok(login_attempts::table
        .filter(login_attempts::key.eq(key))
        .filter(login_attempts::at.gt(since))
        .count()
        .get_result(conn)?)
}

/// The latest attempt under `key` after `since`, if any.
pub fn latest_since(
    conn: &mut DbConn,
    key: &str,
    since: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, AppError> {
    Ok(login_attempts::table
        .filter(login_attempts::key.eq(key))
        .filter(login_attempts::at.gt(since))
        .select(diesel::dsl::max(login_attempts::at))
        .get_result(conn)?)
}

pub fn clear(conn: &mut DbConn, key: &str) -> Result<(), AppError> {
    diesel::delete(login_attempts::table.filter(login_attempts::key.eq(key))).execute(conn)?;
    Ok(())
}

/// Forgets attempts older than `before`, so the table stays small.
pub fn prune(conn: &mut DbConn, before: NaiveDateTime) -> Result<(), AppError> {
    diesel::delete(login_attempts::table.filter(login_attempts::at.lt(before))).execute(conn)?;
    Ok(())
}
