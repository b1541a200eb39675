use diesel::prelude::*;

use crate::db::schema::app_settings;
use crate::db::{now, DbConn};
use crate::error::AppError;

/// Returns the stored value for `key`, storing `make()` first if there is
/// none. Safe when several servers start at once: the first insert wins and
/// everyone reads the winner.
pub fn get_or_insert(
    conn: &mut DbConn,
    key: &str,
    make: impl FnOnce() -> String,
) -> Result<String, AppError> {
    let value = make();
    let insert = diesel::insert_into(app_settings::table)
        .values((
            app_settings::key.eq(key),
            app_settings::value.eq(&value),
            app_settings::created_at.eq(now()),
        ))
        .on_conflict_do_nothing();
    crate::on_backend!(conn, |c| insert.execute(c))?;
    Ok(app_settings::table
        .find(key)
        .select(app_settings::value)
        .first(conn)?)
}

/// The stored value for `key`, if any.
pub fn get(conn: &mut DbConn, key: &str) -> Result<Option<String>, AppError> {
    Ok(app_settings::table
        .find(key)
        .select(app_settings::value)
        .load::<String>(conn)?
        .into_iter()
        .next())
}

/// Stores `value` for `key`, replacing what was there.
pub fn set(conn: &mut DbConn, key: &str, value: &str) -> Result<(), AppError> {
    let insert = diesel::insert_into(app_settings::table)
        .values((
            app_settings::key.eq(key),
            app_settings::value.eq(value),
            app_settings::created_at.eq(now()),
        ))
        .on_conflict(app_settings::key)
        .do_update()
        .set(app_settings::value.eq(value));
    crate::on_backend!(conn, |c| insert.execute(c))?;
    Ok(())
}
