//! Thin handlers: parse the request, check who is asking, call one service
//! function, render.

pub mod assets;
pub mod auth;
pub mod dashboard;
pub mod errors;
pub mod health;
pub mod public;
