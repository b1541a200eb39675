//! The rules of the product, per area. Plain Rust in, `Result<T, AppError>`
//! out; no actix types.

pub mod absence;
pub mod access;
pub mod admin;
pub mod auth;
pub mod calendar;
pub mod checkins;
pub mod cohorts;
pub mod curricula;
pub mod demo;
pub mod demo_scale;
pub mod emails;
pub mod follow_ups;
pub mod forms;
pub mod group_message;
pub mod intake;
pub mod invites;
pub mod meetings;
pub mod organisation;
pub mod outcomes;
pub mod parent_access;
pub mod parent_record;
pub mod participants;
pub mod print;
pub mod privacy;
pub mod reflections;
pub mod roster;
pub mod roster_import;
pub mod rsvps;
pub mod schedule;
pub mod settings;
pub mod support;
pub mod texts;
pub mod tonight;
pub mod users;
pub mod waitlist;
pub mod zones;

/// Notes a refused request in the audit log: who asked for what kind of
/// thing (never its content).
pub fn audit_denied(
    conn: &mut crate::db::DbConn,
    user: &crate::db::models::User,
    kind: &str,
    id: Option<i64>,
) -> Result<(), crate::error::AppError> {
    crate::db::models::Audit::by_user(user.id)
        .did("authz.denied")
        .on_if(Some(kind), id)
        .in_cohort_if(id.filter(|_| kind == "cohort"))
        .record(conn)
}
