//! Certificates given to parents (`certificates`): a public code that
//! `/verify/<code>` checks, and the figures it certifies.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::certificates;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = certificates)]
pub struct Certificate {
    pub id: i64,
    pub enrolment_id: i64,
    pub code: String,
    pub sessions_attended: i32,
    pub caught_up: i32,
    pub minutes: i32,
    pub issued_at: NaiveDateTime,
    pub issued_by: Option<i64>,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_by: Option<i64>,
    pub revoked_reason: Option<String>,
}
