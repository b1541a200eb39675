//! Cross-site request forgery protection: a random token per session, put
//! in every form and checked on every POST by `CsrfForm`.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::auth::kept;
use crate::crypto::new_token;
use crate::error::AppError;

const SESSION_KEY: &str = "csrf";
pub const FIELD: &str = "csrf_token";
/// Body caps, per route through `CsrfForm`'s second parameter. Most forms
/// are a few fields and notes (64 kB); buttons and sign-in forms carry a
/// token and an address (8 kB); a reflection or check-in holds a parent's
/// own long answers (256 kB: 20,000 characters per answer, URL-encoded).
/// CSV uploads have their own limit.
pub const FORM_LIMIT: usize = 64 * 1024;
pub const SHORT_FORM: usize = 8 * 1024;
pub const LONG_FORM: usize = 256 * 1024;

/// The session's token, made on first use.
pub fn token(session: &Session) -> Result<String, AppError> {
    if let Ok(Some(t)) = session.get::<String>(SESSION_KEY) {
        return Ok(t);
    }
    let t = new_token()?;
    session
        .insert(SESSION_KEY, &t)
        .map_err(|e| AppError::caused("session", e))?;
    Ok(t)
}

/// A new token, after sign-in, so a token seen before cannot be reused.
pub fn rotate(session: &Session) -> Result<String, AppError> {
    session.remove(SESSION_KEY);
    token(session)
}

/// Checks a token sent some other way than a URL-encoded form (a file
/// upload's multipart body).
pub fn verify(session: &Session, given: &str) -> Result<(), AppError> {
    if !given.is_empty() && matches(session, given) {
        Ok(())
    } else {
        Err(expired())
    }
}

fn expired() -> AppError {
    AppError::Forbidden(
        "This form has expired or did not come from attune. Please go back, reload the page and try again.".into(),
    )
}

fn matches(session: &Session, given: &str) -> bool {
    match session.get::<String>(SESSION_KEY) {
        Ok(Some(expected)) => {
            // Constant-time comparison of equal-length hex strings.
            expected.len() == given.len()
                && expected
                    .bytes()
                    .zip(given.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        }
        _ => false,
    }
}

#[derive(Deserialize)]
struct TokenField {
    csrf_token: Option<String>,
}

/// A form with nothing but its token (a button: sign out, cancel ...).
#[derive(Debug, Deserialize)]
pub struct NoFields {}

/// A URL-encoded form whose `csrf_token` field matches the session. Any
/// mismatch is a 403 before the handler runs, so nothing changes.
/// `LIMIT` caps the body (413 above it, before it is read in full).
pub struct CsrfForm<T, const LIMIT: usize = FORM_LIMIT>(pub T);

impl<T, const LIMIT: usize> CsrfForm<T, LIMIT> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static, const LIMIT: usize> FromRequest for CsrfForm<T, LIMIT> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if kept::claimed(req) {
            // Nobody is signed in and the identity extractor (listed first)
            // is keeping the body: its answer ends this request.
            return Box::pin(std::future::pending());
        }
        let session = req.get_session();
        let path = req.path().to_string();
        let body = web::Bytes::from_request(req, payload);
        let too_big = req
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .is_some_and(|n| n > LIMIT);
        Box::pin(async move {
            if too_big {
                return Err(AppError::PayloadTooLarge(
                    "That form is larger than we accept. Please shorten what you typed.".into(),
                )
                .into());
            }
            let bytes = body.await?;
            if bytes.len() > LIMIT {
                return Err(AppError::PayloadTooLarge(
                    "That form is larger than we accept. Please shorten what you typed.".into(),
                )
                .into());
            }
            let given = serde_urlencoded::from_bytes::<TokenField>(&bytes)
                .ok()
                .and_then(|f| f.csrf_token)
                .unwrap_or_default();
            verify(&session, &given)?;
            kept::forget_if_sent(&session, &path);
            let value = serde_urlencoded::from_bytes::<T>(&bytes).map_err(|e| {
                AppError::BadRequest(format!(
                    "Some of the form's fields were not what we expected ({e})."
                ))
            })?;
            Ok(CsrfForm(value))
        })
    }
}
