//! Sign-in, sessions, CSRF and throttling.

use actix_web::http::StatusCode;
use attune::db::models::User;
use attune::db::schema::{audit_log, users};
use diesel::prelude::*;

use crate::common::{add_user, Browser, TestApp, PASSWORD};

fn audit_actions(app: &TestApp) -> Vec<String> {
    let mut conn = app.state.pool.get().unwrap();
    audit_log::table
        .order(audit_log::id.asc())
        .select(audit_log::action)
        .load(&mut *conn)
        .unwrap()
}

#[actix_web::test]
async fn signing_in_opens_the_dashboard_with_a_safe_cookie() {
    let app = TestApp::new();
    add_user(&app, "ana@example.org", false);
    let mut b = Browser::new(&app);
    let page = b.get("/dashboard").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.header("location"), "/login?next=/dashboard");

    b.get("/login").await;
    let res = b
        .post(
            "/login",
            &[
                ("email", "ANA@example.org "),
                ("password", PASSWORD),
                ("next", "/dashboard"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.header("location"), "/dashboard");
    let cookie = res
        .headers
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("attune_session="))
        .expect("a session cookie")
        .to_string();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");

    let dash = b.get("/dashboard").await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(dash.body.contains("Hello, ana"));
    assert_eq!(dash.header("cache-control"), "no-store");
    assert!(audit_actions(&app).contains(&"auth.sign_in".to_string()));
}

#[actix_web::test]
async fn the_session_id_changes_at_sign_in() {
    let app = TestApp::new();
    add_user(&app, "ana@example.org", false);
    let mut b = Browser::new(&app);
    b.get("/login").await;
    let before = b.cookies();
    assert!(!before.is_empty(), "the form has a session for its token");
    b.post(
        "/login",
        &[("email", "ana@example.org"), ("password", PASSWORD)],
    )
    .await;
    let after = b.cookies();
    assert_ne!(before, after);
    // The pre-sign-in cookie does not carry the signed-in session.
    let mut stale = Browser::new(&app);
    stale.set_cookies(before);
    assert_eq!(stale.get("/dashboard").await.status, StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn wrong_passwords_and_unknown_accounts_get_the_same_answer() {
    let app = TestApp::new();
    add_user(&app, "ana@example.org", false);
    let mut b = Browser::new(&app);
    let wrong = b.sign_in("ana@example.org", "not the password").await;
    let unknown = b.sign_in("nobody@example.org", "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let message = |body: &str| body.contains("don&#x27;t match an account");
    assert!(message(&wrong.body) && message(&unknown.body));
    assert!(
        wrong.body.contains("value=\"ana@example.org\""),
        "the email is kept"
    );
    let actions = audit_actions(&app);
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "auth.sign_in_failed")
            .count(),
        2
    );
}

#[actix_web::test]
async fn bad_sign_ins_are_throttled_per_address_then_per_account() {
    let app = TestApp::new();
    add_user(&app, "ana@example.org", false);
    add_user(&app, "ben@example.org", false);
    // One address is stopped after five wrong passwords for an account...
    let mut attacker = Browser::from_address(&app, "203.0.113.7");
    for _ in 0..5 {
        let res = attacker.sign_in("ana@example.org", "guess").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let res = attacker.sign_in("ana@example.org", "guess").await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.body.contains("too many sign-in attempts"));
    assert!(res.body.contains("href=\"/login/link\""), "the way back in");
    assert_eq!(res.header("retry-after"), "900");
    // ...while Ana, elsewhere, still signs in.
    let mut ana = Browser::from_address(&app, "198.51.100.20");
    assert_eq!(
        ana.sign_in("ana@example.org", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    // Ten wrong passwords from several addresses protect the account
    // everywhere: even the right password waits.
    for n in 0..10 {
        let mut b = Browser::from_address(&app, &format!("192.0.2.{n}"));
        b.sign_in("ana@example.org", "guess").await;
    }
    let mut ana = Browser::from_address(&app, "198.51.100.21");
    let res = ana.sign_in("ana@example.org", PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    // The same for accounts that do not exist (no hint either way).
    for _ in 0..5 {
        attacker.sign_in("ghost@example.org", "guess").await;
    }
    assert_eq!(
        attacker.sign_in("ghost@example.org", "guess").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another account, from the same address, signs in.
    let mut colleague = Browser::from_address(&app, "203.0.113.7");
    let res = colleague.sign_in("ben@example.org", PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(audit_actions(&app).contains(&"auth.sign_in_throttled".to_string()));
}

#[actix_web::test]
async fn posts_without_the_form_token_are_refused_and_change_nothing() {
    let app = TestApp::new();
    add_user(&app, "ana@example.org", false);
    let mut b = Browser::new(&app);
    b.get("/login").await;
    for token in ["", "0000", "deadbeef"] {
        let res = b
            .post_raw(
                "/login",
                &[
                    ("csrf_token", token),
                    ("email", "ana@example.org"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "token {token:?}");
        assert!(res.body.contains("This form has expired"));
    }
    assert!(!audit_actions(&app).contains(&"auth.sign_in".to_string()));

    b.sign_in("ana@example.org", PASSWORD).await;
    b.get("/account/password").await;
    let res = b
        .post_raw(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("new", "another long password"),
                ("confirm", "another long password"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let mut conn = app.state.pool.get().unwrap();
    let user = User::find_by_email(&mut conn, "ana@example.org")
        .unwrap()
        .unwrap();
    assert!(attune::crypto::verify_password(
        PASSWORD,
        &user.password_hash
    ));
}

#[actix_web::test]
async fn signing_out_ends_the_session_for_good() {
    let app = TestApp::new();
    add_user(&app, "ana@example.org", false);
    let mut b = Browser::new(&app);
    b.sign_in("ana@example.org", PASSWORD).await;
    b.get("/dashboard").await;
    let signed_in = b.cookies();
    let res = b.post("/logout", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.header("location"), "/login?signed_out=1");
    // Replaying the old cookie does not bring the session back.
    let mut replay = Browser::new(&app);
    replay.set_cookies(signed_in);
    assert_eq!(replay.get("/dashboard").await.status, StatusCode::SEE_OTHER);
    assert!(audit_actions(&app).contains(&"auth.sign_out".to_string()));
}

#[actix_web::test]
async fn changing_the_password_signs_out_everywhere() {
    let app = TestApp::new();
    add_user(&app, "ana@example.org", false);
    let mut laptop = Browser::new(&app);
    let mut phone = Browser::new(&app);
    laptop.sign_in("ana@example.org", PASSWORD).await;
    phone.sign_in("ana@example.org", PASSWORD).await;
    assert_eq!(phone.get("/dashboard").await.status, StatusCode::OK);

    laptop.get("/account/password").await;
    let res = laptop
        .post(
            "/account/password",
            &[("current", "wrong"), ("new", "x"), ("confirm", "x")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("current password is not right"));
    let res = laptop
        .post(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("new", "a brand new passphrase"),
                ("confirm", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(phone.get("/dashboard").await.status, StatusCode::SEE_OTHER);
    assert_eq!(laptop.get("/dashboard").await.status, StatusCode::SEE_OTHER);
    let mut again = Browser::new(&app);
    assert_eq!(
        again.sign_in("ana@example.org", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        again
            .sign_in("ana@example.org", "a brand new passphrase")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

#[actix_web::test]
async fn a_switched_off_account_loses_its_session_and_cannot_sign_in() {
    let app = TestApp::new();
    let ana = add_user(&app, "ana@example.org", false);
    let mut b = Browser::new(&app);
    b.sign_in("ana@example.org", PASSWORD).await;
    assert_eq!(b.get("/dashboard").await.status, StatusCode::OK);
    {
        let mut conn = app.state.pool.get().unwrap();
        diesel::update(users::table.find(ana.id))
            .set(users::disabled_at.eq(Some(attune::db::now())))
            .execute(&mut *conn)
            .unwrap();
    }
    assert_eq!(b.get("/dashboard").await.status, StatusCode::SEE_OTHER);
    let res = Browser::new(&app)
        .sign_in("ana@example.org", PASSWORD)
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.body.contains("switched off"));
}

#[actix_web::test]
async fn sign_in_only_redirects_within_the_site() {
    let app = TestApp::new();
    add_user(&app, "ana@example.org", false);
    let mut b = Browser::new(&app);
    b.get("/login").await;
    let res = b
        .post(
            "/login",
            &[
                ("email", "ana@example.org"),
                ("password", PASSWORD),
                ("next", "//evil.example/x"),
            ],
        )
        .await;
    assert_eq!(res.header("location"), "/dashboard");
}
