//! Pages anyone may see: the welcome page and the course catalogue.

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::auth::Viewer;
use crate::error::AppError;
use crate::services::{curricula, support};
use crate::state::AppState;

pub async fn show_home(
    state: web::Data<AppState>,
    viewer: Viewer,
) -> Result<HttpResponse, AppError> {
    let cards = curricula::cards(&state.library);
    state.templates.view(
        "pages/public/home",
        &viewer.context()?,
        json!({ "title": "Welcome", "curricula": cards }),
    )
}

pub async fn list_curricula(
    state: web::Data<AppState>,
    viewer: Viewer,
) -> Result<HttpResponse, AppError> {
    let cards = curricula::cards(&state.library);
    state.templates.view(
        "pages/curricula/index",
        &viewer.context()?,
        json!({ "title": "Courses", "curricula": cards }),
    )
}

pub async fn show_curriculum(
    state: web::Data<AppState>,
    viewer: Viewer,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let c = state
        .library
        .get(&slug)
        .ok_or_else(|| AppError::not_found("We don't have a course by that name."))?;
    let card = curricula::card(c);
    state.templates.view(
        "pages/curricula/show",
        &viewer.context()?,
        json!({ "title": card.title.clone(), "curriculum": card }),
    )
}

pub async fn show_session_handout(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(String, u32)>,
) -> Result<HttpResponse, AppError> {
    let (slug, number) = path.into_inner();
    let c = state
        .library
        .get(&slug)
        .ok_or_else(|| AppError::not_found("We don't have a course by that name."))?;
    let page = curricula::handout_page(c, number)?;
    let help = state.db(support::list).await?;
    state.templates.view(
        "pages/curricula/handout",
        &viewer.context()?,
        json!({
            "title": format!("{} · {}", page.title, page.curriculum_title),
            "handout": page,
            "help": help,
        }),
    )
}
