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
use crate::db::models::contact_preference::{self, ContactChoice};
use crate::db::models::outbox_message::TEXT_KEY_PREFIX;
use crate::db::models::{NewOutboxMessage, OutboxChannel, OutboxStatus};
use crate::db::{now, DbConn};
use crate::error::AppError;
use crate::mail::templates::{EmailTemplates, RenderedEmail};
use crate::mail::{header_safe, phone, texts, ALLOWED_HEADERS};

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
    /// Whether a text gateway is configured: without one, everything goes
    /// by email.
    texts_on: bool,
}

/// Which ways one message goes (see `Composer::route`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub email: bool,
    /// The E.164 number and the group's time zone, when it is texted.
    pub text: Option<TextTo>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextTo {
    pub to: String,
    pub tz: chrono_tz::Tz,
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
            texts_on: false,
        }
    }

    /// Turns the text channel on (a gateway is configured).
    pub fn with_texts(mut self, on: bool) -> Self {
        self.texts_on = on;
        self
    }

    /// Whether texts can be sent from this server at all.
    pub fn texts_on(&self) -> bool {
        self.texts_on
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

    /// Renders and queues a message in the caller's transaction, by email,
    /// by text or both, as `route` decides. Returns false when nothing new
    /// was queued (its dedupe keys were queued before, or the parent is
    /// reached no way).
    pub fn queue(
        &self,
        conn: &mut DbConn,
        envelope: &Envelope,
        ctx: Value,
    ) -> Result<bool, AppError> {
        let route = self.route(conn, envelope)?;
        if !route.email && route.text.is_none() && envelope.enrolment_id.is_some() {
            return self.note_not_sent(conn, envelope);
        }
        let mut queued = false;
        if let Some(to) = &route.text {
            queued |= self.queue_text(conn, envelope, to, &ctx)?;
        }
        if route.email {
            queued |= self.queue_email(conn, envelope, ctx)?;
        }
        Ok(queued)
    }

    /// A message that reaches the parent no way (they chose none, or have
    /// no address and cannot be texted) is kept as cancelled with the
    /// reason: the record says why, and the planner does not make it again.
    fn note_not_sent(&self, conn: &mut DbConn, envelope: &Envelope) -> Result<bool, AppError> {
        let at = now();
        NewOutboxMessage {
            kind: envelope.kind.to_string(),
            dedupe_key: envelope.dedupe_key.clone(),
            to_address: envelope.to_address.clone(),
            to_name: envelope
                .to_name
                .as_deref()
                .map(crate::mail::templates::one_line),
            subject: String::new(),
            text_body: String::new(),
            html_body: None,
            headers: "{}".into(),
            message_id: self.message_id()?,
            status: OutboxStatus::Cancelled.as_str().to_string(),
            next_attempt_at: envelope.send_at,
            cohort_id: envelope.cohort_id,
            enrolment_id: envelope.enrolment_id,
            meeting_id: envelope.meeting_id,
            created_at: at,
            updated_at: at,
            channel: OutboxChannel::Email.as_str().to_string(),
        }
        .insert(conn)?;
        crate::db::models::OutboxMessage::note_not_sent(
            conn,
            &envelope.dedupe_key,
            "Not sent: the parent chose no messages of this kind, or cannot be reached.",
            at,
        )?;
        Ok(false)
    }

    /// How a message reaches its parent. Messages not to a parent in a
    /// group, and kinds with no text version, go by email. The five kinds a
    /// parent chooses for follow their choice (no choice: email); news
    /// about a meeting goes by email and, where they can be texted, by
    /// text. A way that cannot be used falls back to the other: "text"
    /// chosen but no number, consent or texting on this server is email;
    /// "email" chosen but no address (or emails stopped) is a text if they
    /// can be texted. "None" is nothing.
    pub fn route(&self, conn: &mut DbConn, envelope: &Envelope) -> Result<Route, AppError> {
        let email_only = Route {
            email: true,
            text: None,
        };
        let kind = envelope.kind;
        let choosable = contact_preference::is_choosable(kind);
        if !choosable && !contact_preference::ALSO_TEXTED_KINDS.contains(&kind) {
            return Ok(email_only);
        }
        let Some(eid) = envelope.enrolment_id else {
            return Ok(email_only);
        };
        let Some(reach) = crate::db::views::text_reach::reach(conn, eid, kind)? else {
            return Ok(email_only);
        };
        let text = self.text_to(&reach, kind);
        let can_email = !envelope.to_address.trim().is_empty()
            && !reach.erased
            && (!reach.emails_stopped || !envelope.unsubscribe);
        let (want_email, want_text) = if choosable {
            match reach.choice.unwrap_or(ContactChoice::EmailOnly) {
                ContactChoice::EmailOnly => (true, false),
                ContactChoice::TextOnly => (false, true),
                ContactChoice::Both => (true, true),
                ContactChoice::Nothing => (false, false),
            }
        } else {
            (true, true)
        };
        let (mut email, mut text) = (want_email && can_email, text.filter(|_| want_text));
        if !email && text.is_none() && (want_email || want_text) {
            email = can_email;
            text = self.text_to(&reach, kind).filter(|_| !email);
        }
        Ok(Route { email, text })
    }

    fn text_to(&self, reach: &crate::db::views::text_reach::Reach, kind: &str) -> Option<TextTo> {
        if !self.texts_on || !reach.can_text || !self.templates.has_text_message(kind) {
            return None;
        }
        let to = phone::normalise_stored(reach.phone.as_deref()?, reach.phone_country.as_deref())
            .or_else(|| {
            let country = phone::country_of_zone(&reach.time_zone);
            phone::normalise_stored(reach.phone.as_deref()?, country)
        })?;
        Some(TextTo {
            to,
            tz: texts::zone(&reach.time_zone),
        })
    }

    /// A kind's text as it will go (the STOP line last, within two
    /// parts), or `None` when the kind has no text version.
    pub fn render_text(&self, kind: &str, ctx: &Value) -> Result<Option<String>, AppError> {
        if !self.templates.has_text_message(kind) {
            return Ok(None);
        }
        let mut ctx = ctx.clone();
        if let Value::Object(map) = &mut ctx {
            map.insert("app_url".into(), Value::String(self.base_url.clone()));
        }
        let body = self.templates.render_text_message(kind, &ctx)?;
        Ok(Some(texts::finish_body(&body)))
    }

    fn queue_text(
        &self,
        conn: &mut DbConn,
        envelope: &Envelope,
        to: &TextTo,
        ctx: &Value,
    ) -> Result<bool, AppError> {
        let Some(body) = self.render_text(envelope.kind, ctx)? else {
            return Ok(false);
        };
        let at = now();
        NewOutboxMessage {
            kind: envelope.kind.to_string(),
            dedupe_key: format!("{TEXT_KEY_PREFIX}{}", envelope.dedupe_key),
            to_address: to.to.clone(),
            to_name: envelope
                .to_name
                .as_deref()
                .map(crate::mail::templates::one_line),
            subject: crate::mail::templates::one_line(&body)
                .chars()
                .take(80)
                .collect(),
            text_body: body,
            html_body: None,
            headers: "{}".into(),
            message_id: self.message_id()?,
            status: OutboxStatus::Queued.as_str().to_string(),
            next_attempt_at: texts::outside_quiet_hours(envelope.send_at, to.tz),
            cohort_id: envelope.cohort_id,
            enrolment_id: envelope.enrolment_id,
            meeting_id: envelope.meeting_id,
            created_at: at,
            updated_at: at,
            channel: OutboxChannel::Text.as_str().to_string(),
        }
        .insert(conn)
    }

    fn queue_email(
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
