//! The rules of the product, per area. Plain Rust in, `Result<T, AppError>`
//! out; no actix types.

pub mod admin;
pub mod auth;
pub mod cohorts;
pub mod curricula;
pub mod demo;
pub mod forms;
pub mod meetings;
pub mod roster;
pub mod roster_import;
pub mod schedule;
pub mod settings;
pub mod users;
