//! A parent who opened their personal link: `CurrentParticipant`.

use std::future::{ready, Future};
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use crate::auth::session_store::{PARTICIPANT_KEY, USER_KEY};
use crate::auth::{csrf, kept};
use crate::error::AppError;

/// What a parent without a session is told (their own signed-out page
/// adds the ways back in).
pub const SIGNED_OUT: &str =
    "To see your page, please open the personal link from your email or from your group's facilitator.";

pub struct CurrentParticipant {
    pub enrolment_id: i64,
    pub session: Session,
}

impl CurrentParticipant {
    /// Starts a parent's session for an enrolment, with a fresh id. A
    /// browser signed in as a facilitator is never also a parent's: the
    /// caller shows the sign-out-first page instead (this refuses too, in
    /// case a caller forgets).
    pub fn start(session: &Session, enrolment_id: i64) -> Result<(), AppError> {
        if facilitator_signed_in(session) {
            return Err(AppError::Forbidden(
                "This browser is signed in as a facilitator. Please sign out first, then open the parent's link again.".into(),
            ));
        }
        session.renew();
        session
            .insert(PARTICIPANT_KEY, enrolment_id)
            .map_err(|e| AppError::caused("session", e))?;
        csrf::rotate(session)?;
        Ok(())
    }

    pub fn form_token(&self) -> Result<String, AppError> {
        csrf::token(&self.session)
    }
}

/// The parent place this browser is signed in as, if any.
pub fn signed_in_enrolment(session: &Session) -> Option<i64> {
    session.get::<i64>(PARTICIPANT_KEY).ok().flatten()
}

/// Whether this browser's session belongs to a facilitator or admin.
pub fn facilitator_signed_in(session: &Session) -> bool {
    matches!(session.get::<i64>(USER_KEY), Ok(Some(_)))
}

/// Whether a request for a personal link is the person opening it: a page
/// loaded at the top level. Browsers say what a request is for in
/// `Sec-Fetch-Dest`; an image, script, frame or `fetch()` that points at
/// a link must never sign the browser in. Clients that do not send the
/// header (older browsers, mail apps, curl) are treated as opening it.
pub fn opened_at_top_level(req: &HttpRequest) -> bool {
    match req.headers().get("sec-fetch-dest") {
        None => true,
        Some(dest) => dest.as_bytes().eq_ignore_ascii_case(b"document"),
    }
}

impl FromRequest for CurrentParticipant {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = req.get_session();
        if let Ok(Some(enrolment_id)) = session.get::<i64>(PARTICIPANT_KEY) {
            return Box::pin(ready(Ok(CurrentParticipant {
                enrolment_id,
                session,
            })));
        }
        // Words sent after the session ended are kept: the signed-out page
        // shows them, and they are saved once the parent is back in.
        let claimed = kept::claim_body(req, payload);
        let req = req.clone();
        Box::pin(async move {
            if let Some(payload) = claimed {
                kept::keep_from(req, payload).await;
            }
            Err(AppError::Unauthorized(SIGNED_OUT.into()).into())
        })
    }
}
