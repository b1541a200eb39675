//! attune: classes for parent educators.
//!
//! See `docs/DESIGN.md` (or the README) for the map: handlers call
//! services, services hold the rules, `db/` owns every query.

pub mod auth;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod curriculum;
pub mod db;
pub mod embedded;
pub mod error;
pub mod export;
pub mod handlers;
pub mod mail;
pub mod pdf;
pub mod render;
pub mod routes;
pub mod services;
pub mod state;
pub mod stats;
pub mod web;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{DefaultHeaders, ErrorHandlers};
use actix_web::App;

pub use state::AppState;

pub use web::middleware::headers::{SECURITY_HEADERS, STRICT_TRANSPORT_SECURITY};

/// The whole web application, shared by `attune serve` and the tests.
pub fn build_app(
    state: actix_web::web::Data<AppState>,
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
        // The gate and the templates are their own app data too, for the
        // middleware and error pages that need nothing else.
        .app_data(actix_web::web::Data::from(state.gate.clone()))
        .app_data(actix_web::web::Data::from(state.templates.clone()))
        .app_data(state)
        .configure(routes::configure)
        .configure(|cfg| {
            if load_test_route {
                cfg.route(
                    "/load-test/static/{bytes}",
                    actix_web::web::get().to(handlers::health::show_load_test_static),
                );
            }
        })
        .default_service(actix_web::web::to(handlers::errors::not_found))
        .wrap(actix_web::middleware::from_fn(
            handlers::errors::refuse_encoded_bodies,
        ))
        .wrap(ErrorHandlers::new().default_handler(handlers::errors::render_error))
        .wrap(sessions)
        .wrap(actix_web::middleware::from_fn(
            auth::session_store::explain_failures,
        ))
        // Outside the sessions, so a refused request touches no database.
        .wrap(actix_web::middleware::from_fn(
            web::middleware::overload::limit,
        ))
        .wrap(headers)
}
