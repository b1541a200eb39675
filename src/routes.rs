//! The single route table.

use actix_web::web;

use crate::handlers::{assets, auth, dashboard, health, public};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(public::show_home))
        .route("/healthz", web::get().to(health::show_health))
        .route("/assets/{file}", web::get().to(assets::show_asset))
        .route("/curricula", web::get().to(public::list_curricula))
        .route("/curricula/{slug}", web::get().to(public::show_curriculum))
        .route(
            "/curricula/{slug}/sessions/{number}",
            web::get().to(public::show_session_handout),
        )
        .route("/login", web::get().to(auth::show_login))
        .route("/login", web::post().to(auth::create_session))
        .route("/logout", web::post().to(auth::destroy_session))
        .route("/account/password", web::get().to(auth::edit_password))
        .route("/account/password", web::post().to(auth::update_password))
        .route("/dashboard", web::get().to(dashboard::show_dashboard));
}
