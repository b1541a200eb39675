//! Printouts: gathers what each document needs from the database (always
//! through the same visibility checks as the pages) and hands it to
//! `crate::pdf::documents`.

use chrono::NaiveDateTime;

use crate::curriculum::{Curriculum, Library, Session};
use crate::db::ids::{CohortId, MeetingId};
use crate::db::models::Audit;
use crate::db::models::{Attendance, Cohort, CurriculumVersion, Enrolment, Meeting, User};
use crate::db::status::MeetingStatus;
use crate::db::{now, write_tx, DbConn};
use crate::error::AppError;
use crate::pdf::documents::{self, Certificate, Handout, HelpNow, Plan, Recipient, SignIn};
use crate::pdf::{self, Paper};
use crate::services::{follow_ups, participants as parents, schedule, support, zones};

/// A finished file and the name to save it under.
#[derive(Debug)]
pub struct Pdf {
    pub filename: String,
    pub bytes: Vec<u8>,
    pub pages: usize,
}

impl Pdf {
    fn new(doc: &pdf::Document, name: &[&str]) -> Result<Pdf, AppError> {
        Pdf::with_progress(doc, name, &|_, _| {})
    }

    /// The document as a file. A PDF that could not be made is an error
    /// (never a file cut short): the facilitator is told to try again.
    fn with_progress(
        doc: &pdf::Document,
        name: &[&str],
        progress: &dyn Fn(usize, usize),
    ) -> Result<Pdf, AppError> {
        let (bytes, pages) = pdf::render_with_progress(doc, progress)
            .map_err(|e| AppError::NotPrinted(Box::new(e)))?;
        Ok(Pdf {
            filename: pdf::safe_filename(name),
            bytes,
            pages,
        })
    }
}

/// `?paper=letter` or `a4`; nothing means the paper of the group's
/// country (`paper_or_group`), or A4 for a course's blank handout.
pub fn paper(value: Option<&str>) -> Result<Option<Paper>, AppError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => Paper::parse(v).map(Some).ok_or_else(|| {
            AppError::BadRequest(format!(
                "We can print on A4 or US Letter paper, not \"{}\". Use paper=a4 or paper=letter.",
                v.chars().take(20).collect::<String>()
            ))
        }),
    }
}

/// The paper asked for, else the one the group's country prints on (US
/// Letter in the US and Canada, A4 in most places).
pub fn paper_or_group(paper: Option<Paper>, cohort: &Cohort) -> Paper {
    paper.unwrap_or_else(|| zones::paper_for(&cohort.time_zone))
}

fn session(c: &Curriculum, number: u32) -> Result<&Session, AppError> {
    c.session(number)
        .ok_or_else(|| AppError::not_found("This course has no session with that number."))
}

/// A blank handout straight from the curriculum: no group, no names.
pub fn curriculum_handout(
    library: &Library,
    slug: &str,
    number: u32,
    help: HelpNow,
    paper: Option<Paper>,
) -> Result<Pdf, AppError> {
    let c = library
        .get(slug)
        .ok_or_else(|| AppError::not_found("We don't have a course by that name."))?;
    let s = session(c, number)?;
    let h = Handout {
        curriculum: c,
        session: s,
        group: None,
        when: None,
        recipient: None,
        lost_link_url: None,
        help,
    };
    Pdf::new(
        &documents::handout_document(&h, paper.unwrap_or_default()),
        &[&c.slug, &format!("session-{number}"), "handout"],
    )
}

/// What the meeting documents share.
struct MeetingFacts {
    cohort: Cohort,
    meeting: Meeting,
    curriculum: std::sync::Arc<Curriculum>,
    tz: chrono_tz::Tz,
}

fn meeting_facts(
    conn: &mut DbConn,
    user: &User,
    cohort_id: CohortId,
    meeting_id: MeetingId,
) -> Result<MeetingFacts, AppError> {
    let (cohort, meeting) =
        crate::services::access::find_visible_meeting(conn, user, cohort_id, meeting_id)?;
    let curriculum = CurriculumVersion::load_curriculum(conn, cohort.curriculum_version_id)?;
    let tz = schedule::parse_time_zone(&cohort.time_zone)?;
    Ok(MeetingFacts {
        cohort,
        meeting,
        curriculum,
        tz,
    })
}

impl MeetingFacts {
    fn session(&self) -> Result<&Session, AppError> {
        session(&self.curriculum, self.meeting.session_number as u32)
    }
    fn when(&self) -> String {
        schedule::format_local(self.tz, self.meeting.starts_at)
    }
    fn location(&self) -> Option<String> {
        self.meeting
            .location
            .clone()
            .or_else(|| self.cohort.location.clone())
    }
    fn name(&self, what: &str) -> Vec<String> {
        vec![
            self.cohort.title.clone(),
            format!("session-{}", self.meeting.session_number),
            what.to_string(),
        ]
    }
}

fn names(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Spare handouts for a meeting: the group and date, no names.
pub fn meeting_handout(
    conn: &mut DbConn,
    user: &User,
    cohort_id: CohortId,
    meeting_id: MeetingId,
    base_url: &str,
    paper: Option<Paper>,
) -> Result<Pdf, AppError> {
    let f = meeting_facts(conn, user, cohort_id, meeting_id)?;
    let h = Handout {
        curriculum: &f.curriculum,
        session: f.session()?,
        group: Some(f.cohort.title.clone()),
        when: Some(f.when()),
        recipient: None,
        lost_link_url: None,
        help: support::help_now(conn, Some(base_url))?,
    };
    Pdf::new(
        &documents::handout_document(&h, paper_or_group(paper, &f.cohort)),
        &names(&f.name("handout")),
    )
}

pub fn meeting_plan(
    conn: &mut DbConn,
    user: &User,
    cohort_id: CohortId,
    meeting_id: MeetingId,
    base_url: &str,
    paper: Option<Paper>,
) -> Result<Pdf, AppError> {
    let f = meeting_facts(conn, user, cohort_id, meeting_id)?;
    let facilitators = follow_ups::facilitators(conn, f.cohort.id)?
        .into_iter()
        .map(|p| p.name)
        .collect();
    let p = Plan {
        curriculum: &f.curriculum,
        session: f.session()?,
        group: f.cohort.title.clone(),
        when: f.when(),
        start: schedule::to_local(f.tz, f.meeting.starts_at).time(),
        location: f.location(),
        facilitators,
        help: Some(support::help_now(conn, Some(base_url))?),
    };
    Pdf::new(
        &documents::plan_document(&p, paper_or_group(paper, &f.cohort)),
        &names(&f.name("plan")),
    )
}

/// The facilitator packet of a group: its course guide, then the plan of
/// every session with the group's own dates and clock times (a session
/// with no meeting yet prints without a date).
pub fn facilitator_packet(
    conn: &mut DbConn,
    user: &User,
    cohort_id: i64,
    base_url: &str,
    paper: Option<Paper>,
) -> Result<Pdf, AppError> {
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    let curriculum = CurriculumVersion::load_curriculum(conn, cohort.curriculum_version_id)?;
    let tz = schedule::parse_time_zone(&cohort.time_zone)?;
    let meetings = Meeting::for_cohort(conn, cohort.id)?;
    let facilitators: Vec<String> = follow_ups::facilitators(conn, cohort.id)?
        .into_iter()
        .map(|p| p.name)
        .collect();
    let plans: Vec<Plan> = curriculum
        .sessions
        .iter()
        .map(|s| {
            let meeting = meetings.iter().find(|m| {
                m.session_number as u32 == s.number && m.status != MeetingStatus::Cancelled
            });
            Plan {
                curriculum: &curriculum,
                session: s,
                group: cohort.title.clone(),
                when: meeting
                    .map(|m| schedule::format_local(tz, m.starts_at))
                    .unwrap_or_else(|| "not scheduled yet".into()),
                start: meeting
                    .map(|m| schedule::to_local(tz, m.starts_at).time())
                    .unwrap_or_default(),
                location: meeting
                    .and_then(|m| m.location.clone())
                    .or_else(|| cohort.location.clone()),
                facilitators: facilitators.clone(),
                help: None,
            }
        })
        .collect();
    let help = support::help_now(conn, Some(base_url))?;
    Pdf::new(
        &documents::facilitator_packet(&curriculum, &plans, &help, paper_or_group(paper, &cohort)),
        &[&cohort.title, "facilitator-packet"],
    )
}

/// Active parents of a group, by name: (enrolment id, name to print).
fn roster(conn: &mut DbConn, cohort_id: i64) -> Result<Vec<(i64, String)>, AppError> {
    Ok(Enrolment::active_names(conn, cohort_id)?
        .into_iter()
        .map(|e| (e.enrolment_id, e.shown_name()))
        .collect())
}

pub fn meeting_sign_in(
    conn: &mut DbConn,
    user: &User,
    cohort_id: CohortId,
    meeting_id: MeetingId,
    base_url: &str,
    paper: Option<Paper>,
) -> Result<Pdf, AppError> {
    let f = meeting_facts(conn, user, cohort_id, meeting_id)?;
    let s = f.session()?;
    let names_on_roll: Vec<String> = roster(conn, f.cohort.id)?
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    // Room for a few newcomers, and a full page even for a small group.
    let blank_rows = 6usize.max(12usize.saturating_sub(names_on_roll.len()));
    let sheet = SignIn {
        group: f.cohort.title.clone(),
        curriculum_title: f.curriculum.title.clone(),
        session_number: s.number,
        session_title: s.title.clone(),
        when: f.when(),
        location: f.location(),
        names: names_on_roll,
        blank_rows,
        help: support::help_now(conn, Some(base_url))?,
    };
    Pdf::new(
        &documents::sign_in_document(&sheet, paper_or_group(paper, &f.cohort)),
        &names(&f.name("sign-in")),
    )
}

/// Where printed personal links point, and when they end.
#[derive(Debug, Clone, Copy)]
pub struct PrintedLinks<'a> {
    pub base_url: &'a str,
    pub policy: parents::LinkPolicy,
}

/// Every parent's own handout, with a new personal link each (printed and
/// as a QR code), for one session or the whole course. Links are made and
/// audited in one transaction before anything is drawn.
pub fn packet(
    conn: &mut DbConn,
    cohort: &Cohort,
    actor: Option<i64>,
    printed: PrintedLinks,
    only_session: Option<u32>,
    paper: Paper,
    progress: &dyn Fn(usize, usize),
) -> Result<Pdf, AppError> {
    let curriculum = CurriculumVersion::load_curriculum(conn, cohort.curriculum_version_id)?;
    let tz = schedule::parse_time_zone(&cohort.time_zone)?;
    let sessions: Vec<&Session> = match only_session {
        Some(n) => vec![session(&curriculum, n)?],
        None => curriculum.sessions.iter().collect(),
    };
    let people = roster(conn, cohort.id)?;
    if people.is_empty() {
        return Err(AppError::Validation(
            "This group has no parents yet, so there is nothing to print.".into(),
        ));
    }
    // When each session meets (its first meeting that is not cancelled).
    let when: Vec<(i32, NaiveDateTime)> = Meeting::for_cohort(conn, cohort.id)?
        .into_iter()
        .filter(|m| m.status != MeetingStatus::Cancelled)
        .map(|m| (m.session_number, m.starts_at))
        .collect();
    let links = print_links(conn, cohort.id, actor, printed, &people)?;
    let lost = format!("{}/p/lost", printed.base_url.trim_end_matches('/'));
    let help = support::help_now(conn, Some(printed.base_url))?;
    let mut handouts = Vec::with_capacity(people.len() * sessions.len());
    for ((_, name), link) in people.iter().zip(&links) {
        for s in &sessions {
            let at = when
                .iter()
                .find(|(n, _)| *n as u32 == s.number)
                .map(|(_, t)| schedule::format_local(tz, *t));
            handouts.push(Handout {
                curriculum: &curriculum,
                session: s,
                group: Some(cohort.title.clone()),
                when: at,
                recipient: Some(Recipient {
                    name: name.clone(),
                    link: Some(link.clone()),
                }),
                lost_link_url: Some(lost.clone()),
                help: help.clone(),
            });
        }
    }
    let what = match only_session {
        Some(n) => format!("session {n}"),
        None => "whole course".to_string(),
    };
    let title = format!("{} \u{2013} handouts, {what}", cohort.title);
    let doc = documents::packet(&title, &handouts, paper);
    let name_what = match only_session {
        Some(n) => format!("session-{n}"),
        None => "course".to_string(),
    };
    Pdf::with_progress(
        &doc,
        &[cohort.title.as_str(), &name_what, "packet"],
        progress,
    )
}

/// A new personal link for each of `people`, made and audited in one
/// transaction before anything is drawn.
fn print_links(
    conn: &mut DbConn,
    cohort_id: i64,
    actor: Option<i64>,
    printed: PrintedLinks,
    people: &[(i64, String)],
) -> Result<Vec<String>, AppError> {
    write_tx(conn, |conn| {
        let mut links = Vec::with_capacity(people.len());
        for (enrolment_id, _) in people {
            let token = parents::issue_link_for(
                conn,
                *enrolment_id,
                parents::LinkChannel::Print,
                printed.policy,
                None,
            )?;
            links.push(format!(
                "{}/p/{token}",
                printed.base_url.trim_end_matches('/')
            ));
            Audit::by_user_or_system(actor)
                .did("participant.link_printed")
                .on_enrolment(*enrolment_id)
                .in_cohort(cohort_id)
                .record(conn)?;
        }
        Ok(links)
    })
}

/// [`packet`] for a facilitator of the group.
pub fn packet_for(
    conn: &mut DbConn,
    user: &User,
    printed: PrintedLinks,
    cohort_id: i64,
    only_session: Option<u32>,
    paper: Option<Paper>,
) -> Result<Pdf, AppError> {
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    packet(
        conn,
        &cohort,
        Some(user.id),
        printed,
        only_session,
        paper_or_group(paper, &cohort),
        &|_, _| {},
    )
}

/// The usual bar for a certificate: three meetings in four.
pub fn default_certificate_minimum(sessions: usize) -> u32 {
    ((sessions as u32) * 3).div_ceil(4).max(1)
}

/// Certificates for every active parent who came to at least `minimum`
/// meetings (default: three in four sessions).
pub fn certificates(
    conn: &mut DbConn,
    user: &User,
    cohort_id: i64,
    minimum: Option<u32>,
    paper: Option<Paper>,
) -> Result<Pdf, AppError> {
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    let curriculum = CurriculumVersion::load_curriculum(conn, cohort.curriculum_version_id)?;
    let tz = schedule::parse_time_zone(&cohort.time_zone)?;
    let sessions = curriculum.sessions.len() as u32;
    let minimum = minimum.unwrap_or_else(|| default_certificate_minimum(curriculum.sessions.len()));
    if minimum == 0 || minimum > sessions {
        return Err(AppError::BadRequest(format!(
            "The number of meetings must be between 1 and {sessions}."
        )));
    }
    let people = roster(conn, cohort.id)?;
    // Sessions attended, each counted once: a make-up of a session the
    // parent also came to does not count twice.
    let present = Attendance::present_sessions(conn, cohort.id)?;
    // Caught up on, at home: shown apart, and counted towards the
    // certificate only for a session they did not also come to.
    let caught_up = Attendance::caught_up_sessions(conn, cohort.id)?;
    let at = now();
    let last = Meeting::for_cohort(conn, cohort.id)?
        .into_iter()
        .filter(|m| m.status != MeetingStatus::Cancelled && m.starts_at <= at)
        .map(|m| m.starts_at)
        .next_back()
        .unwrap_or(at);
    let date = schedule::to_local(tz, last).format("%-d %B %Y").to_string();
    let facilitators: Vec<String> = follow_ups::facilitators(conn, cohort.id)?
        .into_iter()
        .map(|p| p.name)
        .collect();
    let certs: Vec<Certificate> = people
        .into_iter()
        .filter_map(|(id, name)| {
            let attended = present.iter().filter(|(e, _)| *e == id).count() as u32;
            let caught = caught_up
                .iter()
                .filter(|(e, s)| *e == id && !present.contains(&(id, *s)))
                .count() as u32;
            (attended + caught >= minimum).then(|| Certificate {
                name,
                curriculum_title: curriculum.title.clone(),
                group: cohort.title.clone(),
                attended: attended.min(sessions),
                caught_up: caught.min(sessions - attended.min(sessions)),
                sessions,
                date: date.clone(),
                facilitators: facilitators.clone(),
            })
        })
        .collect();
    if certs.is_empty() {
        return Err(AppError::Validation(format!(
            "No parent in this group has come to {} yet, so there are no \
             certificates to print. Take attendance on each meeting's page, or choose a lower number.",
            crate::services::forms::count(minimum as usize, "meeting", "meetings")
        )));
    }
    Pdf::new(
        &documents::certificates_document(&certs, paper_or_group(paper, &cohort)),
        &[cohort.title.as_str(), "certificates"],
    )
}

/// A parent's own copy of a session handout: their name, and where to ask
/// for a new link (paper should not carry a live link they did not ask for).
pub fn my_handout(
    conn: &mut DbConn,
    enrolment_id: i64,
    number: u32,
    base_url: &str,
    paper: Option<Paper>,
) -> Result<Pdf, AppError> {
    let me = crate::services::access::me(conn, enrolment_id)?;
    let s = session(&me.curriculum, number)?;
    let tz = schedule::parse_time_zone(&me.cohort.time_zone)?;
    let at: Option<NaiveDateTime> = Meeting::for_cohort(conn, me.cohort.id)?
        .into_iter()
        .find(|m| m.session_number == number as i32 && m.status != MeetingStatus::Cancelled)
        .map(|m| m.starts_at);
    let name = me
        .participant
        .preferred_name
        .clone()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| me.participant.name.clone());
    let h = Handout {
        curriculum: &me.curriculum,
        session: s,
        group: Some(me.cohort.title.clone()),
        when: at.map(|t| schedule::format_local(tz, t)),
        recipient: Some(Recipient { name, link: None }),
        lost_link_url: Some(format!("{}/p/lost", base_url.trim_end_matches('/'))),
        help: support::help_now(conn, Some(base_url))?,
    };
    Pdf::new(
        &documents::handout_document(&h, paper_or_group(paper, &me.cohort)),
        &[&format!("session-{number}"), &s.title, "handout"],
    )
}

/// Tonight's sheet as one page (`services::tonight` gathers it).
pub fn tonight_sheet(
    conn: &mut DbConn,
    user: &User,
    cohort_id: CohortId,
    meeting_id: MeetingId,
    _base_url: &str,
    paper: Option<Paper>,
) -> Result<Pdf, AppError> {
    let f = meeting_facts(conn, user, cohort_id, meeting_id)?;
    let sheet = crate::services::tonight::sheet(conn, user, cohort_id, meeting_id)?;
    let t = sheet.tally;
    let doc = documents::TonightSheet {
        group: sheet.cohort_title,
        curriculum_title: f.curriculum.title.clone(),
        session_number: sheet.session_number,
        session_title: sheet.session_title,
        when: sheet.when,
        ends: sheet.ends,
        location: sheet.location,
        agenda: sheet
            .agenda
            .into_iter()
            .map(|a| (a.clock, a.minutes, a.title))
            .collect(),
        coming: t.coming,
        apologies: t
            .apologies
            .into_iter()
            .map(|a| match a.reason {
                Some(r) => format!("{} ({r})", a.name),
                None => a.name,
            })
            .collect(),
        no_answer: t.no_answer,
        missed_last: sheet.missed_last,
        waiting: sheet
            .waiting
            .into_iter()
            .map(|w| format!("{} (session {})", w.name, w.session_number))
            .collect(),
        notes: t.notes.into_iter().map(|n| (n.name, n.note)).collect(),
    };
    Pdf::new(
        &documents::tonight_document(&doc, paper_or_group(paper, &f.cohort)),
        &names(&f.name("tonight")),
    )
}
