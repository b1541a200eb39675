//! A spreadsheet a facilitator uploaded and has not confirmed yet: kept a
//! day at most, and only its uploader may confirm it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::ids::{CohortId, ImportId, UserId};
use crate::db::schema::roster_imports;
use crate::db::DbConn;
use crate::error::AppError;

pub struct RosterImport;

impl RosterImport {
    /// Keeps `content` for confirmation, dropping files older than
    /// `stale_before`; the new file's id.
    pub fn stage(
        conn: &mut DbConn,
        cohort_id: CohortId,
        user_id: UserId,
        content: &[u8],
        at: NaiveDateTime,
        stale_before: NaiveDateTime,
    ) -> Result<i64, AppError> {
        let (cohort_id, user_id) = (cohort_id.0, user_id.0);
        diesel::delete(roster_imports::table.filter(roster_imports::created_at.lt(stale_before)))
            .execute(conn)?;
        diesel::insert_into(roster_imports::table)
            .values((
                roster_imports::cohort_id.eq(cohort_id),
                roster_imports::user_id.eq(user_id),
                roster_imports::content.eq(content),
                roster_imports::created_at.eq(at),
            ))
            .execute(conn)?;
        Ok(roster_imports::table
            .filter(roster_imports::cohort_id.eq(cohort_id))
            .filter(roster_imports::user_id.eq(user_id))
            .select(roster_imports::id)
            .order(roster_imports::id.desc())
            .first(conn)?)
    }

    /// The file `user_id` staged for the group, if it is still kept.
    pub fn content(
        conn: &mut DbConn,
        id: ImportId,
        cohort_id: CohortId,
        user_id: UserId,
    ) -> Result<Option<Vec<u8>>, AppError> {
        let (id, cohort_id, user_id) = (id.0, cohort_id.0, user_id.0);
        Ok(roster_imports::table
            .find(id)
            .filter(roster_imports::cohort_id.eq(cohort_id))
            .filter(roster_imports::user_id.eq(user_id))
            .select(roster_imports::content)
            .load(conn)?
            .into_iter()
            .next())
    }

    pub fn delete(conn: &mut DbConn, id: i64) -> Result<(), AppError> {
        diesel::delete(roster_imports::table.find(id)).execute(conn)?;
        Ok(())
    }
}
