//! Reflections: a parent's answers to a session's prompts, private to them
//! and their facilitators, or to them alone ("only me").
//!
//! Rules: every prompt is optional; a draft is seen by nobody; a sent
//! reflection is seen by the cohort's facilitators unless marked "only me"
//! (then they see that it exists, never what it says); every time a
//! facilitator is shown the text, the audit log records who and when,
//! never the content.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::curriculum::markdown;
use crate::db::ids::{CohortId, EnrolmentId, ReflectionId};
use crate::db::models::Audit;
use crate::db::models::{Meeting, Reflection, SavedAnswers, User};
use crate::db::status::ReflectionStatus;
use crate::db::views::reading::{sent_reflections, Which};
use crate::db::{now, write_tx, DbConn};
use crate::error::{AppError, FieldErrors};
use crate::services::participants::{reflection_window, ReflectionState};
use crate::services::schedule;

/// The most one answer may hold (about ten pages).
pub const MAX_ANSWER_CHARS: usize = 20_000;
pub const MAX_REPLY_CHARS: usize = 2_000;
/// The form action the page's script sends as the parent types.
pub const AUTOSAVE: &str = "autosave";

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ReflectionForm {
    pub answer_0: String,
    pub answer_1: String,
    pub answer_2: String,
    pub answer_3: String,
    pub only_me: Option<String>,
    /// "draft" or "send".
    pub action: String,
}

impl ReflectionForm {
    fn answers(&self, prompts: usize) -> Vec<String> {
        [
            &self.answer_0,
            &self.answer_1,
            &self.answer_2,
            &self.answer_3,
        ]
        .into_iter()
        .take(prompts)
        .map(|a| a.replace("\r\n", "\n").trim().to_string())
        .collect()
    }
}

#[derive(Debug, Serialize)]
pub struct PromptAnswer {
    pub index: usize,
    pub prompt: String,
    pub answer: String,
    pub answer_html: String,
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct SessionPage {
    pub number: u32,
    pub title: String,
    pub handout_html: String,
    pub home_practice_title: String,
    pub home_practice_html: String,
    pub prompts: Vec<PromptAnswer>,
    pub status: ReflectionState,
    pub only_me: bool,
    pub can_write: bool,
    pub not_yet: Option<String>,
    pub closed_since: Option<String>,
    pub closes: Option<String>,
    /// What happened to what they wrote, and when: "Sent Sun 6 Dec 2026,
    /// 13:02. You can change it until Tue 8 Dec 2026, 19:00."
    pub saved_line: Option<String>,
    pub reply: Option<String>,
    pub cohort_title: String,
    pub previous: Option<u32>,
    pub next: Option<u32>,
}

/// A parent's page for one session: the handout and their reflection.
/// `typed` shows unsaved input again (after a mistake).
pub fn session_page(
    conn: &mut DbConn,
    enrolment_id: i64,
    number: u32,
    typed: Option<(&ReflectionForm, &FieldErrors)>,
) -> Result<SessionPage, AppError> {
    let me = crate::services::access::me(conn, enrolment_id)?;
    let session = me
        .curriculum
        .session(number)
        .ok_or_else(|| AppError::not_found("Your course has no session with that number."))?
        .clone();
    let meetings = Meeting::for_cohort(conn, me.cohort.id)?;
    let tz = schedule::parse_time_zone(&me.cohort.time_zone)?;
    let (opens, closes) = reflection_window(&me.cohort, &meetings, number);
    let at = now();
    let saved = find(conn, enrolment_id, number)?;
    let saved_answers: Vec<String> = saved
        .as_ref()
        .and_then(|r| serde_json::from_str(&r.answers).ok())
        .unwrap_or_default();
    let prompts = prompt_answers(&session.reflection_prompts, &saved_answers, typed);
    let open = opens.is_some_and(|o| o <= at);
    let closed = closes.is_some_and(|c| c <= at);
    let change_until = (open && !closed)
        .then(|| closes.map(|c| schedule::format_local(tz, c)))
        .flatten();
    let saved_line = saved
        .as_ref()
        .map(|r| saved_line(r, tz, change_until.as_deref()));
    Ok(SessionPage {
        number,
        title: session.title.clone(),
        handout_html: markdown::to_safe_html(&session.parent_handout),
        home_practice_title: session.home_practice.title.clone(),
        home_practice_html: markdown::to_safe_html(&session.home_practice.text),
        prompts,
        status: ReflectionState::of(saved.as_ref().map(|r| r.status)),
        only_me: typed
            .map(|(f, _)| f.only_me.is_some())
            .unwrap_or_else(|| saved.as_ref().is_some_and(|r| r.visibility == "only_me")),
        can_write: open && !closed,
        not_yet: (!open).then(|| match opens {
            Some(o) => format!(
                "You can write here once the meeting has started ({}).",
                schedule::format_local(tz, o)
            ),
            None => "You can write here once this session's meeting is planned.".into(),
        }),
        closed_since: closed
            .then(|| closes.map(|c| schedule::format_local(tz, c)))
            .flatten(),
        closes: change_until,
        saved_line,
        reply: saved.and_then(|r| r.facilitator_reply),
        cohort_title: me.cohort.title.clone(),
        previous: me
            .curriculum
            .session(number.wrapping_sub(1))
            .map(|s| s.number),
        next: me.curriculum.session(number + 1).map(|s| s.number),
    })
}

/// Each prompt with the answer to show: what was just typed (after a
/// mistake, with its error) or else what was saved.
fn prompt_answers(
    prompts: &[String],
    saved_answers: &[String],
    typed: Option<(&ReflectionForm, &FieldErrors)>,
) -> Vec<PromptAnswer> {
    let typed_answers = typed.map(|(f, _)| f.answers(prompts.len()));
    prompts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let answer = typed_answers
                .as_ref()
                .and_then(|a| a.get(i).cloned())
                .or_else(|| saved_answers.get(i).cloned())
                .unwrap_or_default();
            PromptAnswer {
                index: i,
                prompt: p.clone(),
                answer_html: markdown::typed_text_html(&answer),
                answer,
                error: typed.and_then(|(_, e)| e.0.get(&format!("answer_{i}")).cloned()),
            }
        })
        .collect()
}

/// "Sent Sun 6 Dec 2026, 13:02. You can change it until ..." or "Draft
/// saved ...", for the top of the reflection.
fn saved_line(r: &Reflection, tz: chrono_tz::Tz, change_until: Option<&str>) -> String {
    let until = change_until
        .map(|c| format!(" You can change it until {c}."))
        .unwrap_or_default();
    match r.status {
        ReflectionStatus::Draft => format!(
            "Draft saved {}. Only you can see it until you send it.{until}",
            schedule::format_local(tz, r.updated_at)
        ),
        ReflectionStatus::Submitted => format!(
            "Sent {}.{until}",
            schedule::format_local(tz, r.submitted_at.unwrap_or(r.updated_at))
        ),
    }
}

fn find(conn: &mut DbConn, enrolment_id: i64, number: u32) -> Result<Option<Reflection>, AppError> {
    Reflection::find(conn, enrolment_id, number as i32)
}

/// Saves a draft or sends the reflection. Saving twice is the same as
/// saving once (one row per parent and session).
pub fn save(
    conn: &mut DbConn,
    enrolment_id: i64,
    number: u32,
    form: &ReflectionForm,
) -> Result<ReflectionState, AppError> {
    let me = crate::services::access::me(conn, enrolment_id)?;
    let session = me
        .curriculum
        .session(number)
        .ok_or_else(|| AppError::not_found("Your course has no session with that number."))?;
    let meetings = Meeting::for_cohort(conn, me.cohort.id)?;
    let (opens, closes) = reflection_window(&me.cohort, &meetings, number);
    let at = now();
    check_open(opens, closes, at)?;
    let answers = form.answers(session.reflection_prompts.len());
    check_lengths(&answers)?;
    let send = form.action == "send";
    // Saved by the page as the parent types: a draft only, never a change
    // to what was sent, and not worth an audit line every few seconds.
    let autosave = form.action == AUTOSAVE;
    let visibility = if form.only_me.is_some() {
        "only_me"
    } else {
        "facilitators"
    };
    let answers_json =
        serde_json::to_string(&answers).map_err(|e| AppError::caused("writing JSON", e))?;
    write_tx(conn, |conn| {
        let existing = find(conn, enrolment_id, number)?;
        let was_sent = existing
            .as_ref()
            .is_some_and(|r| r.status == ReflectionStatus::Submitted);
        if autosave && was_sent {
            return Err(AppError::Conflict(
                "This reflection is already sent; press Save changes to change it.".into(),
            ));
        }
        // Once sent, a reflection stays sent: a later draft changes it.
        let status = if send || was_sent {
            ReflectionStatus::Submitted
        } else {
            ReflectionStatus::Draft
        };
        Reflection::save(
            conn,
            &SavedAnswers {
                enrolment_id,
                session_number: number as i32,
                answers: &answers_json,
                visibility,
                status,
                submitted_at: existing
                    .as_ref()
                    .and_then(|r| r.submitted_at)
                    .or(send.then_some(at)),
                at,
            },
        )?;
        if autosave {
            return Ok(ReflectionState::of(Some(status)));
        }
        Audit::by_participant(me.participant.id)
            .did(if status == ReflectionStatus::Submitted {
                "reflection.send"
            } else {
                "reflection.draft"
            })
            .on_enrolment(enrolment_id)
            .in_cohort(me.cohort.id)
            .at(at)
            .record(conn)?;
        Ok(ReflectionState::of(Some(status)))
    })
}

/// A reflection can be written from its meeting until the next begins.
fn check_open(
    opens: Option<NaiveDateTime>,
    closes: Option<NaiveDateTime>,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    if opens.is_none_or(|o| o > at) {
        return Err(AppError::validation(
            "This session's reflection isn't open yet.",
        ));
    }
    if closes.is_some_and(|c| c <= at) {
        return Err(AppError::validation(
            "This reflection closed when the next meeting began, so it can no longer be changed.",
        ));
    }
    Ok(())
}

/// Every answer within what we keep, each too-long one named.
fn check_lengths(answers: &[String]) -> Result<(), AppError> {
    let mut errors = FieldErrors::default();
    for (i, a) in answers.iter().enumerate() {
        let chars = a.chars().count();
        if chars > MAX_ANSWER_CHARS {
            errors.add(
                &format!("answer_{i}"),
                format!(
                    "This answer is {chars} characters long; the most we can keep is {MAX_ANSWER_CHARS}. Please shorten it. Your earlier saved answer is unchanged."
                ),
            );
        }
    }
    errors.check()
}

// ---------------------------------------------------------------------
// Facilitators reading

#[derive(Debug, Serialize)]
pub struct SharedReflection {
    pub reflection_id: i64,
    pub enrolment_id: i64,
    pub name: String,
    pub session_number: i32,
    pub session_title: String,
    pub private: bool,
    pub answers: Vec<SharedAnswer>,
    pub reply: Option<String>,
    pub sent: String,
}

#[derive(Debug, Serialize)]
pub struct SharedAnswer {
    pub prompt: String,
    pub answer_html: String,
    pub skipped: bool,
}

#[derive(Debug, Serialize)]
pub struct ReadingPage {
    pub cohort_id: i64,
    pub cohort_title: String,
    pub heading: String,
    pub reflections: Vec<SharedReflection>,
    pub waiting_for: Vec<String>,
}

/// Audits each reflection whose text a facilitator was shown, and notes
/// when one was first read.
fn record_reads(
    conn: &mut DbConn,
    user: &User,
    cohort_id: i64,
    shown: &[i64],
) -> Result<(), AppError> {
    let at = now();
    write_tx(conn, |conn| {
        for id in shown {
            Audit::by_user(user.id)
                .did("reflection.read")
                .on("reflection", *id)
                .in_cohort(cohort_id)
                .at(at)
                .record(conn)?;
        }
        Reflection::mark_read(conn, shown, at)
    })
}

/// Sent reflections of a cohort, by session (`Some(n)`) or by parent.
/// Each one whose text is shown writes an audit row.
pub fn read(
    conn: &mut DbConn,
    user: &User,
    cohort_id: i64,
    filter: ReadFilter,
) -> Result<ReadingPage, AppError> {
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    let curriculum =
        crate::db::models::CurriculumVersion::load_curriculum(conn, cohort.curriculum_version_id)?;
    let tz = schedule::parse_time_zone(&cohort.time_zone)?;
    let heading = match filter {
        ReadFilter::Session(n) => {
            let title = curriculum
                .session(n)
                .map(|s| s.title.clone())
                .unwrap_or_default();
            format!("Session {n}: {title}")
        }
        ReadFilter::Parent(enrolment_id) => {
            crate::db::models::Enrolment::find_in_cohort(
                conn,
                CohortId(cohort.id),
                EnrolmentId(enrolment_id),
            )?;
            String::new()
        }
    };
    let which = match filter {
        ReadFilter::Session(n) => Which::Session(n),
        ReadFilter::Parent(id) => Which::Parent(id),
    };
    let rows: Vec<(Reflection, String)> = sent_reflections(conn, cohort.id, which)?
        .into_iter()
        .map(|s| (s.reflection, s.parent_name))
        .collect();
    let heading = if heading.is_empty() {
        rows.first()
            .map(|(_, name)| format!("Reflections from {name}"))
            .unwrap_or_else(|| "Reflections".into())
    } else {
        heading
    };
    let waiting_for = match filter {
        ReadFilter::Session(_) => {
            let sent: Vec<i64> = rows.iter().map(|(r, _)| r.enrolment_id).collect();
            crate::db::models::Enrolment::active_names(conn, cohort.id)?
                .into_iter()
                .filter(|e| !sent.contains(&e.enrolment_id))
                .map(|e| e.name)
                .collect()
        }
        ReadFilter::Parent(_) => Vec::new(),
    };
    let shown: Vec<i64> = rows
        .iter()
        .filter(|(r, _)| r.visibility != "only_me")
        .map(|(r, _)| r.id)
        .collect();
    record_reads(conn, user, cohort.id, &shown)?;
    let prompts: HashMap<u32, Vec<String>> = curriculum
        .sessions
        .iter()
        .map(|s| (s.number, s.reflection_prompts.clone()))
        .collect();
    Ok(ReadingPage {
        cohort_id: cohort.id,
        cohort_title: cohort.title.clone(),
        heading,
        waiting_for,
        reflections: rows
            .into_iter()
            .map(|(r, name)| card(r, name, &curriculum, &prompts, tz))
            .collect(),
    })
}

/// One reflection as a facilitator reads it: an "only me" one shows that
/// it exists, never its words or the reply to it.
fn card(
    r: Reflection,
    name: String,
    curriculum: &crate::curriculum::Curriculum,
    prompts: &HashMap<u32, Vec<String>>,
    tz: chrono_tz::Tz,
) -> SharedReflection {
    let private = r.visibility == "only_me";
    let answers: Vec<String> = if private {
        Vec::new()
    } else {
        serde_json::from_str(&r.answers).unwrap_or_default()
    };
    let prompts = prompts
        .get(&(r.session_number as u32))
        .cloned()
        .unwrap_or_default();
    SharedReflection {
        reflection_id: r.id,
        enrolment_id: r.enrolment_id,
        name,
        session_number: r.session_number,
        session_title: curriculum.session_title(r.session_number),
        private,
        answers: answers
            .iter()
            .zip(prompts.iter())
            .map(|(a, p)| SharedAnswer {
                prompt: p.clone(),
                answer_html: markdown::typed_text_html(a),
                skipped: a.trim().is_empty(),
            })
            .collect(),
        reply: if private { None } else { r.facilitator_reply },
        sent: r
            .submitted_at
            .map(|t| schedule::format_local(tz, t))
            .unwrap_or_default(),
    }
}

#[derive(Debug, Clone, Copy)]
pub enum ReadFilter {
    Session(u32),
    Parent(i64),
}

/// A short note back to the parent on their reflection.
pub fn reply(
    conn: &mut DbConn,
    mail: &crate::mail::Composer,
    user: &User,
    cohort_id: CohortId,
    reflection_id: ReflectionId,
    text: &str,
) -> Result<i64, AppError> {
    let (cohort_id, reflection_id) = (cohort_id.0, reflection_id.0);
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    let (reflection, cohort_of) = Reflection::with_cohort(conn, reflection_id)?
        .ok_or_else(|| AppError::not_found("We couldn't find that reflection."))?;
    if cohort_of != cohort.id
        || reflection.status != ReflectionStatus::Submitted
        || reflection.visibility == "only_me"
    {
        return Err(AppError::not_found("We couldn't find that reflection."));
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::validation(
            "Please write a few words before sending a reply.",
        ));
    }
    if text.chars().count() > MAX_REPLY_CHARS {
        return Err(AppError::validation(format!(
            "Please keep a reply to {MAX_REPLY_CHARS} characters."
        )));
    }
    write_tx(conn, |conn| {
        let at = now();
        Reflection::set_reply(conn, reflection.id, text, user.id, at)?;
        crate::services::absence::reply_written(conn, mail, &reflection, cohort.id, at)?;
        Audit::by_user(user.id)
            .did("reflection.reply")
            .on("reflection", reflection.id)
            .in_cohort(cohort.id)
            .record(conn)?;
        Ok(reflection.session_number as i64)
    })
}
