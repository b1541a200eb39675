//! Bounded work under overload: a busy database or a full server answers
//! 503 with Retry-After and a kind page, changes nothing, and recovers.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use attune::db::schema::cohorts;
use diesel::prelude::*;

use crate::common::{add_user, Browser, TestApp, PASSWORD};

fn cookie_header(b: &Browser<'_>) -> String {
    b.cookies()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

fn cohort_count(app: &TestApp) -> i64 {
    let mut conn = app.state.pool.get().unwrap();
    attune::on_backend!(&mut *conn, |c| cohorts::table.count().get_result(c)).unwrap()
}

#[actix_web::test]
async fn a_busy_database_gets_503_with_retry_after_and_changes_nothing() {
    // One connection, and a short wait for it.
    let app = TestApp::with_vars(&[("DATABASE_POOL_SIZE", "1"), ("DATABASE_WAIT_MS", "50")]);
    add_user(&app, "lead@example.org", false);
    let mut b = Browser::new(&app);
    b.sign_in("lead@example.org", PASSWORD).await;
    let form = b.get("/cohorts/new").await;
    assert_eq!(form.status, StatusCode::OK);
    let before = cohort_count(&app);

    // Something else holds the only connection.
    let held = app.state.pool.get().unwrap();

    // A signed-in page: the session cannot even be read.
    let page = b.get("/dashboard").await;
    assert_eq!(
        page.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        page.body
    );
    assert_eq!(page.header("retry-after"), "2");
    assert_eq!(page.header("cache-control"), "no-store");
    assert!(page.header("content-type").starts_with("text/html"));
    assert!(page.body.contains("very busy"), "{}", page.body);
    assert!(page.body.contains("Nothing was changed"), "{}", page.body);
    assert!(!page.body.contains("internal"), "{}", page.body);
    // Security headers still go on.
    assert!(page
        .header("content-security-policy")
        .contains("default-src 'self'"));

    // A form post is refused before it does anything.
    let post = b
        .post(
            "/cohorts",
            &[
                ("title", "Busy night group"),
                ("curriculum_version_id", "1"),
                ("time_zone", "Europe/London"),
            ],
        )
        .await;
    assert_eq!(
        post.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        post.body
    );

    // Programs get JSON.
    let json = app
        .send(
            TestRequest::get()
                .uri("/dashboard")
                .insert_header(("Accept", "application/json"))
                .insert_header(("Cookie", cookie_header(&b))),
        )
        .await;
    assert_eq!(json.status, StatusCode::SERVICE_UNAVAILABLE);
    let v: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(v["error"]["status"], 503);

    // A page with no session that needs the database: the handler's own
    // wait ends in 503 too.
    let join = app.get("/join/not-a-real-invite").await;
    assert_eq!(
        join.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        join.body
    );
    assert_eq!(join.header("retry-after"), "2");

    drop(held);
    assert_eq!(cohort_count(&app), before, "nothing was written while busy");
    let page = b.get("/dashboard").await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "serves again once a connection is free"
    );
}

#[actix_web::test]
async fn the_session_is_refreshed_at_most_once_a_minute() {
    use attune::db::schema::web_sessions;
    let app = TestApp::new();
    add_user(&app, "lead@example.org", false);
    let mut b = Browser::new(&app);
    b.sign_in("lead@example.org", PASSWORD).await;
    let seen = |app: &TestApp| -> Vec<chrono::NaiveDateTime> {
        let mut conn = app.state.pool.get().unwrap();
        attune::on_backend!(&mut *conn, |c| web_sessions::table
            .select(web_sessions::expires_at)
            .load(c))
        .unwrap()
    };
    b.get("/dashboard").await;
    let first = seen(&app);
    assert_eq!(first.len(), 1);
    // A page view moments later reads the session and writes nothing.
    b.get("/dashboard").await;
    assert_eq!(seen(&app), first);

    // Once last seen over a minute ago, the next view slides the idle
    // timeout forward.
    {
        let mut conn = app.state.pool.get().unwrap();
        let earlier = attune::db::now() - chrono::Duration::minutes(5);
        attune::on_backend!(&mut *conn, |c| diesel::update(web_sessions::table)
            .set((
                web_sessions::last_seen_at.eq(earlier),
                web_sessions::expires_at.eq(earlier + chrono::Duration::minutes(120)),
            ))
            .execute(c))
        .unwrap();
    }
    let stale = seen(&app);
    let page = b.get("/dashboard").await;
    assert_eq!(page.status, StatusCode::OK);
    let fresh = seen(&app);
    assert!(
        fresh[0] > stale[0] + chrono::Duration::minutes(4),
        "{stale:?} -> {fresh:?}"
    );
}
