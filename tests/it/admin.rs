//! Administrators' account management, and the rule that no POST without
//! its form token changes anything.

use actix_web::http::StatusCode;
use diesel::prelude::*;

use crate::access::Fixture;
use crate::common::{add_user, Browser, TestApp, PASSWORD};

fn secret_from(body: &str) -> String {
    let start = body.find("class=\"secret\">").expect("a password") + "class=\"secret\">".len();
    body[start..].split('<').next().unwrap().to_string()
}

#[actix_web::test]
async fn admins_add_accounts_reset_passwords_and_switch_them_off() {
    let app = TestApp::new();
    add_user(&app, "admin@example.org", true);
    let mut admin = Browser::new(&app);
    admin.sign_in("admin@example.org", PASSWORD).await;
    admin.get("/admin/users").await;
    let res = admin
        .post(
            "/admin/users",
            &[("name", "Noor Haddad"), ("email", "noor@example.org")],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("shown only once"));
    let first = secret_from(&res.body);
    let mut noor = Browser::new(&app);
    assert_eq!(
        noor.sign_in("noor@example.org", &first).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        noor.get("/admin/users").await.status,
        StatusCode::FORBIDDEN,
        "facilitators are not admins"
    );

    // A duplicate and a bad address are shown on the form.
    admin.get("/admin/users").await;
    let dup = admin
        .post(
            "/admin/users",
            &[("name", "Noor"), ("email", "NOOR@example.org")],
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert!(dup.body.contains("already an account"));
    let bad = admin
        .post("/admin/users", &[("name", ""), ("email", "nope")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let noor_id = {
        let mut conn = app.state.pool.get().unwrap();
        attune::db::models::User::find_by_email(&mut conn, "noor@example.org")
            .unwrap()
            .unwrap()
            .id
    };
    admin.get("/admin/users").await;
    let res = admin
        .post(&format!("/admin/users/{noor_id}/reset-password"), &[])
        .await;
    let second = secret_from(&res.body);
    assert_ne!(first, second);
    assert_eq!(
        noor.get("/dashboard").await.status,
        StatusCode::SEE_OTHER,
        "signed out everywhere"
    );
    assert_eq!(
        Browser::new(&app)
            .sign_in("noor@example.org", &first)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let mut noor = Browser::new(&app);
    assert_eq!(
        noor.sign_in("noor@example.org", &second).await.status,
        StatusCode::SEE_OTHER
    );

    admin.get("/admin/users").await;
    admin
        .post(&format!("/admin/users/{noor_id}/disable"), &[])
        .await;
    assert_eq!(noor.get("/dashboard").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        Browser::new(&app)
            .sign_in("noor@example.org", &second)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    admin.get("/admin/users").await;
    admin
        .post(&format!("/admin/users/{noor_id}/enable"), &[])
        .await;
    assert_eq!(
        Browser::new(&app)
            .sign_in("noor@example.org", &second)
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    // Nobody switches themselves off.
    let me = {
        let mut conn = app.state.pool.get().unwrap();
        attune::db::models::User::find_by_email(&mut conn, "admin@example.org")
            .unwrap()
            .unwrap()
            .id
    };
    admin.get("/admin/users").await;
    let res = admin.post(&format!("/admin/users/{me}/disable"), &[]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// Everything a POST could change, as text.
fn fingerprint(f: &Fixture) -> String {
    use attune::db::schema::*;
    let mut conn = f.app.state.pool.get().unwrap();
    let c = &mut *conn;
    let users: Vec<(String, String, Option<chrono::NaiveDateTime>)> = users::table
        .order(users::id)
        .select((users::email, users::password_hash, users::disabled_at))
        .load(c)
        .unwrap();
    let meetings: Vec<(i64, chrono::NaiveDateTime, String, Option<String>)> = meetings::table
        .order(meetings::id)
        .select((
            meetings::id,
            meetings::starts_at,
            meetings::status,
            meetings::fidelity_note,
        ))
        .load(c)
        .unwrap();
    let enrolments: Vec<(i64, String, Option<String>)> = enrolments::table
        .order(enrolments::id)
        .select((
            enrolments::id,
            enrolments::status,
            enrolments::consent_version,
        ))
        .load(c)
        .unwrap();
    let reflections: Vec<(String, String, String, Option<String>)> = reflections::table
        .order(reflections::id)
        .select((
            reflections::answers,
            reflections::status,
            reflections::visibility,
            reflections::facilitator_reply,
        ))
        .load(c)
        .unwrap();
    let counts: Vec<i64> = vec![
        cohorts::table.count().get_result(c).unwrap(),
        cohort_facilitators::table.count().get_result(c).unwrap(),
        participants::table.count().get_result(c).unwrap(),
        attendance::table.count().get_result(c).unwrap(),
        meeting_segments::table.count().get_result(c).unwrap(),
        roster_imports::table.count().get_result(c).unwrap(),
        access_tokens::table
            .filter(access_tokens::revoked_at.is_null())
            .count()
            .get_result(c)
            .unwrap(),
    ];
    format!("{users:?}{meetings:?}{enrolments:?}{reflections:?}{counts:?}")
}

#[actix_web::test]
async fn every_post_without_its_form_token_is_refused_and_changes_nothing() {
    let f = Fixture::new();
    let before = fingerprint(&f);
    let mut refused = 0;
    for (method, pattern) in attune::routes::ROUTES {
        // One-click unsubscribe is a cookieless POST by design (RFC 8058);
        // its signed link is the credential (tests/it/follow_ups.rs).
        // The text gateway's webhooks carry its signature instead of a
        // form token (tests/it/sms.rs refuses unsigned ones with 403).
        // An RSVP link's single-use token is its credential too, like the
        // stop link's (tests/it/rsvp.rs).
        if *method != "post"
            || pattern.starts_with("/u/")
            || pattern.starts_with("/sms/")
            || pattern.starts_with("/r/")
        {
            continue;
        }
        let role = if pattern.starts_with("/admin") {
            "admin"
        } else if pattern.starts_with("/me") {
            "parent_a"
        } else {
            "lead"
        };
        let mut b = f.browser(role).await;
        let path = f.fill(pattern, role);
        for token in ["", "not-the-token"] {
            let res = if pattern.ends_with("/import") && !pattern.contains("{import}") {
                b.last_token = Some(token.to_string());
                b.post_multipart(&path, &[("file", b"name,email\nX,x@example.org\n")])
                    .await
            } else {
                b.post_raw(
                    &path,
                    &[
                        ("csrf_token", token),
                        ("name", "X"),
                        ("email", "x@example.org"),
                    ],
                )
                .await
            };
            assert_eq!(
                res.status,
                StatusCode::FORBIDDEN,
                "POST {pattern} with token {token:?}"
            );
            refused += 1;
        }
    }
    assert!(refused >= 40, "{refused}");
    assert_eq!(before, fingerprint(&f), "a refused POST changed something");
}
