//! The names a session's state is kept under. A module of its own, with no
//! imports, so that anything may read them (the error pages too, which the
//! session store itself uses).

/// The signed-in facilitator's or admin's user id.
pub const USER_KEY: &str = "user_id";
/// The signed-in parent's enrolment id.
pub const PARTICIPANT_KEY: &str = "enrolment_id";
