use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::audit_log;
use crate::db::DbConn;
use crate::error::AppError;

/// One line of the audit log. Never holds personal content: only who did
/// what to which record.
#[derive(Debug, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAuditEntry<'a> {
    pub at: NaiveDateTime,
    pub actor_kind: &'a str,
    pub actor_id: Option<i64>,
    pub action: &'a str,
    pub subject_kind: Option<&'a str>,
    pub subject_id: Option<i64>,
    pub cohort_id: Option<i64>,
    pub ip: Option<&'a str>,
    pub detail: Option<&'a str>,
}

impl NewAuditEntry<'_> {
    pub fn insert(&self, conn: &mut DbConn) -> Result<(), AppError> {
        diesel::insert_into(audit_log::table)
            .values(self)
            .execute(conn)?;
        Ok(())
    }
}
