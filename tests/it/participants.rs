//! Parents' pages: personal links, reflections and their privacy.

use actix_web::http::StatusCode;
use attune::db::models::User;
use attune::db::schema::{audit_log, reflections};
use diesel::prelude::*;

use crate::access::enrol;
use crate::common::{add_user, Browser, TestApp, PASSWORD};

/// A group that started 20 days ago: sessions 1-3 held, 4 tomorrow, so
/// session 3's reflection is open.
fn running_cohort(app: &TestApp, owner: &User) -> i64 {
    crate::access::cohort_from(app, owner, "secure-base", -20)
}

struct Family {
    app: TestApp,
    cohort: i64,
    ana: i64,
    bo: i64,
}

fn family() -> Family {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = running_cohort(&app, &lead);
    let ana = enrol(&app, &lead, cohort, "Ana Ruiz", "ana@example.org");
    let bo = enrol(&app, &lead, cohort, "Bo Lind", "bo@example.org");
    Family {
        app,
        cohort,
        ana,
        bo,
    }
}

async fn facilitator(app: &TestApp) -> Browser<'_> {
    let mut b = Browser::new(app);
    b.sign_in("lead@example.org", PASSWORD).await;
    b
}

/// The facilitator makes a link; returns its path.
async fn link_for(f: &Family, enrolment: i64) -> String {
    let mut b = facilitator(&f.app).await;
    b.get(&format!("/cohorts/{}", f.cohort)).await;
    let made = b
        .post(
            &format!("/cohorts/{}/enrolments/{enrolment}/link", f.cohort),
            &[],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let page = b.get(made.header("location")).await;
    assert_eq!(page.status, StatusCode::OK);
    let start = page.body.find("/p/").unwrap();
    page.body[start..start + 3 + 64].to_string()
}

/// A parent who opened their link and agreed to the terms.
async fn parent<'a>(f: &'a Family, enrolment: i64) -> Browser<'a> {
    let path = link_for(f, enrolment).await;
    let mut p = Browser::new(&f.app);
    let res = p.get(&path).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.header("location"), "/me");
    let consent = p.get("/me").await;
    assert!(consent.body.contains("Who sees what you write"));
    assert!(
        consent.body.contains("action=\"/me/sign-out\""),
        "the parent's menu, not sign-in"
    );
    p.post("/me/consent", &[]).await;
    p
}

const CANARY: &str = "The canary sings at midnight 7f3a";

#[actix_web::test]
async fn a_parent_opens_their_link_reads_and_reflects() {
    let f = family();
    let mut ana = parent(&f, f.ana).await;
    let home = ana.get("/me").await;
    assert_eq!(home.status, StatusCode::OK);
    assert_eq!(home.header("cache-control"), "no-store");
    assert!(home.body.contains("Hello Ana"));
    assert!(home.body.contains("Secure Base"));

    let page = ana.get("/me/sessions/3").await;
    assert!(page.body.contains("Your reflection"));
    let res = ana
        .post(
            "/me/sessions/3/reflection",
            &[("answer_0", CANARY), ("answer_1", ""), ("action", "draft")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = ana.get("/me/sessions/3").await;
    assert!(page.body.contains("Your draft is saved"));
    assert!(page.body.contains(CANARY));

    // A draft is nobody's business but Ana's.
    let mut lead = facilitator(&f.app).await;
    let reading = lead
        .get(&format!(
            "/cohorts/{}/enrolments/{}/reflections",
            f.cohort, f.ana
        ))
        .await;
    assert!(!reading.body.contains(CANARY));

    ana.get("/me/sessions/3").await;
    ana.post(
        "/me/sessions/3/reflection",
        &[("answer_0", CANARY), ("action", "send")],
    )
    .await;
    let reading = lead
        .get(&format!(
            "/cohorts/{}/enrolments/{}/reflections",
            f.cohort, f.ana
        ))
        .await;
    assert!(reading.body.contains(CANARY));
    let mut conn = f.app.state.pool.get().unwrap();
    let reads: i64 = audit_log::table
        .filter(audit_log::action.eq("reflection.read"))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(reads, 1);
    let details: Vec<Option<String>> = audit_log::table
        .select(audit_log::detail)
        .load(&mut *conn)
        .unwrap();
    assert!(
        details.iter().flatten().all(|d| !d.contains("canary")),
        "the audit log keeps no content"
    );
}

#[actix_web::test]
async fn only_me_stays_with_the_parent() {
    let f = family();
    let mut bo = parent(&f, f.bo).await;
    bo.get("/me/sessions/3").await;
    bo.post(
        "/me/sessions/3/reflection",
        &[("answer_0", CANARY), ("only_me", "1"), ("action", "send")],
    )
    .await;
    assert!(
        bo.get("/me/sessions/3").await.body.contains(CANARY),
        "Bo still sees it"
    );

    let mut lead = facilitator(&f.app).await;
    let meeting = {
        let mut conn = f.app.state.pool.get().unwrap();
        attune::db::models::Meeting::for_cohort(&mut conn, f.cohort).unwrap()[2].id
    };
    for path in [
        format!("/cohorts/{}/meetings/{meeting}/reflections", f.cohort),
        format!("/cohorts/{}/enrolments/{}/reflections", f.cohort, f.bo),
        format!("/cohorts/{}", f.cohort),
        "/dashboard".to_string(),
    ] {
        let page = lead.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains(CANARY), "{path} shows private text");
    }
    let by_meeting = lead
        .get(&format!(
            "/cohorts/{}/meetings/{meeting}/reflections",
            f.cohort
        ))
        .await;
    assert!(by_meeting.body.contains("kept it private"));
    // A private reflection cannot be replied to (nothing to reply to).
    let id: i64 = {
        let mut conn = f.app.state.pool.get().unwrap();
        reflections::table
            .select(reflections::id)
            .first(&mut *conn)
            .unwrap()
    };
    let res = lead
        .post(
            &format!("/cohorts/{}/reflections/{id}/reply", f.cohort),
            &[("reply", "Thanks!")],
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn parents_cannot_reach_each_other() {
    let f = family();
    let mut ana = parent(&f, f.ana).await;
    ana.get("/me/sessions/3").await;
    let sent = ana
        .post(
            "/me/sessions/3/reflection",
            &[("answer_0", CANARY), ("action", "send")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let mut bo = parent(&f, f.bo).await;
    for n in 1..=7 {
        let page = bo.get(&format!("/me/sessions/{n}")).await;
        assert!(!page.body.contains(CANARY), "session {n}");
    }
    assert!(!bo.get("/me").await.body.contains("Ana"));
    // Facilitator pages are not parent pages.
    assert_eq!(
        bo.get(&format!("/cohorts/{}", f.cohort)).await.status,
        StatusCode::SEE_OTHER
    );
    // And without a link there is nothing to see.
    let mut stranger = Browser::new(&f.app);
    let res = stranger.get("/me").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res.body.contains("personal link"));
}

#[actix_web::test]
async fn bad_input_is_refused_kindly_and_nothing_is_lost() {
    let f = family();
    let mut ana = parent(&f, f.ana).await;
    ana.get("/me/sessions/3").await;
    ana.post(
        "/me/sessions/3/reflection",
        &[("answer_0", "My first thoughts."), ("action", "send")],
    )
    .await;

    // Longer than one answer may be: the form comes back with the text.
    let long = format!("{} end", "word ".repeat(5_000));
    ana.get("/me/sessions/3").await;
    let res = ana
        .post(
            "/me/sessions/3/reflection",
            &[("answer_0", &long), ("action", "send")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("the most we can keep is 20000"));
    assert!(
        res.body.contains("word word word"),
        "what was typed is shown again"
    );
    // A megabyte: refused before reading, the saved answer untouched.
    let huge = "x".repeat(1024 * 1024);
    let res = ana
        .post(
            "/me/sessions/3/reflection",
            &[("answer_0", &huge), ("action", "send")],
        )
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res.body.contains("larger than we accept"));
    assert!(ana
        .get("/me/sessions/3")
        .await
        .body
        .contains("My first thoughts."));

    // Scripts and links are inert; right-to-left text and emoji survive.
    let tricky = "<script>alert(1)</script>\n\n[click me](javascript:alert(1))\n\n<img src=x onerror=alert(2)>\n\n<a href=\"javascript:alert(3)\">x</a>\n\nمرحبا بالعالم 👨‍👩‍👧 שלום";
    ana.get("/me/sessions/3").await;
    ana.post(
        "/me/sessions/3/reflection",
        &[("answer_0", tricky), ("action", "send")],
    )
    .await;
    let mut lead = facilitator(&f.app).await;
    let page = lead
        .get(&format!(
            "/cohorts/{}/enrolments/{}/reflections",
            f.cohort, f.ana
        ))
        .await;
    assert!(!page.body.contains("<script>alert"));
    assert!(page.body.contains("click me"), "the link text stays");
    assert!(
        !page.body.to_lowercase().contains("href=\"javascript"),
        "no live javascript: link"
    );
    assert!(!page.body.contains("onerror"));
    assert!(page.body.contains("مرحبا بالعالم 👨‍👩‍👧 שלום"));
    let stored: String = {
        let mut conn = f.app.state.pool.get().unwrap();
        reflections::table
            .select(reflections::answers)
            .first(&mut *conn)
            .unwrap()
    };
    assert!(stored.contains("مرحبا بالعالم 👨‍👩‍👧 שלום"));

    // The same submit twice is one reflection.
    ana.get("/me/sessions/3").await;
    for _ in 0..2 {
        let res = ana
            .post(
                "/me/sessions/3/reflection",
                &[("answer_0", "Same"), ("action", "send")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
    }
    let rows: i64 = {
        let mut conn = f.app.state.pool.get().unwrap();
        reflections::table.count().get_result(&mut *conn).unwrap()
    };
    assert_eq!(rows, 1);
}

#[actix_web::test]
async fn reflections_close_when_the_next_meeting_begins() {
    let f = family();
    let mut ana = parent(&f, f.ana).await;
    // Session 1's window closed when session 2 met, 13 days ago.
    let page = ana.get("/me/sessions/1").await;
    assert!(page.body.contains("closed when the next meeting began"));
    let res = ana
        .post(
            "/me/sessions/1/reflection",
            &[("answer_0", "late"), ("action", "send")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Session 5 has not met yet.
    let page = ana.get("/me/sessions/5").await;
    assert!(page.body.contains("once the meeting has started"));
    assert_eq!(
        ana.post(
            "/me/sessions/5/reflection",
            &[("answer_0", "early"), ("action", "send")]
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        ana.get("/me/sessions/99").await.status,
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn switched_off_links_and_sessions_stop_working() {
    let f = family();
    let link = link_for(&f, f.ana).await;
    let mut ana = Browser::new(&f.app);
    ana.get(&link).await;
    assert_eq!(ana.get("/me").await.status, StatusCode::OK);
    let mut lead = facilitator(&f.app).await;
    lead.get(&format!("/cohorts/{}", f.cohort)).await;
    lead.post(
        &format!("/cohorts/{}/enrolments/{}/links/revoke", f.cohort, f.ana),
        &[],
    )
    .await;
    assert_eq!(
        ana.get("/me").await.status,
        StatusCode::UNAUTHORIZED,
        "the open session ended"
    );
    let again = Browser::new(&f.app).get(&link).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert!(again.body.contains("switched off"));
    let made_up = format!("/p/{}", "0".repeat(64));
    assert_eq!(
        Browser::new(&f.app).get(&made_up).await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// Each route takes a body of its own size: a parent's long answer fits,
/// a button or sign-in form with a padded body does not.
#[actix_web::test]
async fn bodies_are_capped_per_route() {
    let f = family();
    let mut ana = parent(&f, f.ana).await;
    ana.get("/me/sessions/3").await;
    // 19,000 accented letters: about 114 kB once URL-encoded, more than an
    // ordinary form may carry, and still a reflection a parent may write.
    let long = "é".repeat(19_000);
    let res = ana
        .post(
            "/me/sessions/3/reflection",
            &[("answer_0", &long), ("action", "send")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(ana
        .get("/me/sessions/3")
        .await
        .body
        .contains(&"é".repeat(100)));

    // A sign-out button with 20 kB of padding: refused, still signed in.
    let padding = "x".repeat(20 * 1024);
    let res = ana.post("/me/sign-out", &[("padding", &padding)]).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(ana.get("/me").await.status, StatusCode::OK);

    // The sign-in form too.
    let mut stranger = Browser::new(&f.app);
    stranger.get("/login").await;
    let res = stranger
        .post(
            "/login",
            &[
                ("email", "lead@example.org"),
                ("password", &padding),
                ("next", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);

    // An ordinary facilitator form: 100 kB is too much, nothing is made.
    let mut lead = facilitator(&f.app).await;
    lead.get("/cohorts/new").await;
    let cohorts = || {
        let mut conn = f.app.state.pool.get().unwrap();
        attune::on_backend!(&mut *conn, |c| attune::db::schema::cohorts::table
            .count()
            .get_result::<i64>(c))
        .unwrap()
    };
    let before = cohorts();
    let res = lead
        .post(
            "/cohorts",
            &[("title", &"t".repeat(100 * 1024)), ("time_zone", "UTC")],
        )
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(cohorts(), before);
}
