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

/// An audit line in the making, so every service writes one the same way:
///
/// ```text
/// Audit::by_user(user.id).did("reflection.read").on("reflection", id).in_cohort(c).record(conn)?;
/// ```
///
/// `record` stamps the time. Nothing in it holds personal content.
#[derive(Debug, Clone, Copy)]
#[must_use = "an audit line is only written by .record(conn)"]
pub struct Audit<'a> {
    actor_kind: &'a str,
    actor_id: Option<i64>,
    action: &'a str,
    subject_kind: Option<&'a str>,
    subject_id: Option<i64>,
    cohort_id: Option<i64>,
    ip: Option<&'a str>,
    detail: Option<&'a str>,
    at: Option<NaiveDateTime>,
}

impl<'a> Audit<'a> {
    /// An actor of any kind ("user", "participant", "anonymous",
    /// "system"); the named constructors below say it more plainly.
    pub fn actor(kind: &'a str, id: Option<i64>) -> Self {
        Self {
            actor_kind: kind,
            actor_id: id,
            action: "",
            subject_kind: None,
            subject_id: None,
            cohort_id: None,
            ip: None,
            detail: None,
            at: None,
        }
    }

    /// A facilitator or admin did it.
    pub fn by_user(id: i64) -> Self {
        Self::actor("user", Some(id))
    }

    /// A parent did it (the participant's id).
    pub fn by_participant(id: i64) -> Self {
        Self::actor("participant", Some(id))
    }

    /// A signed-in user if there is one, else the system (CLI, worker).
    pub fn by_user_or_system(id: Option<i64>) -> Self {
        match id {
            Some(id) => Self::by_user(id),
            None => Self::system(),
        }
    }

    /// Someone not signed in.
    pub fn anonymous() -> Self {
        Self::actor("anonymous", None)
    }

    /// attune itself (the CLI, the mailer, a scheduled job).
    pub fn system() -> Self {
        Self::actor("system", None)
    }

    pub fn did(mut self, action: &'a str) -> Self {
        self.action = action;
        self
    }

    /// The record it was done to: `("enrolment", 12)`.
    pub fn on(mut self, kind: &'a str, id: i64) -> Self {
        self.subject_kind = Some(kind);
        self.subject_id = Some(id);
        self
    }

    /// The record, when its kind or id may be unknown (a refused look at
    /// "the admin pages" has a kind and no id).
    pub fn on_if(mut self, kind: Option<&'a str>, id: Option<i64>) -> Self {
        self.subject_kind = kind;
        self.subject_id = id;
        self
    }

    pub fn on_enrolment(self, id: i64) -> Self {
        self.on("enrolment", id)
    }

    /// About a meeting, filed under its group.
    pub fn on_meeting(self, meeting: &super::Meeting) -> Self {
        self.on("meeting", meeting.id).in_cohort(meeting.cohort_id)
    }

    pub fn in_cohort(mut self, id: i64) -> Self {
        self.cohort_id = Some(id);
        self
    }

    pub fn in_cohort_if(mut self, id: Option<i64>) -> Self {
        self.cohort_id = id;
        self
    }

    pub fn from_ip(mut self, ip: Option<&'a str>) -> Self {
        self.ip = ip;
        self
    }

    /// A short note (never personal content).
    pub fn detail(mut self, detail: Option<&'a str>) -> Self {
        self.detail = detail;
        self
    }

    /// When, if not now (one time for a whole transaction's lines).
    pub fn at(mut self, at: NaiveDateTime) -> Self {
        self.at = Some(at);
        self
    }

    pub fn record(self, conn: &mut DbConn) -> Result<(), AppError> {
        debug_assert!(!self.action.is_empty(), "an audit line says what was done");
        NewAuditEntry {
            at: self.at.unwrap_or_else(crate::db::now),
            actor_kind: self.actor_kind,
            actor_id: self.actor_id,
            action: self.action,
            subject_kind: self.subject_kind,
            subject_id: self.subject_id,
            cohort_id: self.cohort_id,
            ip: self.ip,
            detail: self.detail,
        }
        .insert(conn)
    }
}
