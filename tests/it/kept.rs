//! Nothing typed is lost when a session ends: a parent's words come back
//! and are saved as a draft once they are back in; a facilitator's form is
//! offered again after sign-in.

use actix_web::http::StatusCode;
use attune::db::schema::{attendance, outbox_messages, reflections, web_sessions};
use diesel::prelude::*;

use crate::access::{cohort_from, enrol};
use crate::common::{add_user, Browser, TestApp, PASSWORD};

/// Ends every session, as two idle hours would.
fn end_sessions(app: &TestApp) {
    let mut conn = app.state.pool.get().unwrap();
    diesel::delete(web_sessions::table)
        .execute(&mut *conn)
        .unwrap();
}

fn last_code(app: &TestApp) -> String {
    let mut conn = app.state.pool.get().unwrap();
    let text: String = outbox_messages::table
        .filter(outbox_messages::kind.eq("signin_code"))
        .order(outbox_messages::id.desc())
        .select(outbox_messages::text_body)
        .first(&mut *conn)
        .unwrap();
    text.lines()
        .map(str::trim)
        .find(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()))
        .unwrap()
        .to_string()
}

/// Signs a parent in with a code in this browser; returns the answer to
/// the code.
async fn code_sign_in(b: &mut Browser<'_>, email: &str) -> crate::common::Resp {
    b.get("/p/code").await;
    b.post("/p/code", &[("email", email)]).await;
    let code = last_code(b.app);
    b.post("/p/code/enter", &[("email", email), ("code", &code)])
        .await
}

/// A group three meetings in (session 3's reflection open) with two
/// parents; returns the app and the two enrolments.
fn group() -> (TestApp, i64, i64) {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = cohort_from(&app, &lead, "secure-base", -20);
    let ana = enrol(&app, &lead, cohort, "Ana Ruiz", "ana@example.org");
    let bo = enrol(&app, &lead, cohort, "Bo Lind", "bo@example.org");
    (app, ana, bo)
}

fn reflection_of(app: &TestApp, enrolment: i64) -> Option<(String, String)> {
    let mut conn = app.state.pool.get().unwrap();
    reflections::table
        .filter(reflections::enrolment_id.eq(enrolment))
        .select((reflections::answers, reflections::status))
        .load::<(String, String)>(&mut *conn)
        .unwrap()
        .into_iter()
        .next()
}

const WORDS: &str = "We had a hard morning and a soft evening. I said sorry first.";

/// A parent whose session ended writes, sends, and is back in: on the way.
async fn send_after_expiry<'a>(app: &'a TestApp, ana: i64, site: &str) -> Browser<'a> {
    let mut b = Browser::new(app);
    code_sign_in(&mut b, "ana@example.org").await;
    b.post("/me/consent", &[]).await;
    let page = b.get("/me/sessions/3").await;
    assert_eq!(page.status, StatusCode::OK);
    end_sessions(app);
    b.extra_headers = vec![("Sec-Fetch-Site".into(), site.into())];
    let writer = ana.to_string();
    let res = b
        .post(
            "/me/sessions/3/reflection",
            &[
                ("writer", writer.as_str()),
                ("answer_0", WORDS),
                ("action", "send"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    // The parents' own page: ways back in, no status code in the heading.
    assert!(res.body.contains("Email me a new link"), "{}", res.body);
    assert!(res.body.contains("href=\"/p/code\""));
    assert!(!res.body.contains("Error 401"));
    assert!(!res.body.contains("Back to the start"));
    b.extra_headers.clear();
    b
}

#[actix_web::test]
async fn a_parent_signed_out_mid_reflection_gets_the_words_back_and_saved() {
    let (app, ana, _) = group();
    let mut b = send_after_expiry(&app, ana, "same-origin").await;
    let page = b.get("/me/sessions/3").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.body.contains("Your words are safe"), "{}", page.body);
    assert!(page.body.contains(&crate::common::html_escape(WORDS)));
    assert_eq!(reflection_of(&app, ana), None, "nothing saved while out");

    // Back in with a code, in the same browser: saved as a draft, and the
    // parent is taken to it.
    let res = code_sign_in(&mut b, "ana@example.org").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.header("location"), "/me/sessions/3#reflection");
    let (answers, status) = reflection_of(&app, ana).expect("saved");
    assert!(answers.contains("I said sorry first."), "{answers}");
    assert_eq!(status, "draft");
    let page = b.get("/me/sessions/3").await;
    assert!(page.body.contains("saved it as a draft"), "{}", page.body);
    assert!(page.body.contains(&crate::common::html_escape(WORDS)));
    // Kept once, saved once: signing in again saves nothing more.
    b.post("/me/sign-out", &[]).await;
    code_sign_in(&mut b, "ana@example.org").await;
    assert!(!b.get("/me").await.body.contains("saved it as a draft"));
}

#[actix_web::test]
async fn words_left_in_a_shared_browser_are_never_saved_for_someone_else() {
    let (app, ana, bo) = group();
    let mut b = send_after_expiry(&app, ana, "same-origin").await;
    let res = code_sign_in(&mut b, "bo@example.org").await;
    assert_eq!(res.header("location"), "/me");
    assert_eq!(reflection_of(&app, bo), None);
    assert_eq!(reflection_of(&app, ana), None);
    // Nor are they shown to Bo afterwards.
    let page = b.get("/me/sessions/3").await;
    assert!(!page.body.contains(&crate::common::html_escape(WORDS)));
}

#[actix_web::test]
async fn a_form_posted_from_another_site_is_not_kept() {
    let (app, ana, _) = group();
    let mut b = send_after_expiry(&app, ana, "cross-site").await;
    let page = b.get("/me/sessions/3").await;
    assert!(!page.body.contains("Your words are safe"));
    code_sign_in(&mut b, "ana@example.org").await;
    assert_eq!(reflection_of(&app, ana), None);
}

#[actix_web::test]
async fn a_facilitator_signed_out_before_saving_attendance_saves_it_after_sign_in() {
    let (app, ana, bo) = group();
    let mut b = Browser::new(&app);
    b.sign_in("lead@example.org", PASSWORD).await;
    let cohort: i64 = {
        use attune::db::schema::enrolments;
        let mut conn = app.state.pool.get().unwrap();
        enrolments::table
            .find(ana)
            .select(enrolments::cohort_id)
            .first(&mut *conn)
            .unwrap()
    };
    let meeting = {
        let mut conn = app.state.pool.get().unwrap();
        attune::db::models::Meeting::for_cohort(&mut conn, cohort).unwrap()[0].id
    };
    let page_path = format!("/cohorts/{cohort}/meetings/{meeting}");
    b.get(&page_path).await;
    end_sessions(&app);
    b.extra_headers = vec![
        ("Sec-Fetch-Site".into(), "same-origin".into()),
        (
            "Referer".into(),
            format!("http://localhost:8080{page_path}"),
        ),
    ];
    let (a, o) = (format!("mark_{ana}"), format!("mark_{bo}"));
    let res = b
        .post(
            &format!("{page_path}/attendance"),
            &[(&a, "present"), (&o, "absent")],
        )
        .await;
    b.extra_headers.clear();
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res.header("location").starts_with("/login?next="));
    let login = b.get(res.header("location")).await;
    assert!(login.body.contains("We kept it"), "{}", login.body);

    let res = b
        .post(
            "/login",
            &[("email", "lead@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.header("location"), "/resume");
    let resume = b.get("/resume").await;
    assert!(resume.body.contains("the attendance you were saving"));
    let marks = || {
        let mut conn = app.state.pool.get().unwrap();
        attendance::table
            .count()
            .get_result::<i64>(&mut *conn)
            .unwrap()
    };
    assert_eq!(marks(), 0, "nothing saved before they say so");
    let res = b
        .post(
            &format!("{page_path}/attendance"),
            &[(&a, "present"), (&o, "absent")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(marks(), 2);
    // Sent, so no longer offered.
    let again = b.get("/resume").await;
    assert_eq!(again.header("location"), "/dashboard");
}

#[actix_web::test]
async fn a_kept_form_can_be_let_go() {
    let (app, ana, _) = group();
    let mut b = Browser::new(&app);
    b.sign_in("lead@example.org", PASSWORD).await;
    end_sessions(&app);
    b.extra_headers = vec![("Sec-Fetch-Site".into(), "same-origin".into())];
    let path = format!("/cohorts/1/enrolments/{ana}/withdraw");
    b.post(&path, &[]).await;
    b.extra_headers.clear();
    b.get("/login").await;
    let res = b
        .post(
            "/login",
            &[("email", "lead@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.header("location"), "/resume");
    b.get("/resume").await;
    let res = b.post("/resume/discard", &[]).await;
    assert_eq!(res.header("location"), "/dashboard");
    assert_eq!(b.get("/resume").await.header("location"), "/dashboard");
}
