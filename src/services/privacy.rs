//! Parents' data rights: what attune holds about a parent, a copy of it,
//! and erasure.
//!
//! `PERSONAL_DATA` is the registry: every table that holds data about a
//! parent, and what export and erasure do with it. A test fails when a
//! table with a parent column is missing here.

use diesel::prelude::*;
use serde::Serialize;

use crate::db::models::web_session::WebSession;
use crate::db::models::Audit;
use crate::db::models::CurriculumVersion;
use crate::db::schema::{
    access_tokens, attendance, checkins, cohorts, enrolments, meetings, outbox_messages,
    participants, reflections, roster_imports,
};
use crate::db::status::EnrolmentStatus;
use crate::db::{now, write_tx, DbConn};
use crate::error::AppError;
use crate::services::schedule;

/// How one table's personal data is exported and erased.
pub struct TableRule {
    pub table: &'static str,
    pub export: &'static str,
    pub erase: &'static str,
}

pub const PERSONAL_DATA: &[TableRule] = &[
    TableRule {
        table: "participants",
        export: "name, preferred name, email, phone",
        erase: "name replaced, email/phone/preferred name cleared, erased_at set",
    },
    TableRule {
        table: "enrolments",
        export: "group, status, dates, consent",
        erase: "facilitator notes cleared, withdrawn, unsubscribed",
    },
    TableRule {
        table: "attendance",
        export: "each meeting and the mark",
        erase: "kept without a name (the parent is anonymised), for the group's counts",
    },
    TableRule {
        table: "reflections",
        export: "every answer, visibility, status, reply",
        erase: "deleted",
    },
    TableRule {
        table: "checkins",
        export: "each check-in's answers",
        erase: "deleted",
    },
    TableRule {
        table: "access_tokens",
        export: "not exported (secrets)",
        erase: "deleted",
    },
    TableRule {
        table: "web_sessions",
        export: "not exported (secrets)",
        erase: "deleted",
    },
    TableRule {
        table: "outbox_messages",
        export: "not exported (copies of emails sent)",
        erase: "deleted",
    },
    TableRule {
        table: "roster_imports",
        export: "not exported (a facilitator's pending file)",
        erase: "pending files of the parent's groups deleted",
    },
    TableRule {
        table: "audit_log",
        export: "not exported (who did what, never content)",
        erase: "kept: holds ids and actions only",
    },
];

#[derive(Debug, Serialize)]
pub struct Export {
    pub exported_at: String,
    pub profile: Profile,
    pub groups: Vec<GroupExport>,
}

#[derive(Debug, Serialize)]
pub struct Profile {
    pub name: String,
    pub preferred_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct GroupExport {
    pub group: String,
    pub course: String,
    pub status: String,
    pub joined: String,
    pub consent_version: Option<String>,
    pub consented_at: Option<String>,
    pub attendance: Vec<AttendanceExport>,
    pub reflections: Vec<ReflectionExport>,
    pub checkins: Vec<CheckinExport>,
}

#[derive(Debug, Serialize)]
pub struct CheckinExport {
    pub phase: String,
    /// Each sentence with the answer (1-5).
    pub answers: Vec<(String, u8)>,
}

#[derive(Debug, Serialize)]
pub struct AttendanceExport {
    pub session: i32,
    pub meeting: String,
    pub mark: String,
}

#[derive(Debug, Serialize)]
pub struct ReflectionExport {
    pub session: i32,
    pub session_title: String,
    pub status: String,
    pub only_me: bool,
    pub answers: Vec<AnswerExport>,
    pub facilitator_reply: Option<String>,
    pub sent_at: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AnswerExport {
    pub prompt: String,
    pub answer: String,
}

/// enrolment id, group, status, joined, consent version, consented at,
/// curriculum version, time zone
type EnrolmentRow = (
    i64,
    String,
    String,
    chrono::NaiveDateTime,
    Option<String>,
    Option<chrono::NaiveDateTime>,
    i64,
    String,
);
/// session, answers, status, visibility, reply, sent at
type ReflectionRow = (
    i32,
    String,
    String,
    String,
    Option<String>,
    Option<chrono::NaiveDateTime>,
);

/// Everything attune holds about the parent of this session, across all
/// their groups.
pub fn export(conn: &mut DbConn, enrolment_id: i64) -> Result<Export, AppError> {
    let me = crate::services::access::me(conn, enrolment_id)?;
    let rows: Vec<EnrolmentRow> = enrolments::table
        .inner_join(cohorts::table)
        .filter(enrolments::participant_id.eq(me.participant.id))
        .order(enrolments::id)
        .select((
            enrolments::id,
            cohorts::title,
            enrolments::status,
            enrolments::enrolled_at,
            enrolments::consent_version,
            enrolments::consented_at,
            cohorts::curriculum_version_id,
            cohorts::time_zone,
        ))
        .load(conn)?;
    let mut groups = Vec::new();
    for (eid, title, status, joined, consent, consented_at, version, zone) in rows {
        let curriculum = CurriculumVersion::load_curriculum(conn, version)?;
        let tz = schedule::parse_time_zone(&zone)?;
        let marks: Vec<(i32, chrono::NaiveDateTime, String)> = attendance::table
            .inner_join(meetings::table)
            .filter(attendance::enrolment_id.eq(eid))
            .order(meetings::starts_at)
            .select((
                meetings::session_number,
                meetings::starts_at,
                attendance::status,
            ))
            .load(conn)?;
        let refl: Vec<ReflectionRow> = reflections::table
            .filter(reflections::enrolment_id.eq(eid))
            .order(reflections::session_number)
            .select((
                reflections::session_number,
                reflections::answers,
                reflections::status,
                reflections::visibility,
                reflections::facilitator_reply,
                reflections::submitted_at,
            ))
            .load(conn)?;
        let checks: Vec<(String, String)> = checkins::table
            .filter(checkins::enrolment_id.eq(eid))
            .order(checkins::id)
            .select((checkins::phase, checkins::answers))
            .load(conn)?;
        groups.push(GroupExport {
            checkins: checks
                .into_iter()
                .map(|(phase, answers)| CheckinExport {
                    phase: if phase == "pre" {
                        "start".into()
                    } else {
                        "end".into()
                    },
                    answers: crate::services::checkins::ITEMS
                        .iter()
                        .map(|t| t.to_string())
                        .zip(serde_json::from_str::<Vec<u8>>(&answers).unwrap_or_default())
                        .collect(),
                })
                .collect(),
            group: title,
            course: curriculum.title.clone(),
            status,
            joined: joined.format("%Y-%m-%d").to_string(),
            consent_version: consent,
            consented_at: consented_at.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
            attendance: marks
                .into_iter()
                .map(|(session, at, mark)| AttendanceExport {
                    session,
                    meeting: schedule::format_local(tz, at),
                    mark,
                })
                .collect(),
            reflections: refl
                .into_iter()
                .map(|(n, answers, status, visibility, reply, sent)| {
                    let session = curriculum.session(n as u32);
                    let prompts = session
                        .map(|s| s.reflection_prompts.clone())
                        .unwrap_or_default();
                    let answers: Vec<String> = serde_json::from_str(&answers).unwrap_or_default();
                    ReflectionExport {
                        session: n,
                        session_title: session.map(|s| s.title.clone()).unwrap_or_default(),
                        status,
                        only_me: visibility == "only_me",
                        answers: answers
                            .into_iter()
                            .enumerate()
                            .map(|(i, a)| AnswerExport {
                                prompt: prompts.get(i).cloned().unwrap_or_default(),
                                answer: a,
                            })
                            .collect(),
                        facilitator_reply: reply,
                        sent_at: sent.map(|t| schedule::format_local(tz, t)),
                    }
                })
                .collect(),
        });
    }
    Ok(Export {
        exported_at: now().format("%Y-%m-%d %H:%M UTC").to_string(),
        profile: Profile {
            name: me.participant.name.clone(),
            preferred_name: me.participant.preferred_name.clone(),
            email: me.participant.email.clone(),
            phone: me.participant.phone.clone(),
        },
        groups,
    })
}

/// Erases the parent of this session everywhere, following `PERSONAL_DATA`.
pub fn erase(conn: &mut DbConn, enrolment_id: i64) -> Result<(), AppError> {
    let me = crate::services::access::me(conn, enrolment_id)?;
    let pid = me.participant.id;
    write_tx(conn, |conn| {
        let their: Vec<(i64, i64)> = enrolments::table
            .filter(enrolments::participant_id.eq(pid))
            .select((enrolments::id, enrolments::cohort_id))
            .load(conn)?;
        let eids: Vec<i64> = their.iter().map(|e| e.0).collect();
        let cids: Vec<i64> = their.iter().map(|e| e.1).collect();
        let at = now();
        diesel::delete(reflections::table.filter(reflections::enrolment_id.eq_any(&eids)))
            .execute(conn)?;
        diesel::delete(checkins::table.filter(checkins::enrolment_id.eq_any(&eids)))
            .execute(conn)?;
        diesel::delete(access_tokens::table.filter(access_tokens::enrolment_id.eq_any(&eids)))
            .execute(conn)?;
        diesel::delete(outbox_messages::table.filter(outbox_messages::enrolment_id.eq_any(&eids)))
            .execute(conn)?;
        diesel::delete(roster_imports::table.filter(roster_imports::cohort_id.eq_any(&cids)))
            .execute(conn)?;
        for eid in &eids {
            WebSession::delete_for_enrolment(conn, *eid)?;
        }
        diesel::update(enrolments::table.filter(enrolments::id.eq_any(&eids)))
            .set((
                enrolments::notes.eq(None::<String>),
                enrolments::status.eq(EnrolmentStatus::Withdrawn.as_str()),
                enrolments::withdrawn_at.eq(Some(at)),
                enrolments::unsubscribed_at.eq(Some(at)),
            ))
            .execute(conn)?;
        diesel::update(participants::table.find(pid))
            .set((
                participants::name.eq("Deleted parent"),
                participants::email.eq(None::<String>),
                participants::phone.eq(None::<String>),
                participants::preferred_name.eq(None::<String>),
                participants::erased_at.eq(Some(at)),
                participants::updated_at.eq(at),
            ))
            .execute(conn)?;
        for (eid, cid) in &their {
            Audit::by_participant(pid)
                .did("participant.erase")
                .on_enrolment(*eid)
                .in_cohort(*cid)
                .at(at)
                .record(conn)?;
        }
        Ok(())
    })
}
