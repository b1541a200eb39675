//! What a person sent after their session ended: kept in the browser's
//! new session so nothing they typed is lost. A parent gets their words
//! back on the signed-out page and saved as a draft once they are back in;
//! a facilitator is offered the same form again, with a fresh token, right
//! after signing in.
//!
//! Only a form sent from one of attune's own pages is kept
//! (`Sec-Fetch-Site: same-origin`, which every current browser sends), so
//! another site cannot plant a form for someone to finish later.

use actix_session::Session;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use serde::{Deserialize, Serialize};

/// The form-token field (`csrf::FIELD`; csrf imports this module, so it is
/// named again here rather than imported back).
const TOKEN_FIELD: &str = "csrf_token";
/// The longest form kept (`csrf::LONG_FORM`, a reflection's answers).
const KEPT_LIMIT: usize = 256 * 1024;

const KEY: &str = "kept_form";

/// A form that arrived after its session ended.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeptForm {
    /// The path it was sent to (`/me/sessions/3/reflection`).
    pub path: String,
    /// Its fields, in order, without the old form token.
    pub fields: Vec<(String, String)>,
    /// When it arrived (Unix seconds).
    pub at: i64,
}

impl KeptForm {
    /// The value of one field, if it was sent.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether this is a parent's form (their own pages are under `/me`).
    pub fn is_parents(&self) -> bool {
        self.path.starts_with("/me/")
    }

    /// The fields as a URL-encoded body, as a handler reads them.
    pub fn body(&self) -> String {
        serde_urlencoded::to_string(&self.fields).unwrap_or_default()
    }
}

/// Whether this request is a form post from one of our own pages.
fn keepable(req: &HttpRequest) -> bool {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    req.method() == actix_web::http::Method::POST
        && header("sec-fetch-site") == "same-origin"
        && header("content-type").starts_with("application/x-www-form-urlencoded")
}

/// Said on a request whose identity extractor is keeping its body: the
/// form's own extractor, which would otherwise find the body gone and
/// refuse the token first, waits instead (the identity's answer ends the
/// request).
struct Keeping;

/// Takes the body of a form posted to a page that needs someone signed
/// in, when nobody is: to keep, see [`keep_from`].
pub fn claim_body(req: &HttpRequest, payload: &mut Payload) -> Option<Payload> {
    if req.method() != actix_web::http::Method::POST {
        return None;
    }
    req.extensions_mut().insert(Keeping);
    Some(payload.take())
}

/// Whether an identity extractor took this request's body to keep.
pub fn claimed(req: &HttpRequest) -> bool {
    req.extensions().contains::<Keeping>()
}

/// Reads the body of a form that arrived after its session ended and keeps
/// it in the session. Called by the identity extractors when nobody is
/// signed in; anything else (a GET, another site's post, an upload) is left.
pub async fn keep_from(req: HttpRequest, mut payload: Payload) {
    if !keepable(&req) {
        return;
    }
    // The app's payload limit (256 kB by default) caps the read.
    let Ok(bytes) = web::Bytes::from_request(&req, &mut payload).await else {
        return;
    };
    if bytes.len() > KEPT_LIMIT {
        return;
    }
    let Ok(fields) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes) else {
        return;
    };
    let fields = fields
        .into_iter()
        .filter(|(k, _)| k != TOKEN_FIELD)
        .collect();
    let kept = KeptForm {
        path: req.path().to_string(),
        fields,
        at: chrono::Utc::now().timestamp(),
    };
    let session = actix_session::SessionExt::get_session(&req);
    let _ = session.insert(KEY, &kept);
}

/// The kept form, left in place.
pub fn peek(session: &Session) -> Option<KeptForm> {
    session.get::<KeptForm>(KEY).ok().flatten()
}

/// The kept form, taken out of the session.
pub fn take(session: &Session) -> Option<KeptForm> {
    let kept = peek(session)?;
    session.remove(KEY);
    Some(kept)
}

/// Forgets a kept form once a signed-in post to its path went through (the
/// person sent it again, from the page that offered it or by hand).
pub fn forget_if_sent(session: &Session, path: &str) {
    if peek(session).is_some_and(|k| k.path == path) {
        session.remove(KEY);
    }
}
