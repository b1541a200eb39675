//! Who is asking: `Viewer` for pages anyone may see (signed in or not),
//! `CurrentUser` for pages that need a signed-in, active account.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};

use crate::auth::session_store::USER_KEY;
use crate::auth::{csrf, kept};
use crate::db::models::User;
use crate::error::AppError;
use crate::render::{Notice, NoticeLink, PageContext, Section, UserBadge};
use crate::state::AppState;

const NOTICE_KEY: &str = "notice";
const NOTICE_SECTION_KEY: &str = "notice_section";
const NOTICE_LINK_KEY: &str = "notice_link";

/// Leaves a message for the next page this browser shows, at the top of
/// the page.
pub fn flash(session: &Session, message: &str) {
    let _ = session.insert(NOTICE_KEY, message);
    session.remove(NOTICE_SECTION_KEY);
    session.remove(NOTICE_LINK_KEY);
}

/// Leaves a message for the next page, shown inside the section the
/// browser is sent to (`/cohorts/4#roster` shows it under "Parents"), so
/// the person sees it where they acted and not a screen away.
pub fn flash_at(session: &Session, section: Section, message: &str) {
    let _ = session.insert(NOTICE_KEY, message);
    let _ = session.insert(NOTICE_SECTION_KEY, section.id());
    session.remove(NOTICE_LINK_KEY);
}

/// [`flash_at`] with a link to the next step under the message.
pub fn flash_at_with_link(session: &Session, section: Section, message: &str, link: NoticeLink) {
    flash_at(session, section, message);
    let _ = session.insert(NOTICE_LINK_KEY, link);
}

pub fn take_notice(session: &Session) -> Option<Notice> {
    let text = session.get::<String>(NOTICE_KEY).ok().flatten()?;
    let section = session
        .get::<String>(NOTICE_SECTION_KEY)
        .ok()
        .flatten()
        .and_then(|s| Section::parse(&s));
    let link = session.get::<NoticeLink>(NOTICE_LINK_KEY).ok().flatten();
    session.remove(NOTICE_KEY);
    session.remove(NOTICE_SECTION_KEY);
    session.remove(NOTICE_LINK_KEY);
    Some(Notice {
        text,
        section,
        link,
    })
}

pub struct Viewer {
    pub user: Option<User>,
    pub session: Session,
}

pub struct CurrentUser {
    pub user: User,
    pub session: Session,
}

impl CurrentUser {
    pub fn id(&self) -> i64 {
        self.user.id
    }

    pub fn is_admin(&self) -> bool {
        self.user.is_admin
    }

    /// Runs database work as this user, off the async threads.
    pub async fn db<T, F>(&self, state: &AppState, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut crate::db::DbConn, &User) -> Result<T, AppError> + Send + 'static,
    {
        let user = self.user.clone();
        state.db(move |conn| f(conn, &user)).await
    }

    pub fn context(&self) -> Result<PageContext, AppError> {
        Ok(PageContext {
            user: Some(badge(&self.user)),
            csrf: Some(csrf::token(&self.session)?),
            notice: take_notice(&self.session),
            private: true,
        })
    }
}

impl Viewer {
    pub fn context(&self) -> Result<PageContext, AppError> {
        Ok(match &self.user {
            Some(u) => PageContext {
                user: Some(badge(u)),
                csrf: Some(csrf::token(&self.session)?),
                notice: take_notice(&self.session),
                private: true,
            },
            None => PageContext::anonymous(false),
        })
    }
}

fn badge(u: &User) -> UserBadge {
    UserBadge {
        id: u.id,
        name: u.name.clone(),
        is_admin: u.is_admin,
    }
}

/// The signed-in, active user of this session, if any. A session whose
/// account was switched off or removed is emptied.
async fn load_user(req: &HttpRequest, session: &Session) -> Result<Option<User>, AppError> {
    let Ok(Some(id)) = session.get::<i64>(USER_KEY) else {
        return Ok(None);
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::internal("no app state"))?
        .clone();
    let user = state.db(move |conn| User::find(conn, id)).await?;
    match user {
        Some(u) if u.is_active() => Ok(Some(u)),
        _ => {
            session.purge();
            Ok(None)
        }
    }
}

impl FromRequest for Viewer {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let session = req.get_session();
            let user = load_user(&req, &session).await?;
            Ok(Viewer { user, session })
        })
    }
}

impl FromRequest for CurrentUser {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed_out = !matches!(req.get_session().get::<i64>(USER_KEY), Ok(Some(_)));
        let claimed = signed_out.then(|| kept::claim_body(req, payload)).flatten();
        let req = req.clone();
        Box::pin(async move {
            let session = req.get_session();
            match load_user(&req, &session).await? {
                Some(user) => Ok(CurrentUser { user, session }),
                None => {
                    let next = if req.method() == actix_web::http::Method::GET {
                        req.uri().path_and_query().map(|p| p.to_string())
                    } else {
                        // A form sent after the session ended is kept and
                        // offered again after sign-in; until then, back to
                        // the page it came from.
                        if let Some(payload) = claimed {
                            kept::keep_from(req.clone(), payload).await;
                        }
                        referring_path(&req)
                    };
                    Err(AppError::SignInRequired(next).into())
                }
            }
        })
    }
}

/// The path of the page a request came from, when it is one of ours.
pub fn referring_path(req: &HttpRequest) -> Option<String> {
    let referer = req.headers().get("referer")?.to_str().ok()?;
    let url = url::Url::parse(referer).ok()?;
    let host = req.connection_info().host().to_string();
    let same = url.host_str().is_some_and(|h| match url.port() {
        Some(p) => host == format!("{h}:{p}"),
        None => host == h,
    });
    if !same {
        return None;
    }
    let mut path = url.path().to_string();
    if let Some(q) = url.query() {
        path.push('?');
        path.push_str(q);
    }
    same_site_path(&path)
}

/// Where to go after signing in when `next` is missing or not safe.
pub const AFTER_SIGN_IN: &str = "/dashboard";

/// A base to read `next` against. Its host is made up: all that matters is
/// that a path on this site keeps this origin and anything else does not.
const SITE_BASE: &str = "https://attune.invalid/";

/// Where to go after signing in: only a normalised path on this site.
///
/// `next` is read as a browser would read it, against this site's own
/// address; anything that leaves the origin (`//host`, `/\host`, a tab or
/// line break that browsers drop, `https:`), holds a control character or
/// whitespace, or leads back to the sign-in page gives [`AFTER_SIGN_IN`].
/// What comes back is the URL's own serialisation (path, query, fragment),
/// so it is percent-encoded and always a valid `Location` header.
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(same_site_path)
        .unwrap_or_else(|| AFTER_SIGN_IN.to_string())
}

/// `next` as a normalised path on this site, or `None` (see [`safe_next`]).
pub fn same_site_path(next: &str) -> Option<String> {
    if !next.starts_with('/')
        || next.starts_with("//")
        || next.contains('\\')
        || next.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return None;
    }
    let base = url::Url::parse(SITE_BASE).ok()?;
    let url = base.join(next).ok()?;
    if url.origin() != base.origin() || url.username() != "" || url.password().is_some() {
        return None;
    }
    let path = url.path();
    if path == "/login" || path.starts_with("/login/") {
        return None;
    }
    let mut out = path.to_string();
    if let Some(q) = url.query() {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = url.fragment() {
        out.push('#');
        out.push_str(f);
    }
    // The serialisation of a path on this origin never starts with `//`
    // (that would read as a host), but say so rather than trust it.
    (out.starts_with('/') && !out.starts_with("//")).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::{safe_next, SITE_BASE};
    use proptest::prelude::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/cohorts/3")), "/cohorts/3");
        assert_eq!(
            safe_next(Some("/cohorts/3?tab=roster#roll")),
            "/cohorts/3?tab=roster#roll"
        );
        assert_eq!(safe_next(Some("//evil.example")), "/dashboard");
        assert_eq!(safe_next(Some("https://evil.example")), "/dashboard");
        assert_eq!(safe_next(Some("/\\evil.example")), "/dashboard");
        assert_eq!(safe_next(Some("/login")), "/dashboard");
        assert_eq!(safe_next(Some("/login?next=/x")), "/dashboard");
        assert_eq!(safe_next(None), "/dashboard");
    }

    #[test]
    fn characters_browsers_drop_cannot_make_a_host() {
        // The probe's finding: a tab between the slashes.
        for bad in [
            "/\t/evil.test",
            "/\n/evil.test",
            "/\r/evil.test",
            "/\u{b}/evil.test",
            "/\u{c}/evil.test",
            "/ /evil.test",
            "/\u{a0}/evil.test",
            "/\u{2028}/evil.test",
            "/\u{0}/evil.test",
            "/%09/evil.test/../",
            "/cohorts/3 ",
        ] {
            let got = safe_next(Some(bad));
            // %09 stays encoded (a path, not a tab); everything else goes home.
            assert!(
                got == "/dashboard" || got.starts_with("/%09"),
                "{bad:?} gave {got:?}"
            );
        }
    }

    #[test]
    fn dot_segments_are_resolved_before_the_check() {
        assert_eq!(safe_next(Some("/cohorts/../login")), "/dashboard");
        assert_eq!(safe_next(Some("/a/../cohorts/3")), "/cohorts/3");
        assert_eq!(safe_next(Some("/././/evil.example")), "/dashboard");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// Whatever `next` is, where we send the browser is on this site and
        /// fits in a header.
        #[test]
        fn any_next_lands_on_this_site(next in any::<String>()) {
            check(&next)?;
        }

        /// The same, with strings made of the characters that matter.
        #[test]
        fn tricky_next_lands_on_this_site(next in "[/\\\\.:@?#%a-z0-9 \t\n\r\u{b}\u{c}\u{a0}\u{3000}]{0,24}") {
            check(&next)?;
        }
    }

    fn check(next: &str) -> Result<(), TestCaseError> {
        let got = safe_next(Some(next));
        let base = url::Url::parse(SITE_BASE).unwrap();
        let joined = base.join(&got).unwrap();
        prop_assert_eq!(joined.origin(), base.origin(), "{:?} gave {:?}", next, got);
        prop_assert!(got.starts_with('/') && !got.starts_with("//"), "{:?}", got);
        prop_assert!(
            !got.chars().any(|c| c.is_control() || c.is_whitespace()),
            "{:?}",
            got
        );
        prop_assert!(
            actix_web::http::header::HeaderValue::from_str(&got).is_ok(),
            "{:?}",
            got
        );
        Ok(())
    }
}
