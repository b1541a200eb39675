use crate::crypto::hash_password;
use crate::db::models::Audit;
use crate::db::models::{NewUser, User};
use crate::db::{now, write_tx, DbConn};
use crate::error::AppError;

pub const MIN_PASSWORD_CHARS: usize = 10;

/// A password a person chose: long enough, and not only spaces.
pub fn validate_new_password(password: &str) -> Result<(), AppError> {
    if password.trim().chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::validation(format!(
            "Please choose a password of at least {MIN_PASSWORD_CHARS} characters."
        )));
    }
    if password.len() > 1024 {
        return Err(AppError::validation(
            "That password is too long; please use at most 1,024 characters.",
        ));
    }
    Ok(())
}

/// Lower-cased, trimmed, and plausibly an address. Real proof comes from
/// mail that arrives.
pub fn normalise_email(email: &str) -> Result<String, AppError> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && !email.contains(['<', '>', ',', ';', '"'])
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        });
    if valid {
        Ok(email)
    } else {
        Err(AppError::validation(format!(
            "'{email}' doesn't look like an email address."
        )))
    }
}

pub fn validate_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::validation("Please enter a name."));
    }
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(AppError::validation(
            "Please enter a name of at most 200 characters, on one line.",
        ));
    }
    Ok(name.to_string())
}

pub struct NewAccount<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password: &'a str,
    pub is_admin: bool,
}

/// Creates a facilitator or admin account.
pub fn create_user(conn: &mut DbConn, account: &NewAccount<'_>) -> Result<User, AppError> {
    let email = normalise_email(account.email)?;
    let name = validate_name(account.name)?;
    validate_new_password(account.password)?;
    let hash = hash_password(account.password)?;
    write_tx(conn, |conn| {
        if User::find_by_email(conn, &email)?.is_some() {
            return Err(AppError::Conflict(format!(
                "There is already an account for {email}."
            )));
        }
        let at = now();
        let user = User::insert(
            conn,
            &NewUser {
                email: &email,
                name: &name,
                password_hash: &hash,
                is_admin: account.is_admin,
                created_at: at,
                updated_at: at,
            },
        )?;
        Audit::system()
            .did("user.create")
            .on("user", user.id)
            .detail(Some(if account.is_admin {
                "admin"
            } else {
                "facilitator"
            }))
            .at(at)
            .record(conn)?;
        Ok(user)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn short_passwords_are_refused() {
        assert!(validate_new_password("short").is_err());
        assert!(validate_new_password("          x").is_err());
        assert!(validate_new_password("long enough pass").is_ok());
    }

    use super::*;

    #[test]
    fn emails_are_normalised_or_refused() {
        assert_eq!(
            normalise_email("  Ana@Example.ORG ").unwrap(),
            "ana@example.org"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@x.org",
            "ana@x",
            "a b@x.org",
            "a@x.org\r\nBcc: z@y.org",
            "a@.org",
        ] {
            assert!(normalise_email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(validate_name("  Ana  ").unwrap(), "Ana");
        assert!(validate_name("   ").is_err());
        assert!(validate_name("a\nb").is_err());
        assert!(validate_name(&"x".repeat(201)).is_err());
    }
}
