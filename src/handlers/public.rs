//! Pages anyone may see: the welcome page and the course catalogue.

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::error::AppError;
use crate::services::curricula;
use crate::state::AppState;

pub async fn show_home(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let cards = curricula::cards(&state.library);
    state.templates.page(
        "pages/public/home",
        &json!({ "title": "Welcome", "curricula": cards }),
    )
}

pub async fn list_curricula(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let cards = curricula::cards(&state.library);
    state.templates.page(
        "pages/curricula/index",
        &json!({ "title": "Courses", "curricula": cards }),
    )
}

pub async fn show_curriculum(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let c = state
        .library
        .get(&slug)
        .ok_or_else(|| AppError::not_found("We don't have a course by that name."))?;
    let card = curricula::card(c);
    state.templates.page(
        "pages/curricula/show",
        &json!({ "title": card.title.clone(), "curriculum": card }),
    )
}

pub async fn show_session_handout(
    state: web::Data<AppState>,
    path: web::Path<(String, u32)>,
) -> Result<HttpResponse, AppError> {
    let (slug, number) = path.into_inner();
    let c = state
        .library
        .get(&slug)
        .ok_or_else(|| AppError::not_found("We don't have a course by that name."))?;
    let page = curricula::handout_page(c, number)?;
    state.templates.page(
        "pages/curricula/handout",
        &json!({ "title": format!("{} · {}", page.title, page.curriculum_title), "handout": page }),
    )
}
