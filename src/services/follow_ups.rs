//! Follow-up emails: what each one says, who gets it and when. Welcome and
//! meeting-change notices are queued in the transaction of the change that
//! causes them; reminders, recaps and nudges are queued by the worker's
//! planner when their time comes (so a recap carries the note written after
//! the meeting, and a moved meeting simply comes due at its new time). The
//! dedupe key of each makes a second copy impossible.

use std::collections::HashSet;

use chrono::{Duration, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::{json, Value};

use crate::curriculum::model::SegmentKind;
use crate::curriculum::{markdown, Curriculum};
use crate::db::models::Audit;
use crate::db::models::{Cohort, CurriculumVersion, Enrolment, Meeting, OutboxMessage};
use crate::db::status::MeetingStatus;
use crate::db::views;
use crate::db::{write_tx, DbConn};
use crate::error::AppError;
use crate::mail::compose::Envelope;
use crate::mail::{Composer, RenderedEmail};
use crate::services::{participants as parents, schedule};

/// A reminder closer than this to the meeting is not worth sending.
const REMINDER_LATEST_BEFORE: Duration = Duration::hours(1);
/// Recaps and nudges that missed their time by more than this stay unsent
/// (the server was off for a week, or the meeting was entered afterwards).
const TOO_LATE: Duration = Duration::days(7);
/// Links in follow-ups stop working after this; the welcome link does not.
pub const EMAIL_LINK_DAYS: i64 = 45;

/// One parent a cohort's follow-ups go to.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub enrolment_id: i64,
    pub name: String,
    pub greeting: String,
    pub email: String,
    pub enrolled_at: NaiveDateTime,
}

/// Active parents with an email address who have not said stop, and
/// parents who can be texted (`email` is empty for those without one).
pub fn recipients(conn: &mut DbConn, cohort_id: i64) -> Result<Vec<Recipient>, AppError> {
    Ok(views::follow_ups::recipients(conn, cohort_id)?
        .into_iter()
        .map(|r| Recipient {
            enrolment_id: r.enrolment_id,
            greeting: greeting(&r.name, r.preferred_name.as_deref()),
            name: r.name,
            email: r.email.unwrap_or_default(),
            enrolled_at: r.enrolled_at,
        })
        .collect())
}

pub fn greeting(name: &str, preferred: Option<&str>) -> String {
    preferred
        .filter(|p| !p.trim().is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| {
            name.split_whitespace()
                .next()
                .unwrap_or("there")
                .to_string()
        })
}

/// What every email about a cohort says about it.
pub struct CohortFacts {
    pub cohort: Cohort,
    pub curriculum: std::sync::Arc<Curriculum>,
    pub tz: Tz,
    pub facilitators: String,
    pub reply_to: Option<String>,
}

fn cohort(conn: &mut DbConn, cohort_id: i64) -> Result<Cohort, AppError> {
    Cohort::find(conn, cohort_id)?
        .ok_or_else(|| AppError::not_found("We couldn't find that group."))
}

pub fn facts(conn: &mut DbConn, cohort_id: i64) -> Result<CohortFacts, AppError> {
    let cohort = cohort(conn, cohort_id)?;
    facts_for(conn, cohort)
}

pub use crate::db::views::follow_ups::Facilitator;

/// A group's facilitators who can still sign in, the lead first.
pub fn facilitators(conn: &mut DbConn, cohort_id: i64) -> Result<Vec<Facilitator>, AppError> {
    views::follow_ups::facilitators(conn, cohort_id)
}

/// Reads the curriculum and the facilitators: only when an email is
/// actually to be written.
pub fn facts_for(conn: &mut DbConn, cohort: Cohort) -> Result<CohortFacts, AppError> {
    let cohort_id = cohort.id;
    let curriculum = CurriculumVersion::load_curriculum(conn, cohort.curriculum_version_id)?;
    let tz = schedule::parse_time_zone(&cohort.time_zone)?;
    let people = facilitators(conn, cohort_id)?;
    let names: Vec<&str> = people.iter().map(|p| p.name.as_str()).collect();
    let facilitators = match names.as_slice() {
        [] => "Your group's facilitators".to_string(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    let reply_to = people
        .iter()
        .find(|p| p.role == "lead")
        .or(people.first())
        .map(|p| format!("{} <{}>", p.name.replace(['<', '>', '"', ','], ""), p.email));
    Ok(CohortFacts {
        cohort,
        curriculum,
        tz,
        facilitators,
        reply_to,
    })
}

/// "Tuesday 3 December at 6:30 pm", in the cohort's time zone.
pub fn when(tz: Tz, utc: NaiveDateTime) -> String {
    let local = tz.from_utc_datetime(&utc);
    let time = local.format("%-I:%M %P").to_string().replace(":00 ", " ");
    format!("{} at {time}", local.format("%A %-d %B"))
}

#[derive(Debug, Clone, Serialize)]
pub struct MeetingFacts {
    when: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    place: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    online_url: Option<String>,
    session_number: i32,
    session_title: String,
}

pub fn meeting_facts(f: &CohortFacts, m: &Meeting) -> MeetingFacts {
    MeetingFacts {
        when: when(f.tz, m.starts_at),
        place: m.location.clone().or_else(|| f.cohort.location.clone()),
        online_url: f.cohort.online_url.clone(),
        session_number: m.session_number,
        session_title: f
            .curriculum
            .session(m.session_number as u32)
            .map(|s| s.title.clone())
            .unwrap_or_else(|| format!("Session {}", m.session_number)),
    }
}

pub fn base_ctx(f: &CohortFacts, r: &Recipient) -> serde_json::Map<String, Value> {
    greeting_ctx(f, &r.greeting)
}

/// What every email to a parent of a cohort starts from (`name`, `cohort`,
/// `course`, `facilitators`, `can_reply`), and where replies go: for
/// emails a parent asks for (a fresh link, a sign-in code).
pub fn parent_context(
    conn: &mut DbConn,
    cohort_id: i64,
    name: &str,
    preferred: Option<&str>,
) -> Result<(serde_json::Map<String, Value>, Option<String>), AppError> {
    let f = facts(conn, cohort_id)?;
    Ok((greeting_ctx(&f, &greeting(name, preferred)), f.reply_to))
}

pub fn greeting_ctx(f: &CohortFacts, greeting: &str) -> serde_json::Map<String, Value> {
    let mut map = serde_json::Map::new();
    map.insert("name".into(), json!(greeting));
    map.insert("cohort".into(), json!(f.cohort.title));
    map.insert("course".into(), json!(f.curriculum.title));
    map.insert("facilitators".into(), json!(f.facilitators));
    // Replies reach the facilitators (Reply-To), so emails may say so.
    map.insert("can_reply".into(), json!(f.reply_to.is_some()));
    map
}

fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

/// A link into the parent's own page that signs them in.
pub fn personal_link(
    conn: &mut DbConn,
    composer: &Composer,
    enrolment_id: i64,
    to: Option<&str>,
    expires: Option<NaiveDateTime>,
) -> Result<String, AppError> {
    let token = parents::issue_link_for(
        conn,
        enrolment_id,
        parents::LinkChannel::Email,
        composer.links,
        expires,
    )?;
    Ok(match to {
        Some(to) => composer.url(&format!("/p/{token}?to={to}")),
        None => composer.url(&format!("/p/{token}")),
    })
}

pub fn envelope(
    kind: &'static str,
    key: String,
    f: &CohortFacts,
    r: &Recipient,
    meeting_id: Option<i64>,
    send_at: NaiveDateTime,
) -> Envelope {
    Envelope {
        kind,
        dedupe_key: key,
        to_address: r.email.clone(),
        to_name: Some(r.name.clone()),
        cohort_id: Some(f.cohort.id),
        enrolment_id: Some(r.enrolment_id),
        meeting_id,
        send_at,
        reply_to: f.reply_to.clone(),
        unsubscribe: true,
    }
}

/// Queues the welcome (with the parent's personal link) in the caller's
/// transaction. Nothing when the cohort sends no welcomes or the parent
/// has no address or said stop.
pub fn queue_welcome(
    conn: &mut DbConn,
    composer: &Composer,
    enrolment_id: i64,
    at: NaiveDateTime,
) -> Result<bool, AppError> {
    let cohort_id = Enrolment::find(conn, enrolment_id)?.map(|e| e.cohort_id);
    Ok(match cohort_id {
        Some(id) => queue_welcomes(conn, composer, id, &[enrolment_id], at)? == 1,
        None => false,
    })
}

/// The welcomes of several parents of one cohort (a CSV import), with the
/// curriculum, facilitators and meetings looked up once. Returns how many
/// were queued.
pub fn queue_welcomes(
    conn: &mut DbConn,
    composer: &Composer,
    cohort_id: i64,
    enrolment_ids: &[i64],
    at: NaiveDateTime,
) -> Result<usize, AppError> {
    let cohort = cohort(conn, cohort_id)?;
    if !cohort.send_welcome {
        return Ok(0);
    }
    let wanted: HashSet<i64> = enrolment_ids.iter().copied().collect();
    let people: Vec<Recipient> = recipients(conn, cohort_id)?
        .into_iter()
        .filter(|r| wanted.contains(&r.enrolment_id))
        .collect();
    if people.is_empty() {
        return Ok(0);
    }
    let key = |r: &Recipient| format!("welcome:{}", r.enrolment_id);
    // Welcomed before (left and came back): no second welcome, and no
    // personal link made for nothing.
    let done = views::follow_ups::queued_keys(conn, &people.iter().map(key).collect::<Vec<_>>())?;
    let f = facts_for(conn, cohort)?;
    let meetings = Meeting::for_cohort(conn, cohort_id)?;
    let mut queued = 0;
    for r in people.iter().filter(|r| !done.contains(&key(r))) {
        let ctx = welcome_ctx(conn, composer, &f, r, &meetings, at, false)?;
        if composer.queue(conn, &envelope("welcome", key(r), &f, r, None, at), ctx)? {
            queued += 1;
        }
    }
    Ok(queued)
}

fn welcome_ctx(
    conn: &mut DbConn,
    composer: &Composer,
    f: &CohortFacts,
    r: &Recipient,
    meetings: &[Meeting],
    at: NaiveDateTime,
    preview: bool,
) -> Result<Value, AppError> {
    let meetings: Vec<&Meeting> = meetings
        .iter()
        .filter(|m| m.status != MeetingStatus::Cancelled)
        .collect();
    let mut ctx = base_ctx(f, r);
    ctx.insert(
        "link_url".into(),
        json!(if preview {
            composer.url("/p/(their-personal-link)")
        } else {
            personal_link(conn, composer, r.enrolment_id, None, None)?
        }),
    );
    // Only the meetings still ahead of someone joining now: a parent who
    // joins after three meetings is not promised them.
    let (held, ahead): (Vec<&Meeting>, Vec<&Meeting>) =
        meetings.into_iter().partition(|m| m.starts_at <= at);
    if let Some(first) = ahead.first() {
        ctx.insert("first_meeting".into(), json!(meeting_facts(f, first)));
    }
    ctx.insert("meeting_count".into(), json!(ahead.len()));
    ctx.insert("joined_late".into(), json!(!held.is_empty()));
    let dates: Vec<String> = ahead.iter().map(|m| when(f.tz, m.starts_at)).collect();
    ctx.insert("meeting_dates".into(), json!(dates));
    Ok(Value::Object(ctx))
}

/// Which follow-up of a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUp {
    Reminder,
    Recap,
    Nudge,
}

impl FollowUp {
    pub fn kind(self) -> &'static str {
        match self {
            Self::Reminder => "reminder",
            Self::Recap => "recap",
            Self::Nudge => "nudge",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "reminder" => Some(Self::Reminder),
            "recap" => Some(Self::Recap),
            "nudge" => Some(Self::Nudge),
            _ => None,
        }
    }

    fn enabled(self, c: &Cohort) -> bool {
        match self {
            Self::Reminder => c.send_reminder,
            Self::Recap => c.send_recap,
            Self::Nudge => c.send_nudge,
        }
    }

    /// When this follow-up of `m` is due, by the cohort's settings.
    pub fn due_at(self, c: &Cohort, m: &Meeting) -> NaiveDateTime {
        let end = m.starts_at + Duration::minutes(i64::from(m.minutes));
        match self {
            Self::Reminder => m.starts_at - Duration::hours(i64::from(c.reminder_hours_before)),
            Self::Recap => end + Duration::hours(i64::from(c.recap_hours_after)),
            Self::Nudge => end + Duration::hours(i64::from(c.nudge_hours_after)),
        }
    }

    /// The moment after which it is no longer worth sending.
    fn stale_at(self, c: &Cohort, m: &Meeting, meetings: &[Meeting]) -> NaiveDateTime {
        match self {
            Self::Reminder => m.starts_at - REMINDER_LATEST_BEFORE,
            Self::Recap => self.due_at(c, m) + TOO_LATE,
            Self::Nudge => {
                let (_, closes) = parents::reflection_window(c, meetings, m.session_number as u32);
                let late = self.due_at(c, m) + TOO_LATE;
                closes.map_or(late, |c| c.min(late))
            }
        }
    }

    /// The dedupe key: a moved meeting's reminder is a new reminder.
    fn key(self, enrolment_id: i64, m: &Meeting) -> String {
        match self {
            Self::Reminder => format!(
                "reminder:{enrolment_id}:{}:{}",
                m.id,
                m.starts_at.and_utc().timestamp()
            ),
            Self::Recap => format!("recap:{enrolment_id}:{}", m.id),
            Self::Nudge => format!("nudge:{enrolment_id}:{}", m.id),
        }
    }

    /// Whether this parent should get it at all.
    fn applies(self, conn: &mut DbConn, r: &Recipient, m: &Meeting) -> Result<bool, AppError> {
        Ok(match self {
            Self::Reminder => true,
            // Only meetings they were in the group for.
            Self::Recap => r.enrolled_at <= m.starts_at + Duration::minutes(i64::from(m.minutes)),
            Self::Nudge => {
                r.enrolled_at <= m.starts_at
                    && !views::follow_ups::sent_reflection(conn, r.enrolment_id, m.session_number)?
            }
        })
    }
}

/// The values of a reminder, recap or nudge. `preview` puts placeholders
/// where personal links go, and writes nothing.
#[allow(clippy::too_many_arguments)]
fn follow_up_ctx(
    conn: &mut DbConn,
    composer: &Composer,
    f: &CohortFacts,
    r: &Recipient,
    which: FollowUp,
    m: &Meeting,
    meetings: &[Meeting],
    at: NaiveDateTime,
    preview: bool,
) -> Result<Value, AppError> {
    let mut ctx = base_ctx(f, r);
    ctx.insert("meeting".into(), json!(meeting_facts(f, m)));
    let expires = Some(at + Duration::days(EMAIL_LINK_DAYS));
    let reflection_to = format!("sessions/{}", m.session_number);
    let link = |conn: &mut DbConn, to: Option<&str>| -> Result<String, AppError> {
        if preview {
            Ok(composer.url(&match to {
                Some(to) => format!("/p/(their-personal-link)?to={to}"),
                None => "/p/(their-personal-link)".to_string(),
            }))
        } else {
            personal_link(conn, composer, r.enrolment_id, to, expires)
        }
    };
    match which {
        FollowUp::Reminder => {
            ctx.insert("link_url".into(), json!(link(conn, None)?));
            let rsvp = if preview {
                Some(crate::services::rsvps::preview_links())
            } else {
                crate::services::rsvps::make_links(conn, r.enrolment_id, m, at)?
            };
            let (yes, no) = rsvp.map_or((None, None), |l| {
                (Some(composer.url(&l.yes)), Some(composer.url(&l.no)))
            });
            ctx.insert("rsvp_yes_url".into(), json!(yes));
            ctx.insert("rsvp_no_url".into(), json!(no));
        }
        FollowUp::Recap => {
            recap_facts(&mut ctx, f, m, meetings);
            ctx.insert(
                "reflection_url".into(),
                json!(format!("{}#reflection", link(conn, Some(&reflection_to))?)),
            );
        }
        FollowUp::Nudge => {
            ctx.insert(
                "reflection_url".into(),
                json!(format!("{}#reflection", link(conn, Some(&reflection_to))?)),
            );
            let (_, closes) =
                parents::reflection_window(&f.cohort, meetings, m.session_number as u32);
            if let Some(c) = closes {
                ctx.insert("closes".into(), json!(when(f.tz, c)));
            }
        }
    }
    Ok(Value::Object(ctx))
}

/// What a recap tells beside its link: what was covered, the home
/// practice, the facilitator's note and the next meeting.
fn recap_facts(
    ctx: &mut serde_json::Map<String, Value>,
    f: &CohortFacts,
    m: &Meeting,
    meetings: &[Meeting],
) {
    let session = f.curriculum.session(m.session_number as u32);
    let covered: Vec<String> = session
        .map(|s| {
            // What was covered, not the tea break.
            s.agenda
                .iter()
                .filter(|seg| seg.kind != SegmentKind::Break)
                .map(|seg| seg.title.clone())
                .collect()
        })
        .unwrap_or_default();
    let practice: Vec<String> = session
        .map(|s| paragraphs(&markdown::plain_text(&s.home_practice.text)))
        .unwrap_or_default();
    ctx.insert("covered".into(), json!(covered));
    if let Some(s) = session {
        ctx.insert("home_practice_title".into(), json!(s.home_practice.title));
    }
    ctx.insert("home_practice".into(), json!(practice));
    if let Some(note) = m.recap_note.as_deref().filter(|n| !n.trim().is_empty()) {
        ctx.insert("note".into(), json!(paragraphs(note)));
    }
    if let Some(next) = meetings
        .iter()
        .filter(|n| n.status != MeetingStatus::Cancelled && n.starts_at > m.starts_at)
        .min_by_key(|n| n.starts_at)
    {
        ctx.insert("next_meeting".into(), json!(meeting_facts(f, next)));
    }
}

/// Queues every reminder, recap and nudge whose time has come. Run by the
/// worker every minute; idempotent. Returns how many were queued.
pub fn queue_due(
    conn: &mut DbConn,
    composer: &Composer,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    // Only meetings near enough to now can have anything due: reminders
    // up to a week ahead, recaps and nudges up to two weeks behind.
    let candidates = views::follow_ups::groups_meeting_between(
        conn,
        now - Duration::days(21),
        now + Duration::days(8),
    )?;
    let mut queued = 0;
    for cohort_id in candidates {
        let cohort = cohort(conn, cohort_id)?;
        let meetings = Meeting::for_cohort(conn, cohort_id)?;
        let due: Vec<(FollowUp, &Meeting)> = meetings
            .iter()
            .filter(|m| m.status != MeetingStatus::Cancelled)
            .flat_map(|m| [FollowUp::Reminder, FollowUp::Recap, FollowUp::Nudge].map(|w| (w, m)))
            .filter(|(w, m)| {
                w.enabled(&cohort)
                    && w.due_at(&cohort, m) <= now
                    && now < w.stale_at(&cohort, m, &meetings)
            })
            .collect();
        if due.is_empty() {
            continue;
        }
        let f = facts_for(conn, cohort)?;
        let people = recipients(conn, cohort_id)?;
        for (which, m) in due {
            queued += queue_one(conn, composer, &f, &people, which, m, &meetings, now)?;
        }
    }
    Ok(queued)
}

/// Queues one follow-up of one meeting for every parent who has not had
/// it yet and to whom it applies, in one transaction.
#[allow(clippy::too_many_arguments)]
fn queue_one(
    conn: &mut DbConn,
    composer: &Composer,
    f: &CohortFacts,
    people: &[Recipient],
    which: FollowUp,
    m: &Meeting,
    meetings: &[Meeting],
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let done = views::follow_ups::queued_for_meeting(conn, m.id, which.kind())?;
    let todo: Vec<&Recipient> = people
        .iter()
        .filter(|r| !done.contains(&which.key(r.enrolment_id, m)))
        .collect();
    if todo.is_empty() {
        return Ok(0);
    }
    write_tx(conn, |conn| {
        let mut n = 0;
        for r in &todo {
            if !which.applies(conn, r, m)? {
                continue;
            }
            let ctx = follow_up_ctx(conn, composer, f, r, which, m, meetings, now, false)?;
            let key = which.key(r.enrolment_id, m);
            let env = envelope(which.kind(), key, f, r, Some(m.id), now);
            if composer.queue(conn, &env, ctx)? {
                n += 1;
            }
        }
        Ok::<usize, AppError>(n)
    })
}

/// Tells the group a meeting moved, and cancels what was queued for its
/// old time; in the caller's transaction.
pub fn meeting_moved(
    conn: &mut DbConn,
    composer: &Composer,
    meeting: &Meeting,
    old_starts_at: NaiveDateTime,
    at: NaiveDateTime,
) -> Result<usize, AppError> {
    OutboxMessage::cancel_for_meeting(conn, meeting.id, &["reminder", "meeting_moved"], at)?;
    if meeting.starts_at <= at {
        return Ok(0);
    }
    let f = facts(conn, meeting.cohort_id)?;
    let mut n = 0;
    for r in recipients(conn, meeting.cohort_id)? {
        let link = personal_link(
            conn,
            composer,
            r.enrolment_id,
            None,
            Some(at + Duration::days(EMAIL_LINK_DAYS)),
        )?;
        let ctx = moved_ctx(&f, &r, meeting, old_starts_at, link);
        let key = format!(
            "meeting_moved:{}:{}:{}",
            r.enrolment_id,
            meeting.id,
            meeting.starts_at.and_utc().timestamp()
        );
        let env = envelope("meeting_moved", key, &f, &r, Some(meeting.id), at);
        if composer.queue(conn, &env, ctx)? {
            n += 1;
        }
    }
    Ok(n)
}

/// Tells the group a meeting is off, and cancels what was queued for it;
/// in the caller's transaction.
pub fn meeting_cancelled(
    conn: &mut DbConn,
    composer: &Composer,
    meeting: &Meeting,
    at: NaiveDateTime,
) -> Result<usize, AppError> {
    OutboxMessage::cancel_for_meeting(conn, meeting.id, &MEETING_FOLLOW_UPS, at)?;
    if meeting.starts_at <= at {
        return Ok(0);
    }
    let f = facts(conn, meeting.cohort_id)?;
    let meetings = Meeting::for_cohort(conn, meeting.cohort_id)?;
    // Held a few minutes, so a cancel tapped by mistake can be undone
    // before anyone is told. Each cancellation is its own message.
    let send_at = at + Duration::minutes(CANCEL_HOLD_MINUTES);
    let mut n = 0;
    for r in recipients(conn, meeting.cohort_id)? {
        let ctx = cancelled_ctx(&f, &r, meeting, &meetings, at);
        let key = format!(
            "meeting_cancelled:{}:{}:{}",
            r.enrolment_id,
            meeting.id,
            at.and_utc().timestamp_micros()
        );
        let env = envelope("meeting_cancelled", key, &f, &r, Some(meeting.id), send_at);
        if composer.queue(conn, &env, ctx)? {
            n += 1;
        }
    }
    Ok(n)
}

/// The longest one-off message to a group.
pub const GROUP_MESSAGE_MAX: usize = 1500;

/// A one-off message from the facilitators about a meeting ("we're in
/// room 4 tonight"): what each parent gets, for the first of them (the
/// check before sending), and how many will get it.
pub fn group_message_preview(
    conn: &mut DbConn,
    composer: &Composer,
    meeting: &Meeting,
    message: &str,
    at: NaiveDateTime,
) -> Result<(Option<RenderedEmail>, usize), AppError> {
    let f = facts(conn, meeting.cohort_id)?;
    let all = recipients(conn, meeting.cohort_id)?;
    let Some(first) = all.first() else {
        return Ok((None, 0));
    };
    // As in every preview: a placeholder, not the first parent's own
    // working stop link.
    let env = Envelope {
        unsubscribe: false,
        ..envelope(
            "group_message",
            String::new(),
            &f,
            first,
            Some(meeting.id),
            at,
        )
    };
    let mut ctx = message_ctx(&f, first, meeting, message);
    if let Value::Object(map) = &mut ctx {
        map.insert(
            "unsubscribe_url".into(),
            json!(composer.url("/u/(their-own-stop-link)")),
        );
    }
    Ok((Some(composer.render(&env, ctx)?), all.len()))
}

/// Queues a one-off message to every parent who gets the group's emails,
/// held [`CANCEL_HOLD_MINUTES`] so it can be undone; in the caller's
/// transaction. Returns how many were queued.
pub fn group_message(
    conn: &mut DbConn,
    composer: &Composer,
    meeting: &Meeting,
    message: &str,
    at: NaiveDateTime,
) -> Result<usize, AppError> {
    let f = facts(conn, meeting.cohort_id)?;
    let send_at = at + Duration::minutes(CANCEL_HOLD_MINUTES);
    let mut n = 0;
    for r in recipients(conn, meeting.cohort_id)? {
        let ctx = message_ctx(&f, &r, meeting, message);
        let key = format!(
            "group_message:{}:{}:{}",
            r.enrolment_id,
            meeting.id,
            at.and_utc().timestamp_micros()
        );
        let env = envelope("group_message", key, &f, &r, Some(meeting.id), send_at);
        if composer.queue(conn, &env, ctx)? {
            n += 1;
        }
    }
    Ok(n)
}

fn message_ctx(f: &CohortFacts, r: &Recipient, meeting: &Meeting, message: &str) -> Value {
    let mut ctx = base_ctx(f, r);
    ctx.insert("meeting".into(), json!(meeting_facts(f, meeting)));
    ctx.insert("message".into(), json!(message));
    Value::Object(ctx)
}

/// How long a "meeting cancelled" email waits before it goes: the time a
/// facilitator has to undo a cancel.
pub const CANCEL_HOLD_MINUTES: i64 = 5;

/// What a meeting's cancellation stops, and its restoring brings back.
const MEETING_FOLLOW_UPS: [&str; 5] = [
    "reminder",
    "recap",
    "nudge",
    "meeting_moved",
    "meeting_restored",
];

/// What happened to the emails when a cancelled meeting is on again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Restored {
    /// "Cancelled" emails stopped before they went.
    pub stopped: usize,
    /// Parents told "it is on after all" (they had been told it was off).
    pub told: usize,
}

/// A cancelled meeting is on again, in the caller's transaction: the
/// "cancelled" emails still waiting are stopped, the reminders the
/// cancellation stopped wait again, and parents already told it was off
/// are told it is on. Call before the meeting's status changes.
pub fn meeting_restored(
    conn: &mut DbConn,
    composer: &Composer,
    meeting: &Meeting,
    at: NaiveDateTime,
) -> Result<Restored, AppError> {
    let since = meeting.cancelled_at.unwrap_or(meeting.updated_at);
    let before = OutboxMessage::held_and_sent(conn, meeting.id, "meeting_cancelled", since)?;
    let stopped = OutboxMessage::cancel_for_meeting(conn, meeting.id, &["meeting_cancelled"], at)?;
    OutboxMessage::reopen_for_meeting(
        conn,
        meeting.id,
        &["reminder", "recap", "nudge"],
        since,
        at,
    )?;
    if before.sent == 0 || meeting.starts_at <= at {
        return Ok(Restored { stopped, told: 0 });
    }
    let f = facts(conn, meeting.cohort_id)?;
    let mut told = 0;
    for r in recipients(conn, meeting.cohort_id)? {
        let ctx = restored_ctx(&f, &r, meeting);
        let key = format!(
            "meeting_restored:{}:{}:{}",
            r.enrolment_id,
            meeting.id,
            at.and_utc().timestamp_micros()
        );
        let env = envelope("meeting_restored", key, &f, &r, Some(meeting.id), at);
        if composer.queue(conn, &env, ctx)? {
            told += 1;
        }
    }
    Ok(Restored { stopped, told })
}

/// "Our meeting is on after all": the meeting, as planned.
fn restored_ctx(f: &CohortFacts, r: &Recipient, meeting: &Meeting) -> Value {
    let mut ctx = base_ctx(f, r);
    ctx.insert("meeting".into(), json!(meeting_facts(f, meeting)));
    Value::Object(ctx)
}

/// "Session N has moved": the new time and place, and when it was.
fn moved_ctx(
    f: &CohortFacts,
    r: &Recipient,
    meeting: &Meeting,
    old_starts_at: NaiveDateTime,
    link_url: String,
) -> Value {
    let mut ctx = base_ctx(f, r);
    ctx.insert("meeting".into(), json!(meeting_facts(f, meeting)));
    ctx.insert("old_when".into(), json!(when(f.tz, old_starts_at)));
    ctx.insert("link_url".into(), json!(link_url));
    Value::Object(ctx)
}

/// "Cancelled": the meeting that is off, and the next one still on.
fn cancelled_ctx(
    f: &CohortFacts,
    r: &Recipient,
    meeting: &Meeting,
    meetings: &[Meeting],
    at: NaiveDateTime,
) -> Value {
    let mut ctx = base_ctx(f, r);
    ctx.insert("meeting".into(), json!(meeting_facts(f, meeting)));
    if let Some(next) = meetings
        .iter()
        .filter(|n| n.id != meeting.id && n.status != MeetingStatus::Cancelled && n.starts_at > at)
        .min_by_key(|n| n.starts_at)
    {
        ctx.insert("next_meeting".into(), json!(meeting_facts(f, next)));
    }
    Value::Object(ctx)
}

/// A follow-up still to come for a cohort, for the facilitator's list.
#[derive(Debug, Clone, Serialize)]
pub struct Planned {
    pub kind: &'static str,
    pub label: &'static str,
    pub meeting_id: i64,
    pub session_number: i32,
    pub session_title: String,
    pub due: String,
    pub due_at: NaiveDateTime,
}

/// The reminders, recaps and nudges this cohort will send, soonest first.
pub fn planned(
    conn: &mut DbConn,
    cohort: &Cohort,
    now: NaiveDateTime,
) -> Result<Vec<Planned>, AppError> {
    let f = facts(conn, cohort.id)?;
    let meetings = Meeting::for_cohort(conn, cohort.id)?;
    let mut out: Vec<Planned> = meetings
        .iter()
        .filter(|m| m.status != MeetingStatus::Cancelled)
        .flat_map(|m| [FollowUp::Reminder, FollowUp::Recap, FollowUp::Nudge].map(|w| (w, m)))
        .filter(|(w, m)| w.enabled(cohort) && now < w.stale_at(cohort, m, &meetings))
        .map(|(w, m)| {
            let due_at = w.due_at(cohort, m).max(now);
            Planned {
                kind: w.kind(),
                label: match w {
                    FollowUp::Reminder => "Reminder",
                    FollowUp::Recap => "Recap",
                    FollowUp::Nudge => "Gentle nudge",
                },
                meeting_id: m.id,
                session_number: m.session_number,
                session_title: meeting_facts(&f, m).session_title,
                due: if due_at <= now {
                    "due now".into()
                } else {
                    when(f.tz, due_at)
                },
                due_at,
            }
        })
        .collect();
    out.sort_by_key(|p| p.due_at);
    Ok(out)
}

/// An email as a parent of this cohort would get it, for the facilitator
/// to read first, and the meeting it is about. Uses the first parent on the
/// roster (or a sample parent) and placeholders instead of real personal
/// and stop links; writes nothing. A meeting's email without a meeting
/// given is shown for the next meeting.
pub struct Previewed {
    pub email: RenderedEmail,
    /// The kind's text message, for a parent who chose texts.
    pub text_message: Option<String>,
    pub to: String,
    pub meeting: Option<Meeting>,
}

pub fn preview(
    conn: &mut DbConn,
    composer: &Composer,
    cohort: &Cohort,
    kind: &str,
    meeting_id: Option<i64>,
    now: NaiveDateTime,
) -> Result<Previewed, AppError> {
    let which = FollowUp::parse(kind);
    let env_kind: &'static str = match kind {
        "welcome" => "welcome",
        "meeting_moved" => "meeting_moved",
        "meeting_cancelled" => "meeting_cancelled",
        "meeting_restored" => "meeting_restored",
        _ => which
            .map(FollowUp::kind)
            .ok_or_else(|| AppError::NotFound("There is no such email.".into()))?,
    };
    let meetings = Meeting::for_cohort(conn, cohort.id)?;
    let meeting = preview_meeting(&meetings, env_kind, meeting_id, now)?;
    let f = facts(conn, cohort.id)?;
    let r = sample_recipient(conn, cohort.id, now)?;
    let placeholder = composer.url("/p/(their-personal-link)");
    let mut ctx = match (meeting, which) {
        (None, _) => welcome_ctx(conn, composer, &f, &r, &meetings, now, true)?,
        // What parents are told when this meeting is moved (shown with its
        // present time as both old and new) or cancelled.
        (Some(m), _) if env_kind == "meeting_moved" => {
            moved_ctx(&f, &r, m, m.starts_at, placeholder)
        }
        (Some(m), _) if env_kind == "meeting_cancelled" => cancelled_ctx(&f, &r, m, &meetings, now),
        (Some(m), _) if env_kind == "meeting_restored" => restored_ctx(&f, &r, m),
        (Some(m), Some(which)) => {
            follow_up_ctx(conn, composer, &f, &r, which, m, &meetings, now, true)?
        }
        (Some(_), None) => return Err(AppError::NotFound("There is no such email.".into())),
    };
    // A placeholder, not a working stop link for whoever is first.
    if let Value::Object(map) = &mut ctx {
        map.insert(
            "unsubscribe_url".into(),
            json!(composer.url("/u/(their-own-stop-link)")),
        );
    }
    let env = Envelope {
        unsubscribe: false,
        ..envelope(env_kind, String::new(), &f, &r, meeting.map(|m| m.id), now)
    };
    let text_message = composer.render_text(env_kind, &ctx)?;
    Ok(Previewed {
        text_message,
        email: composer.render(&env, ctx)?,
        to: r.email,
        meeting: meeting.cloned(),
    })
}

/// The meeting a previewed email is about: the one asked for, or the next
/// one (the first if none is ahead); none for a welcome.
fn preview_meeting<'m>(
    meetings: &'m [Meeting],
    env_kind: &str,
    meeting_id: Option<i64>,
    now: NaiveDateTime,
) -> Result<Option<&'m Meeting>, AppError> {
    match (env_kind, meeting_id) {
        ("welcome", _) => None,
        (_, Some(id)) => Some(meetings.iter().find(|m| m.id == id)),
        (_, None) => Some(
            meetings
                .iter()
                .find(|m| m.status != MeetingStatus::Cancelled && m.starts_at > now)
                .or(meetings.first()),
        ),
    }
    .map(|m| m.ok_or_else(|| AppError::NotFound("That meeting is not in this group.".into())))
    .transpose()
}

/// The first parent on the roster, or a sample parent for an empty group.
pub fn sample_recipient(
    conn: &mut DbConn,
    cohort_id: i64,
    now: NaiveDateTime,
) -> Result<Recipient, AppError> {
    Ok(recipients(conn, cohort_id)?
        .into_iter()
        .next()
        .unwrap_or_else(|| Recipient {
            enrolment_id: 0,
            name: "Sam Sample".into(),
            greeting: "Sam".into(),
            email: "sam@example.org".into(),
            enrolled_at: now,
        }))
}

/// A parent stops follow-ups (one click in an email, or on their page):
/// what is queued for them is cancelled. Returns false if already stopped.
pub fn unsubscribe(
    conn: &mut DbConn,
    enrolment_id: i64,
    at: NaiveDateTime,
) -> Result<bool, AppError> {
    write_tx(conn, |conn| {
        let changed = Enrolment::unsubscribe(conn, enrolment_id, at)?;
        OutboxMessage::cancel_for_enrolment(
            conn,
            enrolment_id,
            "They asked for no more emails.",
            at,
        )?;
        Ok(changed)
    })
}

/// A parent turns follow-ups back on from their page.
pub fn resubscribe(conn: &mut DbConn, enrolment_id: i64) -> Result<(), AppError> {
    Enrolment::resubscribe(conn, enrolment_id)
}

/// What the stop-emails page says about a parent's group.
#[derive(Debug, Clone, Serialize)]
pub struct Subscription {
    pub cohort: String,
    pub stopped: bool,
}

/// The group and email state a stop link names; 404 for an erased parent.
pub fn subscription(conn: &mut DbConn, enrolment_id: i64) -> Result<Subscription, AppError> {
    let row = views::follow_ups::subscription(conn, enrolment_id)?
        .map(|r| (r.cohort_title, r.unsubscribed_at, r.erased_at));
    match row {
        Some((cohort, unsubscribed, None)) => Ok(Subscription {
            cohort,
            stopped: unsubscribed.is_some(),
        }),
        _ => Err(AppError::NotFound(
            "We could not find these emails any more. You will not get more of them.".into(),
        )),
    }
}

/// The one-click stop: unsubscribes and leaves an audit row (no content).
pub fn unsubscribe_by_link(
    conn: &mut DbConn,
    enrolment_id: i64,
    at: NaiveDateTime,
) -> Result<bool, AppError> {
    subscription(conn, enrolment_id)?;
    let changed = unsubscribe(conn, enrolment_id, at)?;
    if changed {
        let cohort_id = Enrolment::find(conn, enrolment_id)?
            .map(|e| e.cohort_id)
            .ok_or_else(|| AppError::not_found("We couldn't find that place."))?;
        Audit::actor("participant", None)
            .did("enrolment.unsubscribe")
            .on_enrolment(enrolment_id)
            .in_cohort(cohort_id)
            .detail(Some("email link"))
            .at(at)
            .record(conn)?;
    }
    Ok(changed)
}
