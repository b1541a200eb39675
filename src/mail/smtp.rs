//! Sending over SMTP. lettre speaks the protocol (EHLO, STARTTLS, AUTH,
//! dot-stuffing); attune opens the sockets itself, because lettre 0.11.23's
//! own transport (a) leaves Nagle's algorithm on, so every message waits
//! about 40 ms for a delayed ACK after its final `\r\n.\r\n`, and (b) caps
//! only idle pooled connections, not busy ones. Here every socket has
//! `TCP_NODELAY`, each worker lane owns at most one connection (so the lane
//! count bounds connections), and the caller times out each whole send.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

pub use crate::config::{Security, SmtpSettings, DEFAULT_SEND_TIMEOUT};

/// Why a send did not end in a 250.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Worth trying again later: refused or dropped connections, timeouts,
    /// 4xx replies.
    Transient(String),
    /// The server said no for good (5xx), or the message cannot be sent
    /// as it is.
    Permanent(String),
}

impl SendError {
    fn from_smtp(e: &lettre::transport::smtp::Error) -> Self {
        let text = crate::db::one_line(&e.to_string());
        if e.is_permanent() {
            Self::Permanent(text)
        } else {
            Self::Transient(text)
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Self::Transient(m) | Self::Permanent(m) => m,
        }
    }
}

/// Opens SMTP connections as the settings say.
pub struct SmtpClient {
    settings: SmtpSettings,
    hello: ClientId,
    tls_config: Option<Arc<tokio_rustls::rustls::ClientConfig>>,
}

impl SmtpClient {
    pub fn new(settings: SmtpSettings, hello_name: &str) -> Result<Self, String> {
        let tls_config = if settings.security == Security::Implicit {
            let roots = tokio_rustls::rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(Arc::new(
                tokio_rustls::rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("cannot set up TLS: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
            Some(Arc::new(config))
        } else {
            None
        };
        Ok(Self {
            settings,
            hello: ClientId::Domain(hello_name.to_string()),
            tls_config,
        })
    }

    pub fn settings(&self) -> &SmtpSettings {
        &self.settings
    }

    /// A ready connection: greeted, upgraded to TLS as configured, signed in.
    pub async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let s = &self.settings;
        let tcp = TcpStream::connect((s.host.as_str(), s.port))
            .await
            .map_err(|e| {
                SendError::Transient(format!("cannot connect to {}:{}: {e}", s.host, s.port))
            })?;
        tcp.set_nodelay(true)
            .map_err(|e| SendError::Transient(format!("cannot set TCP_NODELAY: {e}")))?;
        let mut conn = match &self.tls_config {
            Some(config) => {
                let name = tokio_rustls::rustls::pki_types::ServerName::try_from(s.host.clone())
                    .map_err(|e| SendError::Permanent(format!("bad TLS host name: {e}")))?;
                let tls = tokio_rustls::TlsConnector::from(config.clone())
                    .connect(name, tcp)
                    .await
                    .map_err(|e| SendError::Transient(format!("TLS with {}: {e}", s.host)))?;
                AsyncSmtpConnection::connect_with_transport(Box::new(TlsStream(tls)), &self.hello)
                    .await
            }
            None => AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello).await,
        }
        .map_err(|e| SendError::from_smtp(&e))?;
        let starttls = match s.security {
            Security::Required => true,
            Security::Opportunistic => conn.can_starttls(),
            Security::None | Security::Implicit => false,
        };
        if starttls {
            let params =
                TlsParameters::new(s.host.clone()).map_err(|e| SendError::from_smtp(&e))?;
            conn.starttls(params, &self.hello)
                .await
                .map_err(|e| SendError::from_smtp(&e))?;
        }
        if let Some((user, pass)) = &s.credentials {
            conn.auth(
                &[Mechanism::Plain, Mechanism::Login],
                &Credentials::new(user.clone(), pass.clone()),
            )
            .await
            .map_err(|e| SendError::from_smtp(&e))?;
        }
        Ok(conn)
    }
}

/// Sends one formatted message on an open connection.
pub async fn send_on(
    conn: &mut AsyncSmtpConnection,
    envelope: &Envelope,
    formatted: &[u8],
) -> Result<String, SendError> {
    conn.send(envelope, formatted)
        .await
        .map(|r| crate::db::one_line(&r.message().collect::<Vec<_>>().join(" ")))
        .map_err(|e| SendError::from_smtp(&e))
}

/// TLS over our own socket, for smtps://.
struct TlsStream(tokio_rustls::client::TlsStream<TcpStream>);

impl std::fmt::Debug for TlsStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsStream")
    }
}

impl AsyncRead for TlsStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for TlsStream {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_smtp_urls() {
        let s = SmtpSettings::parse("smtp://127.0.0.1:2525?tls=none").unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.security),
            ("127.0.0.1", 2525, Security::None)
        );
        let s = SmtpSettings::parse("smtps://me%40x.org:p%3Ass@mail.example.org").unwrap();
        assert_eq!((s.port, s.security), (465, Security::Implicit));
        assert_eq!(
            s.credentials,
            Some(("me@x.org".to_string(), "p:ss".to_string()))
        );
        assert!(!format!("{s:?}").contains("p:ss"));
        let s = SmtpSettings::parse("smtp://mail.example.org").unwrap();
        assert_eq!((s.port, s.security), (587, Security::Opportunistic));
        assert!(SmtpSettings::parse("smtp://h?tls=maybe").is_err());
        assert!(SmtpSettings::parse("smtps://h?tls=none").is_err());
        assert!(SmtpSettings::parse("http://h").is_err());
        assert!(SmtpSettings::parse("smtp://").is_err());
    }

    #[test]
    fn implicit_tls_is_set_up_with_the_web_roots() {
        let s = SmtpSettings::parse("smtps://mail.example.org").unwrap();
        let client = SmtpClient::new(s, "attune.example").unwrap();
        assert!(client.tls_config.is_some());
    }
}
