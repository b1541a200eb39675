//! Who is asking: `Viewer` for pages anyone may see (signed in or not),
//! `CurrentUser` for pages that need a signed-in, active account.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use serde::Serialize;

use crate::auth::csrf;
use crate::auth::session_store::USER_KEY;
use crate::db::models::User;
use crate::error::AppError;
use crate::state::AppState;

/// What the layout shows about the person signed in.
#[derive(Debug, Clone, Serialize)]
pub struct UserBadge {
    pub id: i64,
    pub name: String,
    pub is_admin: bool,
}

/// The context every page template gets: who is signed in and the form
/// token (only when signed in; public pages carry no forms).
#[derive(Debug, Clone, Serialize)]
pub struct PageContext {
    pub user: Option<UserBadge>,
    pub csrf: Option<String>,
    /// A one-time message from the last action ("Attendance saved.").
    pub notice: Option<String>,
    /// A page about one person (a parent's own page): never cached.
    #[serde(skip)]
    pub private: bool,
}

impl PageContext {
    /// A page for someone not signed in. `private` pages (about one person)
    /// are never cached.
    pub fn anonymous(private: bool) -> Self {
        Self {
            user: None,
            csrf: None,
            notice: None,
            private,
        }
    }
}

const NOTICE_KEY: &str = "notice";

/// Leaves a message for the next page this browser shows.
pub fn flash(session: &Session, message: &str) {
    let _ = session.insert(NOTICE_KEY, message);
}

pub fn take_notice(session: &Session) -> Option<String> {
    let notice = session.get::<String>(NOTICE_KEY).ok().flatten();
    if notice.is_some() {
        session.remove(NOTICE_KEY);
    }
    notice
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

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let session = req.get_session();
            match load_user(&req, &session).await? {
                Some(user) => Ok(CurrentUser { user, session }),
                None => {
                    let next = if req.method() == actix_web::http::Method::GET {
                        Some(
                            req.uri()
                                .path_and_query()
                                .map(|p| p.to_string())
                                .unwrap_or_default(),
                        )
                    } else {
                        None
                    };
                    Err(AppError::SignInRequired(next).into())
                }
            }
        })
    }
}

/// Where to go after signing in: only paths on this site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.starts_with("/login") =>
        {
            n.to_string()
        }
        _ => "/dashboard".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/cohorts/3")), "/cohorts/3");
        assert_eq!(safe_next(Some("//evil.example")), "/dashboard");
        assert_eq!(safe_next(Some("https://evil.example")), "/dashboard");
        assert_eq!(safe_next(Some("/\\evil.example")), "/dashboard");
        assert_eq!(safe_next(Some("/login")), "/dashboard");
        assert_eq!(safe_next(None), "/dashboard");
    }
}
