//! One-click unsubscribe.
// PLACEHOLDER: replaced by the real handlers in this session.

use actix_web::HttpResponse;

use crate::error::AppError;

fn not_built() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound("This page is being built.".into()))
}

pub async fn show_unsubscribe() -> Result<HttpResponse, AppError> {
    not_built()
}

pub async fn create_unsubscribe() -> Result<HttpResponse, AppError> {
    not_built()
}
