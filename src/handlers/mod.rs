//! Thin handlers: parse the request, check who is asking, call one service
//! function, render.

pub mod admin;
pub mod assets;
pub mod auth;
pub mod cohorts;
pub mod dashboard;
pub mod emails;
pub mod errors;
pub mod group_message;
pub mod health;
pub mod links;
pub mod meetings;
pub mod parent_access;
pub mod participant;
pub mod print;
pub mod public;
pub mod reflections;
pub mod roster;
pub mod roster_import;
pub mod support;
pub mod unsubscribe;
pub mod waitlist;
