//! A facilitator marking a missed meeting "caught up", and noting the
//! call that answers a missed-meetings alert.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::{CsrfForm, CurrentUser};
use crate::db::ids::{CohortId, EnrolmentId, MeetingId};
use crate::error::AppError;
use crate::render::Section;
use crate::services::absence;
use crate::state::AppState;
use crate::web::http::back_to_section;

/// Where a form goes back to: the parent's page, or else the page it
/// names by word (never an address).
fn back_path(
    back: &str,
    cohort_id: CohortId,
    enrolment_id: EnrolmentId,
    meeting: Option<MeetingId>,
) -> String {
    match (back, meeting) {
        ("meeting", Some(m)) => format!("/cohorts/{}/meetings/{}", cohort_id.0, m.0),
        ("group", _) => format!("/cohorts/{}", cohort_id.0),
        _ => format!("/cohorts/{}/enrolments/{}", cohort_id.0, enrolment_id.0),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CaughtUpForm {
    /// "yes" marks it, "no" takes it back.
    pub caught_up: String,
    /// "meeting" or "parent".
    pub back: String,
}

pub async fn update_caught_up(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, MeetingId, EnrolmentId)>,
    form: CsrfForm<CaughtUpForm>,
) -> Result<HttpResponse, AppError> {
    let ids = path.into_inner();
    let form = form.into_inner();
    let yes = match form.caught_up.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            return Err(AppError::BadRequest(
                "The caught-up form was not what we expected.".into(),
            ))
        }
    };
    let message = current
        .db(&state, move |conn, user| {
            absence::set_caught_up(conn, user, ids, yes)
        })
        .await?;
    Ok(back_to_section(
        &current.session,
        &back_path(&form.back, ids.0, ids.2, Some(ids.1)),
        Section::CatchingUp,
        &message,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CallForm {
    pub called_note: String,
    /// "group" or "parent".
    pub back: String,
}

pub async fn create_call_note(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, EnrolmentId)>,
    form: CsrfForm<CallForm>,
) -> Result<HttpResponse, AppError> {
    let (cohort_id, enrolment_id) = path.into_inner();
    let CallForm { called_note, back } = form.into_inner();
    current
        .db(&state, move |conn, user| {
            absence::record_call(conn, user, cohort_id, enrolment_id, &called_note)
        })
        .await?;
    Ok(back_to_section(
        &current.session,
        &back_path(&back, cohort_id, enrolment_id, None),
        Section::ToCall,
        "Thank you. The call is noted and the alert is cleared.",
    ))
}
