//! One error type for the whole program.
//!
//! - Services and models return `Result<T, AppError>`.
//! - Use `NotFound` when a thing does not exist *or the asker may not know it
//!   exists* (privacy: never reveal another family's records with a 403).
//! - Use `Validation` for input a person can fix (422), `Conflict` for a
//!   duplicate (409), `BadRequest` for malformed requests (400).
//! - `Internal` is for our own bugs and broken infrastructure: its text is
//!   logged, never shown.
//!
//! `ResponseError` below only sets the status and what may be shown; the
//! error page itself (HTML or JSON) is rendered in one place,
//! `handlers::errors::render_error`, which every error response passes
//! through.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

/// What a busy server tells clients to wait before trying again (seconds),
/// on every 503 it sends.
pub const RETRY_AFTER_SECS: u32 = 2;

/// Mistakes in a form, by field name, for showing beside each field.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct FieldErrors(pub std::collections::BTreeMap<String, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_string())
            .or_insert_with(|| message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when there were no mistakes.
    pub fn check(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self))
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A form with mistakes in named fields (422); handlers show the form
    /// again with each message beside its field.
    #[error("Please check the fields marked below.")]
    Invalid(FieldErrors),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Gone(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Not signed in: a redirect to the sign-in page, back to `next` after.
    #[error("please sign in")]
    SignInRequired(Option<String>),
    /// Our own bug or broken infrastructure: what we were doing, and the
    /// error that stopped it (logged with its whole chain, never shown).
    #[error("internal error: {context}")]
    Internal {
        context: String,
        #[source]
        source: Option<BoxError>,
    },
    /// A printout could not be made (500); the facilitator is told so in
    /// plain words, and the cause is logged.
    #[error("could not make a PDF: {0}")]
    NotPrinted(#[source] BoxError),
}

/// Any error, kept as the cause of an [`AppError`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What an error page shows: carried on the response for the renderer.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub title: &'static str,
    pub message: String,
}

impl AppError {
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound(what.into())
    }

    pub fn validation(msg: impl Into<String>) -> Self {
        Self::Validation(msg.into())
    }

    /// An internal error with no underlying cause (a broken invariant).
    pub fn internal(msg: impl std::fmt::Display) -> Self {
        Self::Internal {
            context: msg.to_string(),
            source: None,
        }
    }

    /// An internal error caused by `source`, while doing `context`.
    pub fn caused(
        context: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Internal {
            context: context.into(),
            source: Some(Box::new(source)),
        }
    }

    /// This error and every cause under it, outermost first:
    /// "internal error: database: connection refused".
    pub fn chain(&self) -> String {
        let mut out = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            out.push_str(": ");
            out.push_str(&c.to_string());
            cause = c.source();
        }
        out
    }

    pub fn title(&self) -> &'static str {
        title_for(self.status_code())
    }

    /// The text a person may see. Internal details stay in the log.
    pub fn public_message(&self) -> String {
        match self {
            Self::Internal { .. } => {
                "Something went wrong on our side. Your last change may not have been saved; please try again in a moment.".into()
            }
            Self::NotPrinted(_) => {
                "We couldn't make this PDF. Your group's information is safe; please try again in a moment, and tell your administrator if it keeps happening.".into()
            }
            other => other.to_string(),
        }
    }
}

pub fn title_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "That request didn't make sense",
        401 => "Please sign in",
        403 => "You don't have access to this",
        404 => "We couldn't find that page",
        405 => "That action isn't allowed here",
        409 => "That already exists",
        410 => "This link is no longer active",
        413 => "That's too much to send at once",
        415 => "We can't read that kind of upload",
        422 => "Please check what you entered",
        429 => "Too many tries",
        503 => "We're very busy right now",
        s if s >= 500 => "Something went wrong",
        _ => "Something went wrong",
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Validation(_) | Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Gone(_) => StatusCode::GONE,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::SignInRequired(_) => StatusCode::SEE_OTHER,
            Self::Internal { .. } | Self::NotPrinted(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::SignInRequired(next) = self {
            let location = match next {
                Some(n) if n != "/" => format!("/login?next={}", encode_component(n)),
                _ => "/login".to_string(),
            };
            return HttpResponse::SeeOther()
                .insert_header(("Location", location))
                .insert_header(("Cache-Control", "no-store"))
                .finish();
        }
        if matches!(self, Self::Internal { .. } | Self::NotPrinted(_)) {
            tracing::error!(error = %self.chain(), "internal error");
        }
        let mut res = HttpResponse::build(self.status_code());
        if matches!(self, Self::Unavailable(_)) {
            res.insert_header(("Retry-After", RETRY_AFTER_SECS.to_string()));
        }
        let mut res = res.finish();
        res.extensions_mut().insert(ErrorPage {
            title: self.title(),
            message: self.public_message(),
        });
        res
    }
}

/// Percent-encodes a query value (only what a path may hold needs it).
fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => Self::NotFound("We couldn't find that.".into()),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                Self::Conflict("That already exists.".into())
            }
            // SQLite's writer lock still held by others after busy_timeout:
            // overload, not a bug, and nothing was written.
            Error::DatabaseError(_, info)
                if info.message().contains("database is locked")
                    || info.message().contains("database is busy") =>
            {
                tracing::warn!(error = info.message(), "database busy");
                Self::Unavailable(
                    "We're very busy right now. Nothing was saved. Please try again in a few seconds."
                        .into(),
                )
            }
            other => Self::caused("database", other),
        }
    }
}

impl From<crate::crypto::CryptoError> for AppError {
    fn from(e: crate::crypto::CryptoError) -> Self {
        Self::caused("crypto", e)
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        tracing::warn!(error = %e, "database pool exhausted or unreachable");
        Self::Unavailable("We're very busy right now. Please try again in a few seconds.".into())
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::caused("blocking task", e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_error_keeps_its_cause_and_shows_none_of_it() {
        let io = std::io::Error::other("disk on fire");
        let e = AppError::caused("writing the backup", io);
        assert_eq!(
            e.chain(),
            "internal error: writing the backup: disk on fire"
        );
        assert!(std::error::Error::source(&e).is_some());
        assert_eq!(e.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!e.public_message().contains("disk"));
        // A database error is kept whole under its context.
        let db: AppError = diesel::result::Error::BrokenTransactionManager.into();
        assert!(
            db.chain().starts_with("internal error: database: "),
            "{}",
            db.chain()
        );
    }

    #[test]
    fn a_printout_that_cannot_be_made_says_so_plainly() {
        let e = AppError::NotPrinted(Box::new(std::io::Error::other("subset failed")));
        assert_eq!(e.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        let shown = e.public_message();
        assert!(shown.contains("couldn't make this PDF"), "{shown}");
        assert!(!shown.contains("subset"));
        assert!(e.chain().ends_with("subset failed"));
    }
}
