//! Authentication: passwords, database-backed sessions, CSRF, tokens and
//! the extractors that say who is asking.

pub mod csrf;
pub mod kept;
pub mod keys;
pub mod participant;
pub mod session_store;
pub mod user;

pub use crate::render::PageContext;
pub use csrf::{CsrfForm, NoFields};
pub use user::{flash, CurrentUser, Viewer};
