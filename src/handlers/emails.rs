//! Facilitators' emails page, previews, resend; admins' outbox.
// PLACEHOLDER: replaced by the real handlers in this session.

use actix_web::HttpResponse;

use crate::error::AppError;

fn not_built() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound("This page is being built.".into()))
}

pub async fn show_emails() -> Result<HttpResponse, AppError> {
    not_built()
}

pub async fn update_settings() -> Result<HttpResponse, AppError> {
    not_built()
}

pub async fn pause_emails() -> Result<HttpResponse, AppError> {
    not_built()
}

pub async fn resume_emails() -> Result<HttpResponse, AppError> {
    not_built()
}

pub async fn show_preview() -> Result<HttpResponse, AppError> {
    not_built()
}

pub async fn resend_message() -> Result<HttpResponse, AppError> {
    not_built()
}

pub async fn update_recap_note() -> Result<HttpResponse, AppError> {
    not_built()
}

pub async fn list_outbox() -> Result<HttpResponse, AppError> {
    not_built()
}

pub async fn admin_resend() -> Result<HttpResponse, AppError> {
    not_built()
}
