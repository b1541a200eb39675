//! Signing in and changing passwords, with throttling and an audit trail.

use chrono::Duration;

use crate::auth::password::{hash_password, validate_new_password, verify_password};
use crate::db::models::web_session::WebSession;
use crate::db::models::{login_attempt, NewAuditEntry, User};
use crate::db::{now, write_tx, DbConn};
use crate::error::AppError;

/// Failed sign-ins allowed per account in the window before we refuse.
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

fn audit(
    conn: &mut DbConn,
    action: &str,
    actor: Option<i64>,
    subject: Option<i64>,
    ip: Option<&str>,
) -> Result<(), AppError> {
    NewAuditEntry {
        at: now(),
        actor_kind: if actor.is_some() { "user" } else { "anonymous" },
        actor_id: actor,
        action,
        subject_kind: subject.map(|_| "user"),
        subject_id: subject,
        cohort_id: None,
        ip,
        detail: None,
    }
    .insert(conn)
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
    let since = now() - Duration::minutes(WINDOW_MINUTES);
    let throttled = login_attempt::count_since(conn, &account, since)? >= MAX_FAILURES_PER_ACCOUNT
        || login_attempt::count_since(conn, &address, since)? >= MAX_FAILURES_PER_IP;
    if throttled {
        audit(conn, "auth.sign_in_throttled", None, None, ip)?;
        return Err(AppError::TooManyRequests(format!(
            "There have been too many sign-in attempts. For your safety, please wait {WINDOW_MINUTES} minutes and try again."
        )));
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
                login_attempt::record(conn, &[&account, &address], at)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_parses() {
        // A malformed dummy would make unknown accounts fail faster.
        assert!(argon2::password_hash::phc::PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
