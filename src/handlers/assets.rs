use actix_web::{web, HttpResponse};

use crate::error::AppError;
use crate::render;

pub async fn show_asset(file: web::Path<String>) -> Result<HttpResponse, AppError> {
    let (bytes, mime) =
        render::asset(&file).ok_or_else(|| AppError::not_found("There is no such file."))?;
    Ok(HttpResponse::Ok()
        .content_type(mime)
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(bytes.into_owned()))
}
