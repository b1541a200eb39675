//! The outbox and the mailer worker against a real SMTP server.
