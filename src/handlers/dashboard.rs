use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::services::{cohorts, support};
use crate::state::AppState;

pub async fn show_dashboard(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let dashboard = current.db(&state, cohorts::dashboard).await?;
    let support_listed = !state.db(support::list).await?.is_empty();
    state.templates.view(
        "pages/dashboard/show",
        &current.context()?,
        json!({
            "title": "Dashboard",
            "name": current.user.name,
            "is_admin": current.user.is_admin,
            "cohorts": dashboard.cohorts,
            "upcoming": dashboard.upcoming,
            "today": dashboard.today,
            "support_listed": support_listed,
        }),
    )
}
