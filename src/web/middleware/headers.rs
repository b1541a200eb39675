//! The headers every answer carries.

/// On every response (and set by hand on the few answered as errors
/// outside the middleware that adds them).
pub const SECURITY_HEADERS: [(&str, &str); 5] = [
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    ),
    // attune uses no camera, microphone, location or payment: no page (nor
    // anything that got into one) may ask for them.
    (
        "Permissions-Policy",
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), hid=(), midi=(), display-capture=(), browsing-topics=()",
    ),
];

/// Sent when the site is served over https (`BASE_URL` starts `https://`):
/// browsers then refuse plain http to it for a year.
pub const STRICT_TRANSPORT_SECURITY: (&str, &str) =
    ("Strict-Transport-Security", "max-age=31536000");
