//! The one integration-test binary. Each test gets its own database:
//! SQLite in a temporary folder by default, or a fresh PostgreSQL database
//! when `TEST_DATABASE_URL` is a postgres:// URL (see `.ci/run`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod a11y;
mod absence;
mod access;
mod admin;
mod auth;
mod browser;
mod checkins;
mod cli;
mod common;
mod curricula;
mod db;
mod emails;
mod follow_ups;
mod group_message;
mod import;
mod kept;
mod layers;
mod links;
mod mail;
mod meetings;
mod new_group;
mod overload;
mod parent_access;
mod participants;
mod pdf;
mod preferences;
mod privacy;
mod roster;
mod roster_page;
mod rsvp;
mod security;
mod shape;
mod sms;
mod support;
mod waitlist;
mod web;
