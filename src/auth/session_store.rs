//! actix-session's storage in our own database: sessions can be listed and
//! revoked (sign out everywhere), survive restarts, and are shared by every
//! server on the same database. The cookie holds a random 256-bit key; the
//! table holds only its SHA-256.

use std::collections::HashMap;

use actix_session::config::{BrowserSession, CookieContentSecurity, TtlExtensionPolicy};
use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_session::SessionMiddleware;
use actix_web::cookie::time::Duration;
use actix_web::cookie::{Key, SameSite};

use crate::crypto::{hash_token, new_token};
use crate::db::models::web_session::{NewWebSession, WebSession};
use crate::db::{now, Pool};
use crate::error::AppError;

/// How long a signed-in browser may sit idle before signing in again.
pub const IDLE_TIMEOUT_MINUTES: i64 = 120;

/// The session middleware: cookie `__Host-attune` (Secure, HttpOnly,
/// SameSite=Lax, Path=/), or plain `attune_session` only when attune is
/// reached at http://localhost, where browsers refuse `__Host-` cookies
/// without https.
pub fn middleware(state: &crate::AppState) -> SessionMiddleware<DbSessionStore> {
    use sha2::{Digest, Sha512};
    let key = Key::from(&Sha512::digest(state.secret_key.as_slice()));
    let base = state.config.base_url.as_str();
    let https = base.starts_with("https://");
    let local_http = ["http://localhost", "http://127.0.0.1", "http://[::1]"]
        .iter()
        .any(|p| {
            base == *p || base.starts_with(&format!("{p}:")) || base.starts_with(&format!("{p}/"))
        });
    let (name, secure) = if local_http {
        ("attune_session", false)
    } else {
        ("__Host-attune", true)
    };
    if !https && !local_http {
        tracing::warn!(
            base_url = base,
            "BASE_URL is plain http on a non-local address: browsers will not keep the sign-in cookie; serve attune over https"
        );
    }
    SessionMiddleware::builder(DbSessionStore::new(state.pool.clone()), key)
        .cookie_name(name.to_string())
        .cookie_secure(secure)
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_path("/".to_string())
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(
            BrowserSession::default()
                .state_ttl(Duration::minutes(IDLE_TIMEOUT_MINUTES))
                // The idle timeout is extended by `load` (at most once a
                // minute), not by a write on every request.
                .state_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges),
        )
        .build()
}

const BUSY_LOADING: &str = "session store: database busy before the request";
const BUSY_SAVING: &str = "session store: database busy after the request";

/// actix-session answers any store failure with a bare 500. This sits just
/// outside it and gives a busy or unreachable database its real answer:
/// 503 with Retry-After and a page that says whether anything was done.
/// Other store failures get the usual error page. The answer travels as
/// the error's own response (the request is gone by then), so it carries
/// the security headers itself.
pub async fn explain_failures(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::http::StatusCode;
    let json = crate::handlers::errors::wants_json(req.request());
    let state = req
        .app_data::<actix_web::web::Data<crate::AppState>>()
        .cloned();
    let err = match next.call(req).await {
        Ok(res) => return Ok(res),
        Err(err) => err,
    };
    // actix-session wraps a failed save in its own words; the store's
    // marker is in the cause, which the debug form shows.
    let text = format!("{err} ({err:?})");
    let (status, message) = if text.contains(BUSY_LOADING) {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "We're very busy right now. Nothing was changed. Please try again in a few seconds.",
        )
    } else if text.contains(BUSY_SAVING) {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "We're very busy right now, and what you just did may not have been saved. Please check, and try again in a few seconds.",
        )
    } else if err.as_response_error().status_code() == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(error = %text, "request failed outside a handler");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on our side. Please try again in a moment.",
        )
    } else {
        return Err(err);
    };
    let title = crate::error::title_for(status);
    let (body, content_type) = if json {
        (
            crate::handlers::errors::page_json(status, title, message),
            "application/json",
        )
    } else {
        let templates = state.as_ref().map(|s| s.templates.as_ref());
        (
            crate::handlers::errors::page_html(templates, status, title, message),
            "text/html; charset=utf-8",
        )
    };
    let mut res = actix_web::HttpResponse::build(status);
    res.insert_header(("Cache-Control", "no-store"))
        .insert_header(("Content-Type", content_type));
    for header in crate::web::middleware::headers::SECURITY_HEADERS {
        res.insert_header(header);
    }
    if status == StatusCode::SERVICE_UNAVAILABLE {
        res.insert_header((
            "Retry-After",
            crate::web::middleware::overload::RETRY_AFTER_SECS.to_string(),
        ));
    }
    Err(actix_web::error::InternalError::from_response(text, res.body(body)).into())
}

/// How stale `last_seen_at` may get before a request refreshes it (and
/// the idle timeout with it).
const TOUCH_EVERY_SECS: i64 = 60;

/// How long a session lives at most, however active.
pub const ABSOLUTE_LIFETIME_HOURS: i64 = 12;

pub use crate::auth::keys::{PARTICIPANT_KEY, USER_KEY};

type SessionState = HashMap<String, String>;

#[derive(Clone)]
pub struct DbSessionStore {
    pool: Pool,
}

impl DbSessionStore {
    pub fn new(pool: Pool) -> Self {
        Self { pool }
    }

    /// Runs `f` on a pooled connection. A busy or unreachable database is
    /// reported as `BUSY_LOADING` (before the handler ran) or
    /// `BUSY_SAVING` (after), which `explain_failures` turns into a 503.
    async fn run<T: Send + 'static>(
        &self,
        loading: bool,
        f: impl FnOnce(&mut crate::db::DbConn) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, anyhow::Error> {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| anyhow::anyhow!("session store: {e}"))?
        .map_err(|e| match e {
            AppError::Unavailable(_) if loading => anyhow::anyhow!(BUSY_LOADING),
            AppError::Unavailable(_) => anyhow::anyhow!(BUSY_SAVING),
            other => anyhow::anyhow!("session store: {other}"),
        })
    }
}

/// Who a session belongs to: (user, enrolment), for revoking it later.
fn owner_of(state: &SessionState) -> (Option<i64>, Option<i64>) {
    (
        state.get(USER_KEY).and_then(|v| v.parse().ok()),
        state.get(PARTICIPANT_KEY).and_then(|v| v.parse().ok()),
    )
}

fn expiry(ttl: &Duration) -> chrono::NaiveDateTime {
    now() + chrono::Duration::seconds(ttl.whole_seconds())
}

impl SessionStore for DbSessionStore {
    async fn load(&self, session_key: &SessionKey) -> Result<Option<SessionState>, LoadError> {
        let hash = hash_token(session_key.as_ref());
        let row = self
            .run(true, move |conn| {
                let at = now();
                let row = WebSession::find_live(conn, &hash, at)?;
                // Sliding idle timeout, written at most once a minute: a
                // page view is then a read, not a write.
                if let Some(row) = &row {
                    if at - row.last_seen_at >= chrono::Duration::seconds(TOUCH_EVERY_SECS) {
                        let idle = chrono::Duration::minutes(IDLE_TIMEOUT_MINUTES);
                        WebSession::touch(conn, &hash, at, at + idle)?;
                    }
                }
                Ok(row)
            })
            .await
            .map_err(LoadError::Other)?;
        match row {
            None => Ok(None),
            Some(row) => serde_json::from_str(&row.data)
                .map(Some)
                .map_err(|e| LoadError::Deserialization(e.into())),
        }
    }

    async fn save(&self, state: SessionState, ttl: &Duration) -> Result<SessionKey, SaveError> {
        let data = serde_json::to_string(&state).map_err(|e| SaveError::Serialization(e.into()))?;
        let token = new_token().map_err(|e| SaveError::Other(anyhow::anyhow!("{e}")))?;
        let hash = hash_token(&token);
        let expires_at = expiry(ttl);
        let (user_id, enrolment_id) = owner_of(&state);
        self.run(false, move |conn| {
            let at = now();
            // Tidy up as we go: expired rows are never read again.
            WebSession::delete_expired(conn, at)?;
            WebSession::insert(
                conn,
                &NewWebSession {
                    token_hash: &hash,
                    user_id,
                    data: &data,
                    created_at: at,
                    last_seen_at: at,
                    expires_at,
                    absolute_expires_at: at + chrono::Duration::hours(ABSOLUTE_LIFETIME_HOURS),
                    enrolment_id,
                },
            )
        })
        .await
        .map_err(SaveError::Other)?;
        SessionKey::try_from(token).map_err(|e| SaveError::Other(e.into()))
    }

    async fn update(
        &self,
        session_key: SessionKey,
        state: SessionState,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let data =
            serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let hash = hash_token(session_key.as_ref());
        let expires_at = expiry(ttl);
        let owner = owner_of(&state);
        let updated = self
            .run(false, move |conn| {
                WebSession::update_state(conn, &hash, owner, &data, now(), expires_at)
            })
            .await
            .map_err(UpdateError::Other)?;
        if updated {
            Ok(session_key)
        } else {
            // Revoked or past its absolute lifetime: start a fresh one.
            self.save(state, ttl).await.map_err(|e| match e {
                SaveError::Serialization(e) => UpdateError::Serialization(e),
                SaveError::Other(e) => UpdateError::Other(e),
            })
        }
    }

    async fn update_ttl(
        &self,
        session_key: &SessionKey,
        ttl: &Duration,
    ) -> Result<(), anyhow::Error> {
        let hash = hash_token(session_key.as_ref());
        let expires_at = expiry(ttl);
        self.run(false, move |conn| {
            WebSession::touch(conn, &hash, now(), expires_at)
        })
        .await
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        let hash = hash_token(session_key.as_ref());
        self.run(false, move |conn| WebSession::delete(conn, &hash))
            .await
    }
}
