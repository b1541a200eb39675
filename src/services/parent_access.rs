//! A parent's ways back in without asking the facilitator: a fresh personal
//! link by email ("Lost your link?"), a short-lived code for a shared phone
//! or computer, and turning the group's emails off or on.
//!
//! Nothing here tells a stranger whether an address is in a group: the
//! pages, the throttles and the wrong-code answers are the same for an
//! address we know and one we don't.

use chrono::{Duration, NaiveDateTime};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::crypto::{keyed_mac, random_bytes};
use crate::db::models::access_token::AccessToken;
use crate::db::models::Audit;
use crate::db::models::{login_attempt, Enrolment, Participant};
use crate::db::{now, write_tx, DbConn};
use crate::error::{AppError, FieldErrors};
use crate::mail::compose::Envelope;
use crate::mail::Composer;
use crate::services::{follow_ups, participants as parents, users as accounts};

pub const CODE_PURPOSE: &str = "signin_code";
/// How long a sign-in code works.
pub const CODE_MINUTES: i64 = 15;
/// Tries per code, the right one included; then the code is dead.
pub const CODE_TRIES: i32 = 5;
/// Links, or codes, one address may ask for in the window.
pub const PER_ADDRESS: i64 = 3;
/// Requests of each kind from one network address in the window (a family
/// centre's wifi is one address for everybody there).
pub const PER_IP: i64 = 20;
pub const WINDOW_MINUTES: i64 = 60;

const ASK_AGAIN: &str =
    "This code doesn't work any more. A code works once, for 15 minutes. Please ask for a new code.";
const DEAD_NOW: &str =
    "That code isn't right, and it has now stopped working. Please ask for a new code.";
const TOO_MANY: &str = "We've had several requests like this in the last hour. For your safety, please wait an hour and try again. If you need your page sooner, your group's facilitator can help.";

type HmacSha256 = Hmac<Sha256>;

/// A parent's email address, tidied, or a message beside the field.
pub fn check_email(raw: &str) -> Result<String, AppError> {
    let mut errors = FieldErrors::default();
    if raw.trim().is_empty() {
        errors.add(
            "email",
            "Please type the email address you gave your group.",
        );
    } else if accounts::normalise_email(raw).is_err() {
        errors.add(
            "email",
            "That doesn't look like an email address. It should look like name@example.com.",
        );
    }
    errors.check()?;
    accounts::normalise_email(raw)
}

/// The six digits of a typed code (spaces and dashes are fine).
pub fn check_code(raw: &str) -> Result<String, AppError> {
    let digits: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let mut errors = FieldErrors::default();
    if digits.is_empty() {
        errors.add("code", "Please type the 6-digit code from the email.");
    } else if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        errors.add(
            "code",
            "The code is 6 numbers, like 123456. Please check the email and type it again.",
        );
    }
    errors.check()?;
    Ok(digits)
}

fn ip_part(ip: Option<&str>) -> &str {
    ip.unwrap_or("unknown")
}

/// Counts this request against each key, or refuses it (429) when a key
/// is used up. Refused requests are not counted.
fn throttle(conn: &mut DbConn, limits: &[(&str, i64)], at: NaiveDateTime) -> Result<(), AppError> {
    throttle_saying(conn, limits, at, TOO_MANY)
}

/// [`throttle`] with the refusal's own words (a facilitator's sign-in
/// link is not about a group).
pub(crate) fn throttle_saying(
    conn: &mut DbConn,
    limits: &[(&str, i64)],
    at: NaiveDateTime,
    refusal: &str,
) -> Result<(), AppError> {
    let since = at - Duration::minutes(WINDOW_MINUTES);
    for (key, most) in limits {
        if login_attempt::count_since(conn, key, since)? >= *most {
            return Err(AppError::TooManyRequests(refusal.into()));
        }
    }
    let keys: Vec<&str> = limits.iter().map(|(k, _)| *k).collect();
    login_attempt::record(conn, &keys, at)?;
    login_attempt::prune(conn, at - Duration::days(1))
}

fn audit(
    conn: &mut DbConn,
    action: &str,
    enrolment: Option<&Enrolment>,
    ip: Option<&str>,
) -> Result<(), AppError> {
    Audit::actor(
        if enrolment.is_some() {
            "participant"
        } else {
            "anonymous"
        },
        enrolment.map(|e| e.participant_id),
    )
    .did(action)
    .on_if(enrolment.map(|_| "enrolment"), enrolment.map(|e| e.id))
    .in_cohort_if(enrolment.map(|e| e.cohort_id))
    .from_ip(ip)
    .record(conn)
}

/// The active enrolments of the (not erased) parent with this address,
/// newest first.
fn active_enrolments(
    conn: &mut DbConn,
    email: &str,
) -> Result<Vec<(Enrolment, Participant)>, AppError> {
    Enrolment::active_for_email(conn, email)
}

/// What every email about a cohort says, and where replies go.
fn email_context(
    conn: &mut DbConn,
    enrolment: &Enrolment,
    parent: &Participant,
) -> Result<(serde_json::Map<String, Value>, Option<String>), AppError> {
    follow_ups::parent_context(
        conn,
        enrolment.cohort_id,
        &parent.name,
        parent.preferred_name.as_deref(),
    )
}

fn envelope(
    kind: &'static str,
    key: String,
    enrolment: &Enrolment,
    to: &str,
    parent: &Participant,
    reply_to: Option<String>,
    at: NaiveDateTime,
) -> Envelope {
    Envelope {
        kind,
        dedupe_key: key,
        to_address: to.to_string(),
        to_name: Some(parent.name.clone()),
        cohort_id: Some(enrolment.cohort_id),
        enrolment_id: Some(enrolment.id),
        meeting_id: None,
        send_at: at,
        reply_to,
        // The parent asked for this one: no "stop these emails".
        unsubscribe: false,
    }
}

/// "Lost your link?": emails a fresh personal link for each of the
/// parent's active groups (their old links keep working). Unknown, erased
/// and withdrawn parents get nothing, and the asker cannot tell.
pub fn send_link(
    conn: &mut DbConn,
    composer: &Composer,
    raw_email: &str,
    ip: Option<&str>,
) -> Result<(), AppError> {
    let email = check_email(raw_email)?;
    let at = now();
    let address_key = format!("lost-link:{email}");
    let ip_key = format!("lost-link-ip:{}", ip_part(ip));
    let result = write_tx(conn, |conn| {
        throttle(conn, &[(&address_key, PER_ADDRESS), (&ip_key, PER_IP)], at)?;
        let found = active_enrolments(conn, &email)?;
        for (enrolment, parent) in &found {
            queue_new_link(conn, composer, enrolment, parent, &email, at)?;
            audit(conn, "participant.link_emailed", Some(enrolment), ip)?;
        }
        if found.is_empty() {
            audit(conn, "participant.link_asked", None, ip)?;
        }
        Ok(())
    });
    if let Err(AppError::TooManyRequests(_)) = &result {
        audit(conn, "participant.link_throttled", None, ip)?;
    }
    result
}

/// Queues the "new link" email for one parent in one group, with a fresh
/// emailed link.
fn queue_new_link(
    conn: &mut DbConn,
    composer: &Composer,
    enrolment: &Enrolment,
    parent: &Participant,
    email: &str,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let token = parents::issue_link_for(
        conn,
        enrolment.id,
        parents::LinkChannel::Email,
        composer.links,
        None,
    )?;
    let (mut ctx, reply_to) = email_context(conn, enrolment, parent)?;
    ctx.insert(
        "link_url".into(),
        json!(composer.url(&format!("/p/{token}"))),
    );
    let key = format!(
        "new_link:{}:{}",
        enrolment.id,
        hex::encode(random_bytes::<8>()?)
    );
    let env = envelope("new_link", key, enrolment, email, parent, reply_to, at);
    composer.queue(conn, &env, Value::Object(ctx))?;
    Ok(())
}

/// A facilitator emails a parent of their group a fresh link to their page
/// (one email, to that parent only). Returns the parent's name and address.
pub fn facilitator_emails_link(
    conn: &mut DbConn,
    composer: &Composer,
    user: &crate::db::models::User,
    cohort_id: crate::db::ids::CohortId,
    enrolment_id: crate::db::ids::EnrolmentId,
) -> Result<(String, String), AppError> {
    let (_, enrolment) =
        crate::services::access::find_visible_enrolment(conn, user, cohort_id, enrolment_id)?;
    let parent = Participant::find(conn, enrolment.participant_id)?;
    let email = parent.email.clone().ok_or_else(|| {
        AppError::validation(format!(
            "{} has no email address on the roster. Print the link or copy it into a message instead.",
            parent.name
        ))
    })?;
    let at = now();
    write_tx(conn, |conn| {
        queue_new_link(conn, composer, &enrolment, &parent, &email, at)?;
        Audit::by_user(user.id)
            .did("participant.link_emailed")
            .on_enrolment(enrolment.id)
            .in_cohort(enrolment.cohort_id)
            .at(at)
            .record(conn)
    })?;
    Ok((parent.name, email))
}

/// A random six-digit code, every value equally likely.
fn new_code() -> Result<String, AppError> {
    // The largest multiple of a million below 2^32: above it, draw again.
    const LIMIT: u32 = 4_294_000_000;
    loop {
        let n = u32::from_be_bytes(random_bytes::<4>()?);
        if n < LIMIT {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

fn code_mac(
    secret: &[u8],
    enrolment_id: i64,
    salt: &str,
    code: &str,
) -> Result<HmacSha256, AppError> {
    Ok(keyed_mac(
        secret,
        &format!("{CODE_PURPOSE}:{enrolment_id}:{salt}:{code}"),
    )?)
}

/// What is stored for a code: a random salt and a keyed hash bound to the
/// enrolment, so a code only ever opens its own parent's page and a copy of
/// the database does not give codes away.
fn code_hash(secret: &[u8], enrolment_id: i64, code: &str) -> Result<String, AppError> {
    let salt = hex::encode(random_bytes::<16>()?);
    let tag = code_mac(secret, enrolment_id, &salt, code)?
        .finalize()
        .into_bytes();
    Ok(format!("{salt}${}", hex::encode(tag)))
}

fn code_matches(secret: &[u8], enrolment_id: i64, stored: &str, code: &str) -> bool {
    let Some((salt, tag)) = stored.split_once('$') else {
        return false;
    };
    let Ok(tag) = hex::decode(tag) else {
        return false;
    };
    code_mac(secret, enrolment_id, salt, code)
        .map(|mac| mac.verify_slice(&tag).is_ok())
        .unwrap_or(false)
}

/// Emails a sign-in code for the parent's newest active group, retiring
/// any earlier unused code. Returns the tidied address for the
/// enter-the-code form, whether or not we know it.
pub fn send_code(
    conn: &mut DbConn,
    composer: &Composer,
    secret: &[u8],
    raw_email: &str,
    ip: Option<&str>,
) -> Result<String, AppError> {
    let email = check_email(raw_email)?;
    let at = now();
    let address_key = request_key(&email);
    let ip_key = format!("signin-code-ip:{}", ip_part(ip));
    let result = write_tx(conn, |conn| {
        throttle(conn, &[(&address_key, PER_ADDRESS), (&ip_key, PER_IP)], at)?;
        let found = active_enrolments(conn, &email)?;
        let Some((enrolment, parent)) = found.first() else {
            return audit(conn, "participant.code_asked", None, ip);
        };
        AccessToken::revoke_unused_for_enrolment(conn, CODE_PURPOSE, enrolment.id, at)?;
        let code = new_code()?;
        let hash = code_hash(secret, enrolment.id, &code)?;
        AccessToken::insert_hashed_for_enrolment(
            conn,
            CODE_PURPOSE,
            enrolment.id,
            &hash,
            at,
            at + Duration::minutes(CODE_MINUTES),
        )?;
        let (mut ctx, reply_to) = email_context(conn, enrolment, parent)?;
        ctx.insert("code".into(), json!(code));
        ctx.insert("minutes".into(), json!(CODE_MINUTES));
        // The salt is unique to this code, so the key is too.
        let key = format!("signin_code:{}:{}", enrolment.id, &hash[..32]);
        let env = envelope("signin_code", key, enrolment, &email, parent, reply_to, at);
        composer.queue(conn, &env, Value::Object(ctx))?;
        audit(conn, "participant.code_sent", Some(enrolment), ip)
    });
    match result {
        Ok(()) => Ok(email),
        Err(e @ AppError::TooManyRequests(_)) => {
            audit(conn, "participant.code_throttled", None, ip)?;
            Err(e)
        }
        Err(e) => Err(e),
    }
}

fn request_key(email: &str) -> String {
    format!("signin-code:{email}")
}

fn miss_key(email: &str) -> String {
    format!("signin-code-miss:{email}")
}

fn wrong(left: i32) -> String {
    match left {
        0 => DEAD_NOW.to_string(),
        1 => "That code isn't right. Please check the email and try again. You have 1 more try."
            .to_string(),
        n => format!(
            "That code isn't right. Please check the email and try again. You have {n} more tries."
        ),
    }
}

enum Outcome {
    SignedIn(i64),
    Refused(String),
}

/// Checks a typed code. The right one (once, within 15 minutes, within 5
/// tries) gives the enrolment to start a session for; anything else is a
/// 401 whose message says what to do.
pub fn enter_code(
    conn: &mut DbConn,
    secret: &[u8],
    raw_email: &str,
    raw_code: &str,
    ip: Option<&str>,
) -> Result<i64, AppError> {
    let email = check_email(raw_email)?;
    let code = check_code(raw_code)?;
    let at = now();
    // Tries are counted in the transaction and must stay counted, so a
    // refusal is a value here and an error only after the commit.
    let outcome = write_tx(conn, |conn| {
        let ids: Vec<i64> = active_enrolments(conn, &email)?
            .into_iter()
            .map(|(e, _)| e.id)
            .collect();
        if ids.is_empty() {
            return stranger(conn, &email, at, ip);
        }
        let live = AccessToken::newest_unused(conn, CODE_PURPOSE, &ids)?;
        let Some(token) = live.filter(|t| t.expires_at.is_some_and(|e| e > at)) else {
            return Ok(Outcome::Refused(ASK_AGAIN.into()));
        };
        let Some(enrolment_id) = token.enrolment_id else {
            return Err(AppError::internal("sign-in code without enrolment"));
        };
        let (id, hash) = (token.id, token.token_hash);
        // Count the try first, so parallel guesses cannot pass the limit.
        let Some(tries) = AccessToken::count_try(conn, id, CODE_TRIES)? else {
            return Ok(Outcome::Refused(ASK_AGAIN.into()));
        };
        let enrolment = Enrolment::find(conn, enrolment_id)?
            .ok_or_else(|| AppError::internal("sign-in code for an enrolment that is gone"))?;
        if code_matches(secret, enrolment_id, &hash, &code) {
            AccessToken::use_once(conn, id, at)?;
            audit(conn, "participant.code_signed_in", Some(&enrolment), ip)?;
            return Ok(Outcome::SignedIn(enrolment_id));
        }
        audit(conn, "participant.code_wrong", Some(&enrolment), ip)?;
        Ok(Outcome::Refused(wrong(CODE_TRIES - tries)))
    })?;
    match outcome {
        Outcome::SignedIn(id) => Ok(id),
        Outcome::Refused(message) => Err(AppError::Unauthorized(message)),
    }
}

/// An address in no group: answers as a known one would (a code "sent"
/// at its last request, five tries), so guessing reveals nothing.
fn stranger(
    conn: &mut DbConn,
    email: &str,
    at: NaiveDateTime,
    ip: Option<&str>,
) -> Result<Outcome, AppError> {
    let asked = login_attempt::latest_since(
        conn,
        &request_key(email),
        at - Duration::minutes(CODE_MINUTES),
    )?;
    let Some(asked) = asked else {
        return Ok(Outcome::Refused(ASK_AGAIN.into()));
    };
    let misses = login_attempt::count_since(conn, &miss_key(email), asked)?;
    if misses >= i64::from(CODE_TRIES) {
        return Ok(Outcome::Refused(ASK_AGAIN.into()));
    }
    login_attempt::record(conn, &[&miss_key(email)], at)?;
    audit(conn, "participant.code_wrong", None, ip)?;
    Ok(Outcome::Refused(wrong(CODE_TRIES - misses as i32 - 1)))
}

/// A parent turns the group's emails off (queued ones are cancelled) or
/// back on, from their page.
pub fn set_emails(conn: &mut DbConn, enrolment_id: i64, on: bool) -> Result<(), AppError> {
    let me = crate::services::access::me(conn, enrolment_id)?;
    if on {
        follow_ups::resubscribe(conn, enrolment_id)?;
    } else {
        follow_ups::unsubscribe(conn, enrolment_id, now())?;
    }
    audit(
        conn,
        if on {
            "participant.emails_on"
        } else {
            "participant.emails_off"
        },
        Some(&me.enrolment),
        None,
    )
}

/// "on" or "off", from the form.
pub fn parse_switch(raw: &str) -> Result<bool, AppError> {
    match raw.trim() {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(AppError::validation(
            "Please choose whether to turn emails on or off.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..200 {
            let c = new_code().unwrap();
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn typed_codes_may_have_spaces() {
        assert_eq!(check_code(" 123 456 ").unwrap(), "123456");
        assert_eq!(check_code("123-456").unwrap(), "123456");
        assert!(check_code("12345").is_err());
        assert!(check_code("12345a").is_err());
        assert!(check_code("１２３４５６").is_err());
        assert!(check_code("").is_err());
    }

    #[test]
    fn a_code_is_bound_to_its_enrolment_and_secret() {
        let secret = b"a secret key for the tests".to_vec();
        let stored = code_hash(&secret, 7, "123456").unwrap();
        assert!(!stored.contains("123456"));
        assert!(code_matches(&secret, 7, &stored, "123456"));
        assert!(!code_matches(&secret, 8, &stored, "123456"));
        assert!(!code_matches(&secret, 7, &stored, "123457"));
        assert!(!code_matches(b"another key", 7, &stored, "123456"));
        // The same code twice is stored differently (the column is unique).
        assert_ne!(stored, code_hash(&secret, 7, "123456").unwrap());
    }

    #[test]
    fn emails_are_checked() {
        assert_eq!(check_email(" Ana@Example.org ").unwrap(), "ana@example.org");
        assert!(matches!(check_email(""), Err(AppError::Invalid(_))));
        assert!(matches!(check_email("ana"), Err(AppError::Invalid(_))));
    }

    #[test]
    fn wrong_code_messages_count_down() {
        assert!(wrong(4).contains("4 more tries"));
        assert!(wrong(1).contains("1 more try."));
        assert_eq!(wrong(0), DEAD_NOW);
    }
}
