//! How a parent is reached: their choice per kind (email, text, both or
//! none), texting consent and "stop all texts"; and the facilitator's
//! record of consent given on paper.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::auth::csrf::SHORT_FORM;
use crate::auth::participant::CurrentParticipant;
use crate::auth::user::take_notice;
use crate::auth::{flash, CsrfForm, CurrentUser, NoFields, PageContext};
use crate::db::ids::{CohortId, EnrolmentId};
use crate::error::{AppError, FieldErrors};
use crate::services::texts::{self, ChoicesForm};
use crate::state::AppState;
use crate::web::http::see_other;

fn parent_context(me: &CurrentParticipant) -> PageContext {
    PageContext {
        user: None,
        csrf: None,
        notice: take_notice(&me.session),
        private: true,
    }
}

async fn messages_page(
    state: &AppState,
    me: &CurrentParticipant,
    status: StatusCode,
    typed: Option<(ChoicesForm, FieldErrors)>,
) -> Result<HttpResponse, AppError> {
    let id = me.enrolment_id;
    let on = state.mail.texts_on();
    let mut reaching = state
        .db(move |conn| texts::my_choices(conn, id, on))
        .await?;
    if let Some((form, errors)) = &typed {
        reaching = reaching.with_typed(form, errors);
    }
    let (form, errors) = typed.unwrap_or_else(|| {
        let form = ChoicesForm {
            phone: reaching.phone_shown.clone().unwrap_or_default(),
            ..ChoicesForm::default()
        };
        (form, FieldErrors::default())
    });
    state.templates.view_with_status(
        status,
        "pages/me/messages",
        &parent_context(me),
        json!({
            "title": "How we reach you",
            "reaching": reaching,
            "form": form,
            "errors": errors,
            "form_token": me.form_token()?,
        }),
    )
}

pub async fn show_messages(
    state: web::Data<AppState>,
    me: CurrentParticipant,
) -> Result<HttpResponse, AppError> {
    messages_page(&state, &me, StatusCode::OK, None).await
}

pub async fn update_messages(
    state: web::Data<AppState>,
    me: CurrentParticipant,
    form: CsrfForm<ChoicesForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let (id, on, typed) = (me.enrolment_id, state.mail.texts_on(), form.clone());
    let saved = state
        .db(move |conn| texts::save_my_choices(conn, id, &typed, on, crate::db::now()))
        .await;
    match saved {
        Ok(()) => {
            flash(&me.session, "Saved. We'll reach you the way you chose.");
            Ok(see_other("/me/messages"))
        }
        Err(AppError::Invalid(errors)) => {
            messages_page(
                &state,
                &me,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some((form, errors)),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub async fn stop_texts(
    state: web::Data<AppState>,
    me: CurrentParticipant,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let id = me.enrolment_id;
    state
        .db(move |conn| texts::stop_my_texts(conn, id, crate::db::now()))
        .await?;
    flash(
        &me.session,
        "Texts are stopped. We won't text you at all. Emails are not changed.",
    );
    Ok(see_other("/me/messages"))
}

#[derive(Debug, Deserialize)]
pub struct PaperConsent {
    #[serde(default)]
    pub wording: String,
}

pub async fn record_paper_consent(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, EnrolmentId)>,
    form: CsrfForm<PaperConsent>,
) -> Result<HttpResponse, AppError> {
    let ids = path.into_inner();
    let wording = form.into_inner().wording;
    let message = current
        .db(&state, move |conn, user| {
            texts::record_paper_consent(conn, user, ids, &wording, crate::db::now())
        })
        .await?;
    flash(&current.session, &message);
    Ok(see_other(&format!(
        "/cohorts/{}/enrolments/{}#texting",
        ids.0 .0, ids.1 .0
    )))
}
