//! A parent's way in (a personal link, no password) and their home page.

use chrono::Duration;
use serde::Serialize;

use crate::db::ids::{CohortId, EnrolmentId};
use crate::db::models::access_token::{AccessToken, Lookup};
use crate::db::models::web_session::WebSession;
use crate::db::models::Audit;
use crate::db::models::{Cohort, Enrolment, Meeting, Participant, Reflection, User};
use crate::db::status::{EnrolmentStatus, MeetingStatus, ReflectionStatus};
use crate::db::{now, write_tx, DbConn};
use crate::error::AppError;
use crate::services::schedule;

pub const LINK_PURPOSE: &str = "participant";
/// The version of the "what we keep and who sees it" text parents agree to.
pub const CONSENT_VERSION: &str = "2026-11-v1";

fn audit(
    conn: &mut DbConn,
    actor: (&str, Option<i64>),
    action: &str,
    enrolment: &Enrolment,
) -> Result<(), AppError> {
    Audit::actor(actor.0, actor.1)
        .did(action)
        .on_enrolment(enrolment.id)
        .in_cohort(enrolment.cohort_id)
        .record(conn)
}

/// A new personal link for a parent (their other links keep working).
/// Returns the token, to show once.
pub fn new_link(
    conn: &mut DbConn,
    user: &User,
    cohort_id: CohortId,
    enrolment_id: EnrolmentId,
    policy: LinkPolicy,
) -> Result<(String, String), AppError> {
    let (_, enrolment) =
        crate::services::access::find_visible_enrolment(conn, user, cohort_id, enrolment_id)?;
    let name = Participant::find(conn, enrolment.participant_id)?.name;
    write_tx(conn, |conn| {
        let token = issue_link_for(conn, enrolment.id, LinkChannel::Hand, policy, None)?;
        audit(
            conn,
            ("user", Some(user.id)),
            "participant.link_made",
            &enrolment,
        )?;
        Ok((token, name))
    })
}

/// How a personal link reached the parent. Emailed links are the ones that
/// pile up (every email carries one), so only the newest few stay live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkChannel {
    /// In an email: welcome, reminder, recap, a fresh link they asked for.
    Email,
    /// Printed on a handout packet.
    Print,
    /// Made by a facilitator to pass on by hand.
    Hand,
}

impl LinkChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Print => "print",
            Self::Hand => "hand",
        }
    }
}

pub use crate::config::{LinkPolicy, DEFAULT_LINK_DAYS};

/// A link made after the course is over (to read back or take one's data
/// away) still works for this long.
pub const LINK_MIN_DAYS: i64 = 7;
/// Emailed links a parent keeps live; a new one retires the oldest.
pub const EMAILED_LINKS_KEPT: usize = 3;

/// The end of a link made now for this enrolment.
pub fn link_end(
    conn: &mut DbConn,
    enrolment_id: i64,
    policy: LinkPolicy,
    at: chrono::NaiveDateTime,
) -> Result<chrono::NaiveDateTime, AppError> {
    let last = Meeting::last_of_enrolments_group(conn, enrolment_id)?;
    let end = last.unwrap_or(at) + Duration::days(policy.days_after_course);
    Ok(end.max(at + Duration::days(LINK_MIN_DAYS)))
}

/// Makes a hand-made personal link with the default policy (the demo and
/// tests; the app passes its configured policy to [`issue_link_for`]).
pub fn issue_link(conn: &mut DbConn, enrolment_id: i64) -> Result<String, AppError> {
    issue_link_for(
        conn,
        enrolment_id,
        LinkChannel::Hand,
        LinkPolicy::default(),
        None,
    )
}

/// Makes a personal link that ends with the course (see [`link_end`]), or
/// at `cap` if that is sooner (links in follow-up emails). A new emailed
/// link retires the parent's oldest emailed links beyond
/// [`EMAILED_LINKS_KEPT`]: they expire now, and opening one leads to a
/// fresh link. Returns the token, to show or send once.
pub fn issue_link_for(
    conn: &mut DbConn,
    enrolment_id: i64,
    channel: LinkChannel,
    policy: LinkPolicy,
    cap: Option<chrono::NaiveDateTime>,
) -> Result<String, AppError> {
    let at = now();
    let mut expires = link_end(conn, enrolment_id, policy, at)?;
    if let Some(cap) = cap {
        expires = expires.min(cap);
    }
    if channel == LinkChannel::Email {
        retire_old_emailed_links(conn, enrolment_id, at)?;
    }
    AccessToken::insert_for_enrolment(
        conn,
        LINK_PURPOSE,
        enrolment_id,
        channel.as_str(),
        at,
        expires,
    )
}

/// Expires the live emailed links of a parent beyond the newest
/// `EMAILED_LINKS_KEPT - 1`, making room for one more.
fn retire_old_emailed_links(
    conn: &mut DbConn,
    enrolment_id: i64,
    at: chrono::NaiveDateTime,
) -> Result<(), AppError> {
    let live = AccessToken::live_for_enrolment(
        conn,
        LINK_PURPOSE,
        enrolment_id,
        LinkChannel::Email.as_str(),
        at,
    )?;
    let old: Vec<i64> = live.into_iter().skip(EMAILED_LINKS_KEPT - 1).collect();
    AccessToken::expire(conn, &old, at)
}

/// Stops every personal link of a parent and ends their open sessions.
pub fn revoke_links(
    conn: &mut DbConn,
    user: &User,
    cohort_id: CohortId,
    enrolment_id: EnrolmentId,
) -> Result<String, AppError> {
    let (_, enrolment) =
        crate::services::access::find_visible_enrolment(conn, user, cohort_id, enrolment_id)?;
    let name = Participant::find(conn, enrolment.participant_id)?.name;
    write_tx(conn, |conn| {
        AccessToken::revoke_for_enrolment(conn, LINK_PURPOSE, enrolment.id, now())?;
        WebSession::delete_for_enrolment(conn, enrolment.id)?;
        audit(
            conn,
            ("user", Some(user.id)),
            "participant.links_revoked",
            &enrolment,
        )?;
        Ok(name)
    })
}

/// What opening a personal link found.
pub enum LinkOpen {
    Opened(Enrolment),
    /// A facilitator switched the parent's links off. With the names of
    /// the group's facilitators, so the parent knows whom to ask.
    SwitchedOff(Option<String>),
    /// Its time ran out, or newer emailed links replaced it.
    Expired(Option<String>),
    Unknown,
}

/// "Fran Facilitator and Sam Lead": who runs the group a link was for.
fn facilitators_of(
    conn: &mut DbConn,
    enrolment_id: Option<i64>,
) -> Result<Option<String>, AppError> {
    let Some(enrolment) = enrolment_id
        .map(|id| Enrolment::find(conn, id))
        .transpose()?
        .flatten()
    else {
        return Ok(None);
    };
    let names: Vec<String> = crate::db::views::follow_ups::facilitators(conn, enrolment.cohort_id)?
        .into_iter()
        .map(|f| f.name)
        .collect();
    Ok(match names.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        [rest @ .., last] => Some(format!("{} and {last}", rest.join(", "))),
    })
}

/// The enrolment a personal link opens (audited), or why it opens nothing.
pub fn open_link(conn: &mut DbConn, token: &str) -> Result<LinkOpen, AppError> {
    Ok(match AccessToken::lookup(conn, LINK_PURPOSE, token)? {
        Lookup::Live(t) => {
            let id = t
                .enrolment_id
                .ok_or_else(|| AppError::internal("link without enrolment"))?;
            let enrolment = Enrolment::find(conn, id)?
                .ok_or_else(|| AppError::internal("link to an enrolment that is gone"))?;
            audit(
                conn,
                ("participant", Some(enrolment.participant_id)),
                "participant.link_opened",
                &enrolment,
            )?;
            LinkOpen::Opened(enrolment)
        }
        Lookup::Retired(t) if t.revoked_at.is_some() => {
            LinkOpen::SwitchedOff(facilitators_of(conn, t.enrolment_id)?)
        }
        Lookup::Retired(t) => LinkOpen::Expired(facilitators_of(conn, t.enrolment_id)?),
        Lookup::Unknown => LinkOpen::Unknown,
    })
}

pub fn give_consent(conn: &mut DbConn, enrolment_id: i64) -> Result<(), AppError> {
    let me = crate::services::access::me(conn, enrolment_id)?;
    write_tx(conn, |conn| {
        Enrolment::set_consent(conn, me.enrolment.id, CONSENT_VERSION, now())?;
        audit(
            conn,
            ("participant", Some(me.participant.id)),
            "participant.consent",
            &me.enrolment,
        )
    })
}

#[derive(Debug, Serialize)]
pub struct HomePage {
    pub greeting: String,
    pub cohort_title: String,
    pub course_title: String,
    pub status: EnrolmentStatus,
    pub next_meeting: Option<String>,
    pub location: Option<String>,
    pub online_url: Option<String>,
    pub sessions: Vec<SessionLine>,
    pub needs_consent: bool,
    /// "start" or "end" when that check-in is open and not yet done.
    pub checkin: Option<&'static str>,
    /// Whether the group's emails (reminders, recaps) still go to them.
    pub emails_on: bool,
    /// The reflection they can write now, if one is open (the latest).
    pub open_reflection: Option<OpenReflection>,
    /// "I'll be there" / "I can't come" for the next meeting.
    pub rsvp: Option<crate::services::rsvps::HomeChoice>,
}

#[derive(Debug, Serialize)]
pub struct OpenReflection {
    pub number: u32,
    pub title: String,
    /// When it closes, in the group's time zone ("Tue 8 Dec 2026, 19:00").
    pub closes: Option<String>,
    pub state: ReflectionState,
}

/// Where a parent's reflection for a session stands, as their pages say
/// it ("none", "draft" or "sent").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReflectionState {
    None,
    Draft,
    Sent,
}

impl ReflectionState {
    pub fn of(status: Option<ReflectionStatus>) -> Self {
        match status {
            Some(ReflectionStatus::Submitted) => ReflectionState::Sent,
            Some(ReflectionStatus::Draft) => ReflectionState::Draft,
            None => ReflectionState::None,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct SessionLine {
    pub number: u32,
    pub title: String,
    pub when: Option<String>,
    pub held: bool,
    pub reflection: ReflectionState,
}

pub fn home(conn: &mut DbConn, enrolment_id: i64) -> Result<HomePage, AppError> {
    let me = crate::services::access::me(conn, enrolment_id)?;
    let tz = schedule::parse_time_zone(&me.cohort.time_zone)?;
    let meetings = Meeting::for_cohort(conn, me.cohort.id)?;
    let reflections = Reflection::for_enrolment(conn, me.enrolment.id)?;
    let at = now();
    let next = meetings
        .iter()
        .find(|m| m.status != MeetingStatus::Cancelled && m.starts_at > at);
    let sessions = me
        .curriculum
        .sessions
        .iter()
        .map(|s| {
            let meeting = meetings.iter().find(|m| {
                m.session_number as u32 == s.number && m.status != MeetingStatus::Cancelled
            });
            let r = reflections
                .iter()
                .find(|r| r.session_number as u32 == s.number);
            SessionLine {
                number: s.number,
                title: s.title.clone(),
                when: meeting.map(|m| schedule::format_local(tz, m.starts_at)),
                held: meeting.is_some_and(|m| m.starts_at <= at),
                reflection: ReflectionState::of(r.map(|r| r.status)),
            }
        })
        .collect();
    let open_reflection = open_reflection(&me, &meetings, &reflections, tz, at);
    Ok(HomePage {
        greeting: me.participant.preferred_name.clone().unwrap_or_else(|| {
            me.participant
                .name
                .split_whitespace()
                .next()
                .unwrap_or("there")
                .to_string()
        }),
        cohort_title: me.cohort.title.clone(),
        course_title: me.curriculum.title.clone(),
        status: me.enrolment.status,
        next_meeting: next.map(|m| schedule::format_local(tz, m.starts_at)),
        location: me.cohort.location.clone(),
        online_url: me.cohort.online_url.clone(),
        sessions,
        needs_consent: me.enrolment.consent_version.as_deref() != Some(CONSENT_VERSION),
        checkin: crate::services::checkins::offer(conn, me.enrolment.id, &meetings)?
            .filter(|(_, done)| !done)
            .map(|(phase, _)| phase.slug()),
        emails_on: me.enrolment.unsubscribed_at.is_none(),
        open_reflection,
        rsvp: crate::services::rsvps::home_choice(conn, &me.enrolment, next)?,
    })
}

/// The latest session whose reflection is open at `at`.
fn open_reflection(
    me: &crate::services::access::Me,
    meetings: &[Meeting],
    reflections: &[Reflection],
    tz: chrono_tz::Tz,
    at: chrono::NaiveDateTime,
) -> Option<OpenReflection> {
    me.curriculum.sessions.iter().rev().find_map(|s| {
        let (opens, closes) = reflection_window(&me.cohort, meetings, s.number);
        let open = opens.is_some_and(|o| o <= at) && closes.is_none_or(|c| c > at);
        open.then(|| OpenReflection {
            number: s.number,
            title: s.title.clone(),
            closes: closes.map(|c| schedule::format_local(tz, c)),
            state: ReflectionState::of(
                reflections
                    .iter()
                    .find(|r| r.session_number as u32 == s.number)
                    .map(|r| r.status),
            ),
        })
    })
}

/// When a parent may write about a session: from the start of its meeting
/// until the next session's meeting starts (or always, if the cohort says
/// so). The last session stays open for two weeks.
pub fn reflection_window(
    cohort: &Cohort,
    meetings: &[Meeting],
    session: u32,
) -> (Option<chrono::NaiveDateTime>, Option<chrono::NaiveDateTime>) {
    let live = |n: u32| {
        meetings
            .iter()
            .filter(|m| m.session_number as u32 == n && m.status != MeetingStatus::Cancelled)
            .map(|m| m.starts_at)
            .min()
    };
    let opens = live(session);
    if cohort.reflection_editing == "always" {
        return (opens, None);
    }
    let closes = live(session + 1).or_else(|| opens.map(|o| o + Duration::days(14)));
    (opens, closes)
}
