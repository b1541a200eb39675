//! Facilitators' emails page: settings, previews, resend, recap notes; admins' outbox.
