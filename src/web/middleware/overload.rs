//! Bounded work. One server process works on at most `MAX_IN_FLIGHT`
//! requests at once; any more are answered at once with 503 and
//! `Retry-After`, before a session is read or a database connection is
//! asked for. The busy page is rendered once, at start-up, so saying no
//! costs next to nothing when it matters most.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use crate::render::Templates;

pub use crate::error::RETRY_AFTER_SECS;
const TITLE: &str = "We're very busy right now";
const MESSAGE: &str =
    "Lots of people are using attune at this moment. Nothing was changed. Please try again in a few seconds.";

pub struct Gate {
    in_flight: AtomicUsize,
    max: usize,
    refused: AtomicU64,
    last_warning: AtomicU64,
    html: String,
    json: String,
}

/// One admitted request; leaving frees its place.
struct Pass<'a>(&'a Gate);

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Gate {
    pub fn new(max: usize, templates: &Templates) -> Self {
        let status = StatusCode::SERVICE_UNAVAILABLE;
        Self {
            in_flight: AtomicUsize::new(0),
            max: max.max(1),
            refused: AtomicU64::new(0),
            last_warning: AtomicU64::new(0),
            html: crate::handlers::errors::page_html(Some(templates), status, TITLE, MESSAGE),
            json: crate::handlers::errors::page_json(status, TITLE, MESSAGE),
        }
    }

    /// Requests being worked on now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    /// Requests refused since start.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    fn enter(&self) -> Option<Pass<'_>> {
        let before = self.in_flight.fetch_add(1, Ordering::AcqRel);
        let pass = Pass(self);
        if before < self.max {
            Some(pass)
        } else {
            drop(pass);
            self.note_refusal();
            None
        }
    }

    /// Counts a refusal and warns at most every ten seconds, so an overload
    /// cannot also flood the log.
    fn note_refusal(&self) {
        let total = self.refused.fetch_add(1, Ordering::Relaxed) + 1;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let last = self.last_warning.load(Ordering::Relaxed);
        if now >= last + 10
            && self
                .last_warning
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                refused_since_start = total,
                max_in_flight = self.max,
                "overloaded: answering extra requests with 503"
            );
        }
    }

    fn busy_response(&self, json: bool) -> HttpResponse {
        let (body, content_type) = if json {
            (self.json.clone(), "application/json")
        } else {
            (self.html.clone(), "text/html; charset=utf-8")
        };
        let mut res = HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", RETRY_AFTER_SECS.to_string()))
            .insert_header(("Cache-Control", "no-store"))
            .body(body);
        res.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        res
    }
}

/// The middleware: admits a request if there is room, else 503.
pub async fn limit(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    // The gate is its own app data (the app registers `state.gate`), so
    // this file need not know the whole state.
    let Some(gate) = req.app_data::<web::Data<Gate>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let pass = gate.enter();
    if pass.is_none() {
        let res = gate.busy_response(crate::handlers::errors::wants_json(req.request()));
        return Ok(req.into_response(res).map_into_right_body());
    }
    let res = next.call(req).await;
    drop(pass);
    res.map(ServiceResponse::map_into_left_body)
}
