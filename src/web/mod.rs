//! The web layer's shared parts. Handlers, routes, request identity
//! (`auth/`) and page rendering sit beside it in the same layer
//! (docs/DESIGN.md, "Layers").

pub mod http;
pub mod middleware;
