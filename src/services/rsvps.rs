//! RSVPs and apologies: a parent says "I'll be there" or "I can't come this
//! time" for a meeting, from the reminder's links or their own page; the
//! facilitators see who is coming, and the roll starts from it.
//!
//! The links are access tokens of their own purposes (`rsvp_coming`,
//! `rsvp_apologies`) naming the parent's place and the meeting: 128
//! random bits, stored hashed, 22 characters so the link fits in a text
//! message, each usable once and ending when the meeting starts. A GET
//! only asks (mail scanners open links); the POST answers.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::models::access_token::{AccessToken, MeetingToken};
use crate::db::models::rsvp::{NewRsvp, Rsvp};
use crate::db::models::{Audit, Enrolment, Meeting};
use crate::db::status::{ApologyReason, EnrolmentStatus, MeetingStatus, RsvpAnswer};
use crate::db::{now, write_tx, DbConn};
use crate::error::{AppError, FieldErrors};
use crate::services::{forms, schedule};

/// The longest note a parent may leave with an answer.
pub const NOTE_MOST: usize = 500;
/// `rsvps.via` for an answer from a reminder's link.
pub const VIA_LINK: &str = "link";
/// `rsvps.via` for an answer from the parent's own page.
pub const VIA_HOME: &str = "home";

/// The access-token purpose of a link that gives `answer`.
pub fn purpose(answer: RsvpAnswer) -> String {
    format!("rsvp_{}", answer.as_str())
}

fn purposes() -> Vec<String> {
    RsvpAnswer::ALL.iter().map(|a| purpose(*a)).collect()
}

fn answer_of_purpose(p: &str) -> Option<RsvpAnswer> {
    RsvpAnswer::ALL.iter().copied().find(|a| purpose(*a) == p)
}

/// A reason as a parent reads it.
pub fn reason_label(r: ApologyReason) -> &'static str {
    match r {
        ApologyReason::Ill => "I'm ill, or someone at home is",
        ApologyReason::Work => "Work",
        ApologyReason::Childcare => "No one to mind the children",
        ApologyReason::Transport => "No way to get there",
        ApologyReason::Other => "Something else",
    }
}

/// A reason as the facilitator's pages say it, shortly.
pub fn reason_short(r: ApologyReason) -> &'static str {
    match r {
        ApologyReason::Other => "something else",
        r => r.as_str(),
    }
}

/// One radio button of the reasons.
#[derive(Debug, Serialize)]
pub struct ReasonChoice {
    pub value: ApologyReason,
    pub label: &'static str,
    pub checked: bool,
}

pub fn reason_choices(chosen: Option<ApologyReason>) -> Vec<ReasonChoice> {
    ApologyReason::ALL
        .iter()
        .map(|r| ReasonChoice {
            value: *r,
            label: reason_label(*r),
            checked: chosen == Some(*r),
        })
        .collect()
}

/// A reminder's two links (site paths: `/r/<token>`).
#[derive(Debug, Clone)]
pub struct RsvpLinks {
    pub yes: String,
    pub no: String,
}

/// Makes a parent's two links for a meeting, ending when it starts; none
/// for a meeting that is off or has begun.
pub fn make_links(
    conn: &mut DbConn,
    enrolment_id: i64,
    meeting: &Meeting,
    at: NaiveDateTime,
) -> Result<Option<RsvpLinks>, AppError> {
    let (Some(yes), Some(no)) = (
        make_link(conn, enrolment_id, meeting, RsvpAnswer::Coming, at)?,
        make_link(conn, enrolment_id, meeting, RsvpAnswer::Apologies, at)?,
    ) else {
        return Ok(None);
    };
    Ok(Some(RsvpLinks { yes, no }))
}

/// One link that gives `answer` (a site path), or none for a meeting that
/// is off or has begun.
fn make_link(
    conn: &mut DbConn,
    enrolment_id: i64,
    meeting: &Meeting,
    answer: RsvpAnswer,
    at: NaiveDateTime,
) -> Result<Option<String>, AppError> {
    if meeting.status == MeetingStatus::Cancelled || meeting.starts_at <= at {
        return Ok(None);
    }
    let token = AccessToken::insert_for_meeting(
        conn,
        &purpose(answer),
        enrolment_id,
        meeting.id,
        at,
        meeting.starts_at,
    )?;
    Ok(Some(format!("/r/{token}")))
}

/// What a reminder's placeholders say in a preview.
pub fn preview_links() -> RsvpLinks {
    RsvpLinks {
        yes: "/r/(their-own-link)".into(),
        no: "/r/(their-own-link)".into(),
    }
}

/// What a link's pages say: the answer it gives, for which meeting.
#[derive(Debug, Serialize)]
pub struct LinkFacts {
    pub answer: RsvpAnswer,
    pub coming: bool,
    pub greeting: String,
    pub cohort: String,
    pub session_number: i32,
    pub session_title: String,
    pub when: String,
    /// Their answer so far, if any.
    pub current: Option<CurrentAnswer>,
    pub reasons: Vec<ReasonChoice>,
    pub note_most: usize,
    #[serde(skip)]
    pub enrolment_id: i64,
    #[serde(skip)]
    pub participant_id: i64,
    #[serde(skip)]
    pub meeting_id: i64,
    #[serde(skip)]
    pub cohort_id: i64,
    #[serde(skip)]
    pub token_id: i64,
}

/// An answer as the parent's pages show it.
#[derive(Debug, Serialize)]
pub struct CurrentAnswer {
    pub answer: RsvpAnswer,
    pub coming: bool,
    pub reason: Option<&'static str>,
    pub note: Option<String>,
}

impl CurrentAnswer {
    fn of(r: &Rsvp) -> CurrentAnswer {
        CurrentAnswer {
            answer: r.answer,
            coming: r.answer == RsvpAnswer::Coming,
            reason: r.apology_reason().map(reason_label),
            note: r.note.clone(),
        }
    }
}

/// What a presented link turned out to be.
#[derive(Debug)]
pub enum LinkState {
    Live(LinkFacts),
    /// Already used once (410).
    Used(LinkFacts),
    /// The meeting began, was cancelled, or the place ended (410).
    Ended(LinkFacts),
    /// Not a link of ours (404).
    Unknown,
}

/// Reads a link without changing anything.
pub fn open_link(conn: &mut DbConn, token: &str) -> Result<LinkState, AppError> {
    let Some(t) = AccessToken::find_meeting_token(conn, &purposes(), token)? else {
        return Ok(LinkState::Unknown);
    };
    let Some(facts) = link_facts(conn, &t)? else {
        return Ok(LinkState::Unknown);
    };
    let at = now();
    let meeting = Meeting::find_in_cohort(
        conn,
        crate::db::ids::CohortId(facts.cohort_id),
        crate::db::ids::MeetingId(facts.meeting_id),
    )?;
    let place_ok = Enrolment::find(conn, facts.enrolment_id)?
        .is_some_and(|e| e.status == EnrolmentStatus::Active);
    let ended = t.revoked_at.is_some()
        || t.expires_at.is_none_or(|e| e <= at)
        || meeting.starts_at <= at
        || meeting.status == MeetingStatus::Cancelled
        || !place_ok;
    Ok(if ended {
        LinkState::Ended(facts)
    } else if t.used_at.is_some() {
        LinkState::Used(facts)
    } else {
        LinkState::Live(facts)
    })
}

fn link_facts(conn: &mut DbConn, t: &MeetingToken) -> Result<Option<LinkFacts>, AppError> {
    let (Some(enrolment_id), Some(meeting_id), Some(answer)) =
        (t.enrolment_id, t.meeting_id, answer_of_purpose(&t.purpose))
    else {
        return Ok(None);
    };
    let me = crate::services::access::me(conn, enrolment_id)?;
    let Ok(meeting) = Meeting::find_in_cohort(
        conn,
        crate::db::ids::CohortId(me.cohort.id),
        crate::db::ids::MeetingId(meeting_id),
    ) else {
        return Ok(None);
    };
    let tz = schedule::parse_time_zone(&me.cohort.time_zone)?;
    let current = Rsvp::find(conn, meeting.id, enrolment_id)?;
    Ok(Some(LinkFacts {
        answer,
        coming: answer == RsvpAnswer::Coming,
        greeting: greeting(&me.participant),
        cohort: me.cohort.title.clone(),
        session_number: meeting.session_number,
        session_title: me.curriculum.session_title(meeting.session_number),
        when: schedule::format_local(tz, meeting.starts_at),
        reasons: reason_choices(current.as_ref().and_then(Rsvp::apology_reason)),
        current: current.as_ref().map(CurrentAnswer::of),
        note_most: NOTE_MOST,
        enrolment_id,
        participant_id: me.participant.id,
        meeting_id: meeting.id,
        cohort_id: me.cohort.id,
        token_id: t.id,
    }))
}

fn greeting(p: &crate::db::models::Participant) -> String {
    p.preferred_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| {
            p.name
                .split_whitespace()
                .next()
                .unwrap_or("there")
                .to_string()
        })
}

/// What the answer form sent (from a link's page or the parent's own).
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct AnswerForm {
    /// From the parent's page: `coming` or `apologies`.
    #[serde(default)]
    pub answer: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub note: String,
    /// From the parent's page: the meeting the page showed.
    #[serde(default)]
    pub meeting: String,
}

/// The reason and note, checked. A reason only goes with an apology.
fn checked_details(
    form: &AnswerForm,
    answer: RsvpAnswer,
) -> Result<(Option<ApologyReason>, Option<String>), AppError> {
    let mut errors = FieldErrors::default();
    let reason = match form.reason.trim() {
        "" => None,
        r => match ApologyReason::parse(r) {
            Some(r) if answer == RsvpAnswer::Apologies => Some(r),
            Some(_) => None,
            None => {
                errors.add("reason", "Please choose one of the reasons, or none.");
                None
            }
        },
    };
    let note = forms::optional_text(&mut errors, "note", &form.note, NOTE_MOST);
    errors.check()?;
    Ok((reason, note))
}

/// After an answer: what was said, and a fresh link to say the other
/// thing (the thank-you page's "changed your mind?").
#[derive(Debug, Serialize)]
pub struct Answered {
    pub facts: LinkFacts,
    pub change_path: Option<String>,
}

/// Who is answering through a link: the parent whose browser this is, if
/// one is signed in.
#[derive(Debug, Clone, Copy)]
pub struct Asker {
    pub signed_in_enrolment: Option<i64>,
    /// A facilitator's browser: it answers for nobody.
    pub facilitator: bool,
}

/// Answers through a link: once, before the meeting, for the parent the
/// link names (a browser signed in as another parent is refused). `None`
/// when a facilitator's browser opened a link of ours: nothing is done,
/// and they are asked to sign out first.
pub fn answer_by_link(
    conn: &mut DbConn,
    token: &str,
    form: &AnswerForm,
    asker: Asker,
) -> Result<Option<Answered>, AppError> {
    let facts = match open_link(conn, token)? {
        LinkState::Unknown => return Err(unknown_error()),
        _ if asker.facilitator => return Ok(None),
        LinkState::Live(f) => f,
        LinkState::Used(_) => return Err(used_error()),
        LinkState::Ended(_) => return Err(ended_error()),
    };
    if let Some(mine) = asker.signed_in_enrolment {
        let same =
            Enrolment::find(conn, mine)?.is_some_and(|e| e.participant_id == facts.participant_id);
        if !same {
            return Err(AppError::Forbidden(
                "This link was sent to another parent, so it can't answer for you. \
                 Please use the links in your own email, or answer on your own page."
                    .into(),
            ));
        }
    }
    let (reason, note) = checked_details(form, facts.answer)?;
    write_tx(conn, |conn| {
        let at = now();
        if !AccessToken::use_once(conn, facts.token_id, at)? {
            return Err(used_error());
        }
        save(conn, &facts, (reason, note.as_deref()), VIA_LINK, at)?;
        let change = RsvpAnswer::ALL
            .iter()
            .copied()
            .find(|a| *a != facts.answer)
            .ok_or_else(|| AppError::internal("an answer has no other"))?;
        let meeting = Meeting::find_in_cohort(
            conn,
            crate::db::ids::CohortId(facts.cohort_id),
            crate::db::ids::MeetingId(facts.meeting_id),
        )?;
        // Only the other answer's link: to change their mind.
        let change_path = make_link(conn, facts.enrolment_id, &meeting, change, at)?;
        let current = Rsvp::find(conn, facts.meeting_id, facts.enrolment_id)?;
        let facts = LinkFacts {
            current: current.as_ref().map(CurrentAnswer::of),
            ..facts
        };
        Ok(Some(Answered { facts, change_path }))
    })
}

fn save(
    conn: &mut DbConn,
    facts: &LinkFacts,
    (reason, note): (Option<ApologyReason>, Option<&str>),
    via: &str,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    Rsvp::save(
        conn,
        &NewRsvp {
            meeting_id: facts.meeting_id,
            enrolment_id: facts.enrolment_id,
            answer: facts.answer,
            reason,
            note,
            via,
            answered_at: at,
        },
    )?;
    Audit::by_participant(facts.participant_id)
        .did("rsvp.answer")
        .on_enrolment(facts.enrolment_id)
        .in_cohort(facts.cohort_id)
        .detail(Some(&format!(
            "meeting {}: {} ({via})",
            facts.meeting_id,
            facts.answer.as_str()
        )))
        .at(at)
        .record(conn)
}

pub fn used_error() -> AppError {
    AppError::Gone(
        "This link has already been used, so nothing changed. To change your answer, \
         use the other button in the email, or your own page."
            .into(),
    )
}

pub fn ended_error() -> AppError {
    AppError::Gone(
        "This link has ended: the meeting has started, moved or been called off, so nothing \
         changed. Your own page shows the next meeting."
            .into(),
    )
}

pub fn unknown_error() -> AppError {
    AppError::NotFound(
        "This link didn't work, so nothing changed. Please use the buttons in your newest \
         reminder email, or answer on your own page."
            .into(),
    )
}

// ---------------------------------------------------------------------
// The parent's own page

/// The choice on a parent's page for their next meeting.
#[derive(Debug, Serialize)]
pub struct HomeChoice {
    pub meeting_id: i64,
    pub current: Option<CurrentAnswer>,
    pub reasons: Vec<ReasonChoice>,
    pub note: String,
    pub note_most: usize,
}

/// The choice for `next` (their next meeting), if their place is active.
pub fn home_choice(
    conn: &mut DbConn,
    enrolment: &Enrolment,
    next: Option<&Meeting>,
) -> Result<Option<HomeChoice>, AppError> {
    let Some(m) = next.filter(|_| enrolment.status == EnrolmentStatus::Active) else {
        return Ok(None);
    };
    let current = Rsvp::find(conn, m.id, enrolment.id)?;
    Ok(Some(HomeChoice {
        meeting_id: m.id,
        reasons: reason_choices(current.as_ref().and_then(Rsvp::apology_reason)),
        note: current
            .as_ref()
            .and_then(|r| r.note.clone())
            .unwrap_or_default(),
        current: current.as_ref().map(CurrentAnswer::of),
        note_most: NOTE_MOST,
    }))
}

/// Answers from the parent's own page, for the meeting it showed (which
/// must still be their next one).
pub fn answer_at_home(
    conn: &mut DbConn,
    enrolment_id: i64,
    form: &AnswerForm,
) -> Result<RsvpAnswer, AppError> {
    let me = crate::services::access::me(conn, enrolment_id)?;
    let answer = RsvpAnswer::parse(form.answer.trim()).ok_or_else(|| {
        AppError::BadRequest("Please choose \"I'll be there\" or \"I can't come\".".into())
    })?;
    let at = now();
    let next = Meeting::for_cohort(conn, me.cohort.id)?
        .into_iter()
        .find(|m| m.status != MeetingStatus::Cancelled && m.starts_at > at);
    let Some(next) = next.filter(|_| me.enrolment.status == EnrolmentStatus::Active) else {
        return Err(AppError::Conflict(
            "There is no meeting coming up to answer for, so nothing changed.".into(),
        ));
    };
    if form.meeting.trim() != next.id.to_string() {
        return Err(AppError::Conflict(
            "That meeting has started or changed, so nothing was saved. Your page now shows the next one."
                .into(),
        ));
    }
    let (reason, note) = checked_details(form, answer)?;
    let facts = LinkFacts {
        answer,
        coming: answer == RsvpAnswer::Coming,
        greeting: String::new(),
        cohort: me.cohort.title.clone(),
        session_number: next.session_number,
        session_title: String::new(),
        when: String::new(),
        current: None,
        reasons: Vec::new(),
        note_most: NOTE_MOST,
        enrolment_id,
        participant_id: me.participant.id,
        meeting_id: next.id,
        cohort_id: me.cohort.id,
        token_id: 0,
    };
    write_tx(conn, |conn| {
        save(conn, &facts, (reason, note.as_deref()), VIA_HOME, at)
    })?;
    Ok(answer)
}

// ---------------------------------------------------------------------
// What the facilitators see

/// One parent who sent apologies.
#[derive(Debug, Clone, Serialize)]
pub struct ApologyLine {
    pub name: String,
    pub reason: Option<&'static str>,
}

/// A parent's note to the facilitators with their answer.
#[derive(Debug, Clone, Serialize)]
pub struct NoteLine {
    pub name: String,
    pub note: String,
}

/// Who said what for one meeting, among the parents in the group now.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    pub coming: Vec<String>,
    pub apologies: Vec<ApologyLine>,
    pub no_answer: Vec<String>,
    pub notes: Vec<NoteLine>,
    pub coming_count: usize,
    pub apologies_count: usize,
    pub no_answer_count: usize,
}

/// Sorts `roster` (enrolment id, name, in print order) by their answers.
pub fn tally(roster: &[(i64, String)], answers: &[Rsvp]) -> Tally {
    let by_enrolment: HashMap<i64, &Rsvp> = answers.iter().map(|r| (r.enrolment_id, r)).collect();
    let mut t = Tally::default();
    for (id, name) in roster {
        let Some(r) = by_enrolment.get(id) else {
            t.no_answer.push(name.clone());
            continue;
        };
        match r.answer {
            RsvpAnswer::Coming => t.coming.push(name.clone()),
            RsvpAnswer::Apologies => t.apologies.push(ApologyLine {
                name: name.clone(),
                reason: r.apology_reason().map(reason_short),
            }),
        }
        if let Some(note) = r.note.as_ref().filter(|n| !n.trim().is_empty()) {
            t.notes.push(NoteLine {
                name: name.clone(),
                note: note.clone(),
            });
        }
    }
    t.coming_count = t.coming.len();
    t.apologies_count = t.apologies.len();
    t.no_answer_count = t.no_answer.len();
    t
}

/// The tally for one meeting of a group (its parents now, by name).
pub fn meeting_tally(conn: &mut DbConn, meeting: &Meeting) -> Result<Tally, AppError> {
    let roster: Vec<(i64, String)> = Enrolment::active_names(conn, meeting.cohort_id)?
        .into_iter()
        .map(|e| (e.enrolment_id, e.shown_name()))
        .collect();
    Ok(tally(&roster, &Rsvp::for_meeting(conn, meeting.id)?))
}

/// Who sent apologies for a meeting: the roll marks them "excused" until
/// a mark is saved.
pub fn apologies_for(conn: &mut DbConn, meeting_id: i64) -> Result<Vec<i64>, AppError> {
    Ok(Rsvp::for_meeting(conn, meeting_id)?
        .into_iter()
        .filter(|r| r.answer == RsvpAnswer::Apologies)
        .map(|r| r.enrolment_id)
        .collect())
}
