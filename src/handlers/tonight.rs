//! Tonight's sheet as a page (the PDF is in `handlers::print`).

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::auth::CurrentUser;
use crate::db::ids::{CohortId, MeetingId};
use crate::error::AppError;
use crate::services::tonight;
use crate::state::AppState;

pub async fn show_sheet(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, MeetingId)>,
) -> Result<HttpResponse, AppError> {
    let (cohort, meeting) = path.into_inner();
    let sheet = current
        .db(&state, move |conn, user| {
            tonight::sheet(conn, user, cohort, meeting)
        })
        .await?;
    state.templates.view(
        "pages/meetings/sheet",
        &current.context()?,
        json!({
            "title": format!("Tonight's sheet: session {}", sheet.session_number),
            "sheet": sheet,
        }),
    )
}
