//! The single route table.

use actix_web::web;

use crate::handlers::{assets, auth, cohorts, dashboard, health, meetings, public, roster};

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
        .route("/dashboard", web::get().to(dashboard::show_dashboard))
        .route("/cohorts/new", web::get().to(cohorts::new_cohort))
        .route("/cohorts", web::post().to(cohorts::create_cohort))
        .route("/cohorts/{id}", web::get().to(cohorts::show_cohort))
        .route(
            "/cohorts/{id}/meetings",
            web::post().to(meetings::create_makeup),
        )
        .route(
            "/cohorts/{id}/meetings/{meeting}",
            web::get().to(meetings::show_meeting),
        )
        .route(
            "/cohorts/{id}/meetings/{meeting}/attendance",
            web::post().to(meetings::update_attendance),
        )
        .route(
            "/cohorts/{id}/meetings/{meeting}/fidelity",
            web::post().to(meetings::update_fidelity),
        )
        .route(
            "/cohorts/{id}/meetings/{meeting}/reschedule",
            web::post().to(meetings::reschedule_meeting),
        )
        .route(
            "/cohorts/{id}/meetings/{meeting}/cancel",
            web::post().to(meetings::cancel_meeting),
        )
        .route(
            "/cohorts/{id}/participants/new",
            web::get().to(roster::new_participant),
        )
        .route(
            "/cohorts/{id}/participants",
            web::post().to(roster::create_participant),
        )
        .route(
            "/cohorts/{id}/enrolments/{enrolment}/withdraw",
            web::post().to(roster::withdraw_enrolment),
        )
        .route(
            "/cohorts/{id}/enrolments/{enrolment}/readmit",
            web::post().to(roster::readmit_enrolment),
        );
}
