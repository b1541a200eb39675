//! Importing a roster from a CSV file: upload, preview, confirm.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use futures_util::StreamExt;
use serde_json::json;

use crate::auth::csrf::SHORT_FORM;
use crate::auth::{csrf, CsrfForm, CurrentUser, NoFields};
use crate::db::ids::{CohortId, ImportId};
use crate::error::AppError;
use crate::render::Section;
use crate::services::roster_import;
use crate::state::AppState;
use crate::web::http::back_to_section;

async fn import_page(
    state: &AppState,
    current: &CurrentUser,
    cohort_id: i64,
    status: StatusCode,
    problem: Option<String>,
) -> Result<HttpResponse, AppError> {
    let cohort = current
        .db(state, move |conn, user| {
            crate::services::access::find_visible(conn, user, cohort_id)
        })
        .await?;
    state.templates.view_with_status(
        status,
        "pages/roster/import",
        &current.context()?,
        json!({
            "title": "Import parents from a spreadsheet",
            "cohort_id": cohort.id,
            "cohort_title": cohort.title,
            "problem": problem,
        }),
    )
}

pub async fn new_import(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    import_page(&state, &current, path.into_inner(), StatusCode::OK, None).await
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
    let content = if upload.file.iter().any(|b| !b.is_ascii_whitespace()) {
        upload.file
    } else {
        upload.pasted
    };
    if content.iter().all(u8::is_ascii_whitespace) {
        return import_page(
            &state,
            &current,
            cohort_id,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Please choose a CSV file, or paste the rows into the box.".into()),
        )
        .await;
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
            import_page(
                &state,
                &current,
                cohort_id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub async fn confirm_import(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, ImportId)>,
    _form: CsrfForm<NoFields, SHORT_FORM>,
) -> Result<HttpResponse, AppError> {
    let (cohort_id, import_id) = path.into_inner();
    let mail = state.mail.clone();
    let done = current
        .db(&state, move |conn, user| {
            roster_import::confirm(conn, &mail, user, cohort_id, import_id)
        })
        .await?;
    let mut message = format!("Added {} parent(s).", done.added);
    if done.readmitted > 0 {
        message.push_str(&format!(" {} came back after leaving.", done.readmitted));
    }
    if done.skipped > 0 {
        message.push_str(&format!(" {} row(s) were left out.", done.skipped));
    }
    Ok(back_to_section(
        &current.session,
        &format!("/cohorts/{cohort_id}"),
        Section::Roster,
        &message,
    ))
}
