//! Signing in and changing passwords, with throttling and an audit trail.

use chrono::Duration;
use serde_json::json;

use crate::crypto::{hash_password, verify_password};
use crate::db::models::access_token::{AccessToken, Lookup};
use crate::db::models::web_session::WebSession;
use crate::db::models::Audit;
use crate::db::models::{login_attempt, User};
use crate::db::{now, write_tx, DbConn};
use crate::error::{AppError, FieldErrors};
use crate::mail::compose::Envelope;
use crate::mail::Composer;
use crate::services::users::validate_new_password;

/// Failed sign-ins allowed from one address for one account in the window:
/// someone guessing from one place is stopped before the account is.
pub const MAX_FAILURES_PER_ACCOUNT_AND_IP: i64 = 5;
/// Failed sign-ins allowed per account in the window before we refuse
/// passwords from everywhere (the emailed sign-in link still works).
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 10;
/// Per address: higher, since a whole centre may share one.
pub const MAX_FAILURES_PER_IP: i64 = 50;
pub const WINDOW_MINUTES: i64 = 15;

const NO_MATCH: &str =
    "That email and password don't match an account. Please check them and try again.";

/// A password hash to compare against when the account does not exist, so
/// an unknown email takes as long as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$W3Vb8Cw1hXw+q2+wWq0Gm7dCqBq3xv9kXk6OZ0mJQ8c";

fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

fn ip_key(ip: Option<&str>) -> String {
    format!("ip:{}", ip.unwrap_or("unknown"))
}

fn account_ip_key(email: &str, ip: Option<&str>) -> String {
    format!(
        "account-ip:{}:{}",
        email.trim().to_lowercase(),
        ip.unwrap_or("unknown")
    )
}

const LOCKED: &str = "There have been too many sign-in attempts. For your safety, passwords won't work for this account for 15 minutes. You can sign in now with a link sent to your email.";

fn audit(
    conn: &mut DbConn,
    action: &str,
    actor: Option<i64>,
    subject: Option<i64>,
    ip: Option<&str>,
) -> Result<(), AppError> {
    Audit::actor(if actor.is_some() { "user" } else { "anonymous" }, actor)
        .did(action)
        .on_if(subject.map(|_| "user"), subject)
        .from_ip(ip)
        .record(conn)
}

/// Checks an email and password. Every outcome is audited; failures count
/// against the account and the address, and too many give 429 whether or
/// not the account exists.
pub fn sign_in(
    conn: &mut DbConn,
    email: &str,
    password: &str,
    ip: Option<&str>,
) -> Result<User, AppError> {
    let account = account_key(email);
    let address = ip_key(ip);
    let pair = account_ip_key(email, ip);
    let since = now() - Duration::minutes(WINDOW_MINUTES);
    let throttled = login_attempt::count_since(conn, &pair, since)?
        >= MAX_FAILURES_PER_ACCOUNT_AND_IP
        || login_attempt::count_since(conn, &account, since)? >= MAX_FAILURES_PER_ACCOUNT
        || login_attempt::count_since(conn, &address, since)? >= MAX_FAILURES_PER_IP;
    if throttled {
        audit(conn, "auth.sign_in_throttled", None, None, ip)?;
        return Err(AppError::TooManyRequests(LOCKED.into()));
    }

    let user = User::find_by_email(conn, &email.trim().to_lowercase())?;
    let password_ok = match &user {
        Some(u) => verify_password(password, &u.password_hash),
        None => {
            let _ = verify_password(password, DUMMY_HASH);
            false
        }
    };
    match user {
        Some(u) if password_ok && u.is_active() => {
            write_tx(conn, |conn| {
                login_attempt::clear(conn, &account)?;
                login_attempt::clear(conn, &pair)?;
                audit(conn, "auth.sign_in", Some(u.id), Some(u.id), ip)
            })?;
            Ok(u)
        }
        Some(u) if password_ok => {
            audit(conn, "auth.sign_in_disabled", None, Some(u.id), ip)?;
            Err(AppError::Forbidden(
                "This account has been switched off. Please ask your administrator.".into(),
            ))
        }
        other => {
            let at = now();
            write_tx(conn, |conn| {
                login_attempt::record(conn, &[&account, &address, &pair], at)?;
                login_attempt::prune(conn, at - Duration::days(1))?;
                audit(
                    conn,
                    "auth.sign_in_failed",
                    None,
                    other.as_ref().map(|u| u.id),
                    ip,
                )
            })?;
            Err(AppError::Unauthorized(NO_MATCH.into()))
        }
    }
}

pub fn record_sign_out(conn: &mut DbConn, user_id: i64, ip: Option<&str>) -> Result<(), AppError> {
    audit(conn, "auth.sign_out", Some(user_id), Some(user_id), ip)
}

/// Changes a password after checking the current one, and ends every
/// session of the account (the caller starts a fresh one).
pub fn change_password(
    conn: &mut DbConn,
    user: &User,
    current: &str,
    new: &str,
    confirm: &str,
    ip: Option<&str>,
) -> Result<(), AppError> {
    if !verify_password(current, &user.password_hash) {
        return Err(AppError::validation("Your current password is not right."));
    }
    if new != confirm {
        return Err(AppError::validation(
            "The two new passwords are not the same.",
        ));
    }
    validate_new_password(new)?;
    let hash = hash_password(new)?;
    write_tx(conn, |conn| {
        User::set_password_hash(conn, user.id, &hash)?;
        WebSession::delete_for_user(conn, user.id)?;
        audit(
            conn,
            "auth.password_changed",
            Some(user.id),
            Some(user.id),
            ip,
        )
    })
}

pub const SIGN_IN_LINK_PURPOSE: &str = "sign_in_link";
/// How long an emailed sign-in link works (once).
pub const SIGN_IN_LINK_MINUTES: i64 = 15;
/// Sign-in links one address may ask for in an hour, and one network
/// address for all accounts.
pub const SIGN_IN_LINKS_PER_ADDRESS: i64 = 3;
pub const SIGN_IN_LINKS_PER_IP: i64 = 20;

const TOO_MANY_LINKS: &str = "We've had several requests for sign-in links in the last hour. For your safety, please wait an hour and try again, or ask your administrator.";
const LINK_ENDED: &str = "This sign-in link has already been used or has expired. A link works once, for 15 minutes. Please ask for a new one.";
const LINK_UNKNOWN: &str =
    "This sign-in link didn't work. Please check that it was copied in full, or ask for a new one.";

/// "Email me a sign-in link": for an active account, a one-time link
/// that signs its owner in for the next 15 minutes, even while passwords
/// are locked out (only the owner reads that inbox). Any other address gets
/// nothing, and the asker cannot tell which it was. Returns the tidied
/// address.
pub fn send_sign_in_link(
    conn: &mut DbConn,
    composer: &Composer,
    raw_email: &str,
    ip: Option<&str>,
) -> Result<String, AppError> {
    let Ok(email) = crate::services::users::normalise_email(raw_email) else {
        let mut errors = FieldErrors::default();
        errors.add(
            "email",
            "That doesn't look like an email address. It should look like name@example.org.",
        );
        return Err(AppError::Invalid(errors));
    };
    let at = now();
    let keys = (
        format!("sign-in-link:{email}"),
        format!("sign-in-link-ip:{}", ip.unwrap_or("unknown")),
    );
    let result = write_tx(conn, |conn| {
        crate::services::parent_access::throttle_saying(
            conn,
            &[
                (&keys.0, SIGN_IN_LINKS_PER_ADDRESS),
                (&keys.1, SIGN_IN_LINKS_PER_IP),
            ],
            at,
            TOO_MANY_LINKS,
        )?;
        let Some(user) = User::find_by_email(conn, &email)?.filter(User::is_active) else {
            return audit(conn, "auth.sign_in_link_asked", None, None, ip);
        };
        // One live link at a time: asking again retires the last one.
        let (token, hash) = AccessToken::replace_for_user(
            conn,
            SIGN_IN_LINK_PURPOSE,
            user.id,
            at,
            at + Duration::minutes(SIGN_IN_LINK_MINUTES),
        )?;
        let envelope = Envelope {
            kind: "sign_in_link",
            dedupe_key: format!("sign_in_link:{}:{}", user.id, &hash[..32]),
            to_address: user.email.clone(),
            to_name: Some(user.name.clone()),
            cohort_id: None,
            enrolment_id: None,
            meeting_id: None,
            send_at: at,
            reply_to: None,
            unsubscribe: false,
        };
        let ctx = json!({
            "name": user.name,
            "course": "attune",
            "cohort": null,
            "footer_note": "You are getting this because someone asked to sign in to attune with this address.",
            "link_url": composer.url(&format!("/login/link/{token}")),
            "minutes": SIGN_IN_LINK_MINUTES,
        });
        composer.queue(conn, &envelope, ctx)?;
        audit(conn, "auth.sign_in_link_sent", None, Some(user.id), ip)
    });
    match result {
        Ok(()) => Ok(email),
        Err(e @ AppError::TooManyRequests(_)) => {
            audit(conn, "auth.sign_in_link_throttled", None, None, ip)?;
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// The live, unused sign-in link's account, or why it is not one.
fn sign_in_link(conn: &mut DbConn, token: &str) -> Result<(AccessToken, User), AppError> {
    let row = match AccessToken::lookup(conn, SIGN_IN_LINK_PURPOSE, token)? {
        Lookup::Live(t) if t.used_at.is_none() => t,
        Lookup::Live(_) | Lookup::Retired(_) => return Err(AppError::Gone(LINK_ENDED.into())),
        Lookup::Unknown => return Err(AppError::Unauthorized(LINK_UNKNOWN.into())),
    };
    let user = match row.user_id {
        Some(id) => User::find(conn, id)?,
        None => None,
    };
    match user {
        Some(u) if u.is_active() => Ok((row, u)),
        Some(_) => Err(AppError::Forbidden(
            "This account has been switched off. Please ask your administrator.".into(),
        )),
        None => Err(AppError::Gone(LINK_ENDED.into())),
    }
}

/// Who a sign-in link is for, to ask "sign in as ...?" before using it
/// (mail scanners open links; only the button press signs in).
pub fn sign_in_link_account(conn: &mut DbConn, token: &str) -> Result<User, AppError> {
    sign_in_link(conn, token).map(|(_, u)| u)
}

/// Uses a sign-in link once: the account's password lock-out is lifted
/// (its owner has shown they read its email) and its user is returned for
/// a new session.
pub fn use_sign_in_link(
    conn: &mut DbConn,
    token: &str,
    ip: Option<&str>,
) -> Result<User, AppError> {
    write_tx(conn, |conn| {
        let (row, user) = sign_in_link(conn, token)?;
        if !AccessToken::use_once(conn, row.id, now())? {
            return Err(AppError::Gone(LINK_ENDED.into()));
        }
        login_attempt::clear(conn, &account_key(&user.email))?;
        audit(
            conn,
            "auth.sign_in_by_link",
            Some(user.id),
            Some(user.id),
            ip,
        )?;
        Ok(user)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_parses() {
        // A malformed dummy would make unknown accounts fail faster.
        assert!(argon2::password_hash::phc::PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
