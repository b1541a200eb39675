//! A waiting list that moves. When a place frees up (a parent leaves, the
//! group takes more people, an offer is declined or not answered in time)
//! the first person waiting (earliest to join) is offered it by email,
//! with an accept and a decline link that end when the offer does.
//!
//! The rules, in one place:
//! - Places taken = parents in the group + offers still open. A group
//!   with no limit has a place for everyone waiting.
//! - Nobody is offered twice (one `waitlist_offers` row per enrolment):
//!   someone who said no, or did not answer in time, stays on the list
//!   (the facilitator may still add them by hand) but is not offered again.
//! - A facilitator who adds a parent by hand, or re-admits one, may fill
//!   the group past its limit: offers already sent stay valid, and count
//!   as taken places until they are answered.
//! - While the group's emails are paused no offers go by themselves
//!   (lapses still happen); the facilitator can offer a place to the first
//!   person waiting with one button.
//! - Every step is audited: `waitlist.offer`, `.accept`, `.decline`,
//!   `.lapse`, `.void` (taken back: they left the list, or were added by
//!   hand), `.settings`.

use chrono::{Duration, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::db::ids::{CohortId, EnrolmentId};
use crate::db::models::access_token::{AccessToken, Lookup};
use crate::db::models::waitlist_offer::{OfferStatus, WaitlistOffer};
use crate::db::models::{Audit, Cohort, Enrolment, Meeting, Participant, User};
use crate::db::status::{EnrolmentStatus, MeetingStatus};
use crate::db::views::waiting_list::{self, WaitingRow};
use crate::db::{now, write_tx, DbConn};
use crate::error::{AppError, FieldErrors};
use crate::mail::compose::Envelope;
use crate::mail::Composer;
use crate::services::{access, follow_ups, forms, schedule};

/// The access-token purpose of an offer's accept and decline links.
pub const PURPOSE: &str = "waitlist_offer";
/// How long an offer may be set to stay open, in hours.
pub const OFFER_HOURS_MIN: i32 = 1;
pub const OFFER_HOURS_MAX: i32 = 168;
/// The most places a group may have (as when it is made).
const CAPACITY_MAX: i32 = 500;

/// Who made a step happen, for the audit log.
#[derive(Debug, Clone, Copy)]
pub enum Actor {
    System,
    User(i64),
    Participant(i64),
}

impl Actor {
    fn audit(self) -> Audit<'static> {
        match self {
            Actor::System => Audit::system(),
            Actor::User(id) => Audit::by_user(id),
            Actor::Participant(id) => Audit::by_participant(id),
        }
    }
}

fn audit(
    conn: &mut DbConn,
    actor: Actor,
    action: &str,
    (cohort_id, enrolment_id): (i64, i64),
    at: NaiveDateTime,
) -> Result<(), AppError> {
    actor
        .audit()
        .did(action)
        .on_enrolment(enrolment_id)
        .in_cohort(cohort_id)
        .at(at)
        .record(conn)
}

/// Free places: the limit less parents in the group and open offers;
/// with no limit, one for everyone waiting.
fn free_places(cohort: &Cohort, taken: waiting_list::Taken, waiting: usize) -> usize {
    match cohort.capacity {
        None => waiting,
        Some(cap) => {
            usize::try_from(i64::from(cap) - taken.active - taken.open_offers).unwrap_or(0)
        }
    }
}

/// The people waiting who have never been offered a place, in order.
fn queue(rows: &[WaitingRow]) -> Vec<&WaitingRow> {
    rows.iter().filter(|r| r.offer_id.is_none()).collect()
}

/// Offers every free place of the group to the next people waiting, in
/// the caller's transaction. Returns how many were offered.
pub fn fill_places(
    conn: &mut DbConn,
    composer: &Composer,
    cohort_id: i64,
    at: NaiveDateTime,
    actor: Actor,
) -> Result<usize, AppError> {
    WaitlistOffer::lock_cohort(conn, cohort_id)?;
    let cohort = access::by_id(conn, cohort_id)?;
    if cohort.follow_ups_paused {
        return Ok(0);
    }
    let rows = waiting_list::waiting(conn, cohort_id)?;
    let next = queue(&rows);
    let free = free_places(&cohort, waiting_list::taken(conn, cohort_id)?, next.len());
    let mut offered = 0;
    for row in next.into_iter().take(free) {
        if make_offer(conn, composer, &cohort, row, at, actor)? {
            offered += 1;
        }
    }
    Ok(offered)
}

/// Records one offer, its link and its email. False if this person was
/// offered a place before.
fn make_offer(
    conn: &mut DbConn,
    composer: &Composer,
    cohort: &Cohort,
    row: &WaitingRow,
    at: NaiveDateTime,
    actor: Actor,
) -> Result<bool, AppError> {
    let hours = cohort.offer_hours.clamp(OFFER_HOURS_MIN, OFFER_HOURS_MAX);
    let expires_at = at + Duration::hours(i64::from(hours));
    let Some(offer) = WaitlistOffer::insert(conn, cohort.id, row.enrolment_id, at, expires_at)?
    else {
        return Ok(false);
    };
    let token = AccessToken::insert_for_enrolment(
        conn,
        PURPOSE,
        row.enrolment_id,
        "email",
        at,
        expires_at,
    )?;
    if let Some(email) = &row.email {
        let links = OfferLinks {
            accept: composer.url(&format!("/offer/{token}/accept")),
            decline: composer.url(&format!("/offer/{token}/decline")),
        };
        let (ctx, reply_to) = offer_context(conn, cohort, row, &offer, &links)?;
        let envelope = Envelope {
            kind: "waitlist_offer",
            dedupe_key: format!("waitlist_offer:{}:{}", row.enrolment_id, offer.id),
            to_address: email.clone(),
            to_name: Some(row.name.clone()),
            cohort_id: Some(cohort.id),
            enrolment_id: Some(row.enrolment_id),
            meeting_id: None,
            send_at: at,
            reply_to,
            unsubscribe: false,
        };
        composer.queue(conn, &envelope, ctx)?;
    }
    audit(
        conn,
        actor,
        "waitlist.offer",
        (cohort.id, row.enrolment_id),
        at,
    )?;
    Ok(true)
}

/// An offer's two links (or, in a preview, their placeholders).
pub struct OfferLinks {
    pub accept: String,
    pub decline: String,
}

/// What the offer email (and its text message) says: the base context
/// (`name`, `cohort`, `course`, `facilitators`), `accept_url`,
/// `decline_url`, `expires` in the group's time zone, `hours`, and the
/// next meeting if one is planned.
pub fn offer_context(
    conn: &mut DbConn,
    cohort: &Cohort,
    row: &WaitingRow,
    offer: &WaitlistOffer,
    links: &OfferLinks,
) -> Result<(serde_json::Value, Option<String>), AppError> {
    let tz = schedule::parse_time_zone(&cohort.time_zone)?;
    let (mut ctx, reply_to) =
        follow_ups::parent_context(conn, cohort.id, &row.name, row.preferred_name.as_deref())?;
    let next = Meeting::for_cohort(conn, cohort.id)?
        .into_iter()
        .find(|m| m.status != MeetingStatus::Cancelled && m.starts_at > offer.offered_at)
        .map(|m| follow_ups::when(tz, m.starts_at));
    ctx.insert("accept_url".into(), json!(links.accept));
    ctx.insert("decline_url".into(), json!(links.decline));
    ctx.insert(
        "expires".into(),
        json!(follow_ups::when(tz, offer.expires_at)),
    );
    let hours = (offer.expires_at - offer.offered_at).num_hours();
    ctx.insert(
        "hours".into(),
        json!(forms::count(hours as usize, "hour", "hours")),
    );
    ctx.insert("next_meeting".into(), json!(next));
    ctx.insert(
        "footer_note".into(),
        json!(format!(
            "You are getting this because you are on the waiting list for {}.",
            cohort.title
        )),
    );
    Ok((serde_json::Value::Object(ctx), reply_to))
}

/// The worker's step (every minute; idempotent): offers whose time is up
/// lapse and their places go to the next person waiting; free places of
/// any group go to the people waiting. Returns how many were offered.
pub fn advance(
    conn: &mut DbConn,
    composer: &Composer,
    at: NaiveDateTime,
) -> Result<usize, AppError> {
    let mut offered = 0;
    for offer in WaitlistOffer::lapsing(conn, at)? {
        offered += write_tx(conn, |conn| {
            WaitlistOffer::lock_cohort(conn, offer.cohort_id)?;
            if !WaitlistOffer::close(conn, offer.id, OfferStatus::Lapsed, at)? {
                return Ok::<usize, AppError>(0);
            }
            AccessToken::revoke_for_enrolment(conn, PURPOSE, offer.enrolment_id, at)?;
            audit(
                conn,
                Actor::System,
                "waitlist.lapse",
                (offer.cohort_id, offer.enrolment_id),
                at,
            )?;
            fill_places(conn, composer, offer.cohort_id, at, Actor::System)
        })?;
    }
    for cohort_id in WaitlistOffer::cohorts_with_unoffered(conn)? {
        // Most groups with people waiting are simply full: read first,
        // and write only where a place is free.
        if !has_free_place(conn, cohort_id)? {
            continue;
        }
        offered += write_tx(conn, |conn| {
            fill_places(conn, composer, cohort_id, at, Actor::System)
        })?;
    }
    Ok(offered)
}

fn has_free_place(conn: &mut DbConn, cohort_id: i64) -> Result<bool, AppError> {
    let cohort = access::by_id(conn, cohort_id)?;
    if cohort.follow_ups_paused {
        return Ok(false);
    }
    let rows = waiting_list::waiting(conn, cohort_id)?;
    let free = free_places(
        &cohort,
        waiting_list::taken(conn, cohort_id)?,
        queue(&rows).len(),
    );
    Ok(free > 0)
}

/// Takes back a parent's open offer (they left the list, or were added
/// by hand), in the caller's transaction.
pub fn void_offer(
    conn: &mut DbConn,
    enrolment_id: i64,
    at: NaiveDateTime,
    actor: Actor,
) -> Result<(), AppError> {
    let Some(offer) = WaitlistOffer::for_enrolment(conn, enrolment_id)? else {
        return Ok(());
    };
    if WaitlistOffer::close(conn, offer.id, OfferStatus::Voided, at)? {
        AccessToken::revoke_for_enrolment(conn, PURPOSE, enrolment_id, at)?;
        audit(
            conn,
            actor,
            "waitlist.void",
            (offer.cohort_id, enrolment_id),
            at,
        )?;
    }
    Ok(())
}

/// After a parent's place changed by hand (withdrawn, re-admitted): their
/// own open offer is taken back, and any free place is offered. In the
/// caller's transaction.
pub fn place_changed(
    conn: &mut DbConn,
    composer: &Composer,
    (cohort_id, enrolment_id): (i64, i64),
    user: &User,
) -> Result<usize, AppError> {
    let at = now();
    void_offer(conn, enrolment_id, at, Actor::User(user.id))?;
    fill_places(conn, composer, cohort_id, at, Actor::User(user.id))
}

// ---------------------------------------------------------------------------
// The person offered a place

/// What an offer's link found.
pub enum OfferLink {
    /// Open: the confirm page's facts.
    Live(OfferPage),
    /// Answered, lapsed or taken back: who to ask instead.
    Ended(EndedOffer),
    /// No such link (mistyped, cut short, forged).
    Unknown,
}

#[derive(Debug, Serialize)]
pub struct OfferPage {
    pub name: String,
    pub cohort_title: String,
    pub course_title: String,
    pub expires: String,
    pub next_meeting: Option<String>,
    pub location: Option<String>,
    pub facilitators: String,
}

#[derive(Debug, Serialize)]
pub struct EndedOffer {
    pub facilitators: String,
    pub cohort_title: String,
    /// They said yes already (the link was used to accept).
    pub took_place: bool,
    /// They said no already.
    pub said_no: bool,
}

/// The live offer a token opens, with its enrolment and group, or why not.
struct Found {
    token: AccessToken,
    offer: WaitlistOffer,
    enrolment: Enrolment,
    cohort: Cohort,
}

fn find(conn: &mut DbConn, token: &str) -> Result<Result<Found, OfferLink>, AppError> {
    let token = match AccessToken::lookup(conn, PURPOSE, token)? {
        Lookup::Live(t) => t,
        Lookup::Retired(t) => return Ok(Err(OfferLink::Ended(ended(conn, &t)?))),
        Lookup::Unknown => return Ok(Err(OfferLink::Unknown)),
    };
    let Some(enrolment) = Enrolment::find(conn, token.enrolment_id.unwrap_or_default())? else {
        return Ok(Err(OfferLink::Unknown));
    };
    let Some(offer) = WaitlistOffer::for_enrolment(conn, enrolment.id)? else {
        return Ok(Err(OfferLink::Unknown));
    };
    let live = offer.status == OfferStatus::Open
        && offer.expires_at > now()
        && enrolment.status == EnrolmentStatus::Waitlisted;
    if !live {
        return Ok(Err(OfferLink::Ended(ended(conn, &token)?)));
    }
    let cohort = access::by_id(conn, enrolment.cohort_id)?;
    Ok(Ok(Found {
        token,
        offer,
        enrolment,
        cohort,
    }))
}

fn ended(conn: &mut DbConn, token: &AccessToken) -> Result<EndedOffer, AppError> {
    let offer = match token.enrolment_id {
        Some(id) => WaitlistOffer::for_enrolment(conn, id)?,
        None => None,
    };
    let Some(offer) = offer else {
        return Err(AppError::not_found("We don't know this link."));
    };
    let cohort = access::by_id(conn, offer.cohort_id)?;
    Ok(EndedOffer {
        facilitators: facilitator_names(conn, cohort.id)?,
        cohort_title: cohort.title,
        took_place: offer.status == OfferStatus::Accepted,
        said_no: offer.status == OfferStatus::Declined,
    })
}

fn facilitator_names(conn: &mut DbConn, cohort_id: i64) -> Result<String, AppError> {
    let names: Vec<String> = follow_ups::facilitators(conn, cohort_id)?
        .into_iter()
        .map(|f| f.name)
        .collect();
    Ok(match names.as_slice() {
        [] => "the group's facilitator".to_string(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    })
}

/// The confirm page of an offer's link. Changes nothing: mail scanners
/// and link previews open links too.
pub fn offer_page(conn: &mut DbConn, token: &str) -> Result<OfferLink, AppError> {
    let found = match find(conn, token)? {
        Ok(f) => f,
        Err(other) => return Ok(other),
    };
    let tz = schedule::parse_time_zone(&found.cohort.time_zone)?;
    let participant = Participant::find(conn, found.enrolment.participant_id)?;
    let curriculum = crate::db::models::CurriculumVersion::load_curriculum(
        conn,
        found.cohort.curriculum_version_id,
    )?;
    let at = now();
    let next = Meeting::for_cohort(conn, found.cohort.id)?
        .into_iter()
        .find(|m| m.status != MeetingStatus::Cancelled && m.starts_at > at)
        .map(|m| follow_ups::when(tz, m.starts_at));
    Ok(OfferLink::Live(OfferPage {
        name: follow_ups::greeting(&participant.name, participant.preferred_name.as_deref()),
        course_title: curriculum.title.clone(),
        expires: follow_ups::when(tz, found.offer.expires_at),
        next_meeting: next,
        location: found.cohort.location.clone(),
        facilitators: facilitator_names(conn, found.cohort.id)?,
        cohort_title: found.cohort.title,
    }))
}

/// What answering an offer did.
pub enum Answered {
    /// In the group: the enrolment to open their page for.
    TookPlace {
        enrolment_id: i64,
        cohort_title: String,
    },
    SaidNo {
        cohort_title: String,
        facilitators: String,
    },
    /// The link no longer works (nothing changed).
    Not(OfferLink),
}

/// A yes or a no to an offer, through its link.
pub fn answer(
    conn: &mut DbConn,
    composer: &Composer,
    token: &str,
    accept: bool,
) -> Result<Answered, AppError> {
    write_tx(conn, |conn| {
        let found = match find(conn, token)? {
            Ok(f) => f,
            Err(other) => return Ok(Answered::Not(other)),
        };
        WaitlistOffer::lock_cohort(conn, found.cohort.id)?;
        let at = now();
        let status = if accept {
            OfferStatus::Accepted
        } else {
            OfferStatus::Declined
        };
        if !WaitlistOffer::close(conn, found.offer.id, status, at)? {
            let ended = ended(conn, &found.token)?;
            return Ok(Answered::Not(OfferLink::Ended(ended)));
        }
        AccessToken::use_once(conn, found.token.id, at)?;
        AccessToken::revoke_for_enrolment(conn, PURPOSE, found.enrolment.id, at)?;
        let actor = Actor::Participant(found.enrolment.participant_id);
        let ids = (found.cohort.id, found.enrolment.id);
        if accept {
            Enrolment::set_status(conn, found.enrolment.id, EnrolmentStatus::Active)?;
            follow_ups::queue_welcome(conn, composer, found.enrolment.id, at)?;
            audit(conn, actor, "waitlist.accept", ids, at)?;
            return Ok(Answered::TookPlace {
                enrolment_id: found.enrolment.id,
                cohort_title: found.cohort.title,
            });
        }
        audit(conn, actor, "waitlist.decline", ids, at)?;
        fill_places(conn, composer, found.cohort.id, at, Actor::System)?;
        Ok(Answered::SaidNo {
            facilitators: facilitator_names(conn, found.cohort.id)?,
            cohort_title: found.cohort.title,
        })
    })
}

// ---------------------------------------------------------------------------
// The facilitator's view

/// One person on the waiting list, as the group page shows them.
#[derive(Debug, Serialize)]
pub struct WaitingLine {
    pub enrolment_id: i64,
    pub position: usize,
    pub name: String,
    pub email: Option<String>,
    /// "waiting", "offered, until Thu 10 Dec, 6 pm", "said no thanks",
    /// "didn't answer in time".
    pub state: String,
    /// An offer is open now.
    pub offered: bool,
}

#[derive(Debug, Serialize)]
pub struct WaitingList {
    pub cohort_id: i64,
    pub capacity: Option<i32>,
    pub offer_hours: i32,
    pub offer_hours_words: String,
    pub free_places: usize,
    pub free_words: String,
    pub paused: bool,
    pub lines: Vec<WaitingLine>,
    /// The first person waiting, when a place is free but no offer went.
    pub offer_now: Option<OfferNow>,
    pub waiting_words: String,
}

#[derive(Debug, Serialize)]
pub struct OfferNow {
    pub enrolment_id: i64,
    pub name: String,
}

/// "Thu 10 Dec, 6 pm" in the group's zone.
fn short_when(tz: Tz, utc: NaiveDateTime) -> String {
    let local = tz.from_utc_datetime(&utc);
    let time = local.format("%-I:%M %P").to_string().replace(":00 ", " ");
    format!("{}, {time}", local.format("%a %-d %b"))
}

fn state_words(tz: Tz, row: &WaitingRow) -> String {
    match row.offer() {
        None => "waiting".into(),
        Some(OfferStatus::Open) => match row.offer_expires_at {
            Some(at) => format!("offered, until {}", short_when(tz, at)),
            None => "offered".into(),
        },
        Some(OfferStatus::Declined) => "said no thanks".into(),
        Some(OfferStatus::Lapsed) => "didn't answer in time".into(),
        Some(OfferStatus::Voided) => "offer taken back".into(),
        Some(OfferStatus::Accepted) => "took the place".into(),
    }
}

/// A group's waiting list for its facilitators.
pub fn waiting_list(
    conn: &mut DbConn,
    user: &User,
    cohort_id: i64,
) -> Result<WaitingList, AppError> {
    let cohort = access::find_visible(conn, user, cohort_id)?;
    let tz = schedule::parse_time_zone(&cohort.time_zone)?;
    let rows = waiting_list::waiting(conn, cohort.id)?;
    let next = queue(&rows);
    let free = free_places(&cohort, waiting_list::taken(conn, cohort.id)?, next.len());
    let offer_now = next.first().filter(|_| free > 0).map(|r| OfferNow {
        enrolment_id: r.enrolment_id,
        name: r.name.clone(),
    });
    let lines = rows
        .iter()
        .enumerate()
        .map(|(i, r)| WaitingLine {
            enrolment_id: r.enrolment_id,
            position: i + 1,
            name: r.name.clone(),
            email: r.email.clone(),
            state: state_words(tz, r),
            offered: r.offer() == Some(OfferStatus::Open),
        })
        .collect();
    let hours = cohort.offer_hours.clamp(OFFER_HOURS_MIN, OFFER_HOURS_MAX);
    Ok(WaitingList {
        cohort_id: cohort.id,
        capacity: cohort.capacity,
        offer_hours: hours,
        offer_hours_words: forms::count(hours as usize, "hour", "hours"),
        free_places: if cohort.capacity.is_some() { free } else { 0 },
        free_words: match free {
            0 => "no places".to_string(),
            n => forms::count(n, "place", "places"),
        },
        paused: cohort.follow_ups_paused,
        waiting_words: forms::count(rows.len(), "person", "people"),
        lines,
        offer_now,
    })
}

/// The facilitator offers a free place to the first person waiting (when
/// none went by itself, e.g. the group's emails are paused). Returns
/// their name.
pub fn offer_now(
    conn: &mut DbConn,
    composer: &Composer,
    user: &User,
    (cohort_id, enrolment_id): (CohortId, EnrolmentId),
) -> Result<String, AppError> {
    let (cohort, enrolment) = access::find_visible_enrolment(conn, user, cohort_id, enrolment_id)?;
    write_tx(conn, |conn| {
        WaitlistOffer::lock_cohort(conn, cohort.id)?;
        let rows = waiting_list::waiting(conn, cohort.id)?;
        let next = queue(&rows);
        let free = free_places(&cohort, waiting_list::taken(conn, cohort.id)?, next.len());
        let Some(first) = next.first().filter(|r| r.enrolment_id == enrolment.id) else {
            return Err(AppError::Conflict(
                "Only the first person waiting who hasn't had an offer can be offered a place now."
                    .into(),
            ));
        };
        if free == 0 {
            return Err(AppError::Conflict(
                "No place is free right now, so nobody was offered one.".into(),
            ));
        }
        let name = first.name.clone();
        make_offer(conn, composer, &cohort, first, now(), Actor::User(user.id))?;
        Ok(name)
    })
}

// ---------------------------------------------------------------------------
// Places and offer time (the group's settings)

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct PlacesForm {
    pub capacity: String,
    pub offer_hours: String,
    /// "yes" once the facilitator has seen who will get an offer.
    pub confirm: String,
}

/// What saving the places did.
pub enum PlacesSaved {
    Saved {
        offered: usize,
    },
    /// More than one offer would go: who, to check first (nothing saved).
    Check {
        names: Vec<String>,
    },
}

fn check_places(form: &PlacesForm) -> Result<(Option<i32>, i32), AppError> {
    let mut e = FieldErrors::default();
    let capacity = forms::optional_number(&mut e, "capacity", &form.capacity, 1, CAPACITY_MAX);
    let hours = match form.offer_hours.trim().parse::<i32>() {
        Ok(h) if (OFFER_HOURS_MIN..=OFFER_HOURS_MAX).contains(&h) => h,
        _ => {
            e.add(
                "offer_hours",
                format!(
                    "Please enter a whole number of hours from {OFFER_HOURS_MIN} to {OFFER_HOURS_MAX} (48 is two days)."
                ),
            );
            0
        }
    };
    e.check()?;
    Ok((capacity, hours))
}

/// Saves the group's places and how long offers stay open, then offers
/// any place that is now free. When that would email more than one
/// person, the names come back to check first and nothing is saved.
pub fn update_places(
    conn: &mut DbConn,
    composer: &Composer,
    user: &User,
    cohort_id: i64,
    form: &PlacesForm,
) -> Result<PlacesSaved, AppError> {
    let cohort = access::find_visible(conn, user, cohort_id)?;
    let (capacity, hours) = check_places(form)?;
    write_tx(conn, |conn| {
        WaitlistOffer::lock_cohort(conn, cohort.id)?;
        let rows = waiting_list::waiting(conn, cohort.id)?;
        let next = queue(&rows);
        let changed = Cohort {
            capacity,
            ..cohort.clone()
        };
        let free = free_places(&changed, waiting_list::taken(conn, cohort.id)?, next.len());
        let going: Vec<String> = next.iter().take(free).map(|r| r.name.clone()).collect();
        if going.len() > 1 && !cohort.follow_ups_paused && form.confirm != "yes" {
            return Ok(PlacesSaved::Check { names: going });
        }
        Cohort::set_places(conn, cohort.id, capacity, hours)?;
        Audit::by_user(user.id)
            .did("waitlist.settings")
            .on("cohort", cohort.id)
            .in_cohort(cohort.id)
            .record(conn)?;
        let offered = fill_places(conn, composer, cohort.id, now(), Actor::User(user.id))?;
        Ok(PlacesSaved::Saved { offered })
    })
}
