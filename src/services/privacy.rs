//! Parents' data rights: what attune holds about a parent, a copy of it,
//! and erasure.
//!
//! `PERSONAL_DATA` is the registry: every table that holds data about a
//! parent, and what export and erasure do with it. A test fails when a
//! table with a parent column is missing here.

use serde::Serialize;

use crate::db::models::Audit;
use crate::db::models::CurriculumVersion;
use crate::db::views::personal_data::{self, GroupData, ReflectionRow};
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
        table: "intakes",
        export: "the intake form: children's ages, language, needs, how they heard, demographics",
        erase: "deleted",
    },
    TableRule {
        table: "measure_answers",
        export: "each measure's answers, with when they were given",
        erase: "deleted",
    },
    TableRule {
        table: "certificates",
        export: "each certificate: its code, sessions, hours, issued and revoked",
        erase: "deleted (its code then reads \"not valid\")",
    },
    TableRule {
        table: "rsvps",
        export: "each answer for a meeting, its reason and note",
        erase: "deleted",
    },
    TableRule {
        table: "contact_preferences",
        export: "not exported (their choices, shown on their Messages page)",
        erase: "deleted",
    },
    TableRule {
        table: "waitlist_offers",
        export: "not exported (places offered from a waiting list)",
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
        table: "absence_alerts",
        export: "not exported (the facilitators' note of a call after missed meetings)",
        erase: "deleted",
    },
    TableRule {
        table: "handout_reads",
        export: "not exported (when each handout was first opened)",
        erase: "deleted",
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
    /// "I'll be there" / "I can't come" for meetings, with reason and note.
    pub answers: Vec<RsvpExport>,
}

#[derive(Debug, Serialize)]
pub struct RsvpExport {
    pub session: i32,
    pub meeting: String,
    pub answer: String,
    pub reason: Option<String>,
    pub note: Option<String>,
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

/// Everything attune holds about the parent of this session, across all
/// their groups (the rows: `db::views::personal_data`).
pub fn export(conn: &mut DbConn, enrolment_id: i64) -> Result<Export, AppError> {
    let me = crate::services::access::me(conn, enrolment_id)?;
    let groups = personal_data::personal_data(conn, me.participant.id)?
        .into_iter()
        .map(|g| group_export(conn, g))
        .collect::<Result<Vec<_>, AppError>>()?;
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

/// One group's part of the copy, in the words the pages use and the
/// group's local time.
fn group_export(conn: &mut DbConn, g: GroupData) -> Result<GroupExport, AppError> {
    let curriculum = CurriculumVersion::load_curriculum(conn, g.group.curriculum_version_id)?;
    let tz = schedule::parse_time_zone(&g.group.time_zone)?;
    Ok(GroupExport {
        checkins: g.checkins.into_iter().map(checkin_export).collect(),
        answers: g
            .answers
            .into_iter()
            .map(|a| RsvpExport {
                session: a.session_number,
                meeting: schedule::format_local(tz, a.starts_at),
                answer: a.answer.as_str().to_string(),
                reason: a.reason,
                note: a.note,
            })
            .collect(),
        group: g.group.group,
        course: curriculum.title.clone(),
        status: g.group.status.as_str().to_string(),
        joined: g.group.enrolled_at.format("%Y-%m-%d").to_string(),
        consent_version: g.group.consent_version,
        consented_at: g
            .group
            .consented_at
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
        attendance: g
            .marks
            .into_iter()
            .map(|m| AttendanceExport {
                session: m.session_number,
                meeting: schedule::format_local(tz, m.starts_at),
                mark: m.status.as_str().to_string(),
            })
            .collect(),
        reflections: g
            .reflections
            .into_iter()
            .map(|r| reflection_export(r, &curriculum, tz))
            .collect(),
    })
}

fn checkin_export((phase, answers): (String, String)) -> CheckinExport {
    CheckinExport {
        phase: if phase == crate::services::checkins::Phase::Pre.as_str() {
            "start".into()
        } else {
            "end".into()
        },
        answers: crate::services::checkins::ITEMS
            .iter()
            .map(|t| t.to_string())
            .zip(serde_json::from_str::<Vec<u8>>(&answers).unwrap_or_default())
            .collect(),
    }
}

fn reflection_export(
    r: ReflectionRow,
    curriculum: &crate::curriculum::Curriculum,
    tz: chrono_tz::Tz,
) -> ReflectionExport {
    let session = curriculum.session(r.session_number as u32);
    let prompts = session
        .map(|s| s.reflection_prompts.clone())
        .unwrap_or_default();
    let answers: Vec<String> = serde_json::from_str(&r.answers).unwrap_or_default();
    ReflectionExport {
        session: r.session_number,
        session_title: session.map(|s| s.title.clone()).unwrap_or_default(),
        status: r.status.as_str().to_string(),
        only_me: r.visibility == "only_me",
        answers: answers
            .into_iter()
            .enumerate()
            .map(|(i, a)| AnswerExport {
                prompt: prompts.get(i).cloned().unwrap_or_default(),
                answer: a,
            })
            .collect(),
        facilitator_reply: r.facilitator_reply,
        sent_at: r.submitted_at.map(|t| schedule::format_local(tz, t)),
    }
}

/// Erases the parent of this session everywhere, following `PERSONAL_DATA`.
pub fn erase(conn: &mut DbConn, enrolment_id: i64) -> Result<(), AppError> {
    let me = crate::services::access::me(conn, enrolment_id)?;
    let pid = me.participant.id;
    write_tx(conn, |conn| {
        let at = now();
        let their = personal_data::erase_participant(conn, pid, at)?;
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
