//! What administrators do: facilitator accounts.

use serde::{Deserialize, Serialize};

use crate::crypto::hash_password;
use crate::crypto::new_readable_password;
use crate::db::models::web_session::WebSession;
use crate::db::models::Audit;
use crate::db::models::User;
use crate::db::{now, write_tx, DbConn};
use crate::error::{AppError, FieldErrors};
use crate::services::users::{self, NewAccount};

#[derive(Debug, Serialize)]
pub struct UserLine {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub is_admin: bool,
    pub disabled: bool,
    pub is_me: bool,
}

fn audit(conn: &mut DbConn, admin: &User, action: &str, subject: i64) -> Result<(), AppError> {
    Audit::by_user(admin.id)
        .did(action)
        .on("user", subject)
        .record(conn)
}

pub fn list(conn: &mut DbConn, admin: &User) -> Result<Vec<UserLine>, AppError> {
    crate::services::access::require_admin(
        conn,
        admin,
        "admin",
        "Only administrators can manage accounts.",
    )?;
    Ok(User::all(conn)?
        .into_iter()
        .map(|u| UserLine {
            is_me: u.id == admin.id,
            disabled: u.disabled_at.is_some(),
            id: u.id,
            name: u.name,
            email: u.email,
            is_admin: u.is_admin,
        })
        .collect())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AccountForm {
    pub name: String,
    pub email: String,
    pub admin: Option<String>,
}

/// Creates an account with a one-time password for the admin to pass on.
pub fn create(
    conn: &mut DbConn,
    admin: &User,
    form: &AccountForm,
) -> Result<(User, String), AppError> {
    crate::services::access::require_admin(
        conn,
        admin,
        "admin",
        "Only administrators can manage accounts.",
    )?;
    let mut e = FieldErrors::default();
    if let Err(err) = users::validate_name(&form.name) {
        e.add("name", err.to_string());
    }
    if let Err(err) = users::normalise_email(&form.email) {
        e.add("email", err.to_string());
    }
    e.check()?;
    let password = new_readable_password()?;
    let user = users::create_user(
        conn,
        &NewAccount {
            email: &form.email,
            name: &form.name,
            password: &password,
            is_admin: form.admin.is_some(),
        },
    )?;
    audit(conn, admin, "user.create", user.id)?;
    Ok((user, password))
}

fn find(conn: &mut DbConn, id: i64) -> Result<User, AppError> {
    User::find(conn, id)?.ok_or_else(|| AppError::not_found("We couldn't find that account."))
}

/// Sets a new one-time password and signs the account out everywhere.
pub fn reset_password(
    conn: &mut DbConn,
    admin: &User,
    user_id: i64,
) -> Result<(User, String), AppError> {
    crate::services::access::require_admin(
        conn,
        admin,
        "admin",
        "Only administrators can manage accounts.",
    )?;
    let user = find(conn, user_id)?;
    let password = new_readable_password()?;
    let hash = hash_password(&password)?;
    write_tx(conn, |conn| {
        User::set_password_hash(conn, user.id, &hash)?;
        WebSession::delete_for_user(conn, user.id)?;
        audit(conn, admin, "user.reset_password", user.id)
    })?;
    Ok((user, password))
}

/// Switches an account off (signing it out everywhere) or on again.
pub fn set_disabled(
    conn: &mut DbConn,
    admin: &User,
    user_id: i64,
    disabled: bool,
) -> Result<User, AppError> {
    crate::services::access::require_admin(
        conn,
        admin,
        "admin",
        "Only administrators can manage accounts.",
    )?;
    let user = find(conn, user_id)?;
    if user.id == admin.id && disabled {
        return Err(AppError::validation(
            "You can't switch off your own account.",
        ));
    }
    write_tx(conn, |conn| {
        User::set_disabled(conn, user.id, disabled.then(now))?;
        if disabled {
            WebSession::delete_for_user(conn, user.id)?;
        }
        audit(
            conn,
            admin,
            if disabled {
                "user.disable"
            } else {
                "user.enable"
            },
            user.id,
        )
    })?;
    Ok(user)
}
