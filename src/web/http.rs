//! Small request and response helpers every handler uses: where a
//! request came from, and "see other" redirects.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::render::Section;
use crate::state::AppState;

/// A 303 to `location`: where every form post goes next.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}

/// Back to one section of a page (`/cohorts/4#roster`), with `message`
/// shown inside that section, where the browser lands.
pub fn back_to_section(
    session: &actix_session::Session,
    path: &str,
    section: Section,
    message: &str,
) -> HttpResponse {
    crate::auth::user::flash_at(session, section, message);
    see_other(&format!("{path}#{}", section.id()))
}

/// [`back_to_section`] with a link to a next step under the message.
pub fn back_to_section_with_link(
    session: &actix_session::Session,
    path: &str,
    section: Section,
    message: &str,
    link: crate::render::NoticeLink,
) -> HttpResponse {
    crate::auth::user::flash_at_with_link(session, section, message, link);
    see_other(&format!("{path}#{}", section.id()))
}

/// The address a request came from, for per-address sign-in limits and
/// the audit log. Behind a reverse proxy named in `TRUSTED_PROXIES`, that
/// is the last address in `X-Forwarded-For` that is not itself a trusted
/// proxy (the entries to its left could be made up by the client).
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    let peer = req.peer_addr()?.ip();
    let trusted = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.config.trusted_proxies.as_slice())
        .unwrap_or_default();
    Some(forwarded_client(peer, trusted, req.headers()).to_string())
}

fn forwarded_client(
    peer: std::net::IpAddr,
    trusted: &[std::net::IpAddr],
    headers: &actix_web::http::header::HeaderMap,
) -> std::net::IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut client = peer;
    // Every X-Forwarded-For header, in order, read from the right.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.iter().rev() {
        match hop.parse::<std::net::IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !trusted.contains(&ip) {
                    break;
                }
            }
            // Garbage from a proxy we trust: stop at the last good hop.
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::forwarded_client;
    use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(
                HeaderName::from_static("x-forwarded-for"),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let proxy = "127.0.0.1".parse().unwrap();
        let stranger = "203.0.113.9".parse().unwrap();
        let trusted = [proxy];
        let h = headers(&["198.51.100.7"]);
        // Straight from the internet: the header is ignored.
        assert_eq!(forwarded_client(stranger, &trusted, &h), stranger);
        // No proxies configured: ignored too.
        assert_eq!(forwarded_client(proxy, &[], &h), proxy);
        // Through the proxy: the address it saw.
        assert_eq!(
            forwarded_client(proxy, &trusted, &h).to_string(),
            "198.51.100.7"
        );
        // A client cannot hide behind a made-up first entry.
        let h = headers(&["10.9.9.9, 198.51.100.7"]);
        assert_eq!(
            forwarded_client(proxy, &trusted, &h).to_string(),
            "198.51.100.7"
        );
        // Two trusted hops are skipped; several headers read as one list.
        let h = headers(&["198.51.100.7", "127.0.0.1"]);
        assert_eq!(
            forwarded_client(proxy, &trusted, &h).to_string(),
            "198.51.100.7"
        );
        // Nothing usable: the proxy itself.
        let h = headers(&["not-an-ip"]);
        assert_eq!(forwarded_client(proxy, &trusted, &h), proxy);
        assert_eq!(forwarded_client(proxy, &trusted, &HeaderMap::new()), proxy);
    }
}
