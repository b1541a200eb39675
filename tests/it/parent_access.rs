//! A parent who lost their link asks for a fresh one; a one-time code on a shared device; turning follow-ups off and on.
