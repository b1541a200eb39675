//! Text-message gateways behind one small trait: Twilio's Messages API
//! (and the services that copy it) and a generic JSON webhook. Answers
//! map to outcomes as SMTP's do: try again later (429, 5xx, a timeout, a
//! refused connection, an answer that is not what the API gives), or
//! give up at once (any other 4xx: the request itself is wrong).

use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::{SmsGatewayKind, SmsSettings};
use crate::mail::smtp::SendError;

/// One text to send.
#[derive(Debug, Clone, Copy)]
pub struct OutgoingText<'a> {
    /// Stable across tries (the outbox row's Message-ID), so a gateway
    /// that deduplicates can.
    pub id: &'a str,
    pub to: &'a str,
    pub body: &'a str,
}

/// Sends one text; blocking (the sender runs it off the async threads).
pub trait SmsGateway: Send + Sync {
    fn send(&self, text: &OutgoingText<'_>) -> Result<(), SendError>;
    fn describe(&self) -> String;
}

/// The header the JSON gateway's requests (and its webhooks) are signed in.
pub const JSON_SIGNATURE_HEADER: &str = "X-Attune-Signature";

/// HMAC-SHA256 of `body` with `secret`, in hex.
pub fn sign_json(secret: &str, body: &[u8]) -> String {
    match <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(body);
            hex::encode(mac.finalize().into_bytes())
        }
        // HMAC takes keys of any length; an empty signature matches nothing.
        Err(_) => String::new(),
    }
}

/// Whether `signature` (hex) is `body`'s HMAC-SHA256 under `secret`,
/// compared in constant time.
pub fn verify_json(secret: &str, body: &[u8], signature: &str) -> bool {
    let Ok(tag) = hex::decode(signature.trim().trim_start_matches("sha256=")) else {
        return false;
    };
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    !secret.is_empty() && mac.verify_slice(&tag).is_ok()
}

/// Twilio's webhook signature: HMAC-SHA1 under the auth token of the full
/// URL followed by every form field's name and value, sorted by name.
fn twilio_mac(token: &str, url: &str, fields: &[(String, String)]) -> Option<Hmac<sha1::Sha1>> {
    let mut sorted: Vec<&(String, String)> = fields.iter().collect();
    sorted.sort();
    let mut mac = <Hmac<sha1::Sha1> as Mac>::new_from_slice(token.as_bytes()).ok()?;
    mac.update(url.as_bytes());
    for (k, v) in sorted {
        mac.update(k.as_bytes());
        mac.update(v.as_bytes());
    }
    Some(mac)
}

/// `X-Twilio-Signature` as Twilio computes it (base64).
pub fn twilio_signature(token: &str, url: &str, fields: &[(String, String)]) -> String {
    twilio_mac(token, url, fields)
        .map(|m| base64::engine::general_purpose::STANDARD.encode(m.finalize().into_bytes()))
        .unwrap_or_default()
}

/// Whether a webhook's `X-Twilio-Signature` holds, in constant time.
pub fn verify_twilio(token: &str, url: &str, fields: &[(String, String)], signature: &str) -> bool {
    let Ok(tag) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
        return false;
    };
    !token.is_empty()
        && twilio_mac(token, url, fields).is_some_and(|m| m.verify_slice(&tag).is_ok())
}

/// The gateway the settings name, with one connection pool of `lanes`
/// idle connections and `timeout` for a whole request.
pub fn from_settings(
    settings: &SmsSettings,
    lanes: usize,
    timeout: Duration,
) -> Box<dyn SmsGateway> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_idle_connections(lanes.max(1))
        .max_idle_connections_per_host(lanes.max(1))
        .user_agent("attune")
        .build()
        .into();
    match settings.kind {
        SmsGatewayKind::Twilio => Box::new(Twilio {
            agent,
            settings: settings.clone(),
        }),
        SmsGatewayKind::Json => Box::new(JsonWebhook {
            agent,
            settings: settings.clone(),
        }),
    }
}

struct Twilio {
    agent: ureq::Agent,
    settings: SmsSettings,
}

impl SmsGateway for Twilio {
    fn send(&self, text: &OutgoingText<'_>) -> Result<(), SendError> {
        let s = &self.settings;
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            s.url, s.account_sid
        );
        let auth = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", s.account_sid, s.auth_token));
        let answer = self
            .agent
            .post(&url)
            .header("Authorization", &format!("Basic {auth}"))
            .header("Idempotency-Key", text.id)
            .send_form([
                ("To", text.to),
                ("From", s.from.as_str()),
                ("Body", text.body),
            ]);
        judge(answer, |json| {
            json.get("sid").is_some_and(|v| v.is_string())
        })
    }

    fn describe(&self) -> String {
        format!("Twilio-style gateway at {}", self.settings.url)
    }
}

struct JsonWebhook {
    agent: ureq::Agent,
    settings: SmsSettings,
}

impl SmsGateway for JsonWebhook {
    fn send(&self, text: &OutgoingText<'_>) -> Result<(), SendError> {
        let body = serde_json::json!({
            "id": text.id,
            "to": text.to,
            "from": self.settings.from,
            "body": text.body,
        })
        .to_string();
        let signature = sign_json(&self.settings.auth_token, body.as_bytes());
        let answer = self
            .agent
            .post(&self.settings.url)
            .header("Content-Type", "application/json")
            .header(JSON_SIGNATURE_HEADER, &signature)
            .send(body.as_bytes());
        judge(answer, |json| json.is_object())
    }

    fn describe(&self) -> String {
        format!("JSON gateway at {}", self.settings.url)
    }
}

/// What an answer means for the message.
fn judge(
    answer: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    looks_right: impl Fn(&serde_json::Value) -> bool,
) -> Result<(), SendError> {
    let mut response = answer.map_err(|e| match e {
        ureq::Error::Timeout(_) => {
            SendError::Transient("the text gateway did not answer in time".into())
        }
        other => SendError::Transient(format!("could not reach the text gateway: {other}")),
    })?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .unwrap_or_default();
    let said = || {
        serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|j| {
                j.get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| body.chars().take(200).collect())
    };
    match status {
        200..=299 => match serde_json::from_str::<serde_json::Value>(&body) {
            Ok(json) if looks_right(&json) => Ok(()),
            _ => Err(SendError::Transient(format!(
                "the text gateway answered {status} with something unexpected: {:?}",
                body.chars().take(80).collect::<String>()
            ))),
        },
        429 => Err(SendError::Transient(
            "the text gateway asked us to slow down (429)".into(),
        )),
        400..=499 => Err(SendError::Permanent(format!(
            "the text gateway refused the message ({status}): {}",
            said()
        ))),
        _ => Err(SendError::Transient(format!(
            "the text gateway had a problem ({status}): {}",
            said()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twilio_signatures_follow_twilios_example() {
        // The example in Twilio's "Webhooks security" guide.
        let fields: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let sig = twilio_signature("12345", url, &fields);
        assert_eq!(sig, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        assert!(verify_twilio("12345", url, &fields, &sig));
        assert!(!verify_twilio("12346", url, &fields, &sig));
        assert!(!verify_twilio("12345", url, &fields[1..], &sig));
        assert!(!verify_twilio("12345", url, &fields, "not base64!"));
    }

    #[test]
    fn json_signatures_are_hmac_sha256_hex() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign_json("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let sig = sign_json("k", b"{}");
        assert!(verify_json("k", b"{}", &sig));
        assert!(verify_json("k", b"{}", &format!("sha256={sig}")));
        assert!(!verify_json("k", b"{ }", &sig));
        assert!(!verify_json("", b"{}", &sign_json("", b"{}")));
    }
}
