use actix_web::{web, HttpResponse};
use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::state::AppState;

/// For load balancers and uptime checks: 200 when the database answers.
pub async fn show_health(state: web::Data<AppState>) -> HttpResponse {
    let db = state
        .db(|conn| {
            conn.batch_execute("SELECT 1")
                .map_err(crate::error::AppError::from)
        })
        .await;
    match db {
        Ok(()) => HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(json!({
                "status": "ok",
                "database": "ok",
                "curricula": state.library.len(),
            })),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unavailable");
            HttpResponse::ServiceUnavailable()
                .insert_header(("Cache-Control", "no-store"))
                .insert_header(("Retry-After", "5"))
                .json(json!({ "status": "unavailable", "database": "unavailable" }))
        }
    }
}

/// The load script's yardstick (`LOAD_TEST_ROUTE=on` only): `bytes` of
/// fixed HTML through the same middleware as every page, with no database
/// and no template.
pub async fn show_load_test_static(bytes: web::Path<usize>) -> HttpResponse {
    const MAX: usize = 1 << 20;
    let n = bytes.into_inner().min(MAX);
    let mut body = String::with_capacity(n);
    body.push_str("<!doctype html><p>");
    while body.len() < n {
        body.push('a');
    }
    body.truncate(n);
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .content_type("text/html; charset=utf-8")
        .body(body)
}
