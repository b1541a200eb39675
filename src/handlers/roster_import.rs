//! Importing a roster from a CSV file: upload, preview, confirm.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use futures_util::StreamExt;
use serde_json::json;

use crate::auth::csrf::SHORT_FORM;
use crate::auth::{csrf, CsrfForm, CurrentUser};
use crate::db::ids::{CohortId, ImportId};
use crate::error::AppError;
use crate::render::{NoticeLink, Section};
use crate::services::roster_import;
use crate::state::AppState;
use crate::web::http::{back_to_section, back_to_section_with_link};

/// A problem with what was sent, and the field it is about (`file` or
/// `rows`, the paste box), kept beside what was pasted.
struct Problem {
    message: String,
    field: &'static str,
}

async fn import_page(
    state: &AppState,
    current: &CurrentUser,
    cohort_id: i64,
    again: Option<ImportId>,
    problem: Option<(StatusCode, Problem, String)>,
) -> Result<HttpResponse, AppError> {
    let mut form = current
        .db(state, move |conn, user| {
            roster_import::import_form(conn, user, cohort_id, again)
        })
        .await?;
    let (status, problem) = match problem {
        Some((status, problem, pasted)) => {
            form.pasted = pasted;
            (status, Some(problem))
        }
        None => (StatusCode::OK, None),
    };
    let error_for = |field: &str| {
        problem
            .as_ref()
            .filter(|p| p.field == field)
            .map(|p| p.message.clone())
    };
    state.templates.view_with_status(
        status,
        "pages/roster/import",
        &current.context()?,
        json!({
            "title": "Import parents from a spreadsheet",
            "form": form,
            "problem": problem.as_ref().map(|p| json!({ "message": p.message, "field": p.field })),
            "file_error": error_for("file"),
            "rows_error": error_for("rows"),
        }),
    )
}

#[derive(serde::Deserialize)]
pub struct ImportQuery {
    /// The rows left out of the last import, to fix (`?again=12`).
    #[serde(default)]
    again: String,
}

pub async fn new_import(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
    query: web::Query<ImportQuery>,
) -> Result<HttpResponse, AppError> {
    let again = query.again.trim().parse().ok().map(ImportId);
    import_page(&state, &current, path.into_inner(), again, None).await
}

/// The parts of the upload form, read with a size limit.
#[derive(Default)]
struct Upload {
    token: String,
    file: Vec<u8>,
    pasted: Vec<u8>,
}

async fn read_upload(mut payload: Multipart) -> Result<Upload, AppError> {
    let limit = roster_import::MAX_BYTES + 1;
    let mut upload = Upload::default();
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|_| {
            AppError::BadRequest(
                "Please choose a CSV file with the form on the import page.".into(),
            )
        })?;
        let name = field.name().unwrap_or("").to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| {
                AppError::BadRequest("The upload was interrupted. Please try again.".into())
            })?;
            if bytes.len() + chunk.len() > limit {
                return Err(AppError::PayloadTooLarge(
                    "That file is larger than 4 MB. Please split it into smaller files.".into(),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "csrf_token" => upload.token = String::from_utf8_lossy(&bytes).trim().to_string(),
            "file" => upload.file = bytes,
            "pasted" => upload.pasted = bytes,
            _ => {}
        }
    }
    Ok(upload)
}

pub async fn upload_import(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let cohort_id = path.into_inner();
    // Someone else's group is "not found" before anything is read.
    current
        .db(&state, move |conn, user| {
            crate::services::access::find_visible(conn, user, cohort_id)
        })
        .await?;
    let upload = read_upload(payload).await?;
    csrf::verify(&current.session, &upload.token)?;
    let from_file = upload.file.iter().any(|b| !b.is_ascii_whitespace());
    let pasted = String::from_utf8_lossy(&upload.pasted).into_owned();
    let content = if from_file {
        upload.file
    } else {
        upload.pasted
    };
    let refuse = |message: String| {
        let field = if from_file { "file" } else { "rows" };
        let problem = Problem { message, field };
        (StatusCode::UNPROCESSABLE_ENTITY, problem, pasted.clone())
    };
    if content.iter().all(u8::is_ascii_whitespace) {
        let message = "Please choose a CSV file, or paste the rows into the box.".to_string();
        return import_page(&state, &current, cohort_id, None, Some(refuse(message))).await;
    }
    let result = current
        .db(&state, move |conn, user| {
            roster_import::stage(conn, user, cohort_id, &content)
        })
        .await;
    match result {
        Ok(preview) => state.templates.view(
            "pages/roster/preview",
            &current.context()?,
            json!({ "title": "Check the import", "preview": preview }),
        ),
        Err(AppError::Validation(message)) => {
            import_page(&state, &current, cohort_id, None, Some(refuse(message))).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    /// What to do when the file would go past the group's places.
    places: String,
}

pub async fn confirm_import(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, ImportId)>,
    form: CsrfForm<ConfirmForm, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let ids = path.into_inner();
    let choice = roster_import::OverCapacity::parse(&form.into_inner().places);
    let mail = state.mail.clone();
    let confirmed = current
        .db(&state, move |conn, user| {
            roster_import::confirm(conn, &mail, user, ids, choice)
        })
        .await?;
    let done = match confirmed {
        roster_import::Confirmed::Done(done) => done,
        roster_import::Confirmed::Choose(preview) => {
            return state.templates.view_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "pages/roster/preview",
                &current.context()?,
                json!({ "title": "Check the import", "preview": preview }),
            )
        }
    };
    let group = format!("/cohorts/{}", ids.0);
    let message = done.message();
    Ok(match done.again {
        Some(again) => back_to_section_with_link(
            &current.session,
            &group,
            Section::Roster,
            &message,
            NoticeLink {
                href: format!("{group}/import?again={again}#rows"),
                label: done.fix_label(),
            },
        ),
        None => back_to_section(&current.session, &group, Section::Roster, &message),
    })
}
