//! A parent who lost their link, or is on a shared device.
// PLACEHOLDER: replaced by the real handlers in this session.

use actix_web::HttpResponse;

use crate::error::AppError;

fn not_built() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound("This page is being built.".into()))
}

pub async fn show_lost() -> Result<HttpResponse, AppError> {
    not_built()
}

pub async fn send_link() -> Result<HttpResponse, AppError> {
    not_built()
}

pub async fn show_code() -> Result<HttpResponse, AppError> {
    not_built()
}

pub async fn send_code() -> Result<HttpResponse, AppError> {
    not_built()
}

pub async fn enter_code() -> Result<HttpResponse, AppError> {
    not_built()
}

pub async fn update_emails() -> Result<HttpResponse, AppError> {
    not_built()
}
