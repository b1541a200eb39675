//! Invite links: a parent opens the group's link and joins it, or its
//! waiting list when the group is full.

use serde::{Deserialize, Serialize};

use crate::db::ids::{CohortId, ParticipantId};
use crate::db::models::access_token::{AccessToken, Lookup};
use crate::db::models::Audit;
use crate::db::models::{Cohort, CurriculumVersion, Enrolment, Meeting, User};
use crate::db::status::{EnrolmentStatus, MeetingStatus};
use crate::db::{now, write_tx, DbConn};
use crate::error::AppError;
use crate::services::roster::{self, ParticipantForm};
use crate::services::schedule;

pub const PURPOSE: &str = "invite";

/// Makes a new invite link for the cohort (the old one stops working).
pub fn renew(conn: &mut DbConn, user: &User, cohort_id: i64) -> Result<String, AppError> {
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    write_tx(conn, |conn| {
        let token = AccessToken::replace_for_cohort(conn, PURPOSE, cohort.id)?;
        audit(conn, Some(user.id), "invite.renew", cohort.id, None)?;
        Ok(token)
    })
}

pub fn turn_off(conn: &mut DbConn, user: &User, cohort_id: i64) -> Result<(), AppError> {
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    write_tx(conn, |conn| {
        AccessToken::revoke_for_cohort(conn, PURPOSE, cohort.id)?;
        audit(conn, Some(user.id), "invite.turn_off", cohort.id, None)
    })
}

fn audit(
    conn: &mut DbConn,
    actor: Option<i64>,
    action: &str,
    cohort_id: i64,
    subject: Option<i64>,
) -> Result<(), AppError> {
    Audit::actor(
        if actor.is_some() {
            "user"
        } else {
            "participant"
        },
        actor,
    )
    .did(action)
    .on_if(subject.map(|_| "enrolment"), subject)
    .in_cohort(cohort_id)
    .record(conn)
}

/// The cohort a live invite token opens.
fn cohort_for(conn: &mut DbConn, token: &str) -> Result<Cohort, AppError> {
    match AccessToken::lookup(conn, PURPOSE, token)? {
        Lookup::Live(t) => {
            let id = t.cohort_id.ok_or_else(|| AppError::internal("invite without a cohort"))?;
            crate::services::access::by_id(conn, id)
        }
        Lookup::Retired(_) => Err(AppError::Gone(
            "This invite link is no longer active. Please ask the group's facilitator for a new one.".into(),
        )),
        Lookup::Unknown => Err(AppError::not_found(
            "We don't know this invite link. Please check that it was copied in full.",
        )),
    }
}

/// What a parent sees before joining.
#[derive(Debug, Serialize)]
pub struct JoinPage {
    pub cohort_title: String,
    pub course_title: String,
    pub course_summary: String,
    pub sessions: usize,
    pub first_meeting: Option<String>,
    pub location: Option<String>,
    pub online: bool,
    pub full: bool,
}

pub fn join_page(conn: &mut DbConn, token: &str) -> Result<JoinPage, AppError> {
    let cohort = cohort_for(conn, token)?;
    let curriculum = CurriculumVersion::load_curriculum(conn, cohort.curriculum_version_id)?;
    let tz = schedule::parse_time_zone(&cohort.time_zone)?;
    let at = now();
    let next = Meeting::for_cohort(conn, cohort.id)?
        .into_iter()
        .find(|m| m.status != MeetingStatus::Cancelled && m.starts_at > at);
    Ok(JoinPage {
        full: is_full(conn, &cohort)?,
        cohort_title: cohort.title,
        course_title: curriculum.title.clone(),
        course_summary: curriculum.summary.clone(),
        sessions: curriculum.sessions.len(),
        first_meeting: next.map(|m| schedule::format_local(tz, m.starts_at)),
        location: cohort.location,
        online: cohort.online_url.is_some(),
    })
}

fn is_full(conn: &mut DbConn, cohort: &Cohort) -> Result<bool, AppError> {
    Ok(match cohort.capacity {
        None => false,
        Some(cap) => {
            // Open waiting-list offers hold places too, and nobody joins
            // ahead of someone still waiting for one.
            let taken = crate::db::views::waiting_list::taken(conn, cohort.id)?;
            let queue = crate::db::views::waiting_list::waiting(conn, cohort.id)?;
            taken.active + taken.open_offers >= i64::from(cap)
                || queue.iter().any(|r| r.offer_id.is_none())
        }
    })
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct JoinForm {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub preferred_name: String,
}

/// What the person who filled in the form is told. Someone already in the
/// group is told exactly what a newcomer would be (the invite link is
/// shared, so the page must not say who is enrolled); the member hears by
/// email instead.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub enum Joined {
    Joined,
    Waitlisted,
}

/// A parent joins through the link. The same email twice is the same
/// person, and joining twice changes nothing but an email to them.
pub fn join(
    conn: &mut DbConn,
    mail: &crate::mail::Composer,
    token: &str,
    form: &JoinForm,
) -> Result<Joined, AppError> {
    let cohort = cohort_for(conn, token)?;
    let mut input = roster::check(&ParticipantForm {
        name: form.name.clone(),
        email: form.email.clone(),
        phone: form.phone.clone(),
        preferred_name: form.preferred_name.clone(),
        notes: String::new(),
    })?;
    if input.email.is_none() {
        let mut errors = crate::error::FieldErrors::default();
        errors.add(
            "email",
            "Please enter your email, so the facilitator can send you your own link.",
        );
        return Err(AppError::Invalid(errors));
    }
    input.notes = None;
    roster::normalise_phone_for(conn, &cohort, &mut input)?;
    write_tx(conn, |conn| {
        let full = is_full(conn, &cohort)?;
        match roster::add_in_tx(conn, None, cohort.id, &input, "invite") {
            Ok((enrolment, _)) => {
                if full {
                    Enrolment::set_status(conn, enrolment.id, EnrolmentStatus::Waitlisted)?;
                    audit(
                        conn,
                        None,
                        "enrolment.waitlist",
                        cohort.id,
                        Some(enrolment.id),
                    )?;
                    Ok(Joined::Waitlisted)
                } else {
                    crate::services::follow_ups::queue_welcome(
                        conn,
                        mail,
                        enrolment.id,
                        crate::db::now(),
                    )?;
                    Ok(Joined::Joined)
                }
            }
            Err(AppError::Conflict(_)) => {
                if let Some(email) = input.email.as_deref() {
                    tell_member(conn, mail, &cohort, email)?;
                }
                Ok(if full {
                    Joined::Waitlisted
                } else {
                    Joined::Joined
                })
            }
            Err(e) => Err(e),
        }
    })
}

/// Emails a parent who is already in the group (or on its waiting list)
/// that someone used the invite link with their address: nothing changed,
/// and, when they are in, a fresh link to their page. At most one such
/// email a day, so the form cannot be used to flood their inbox.
fn tell_member(
    conn: &mut DbConn,
    mail: &crate::mail::Composer,
    cohort: &Cohort,
    email: &str,
) -> Result<(), AppError> {
    use crate::services::participants::{issue_link_for, LinkChannel};
    let Some(parent) = crate::db::models::Participant::find_by_email(conn, email)? else {
        return Ok(());
    };
    let Some(enrolment) = Enrolment::find_for(conn, CohortId(cohort.id), ParticipantId(parent.id))?
    else {
        return Ok(());
    };
    let at = now();
    let key = format!("already_in:{}:{}", enrolment.id, at.format("%Y-%m-%d"));
    let sent_today = crate::db::models::OutboxMessage::exists_with_key(conn, &key)?;
    if sent_today {
        return Ok(());
    }
    let (mut ctx, reply_to) = crate::services::follow_ups::parent_context(
        conn,
        cohort.id,
        &parent.name,
        parent.preferred_name.as_deref(),
    )?;
    let active = enrolment.status == EnrolmentStatus::Active;
    ctx.insert("waitlisted".into(), serde_json::json!(!active));
    ctx.insert("link_url".into(), serde_json::Value::Null);
    if active {
        let token = issue_link_for(conn, enrolment.id, LinkChannel::Email, mail.links, None)?;
        ctx.insert(
            "link_url".into(),
            serde_json::json!(mail.url(&format!("/p/{token}"))),
        );
    }
    let envelope = crate::mail::compose::Envelope {
        kind: "already_in",
        dedupe_key: key,
        to_address: email.to_string(),
        to_name: Some(parent.name.clone()),
        cohort_id: Some(cohort.id),
        enrolment_id: Some(enrolment.id),
        meeting_id: None,
        send_at: at,
        reply_to,
        unsubscribe: false,
    };
    mail.queue(conn, &envelope, serde_json::Value::Object(ctx))?;
    audit(
        conn,
        None,
        "enrolment.join_again",
        cohort.id,
        Some(enrolment.id),
    )
}
