//! A parent who opened their personal link: `CurrentParticipant`.

use std::future::{ready, Ready};

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use crate::auth::csrf;
use crate::auth::session_store::PARTICIPANT_KEY;
use crate::error::AppError;

pub struct CurrentParticipant {
    pub enrolment_id: i64,
    pub session: Session,
}

impl CurrentParticipant {
    /// Starts a parent's session for an enrolment, with a fresh id.
    pub fn start(session: &Session, enrolment_id: i64) -> Result<(), AppError> {
        session.renew();
        session
            .insert(PARTICIPANT_KEY, enrolment_id)
            .map_err(|e| AppError::internal(format!("session: {e}")))?;
        csrf::rotate(session)?;
        Ok(())
    }

    pub fn form_token(&self) -> Result<String, AppError> {
        csrf::token(&self.session)
    }
}

impl FromRequest for CurrentParticipant {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = req.get_session();
        ready(match session.get::<i64>(PARTICIPANT_KEY) {
            Ok(Some(enrolment_id)) => Ok(CurrentParticipant {
                enrolment_id,
                session,
            }),
            _ => Err(AppError::Unauthorized(
                "To see your page, please open the personal link from your email or from your group's facilitator.".into(),
            )
            .into()),
        })
    }
}
