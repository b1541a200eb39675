//! Authentication building blocks. Sign-in, sessions and magic links build
//! on these.

pub mod password;
pub mod token;
