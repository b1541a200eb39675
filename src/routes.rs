//! The single route table.

use actix_web::web;

use crate::handlers::{assets, health, public};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(public::show_home))
        .route("/healthz", web::get().to(health::show_health))
        .route("/assets/{file}", web::get().to(assets::show_asset))
        .route("/curricula", web::get().to(public::list_curricula))
        .route("/curricula/{slug}", web::get().to(public::show_curriculum))
        .route(
            "/curricula/{slug}/sessions/{number}",
            web::get().to(public::show_session_handout),
        );
}
