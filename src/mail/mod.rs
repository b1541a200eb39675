//! Email: the outbox rows services write (`compose`), the templates they
//! are rendered from, the worker that sends them and the SMTP transport.

pub mod compose;
pub mod gateway;
pub mod lanes;
pub mod phone;
pub mod segments;
pub mod smtp;
pub mod templates;
pub mod text_sender;
pub mod texts;
pub mod worker;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;

use crate::db::models::OutboxMessage;

pub use compose::Composer;
pub use templates::{EmailTemplates, RenderedEmail};

/// Headers a stored message may carry besides the ones built from its
/// columns. Anything else in the row is refused.
pub const ALLOWED_HEADERS: [&str; 3] = ["List-Unsubscribe", "List-Unsubscribe-Post", "Reply-To"];

/// A message ready for the wire.
pub struct Outgoing {
    pub envelope: lettre::address::Envelope,
    pub formatted: Vec<u8>,
}

/// Refuses anything that could end a header early.
pub fn header_safe(value: &str) -> bool {
    !value.chars().any(|c| c == '\r' || c == '\n' || c == '\0')
}

/// Builds the MIME message for an outbox row with lettre's builder (never
/// raw bytes): text and HTML alternatives, the Message-ID set at enqueue,
/// and the row's extra headers. An `Err` is permanent: the row itself is
/// wrong, so sending it again cannot help.
pub fn build_message(row: &OutboxMessage, from: &Mailbox) -> Result<Outgoing, String> {
    let address = row
        .to_address
        .parse()
        .map_err(|e| format!("the address {:?} is not valid: {e}", row.to_address))?;
    let to = Mailbox::new(row.to_name.clone().filter(|n| header_safe(n)), address);
    if !header_safe(&row.subject) || !header_safe(&row.message_id) {
        return Err("the subject or Message-ID holds a line break".into());
    }
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(row.subject.clone())
        .message_id(Some(row.message_id.clone()))
        .date_now();
    let headers: BTreeMap<String, String> =
        serde_json::from_str(&row.headers).map_err(|e| format!("stored headers: {e}"))?;
    for (name, value) in headers {
        if !ALLOWED_HEADERS.contains(&name.as_str()) || !header_safe(&value) {
            return Err(format!("the header {name:?} is not allowed or not safe"));
        }
        if name == "Reply-To" {
            let mbox: Mailbox = value
                .parse()
                .map_err(|e| format!("Reply-To {value:?}: {e}"))?;
            builder = builder.reply_to(mbox);
            continue;
        }
        let name = HeaderName::new_from_ascii(name).map_err(|e| format!("header name: {e}"))?;
        builder = builder.raw_header(HeaderValue::new(name, value));
    }
    let message = match &row.html_body {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(
            row.text_body.clone(),
            html.clone(),
        )),
        None => builder
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(row.text_body.clone()),
    }
    .map_err(|e| format!("cannot build the message: {e}"))?;
    Ok(Outgoing {
        envelope: message.envelope().clone(),
        formatted: message.formatted(),
    })
}

/// A message a non-SMTP transport kept, for tests and local trials.
#[derive(Debug, Clone)]
pub struct KeptMessage {
    pub outbox_id: i64,
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub formatted: String,
}

/// Where the worker sends messages.
#[derive(Clone)]
pub enum Transport {
    Smtp(Arc<smtp::SmtpClient>),
    /// Writes each message to `<dir>/<id>.eml`: a laptop trial without a
    /// mail server.
    Folder(PathBuf),
    /// Keeps messages in memory (tests).
    Memory(Arc<Mutex<Vec<KeptMessage>>>),
}

impl Transport {
    pub fn memory() -> (Self, Arc<Mutex<Vec<KeptMessage>>>) {
        let kept = Arc::new(Mutex::new(Vec::new()));
        (Self::Memory(kept.clone()), kept)
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Smtp(c) => format!("SMTP at {}:{}", c.settings().host, c.settings().port),
            Self::Folder(dir) => format!("files in {}", dir.display()),
            Self::Memory(_) => "memory".into(),
        }
    }
}
