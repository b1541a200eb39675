//! attune: classes for parent educators.
//!
//! See `../shared/DESIGN.md` (or the README) for the map: handlers call
//! services, services hold the rules, `db/` owns every query.

pub mod auth;
pub mod cli;
pub mod config;
pub mod curriculum;
pub mod db;
pub mod error;
pub mod handlers;
pub mod mail;
pub mod pdf;
pub mod render;
pub mod routes;
pub mod services;
pub mod state;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{DefaultHeaders, ErrorHandlers};
use actix_web::{web, App};

pub use state::AppState;

/// On every response (and set by hand on the few answered as errors
/// outside the middleware that adds them).
pub const SECURITY_HEADERS: [(&str, &str); 5] = [
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    ),
    // attune uses no camera, microphone, location or payment: no page (nor
    // anything that got into one) may ask for them.
    (
        "Permissions-Policy",
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), hid=(), midi=(), display-capture=(), browsing-topics=()",
    ),
];

/// Sent when the site is served over https (`BASE_URL` starts `https://`):
/// browsers then refuse plain http to it for a year.
pub const STRICT_TRANSPORT_SECURITY: (&str, &str) =
    ("Strict-Transport-Security", "max-age=31536000");

/// The whole web application, shared by `attune serve` and the tests.
pub fn build_app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let sessions = auth::session_store::middleware(&state);
    let load_test_route = state.config.load_test_route;
    let mut headers = SECURITY_HEADERS
        .into_iter()
        .fold(DefaultHeaders::new(), DefaultHeaders::add);
    if state.config.base_url.starts_with("https://") {
        headers = headers.add(STRICT_TRANSPORT_SECURITY);
    }
    App::new()
        .app_data(state)
        .configure(routes::configure)
        .configure(|cfg| {
            if load_test_route {
                cfg.route(
                    "/load-test/static/{bytes}",
                    web::get().to(handlers::health::show_load_test_static),
                );
            }
        })
        .default_service(web::to(handlers::errors::not_found))
        .wrap(actix_web::middleware::from_fn(
            handlers::errors::refuse_encoded_bodies,
        ))
        .wrap(ErrorHandlers::new().default_handler(handlers::errors::render_error))
        .wrap(sessions)
        .wrap(actix_web::middleware::from_fn(
            auth::session_store::explain_failures,
        ))
        // Outside the sessions, so a refused request touches no database.
        .wrap(actix_web::middleware::from_fn(handlers::overload::limit))
        .wrap(headers)
}
