//! Turning "this parent should hear about this" into an outbox row: render
//! the templates, add the headers every follow-up carries, and insert the
//! row in the caller's transaction.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDateTime;
use hmac::{Hmac, Mac};
use lettre::message::Mailbox;
use serde_json::Value;
use sha2::Sha256;

use crate::crypto::{keyed_mac, random_bytes};
use crate::db::models::{NewOutboxMessage, OutboxChannel, OutboxStatus};
use crate::db::{now, DbConn};
use crate::error::AppError;
use crate::mail::templates::{EmailTemplates, RenderedEmail};
use crate::mail::{header_safe, ALLOWED_HEADERS};

type HmacSha256 = Hmac<Sha256>;

/// Who gets a message, what it is about, and when it may go.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub kind: &'static str,
    /// One message per key, ever: (kind, recipient, meeting or event).
    pub dedupe_key: String,
    pub to_address: String,
    pub to_name: Option<String>,
    pub cohort_id: Option<i64>,
    pub enrolment_id: Option<i64>,
    pub meeting_id: Option<i64>,
    pub send_at: NaiveDateTime,
    /// Replies go to the facilitators rather than a no-reply address.
    pub reply_to: Option<String>,
    /// Follow-ups carry List-Unsubscribe; messages a parent asked for
    /// (a fresh link, a sign-in code) do not.
    pub unsubscribe: bool,
}

pub struct Composer {
    pub templates: Arc<EmailTemplates>,
    pub base_url: String,
    pub from: Mailbox,
    /// When the personal links that emails carry end.
    pub links: crate::config::LinkPolicy,
    secret: Arc<Vec<u8>>,
    /// The right-hand side of Message-IDs.
    domain: String,
}

impl Composer {
    pub fn new(
        templates: Arc<EmailTemplates>,
        base_url: &str,
        from: Mailbox,
        secret: Arc<Vec<u8>>,
        links: crate::config::LinkPolicy,
    ) -> Self {
        let domain = from.email.domain().to_string();
        Self {
            templates,
            base_url: base_url.trim_end_matches('/').to_string(),
            from,
            links,
            secret,
            domain,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    fn unsubscribe_mac(&self, enrolment_id: i64) -> Result<HmacSha256, AppError> {
        Ok(keyed_mac(
            &self.secret,
            &format!("unsubscribe:{enrolment_id}"),
        )?)
    }

    /// The one-click unsubscribe address for a parent's follow-ups: signed,
    /// so it needs no session and no stored token.
    pub fn unsubscribe_url(&self, enrolment_id: i64) -> Result<String, AppError> {
        let tag = self.unsubscribe_mac(enrolment_id)?.finalize().into_bytes();
        Ok(self.url(&format!("/u/{enrolment_id}.{}", hex::encode(&tag[..16]))))
    }

    /// The enrolment an unsubscribe token names, if its signature holds.
    pub fn verify_unsubscribe(&self, token: &str) -> Option<i64> {
        let (id, tag) = token.split_once('.')?;
        let id: i64 = id.parse().ok().filter(|n| *n > 0)?;
        let tag = hex::decode(tag).ok().filter(|t| t.len() == 16)?;
        self.unsubscribe_mac(id)
            .ok()?
            .verify_truncated_left(&tag)
            .ok()
            .map(|_| id)
    }

    /// Renders a message as it will go out, with the values every email
    /// gets (`app_url`, and `unsubscribe_url` on follow-ups).
    pub fn render(&self, envelope: &Envelope, ctx: Value) -> Result<RenderedEmail, AppError> {
        let stop = self.stop_url(envelope)?;
        self.render_with(envelope, ctx, stop.as_deref())
    }

    /// The stop link a follow-up carries, if it is one.
    fn stop_url(&self, envelope: &Envelope) -> Result<Option<String>, AppError> {
        match (envelope.unsubscribe, envelope.enrolment_id) {
            (true, Some(id)) => self.unsubscribe_url(id).map(Some),
            _ => Ok(None),
        }
    }

    fn render_with(
        &self,
        envelope: &Envelope,
        mut ctx: Value,
        stop: Option<&str>,
    ) -> Result<RenderedEmail, AppError> {
        if let Value::Object(map) = &mut ctx {
            map.insert("app_url".into(), Value::String(self.base_url.clone()));
            if let Some(stop) = stop {
                map.insert("unsubscribe_url".into(), Value::String(stop.to_string()));
            }
        }
        self.templates.render(envelope.kind, &ctx)
    }

    /// Renders and queues a message in the caller's transaction. Returns
    /// false when its dedupe key was queued before (nothing is added).
    pub fn queue(
        &self,
        conn: &mut DbConn,
        envelope: &Envelope,
        ctx: Value,
    ) -> Result<bool, AppError> {
        let address: lettre::Address = envelope.to_address.parse().map_err(|_| {
            AppError::BadRequest(format!("{:?} is not an email address", envelope.to_address))
        })?;
        if !header_safe(&envelope.to_address) {
            return Err(AppError::BadRequest(
                "an email address holds a line break".into(),
            ));
        }
        let stop = self.stop_url(envelope)?;
        let rendered = self.render_with(envelope, ctx, stop.as_deref())?;
        let mut headers = BTreeMap::new();
        if let Some(stop) = &stop {
            headers.insert("List-Unsubscribe", format!("<{stop}>"));
            headers.insert("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".into());
        }
        if let Some(reply_to) = envelope
            .reply_to
            .as_deref()
            .filter(|r| header_safe(r) && r.parse::<Mailbox>().is_ok())
        {
            headers.insert("Reply-To", reply_to.to_string());
        }
        debug_assert!(headers.keys().all(|k| ALLOWED_HEADERS.contains(k)));
        let at = now();
        NewOutboxMessage {
            kind: envelope.kind.to_string(),
            dedupe_key: envelope.dedupe_key.clone(),
            to_address: address.to_string(),
            to_name: envelope
                .to_name
                .as_deref()
                .map(crate::mail::templates::one_line),
            subject: rendered.subject,
            text_body: rendered.text,
            html_body: Some(rendered.html),
            headers: serde_json::to_string(&headers)
                .map_err(|e| AppError::caused("writing JSON", e))?,
            message_id: self.message_id()?,
            status: OutboxStatus::Queued.as_str().to_string(),
            next_attempt_at: envelope.send_at,
            cohort_id: envelope.cohort_id,
            enrolment_id: envelope.enrolment_id,
            meeting_id: envelope.meeting_id,
            created_at: at,
            updated_at: at,
            channel: OutboxChannel::Email.as_str().to_string(),
        }
        .insert(conn)
    }

    /// A fresh Message-ID, set once at enqueue so a message sent twice
    /// (after a crash) is recognisably the same message.
    pub fn message_id(&self) -> Result<String, AppError> {
        Ok(format!(
            "<{}@{}>",
            hex::encode(random_bytes::<16>()?),
            self.domain
        ))
    }
}
