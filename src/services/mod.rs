//! The rules of the product, per area. Plain Rust in, `Result<T, AppError>`
//! out; no actix types.

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
pub mod invites;
pub mod meetings;
pub mod parent_access;
pub mod participants;
pub mod print;
pub mod privacy;
pub mod reflections;
pub mod roster;
pub mod roster_import;
pub mod schedule;
pub mod settings;
pub mod users;

/// Notes a refused request in the audit log: who asked for what kind of
/// thing (never its content).
pub fn audit_denied(
    conn: &mut crate::db::DbConn,
    user: &crate::db::models::User,
    kind: &str,
    id: Option<i64>,
) -> Result<(), crate::error::AppError> {
    crate::db::models::NewAuditEntry {
        at: crate::db::now(),
        actor_kind: "user",
        actor_id: Some(user.id),
        action: "authz.denied",
        subject_kind: Some(kind),
        subject_id: id,
        cohort_id: id.filter(|_| kind == "cohort"),
        ip: None,
        detail: None,
    }
    .insert(conn)
}
