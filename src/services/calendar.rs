//! A cohort's meetings as an iCalendar feed. Each meeting keeps one UID, and
//! its SEQUENCE grows whenever it changes, so calendar apps update the event
//! in place; cancelled meetings stay in the feed marked CANCELLED.

use chrono::{TimeZone, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};

use crate::db::models::access_token::{AccessToken, Lookup};
use crate::db::models::Audit;
use crate::db::models::{CurriculumVersion, Meeting, User};
use crate::db::status::MeetingStatus;
use crate::db::{write_tx, DbConn};
use crate::error::AppError;

pub const PURPOSE: &str = "calendar";

/// Makes a new secret feed address (the old one stops working).
pub fn renew(conn: &mut DbConn, user: &User, cohort_id: i64) -> Result<String, AppError> {
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    write_tx(conn, |conn| {
        let token = AccessToken::replace_for_cohort(conn, PURPOSE, cohort.id)?;
        Audit::by_user(user.id)
            .did("calendar.renew")
            .on("cohort", cohort.id)
            .in_cohort(cohort.id)
            .record(conn)?;
        Ok(token)
    })
}

/// The feed for a calendar token.
pub fn feed(conn: &mut DbConn, token: &str, base_url: &str) -> Result<String, AppError> {
    let cohort_id = match AccessToken::lookup(conn, PURPOSE, token)? {
        Lookup::Live(t) => t
            .cohort_id
            .ok_or_else(|| AppError::internal("calendar without a cohort"))?,
        Lookup::Retired(_) => return Err(AppError::Gone(
            "This calendar address has been replaced. Please ask the facilitator for the new one."
                .into(),
        )),
        Lookup::Unknown => return Err(AppError::not_found("We don't know this calendar address.")),
    };
    let cohort = crate::services::access::by_id(conn, cohort_id)?;
    let curriculum = CurriculumVersion::load_curriculum(conn, cohort.curriculum_version_id)?;
    let meetings = Meeting::for_cohort(conn, cohort.id)?;
    let host = base_url
        .split("://")
        .nth(1)
        .unwrap_or("attune")
        .split(['/', ':'])
        .next()
        .unwrap_or("attune");
    let mut calendar = Calendar::new();
    calendar
        .name(&cohort.title)
        .description(&format!(
            "{}: meetings of {}",
            curriculum.title, cohort.title
        ))
        .timezone(cohort.time_zone.as_str());
    for m in &meetings {
        let session = curriculum.session(m.session_number as u32);
        let title = session.map(|s| s.title.as_str()).unwrap_or("Meeting");
        let start = Utc.from_utc_datetime(&m.starts_at);
        let end = start + chrono::Duration::minutes(i64::from(m.minutes));
        let sequence =
            u32::try_from((m.updated_at - m.created_at).num_seconds().max(0)).unwrap_or(u32::MAX);
        let mut event = Event::new();
        event
            .uid(&format!("attune-meeting-{}@{host}", m.id))
            .sequence(sequence)
            .timestamp(Utc::now())
            .summary(&format!(
                "Session {}: {title} ({})",
                m.session_number, cohort.title
            ))
            .starts(start)
            .ends(end);
        if let Some(place) = m.location.as_ref().or(cohort.location.as_ref()) {
            event.location(place);
        }
        if let Some(url) = &cohort.online_url {
            event.url(url);
        }
        if let Some(s) = session {
            event.description(&format!(
                "Home practice this week: {}",
                s.home_practice.title
            ));
        }
        event.status(if m.status == MeetingStatus::Cancelled {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        });
        calendar.push(event.done());
    }
    Ok(calendar.done().to_string())
}
