//! What wraps every request: the overload gate and the security headers
//! (the session store and the error pages are in `auth/` and `handlers/`).

pub mod headers;
pub mod overload;
