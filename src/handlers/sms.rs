//! The text gateway's inbound webhooks: a parent's reply (STOP, START,
//! HELP). Not browser forms, so no CSRF token: each request is verified by
//! the gateway's signature instead (Twilio's `X-Twilio-Signature`, or the
//! generic gateway's HMAC-SHA256), and an unsigned one changes nothing.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::config::SmsSettings;
use crate::error::AppError;
use crate::mail::gateway::{verify_json, verify_twilio, JSON_SIGNATURE_HEADER};
use crate::services::texts;
use crate::state::AppState;

/// The most a webhook body may be: a text and the gateway's fields.
const WEBHOOK_LIMIT: usize = 16 * 1024;

fn settings(state: &AppState) -> Result<SmsSettings, AppError> {
    state
        .config
        .sms
        .clone()
        .ok_or_else(|| AppError::not_found("Texting is off on this server."))
}

fn refused() -> AppError {
    AppError::Forbidden("This request is not signed by the text gateway.".into())
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> &'a str {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn organisation(state: &AppState) -> String {
    state
        .mail
        .from
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "attune".into())
}

async fn answer(state: &AppState, from: String, body: String) -> Result<Option<String>, AppError> {
    let org = organisation(state);
    state
        .db(move |conn| texts::inbound(conn, &from, &body, &org, crate::db::now()))
        .await
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Twilio's inbound webhook: a form with `From` and `Body`, signed over the
/// URL it was configured with (this site's `BASE_URL` and the path). The
/// reply goes back as TwiML.
pub async fn inbound_twilio(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let settings = settings(&state)?;
    if body.len() > WEBHOOK_LIMIT {
        return Err(AppError::BadRequest("That request is too large.".into()));
    }
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::BadRequest("That request is not a form.".into()))?;
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/sms/inbound/twilio");
    let url = format!("{}{path}", state.config.base_url);
    if !verify_twilio(
        &settings.auth_token,
        &url,
        &fields,
        header(&req, "X-Twilio-Signature"),
    ) {
        return Err(refused());
    }
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let reply = answer(&state, field("From"), field("Body")).await?;
    let message = reply
        .map(|r| format!("<Message>{}</Message>", xml_escape(&r)))
        .unwrap_or_default();
    Ok(HttpResponse::Ok()
        .content_type("text/xml; charset=utf-8")
        .body(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>{message}</Response>"
        )))
}

#[derive(Debug, serde::Deserialize)]
struct JsonInbound {
    from: String,
    body: String,
}

/// The generic gateway's inbound webhook: JSON `{from, body}` with the
/// body's HMAC-SHA256 (hex) in `X-Attune-Signature`. The reply, if any, is
/// `{"reply": "..."}`.
pub async fn inbound_json(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let settings = settings(&state)?;
    if body.len() > WEBHOOK_LIMIT {
        return Err(AppError::BadRequest("That request is too large.".into()));
    }
    if !verify_json(
        &settings.auth_token,
        &body,
        header(&req, JSON_SIGNATURE_HEADER),
    ) {
        return Err(refused());
    }
    let inbound: JsonInbound = serde_json::from_slice(&body)
        .map_err(|_| AppError::BadRequest("That request is not JSON with from and body.".into()))?;
    let reply = answer(&state, inbound.from, inbound.body).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "reply": reply })))
}
