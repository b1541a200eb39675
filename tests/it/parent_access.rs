//! A parent who lost their link asks for a fresh one; a one-time code on a shared device; turning follow-ups off and on.

use actix_web::http::StatusCode;
use attune::db::schema::{access_tokens, audit_log, enrolments, outbox_messages, participants};
use diesel::prelude::*;

use crate::access::{cohort_from, enrol};
use crate::common::{add_user, Browser, TestApp};

struct Group {
    app: TestApp,
    ana: i64,
    bo: i64,
}

/// A running group with two parents.
fn group() -> Group {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = cohort_from(&app, &lead, "secure-base", -20);
    let ana = enrol(&app, &lead, cohort, "Ana Ruiz", "ana@example.org");
    let bo = enrol(&app, &lead, cohort, "Bo Lind", "bo@example.org");
    Group { app, ana, bo }
}

/// Queued messages of a kind: (enrolment, to, text body), oldest first.
fn queued(app: &TestApp, kind: &str) -> Vec<(Option<i64>, String, String)> {
    let mut conn = app.state.pool.get().unwrap();
    outbox_messages::table
        .filter(outbox_messages::kind.eq(kind))
        .order(outbox_messages::id.asc())
        .select((
            outbox_messages::enrolment_id,
            outbox_messages::to_address,
            outbox_messages::text_body,
        ))
        .load(&mut *conn)
        .unwrap()
}

fn link_in(text: &str) -> String {
    let start = text.find("/p/").expect("a link in the email");
    let token: String = text[start + 3..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    assert_eq!(token.len(), 64);
    format!("/p/{token}")
}

fn code_in(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()))
        .expect("a code in the email")
        .to_string()
}

fn not(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

fn audit_actions(app: &TestApp) -> Vec<(String, Option<String>)> {
    let mut conn = app.state.pool.get().unwrap();
    audit_log::table
        .order(audit_log::id.asc())
        .select((audit_log::action, audit_log::detail))
        .load(&mut *conn)
        .unwrap()
}

async fn ask_link(b: &mut Browser<'_>, email: &str) -> crate::common::Resp {
    b.get("/p/lost").await;
    b.post("/p/lost", &[("email", email)]).await
}

async fn ask_code(b: &mut Browser<'_>, email: &str) -> crate::common::Resp {
    b.get("/p/code").await;
    b.post("/p/code", &[("email", email)]).await
}

/// A parent who signed in with a code and agreed to the terms.
async fn signed_in<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
    let mut b = Browser::new(app);
    let res = ask_code(&mut b, email).await;
    assert_eq!(res.status, StatusCode::OK);
    let code = code_in(&queued(app, "signin_code").last().unwrap().2);
    let res = b
        .post("/p/code/enter", &[("email", email), ("code", &code)])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    b.get("/me").await;
    b.post("/me/consent", &[]).await;
    b
}

const SENT: &str = "If that address is in one of our groups, we have sent a new link.";

#[actix_web::test]
async fn a_known_parent_gets_one_new_link_that_opens_their_page() {
    let g = group();
    let mut b = Browser::new(&g.app);
    let form = b.get("/p/lost").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Lost your link?"));
    let res = b.post("/p/lost", &[("email", "  Ana@Example.org ")]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains(SENT));

    let mails = queued(&g.app, "new_link");
    assert_eq!(mails.len(), 1);
    let (enrolment, to, text) = &mails[0];
    assert_eq!(*enrolment, Some(g.ana));
    assert_eq!(to, "ana@example.org");
    assert!(text.contains("Hi Ana,"));

    // The email really goes, and the link in it opens Ana's page.
    let (transport, kept) = attune::mail::Transport::memory();
    let worker = std::sync::Arc::new(g.app.state.worker(transport).unwrap());
    worker.drain().await.unwrap();
    let sent: Vec<_> = kept
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m.subject.starts_with("Here is your new link"))
        .map(|m| m.to.clone())
        .collect();
    assert_eq!(sent, vec!["ana@example.org".to_string()]);

    let mut ana = Browser::new(&g.app);
    let opened = ana.get(&link_in(text)).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    assert_eq!(opened.header("location"), "/me");
    let me = ana.get("/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert!(me.body.contains("Hello Ana"));
    assert!(!me.body.contains("Bo"));
}

#[actix_web::test]
async fn an_unknown_withdrawn_or_erased_address_gets_the_same_page_and_no_email() {
    let g = group();
    {
        let mut conn = g.app.state.pool.get().unwrap();
        diesel::update(enrolments::table.find(g.bo))
            .set(enrolments::status.eq("withdrawn"))
            .execute(&mut *conn)
            .unwrap();
    }
    let mut b = Browser::new(&g.app);
    // Every answer waits the same 300 ms, so how long it took says nothing
    // either (queuing an email is slower than finding no one).
    let asked = std::time::Instant::now();
    let known = ask_link(&mut b, "ana@example.org").await;
    assert!(asked.elapsed() >= std::time::Duration::from_millis(300));
    for email in ["nobody@example.org", "bo@example.org"] {
        let asked = std::time::Instant::now();
        let res = ask_link(&mut b, email).await;
        assert!(asked.elapsed() >= std::time::Duration::from_millis(300));
        assert_eq!(res.status, known.status);
        assert_eq!(res.body, known.body, "{email} looks like a known address");
    }
    // An erased parent's address is gone from their record.
    let mut conn = g.app.state.pool.get().unwrap();
    let ana_id: i64 = enrolments::table
        .find(g.ana)
        .select(enrolments::participant_id)
        .first(&mut *conn)
        .unwrap();
    diesel::update(participants::table.find(ana_id))
        .set(participants::erased_at.eq(Some(attune::db::now())))
        .execute(&mut *conn)
        .unwrap();
    drop(conn);
    let res = ask_link(&mut b, "ana@example.org").await;
    assert_eq!(res.body, known.body);

    let mails = queued(&g.app, "new_link");
    assert_eq!(mails.len(), 1, "only Ana, before she was erased");
    assert_eq!(mails[0].0, Some(g.ana));
}

#[actix_web::test]
async fn the_fourth_request_in_an_hour_is_refused_for_any_address() {
    let g = group();
    let mut b = Browser::new(&g.app);
    for email in ["ana@example.org", "nobody@example.org"] {
        for _ in 0..3 {
            assert_eq!(ask_link(&mut b, email).await.status, StatusCode::OK);
        }
        let res = ask_link(&mut b, email).await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{email}");
        assert_eq!(res.header("retry-after"), "3600");
        assert!(res.body.contains("please wait an hour"));
        assert!(!res.body.contains(SENT));
    }
    assert_eq!(queued(&g.app, "new_link").len(), 3);

    // One network address may ask 20 times an hour, whatever the address.
    for n in 0..14 {
        let res = ask_link(&mut b, &format!("someone{n}@example.org")).await;
        assert_eq!(res.status, StatusCode::OK, "request {n}");
    }
    let res = ask_link(&mut b, "bo@example.org").await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(queued(&g.app, "new_link").len(), 3);
}

#[actix_web::test]
async fn bad_input_is_422_and_queues_nothing() {
    let g = group();
    let mut b = Browser::new(&g.app);
    let res = ask_link(&mut b, "").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Please type the email address"));
    let res = ask_link(&mut b, "ana at example").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("doesn&#x27;t look like an email address"));
    assert!(res.body.contains("value=\"ana at example\""));
    let res = ask_code(&mut b, "ana@").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Sign in with a code"));

    ask_code(&mut b, "ana@example.org").await;
    for code in ["", "12345", "1234567", "12345x"] {
        let res = b
            .post(
                "/p/code/enter",
                &[("email", "ana@example.org"), ("code", code)],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{code:?}");
        assert!(res.body.contains("6-digit code") || res.body.contains("6 numbers"));
        assert!(res
            .body
            .contains("name=\"email\" value=\"ana@example.org\""));
    }
    // Malformed codes are not tries.
    let code = code_in(&queued(&g.app, "signin_code")[0].2);
    let res = b
        .post(
            "/p/code/enter",
            &[("email", "ana@example.org"), ("code", &code)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);

    // Without the form's token nothing happens.
    let mut stranger = Browser::new(&g.app);
    let res = stranger
        .post_raw("/p/lost", &[("email", "ana@example.org")])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(queued(&g.app, "new_link").len(), 0);
    assert_eq!(queued(&g.app, "signin_code").len(), 1);
}

#[actix_web::test]
async fn a_code_signs_a_parent_in_once() {
    let g = group();
    let mut b = Browser::new(&g.app);
    let form = b.get("/p/code").await;
    assert_eq!(form.status, StatusCode::OK);
    let res = b.post("/p/code", &[("email", "Ana@example.org")]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("autocomplete=\"one-time-code\""));
    assert!(res.body.contains("inputmode=\"numeric\""));
    assert!(res
        .body
        .contains("name=\"email\" value=\"ana@example.org\""));
    assert_eq!(res.header("cache-control"), "no-store");

    let mails = queued(&g.app, "signin_code");
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].0, Some(g.ana));
    let code = code_in(&mails[0].2);
    assert!(mails[0].2.contains("15 minutes"));

    // Nothing stored gives the code away.
    let mut conn = g.app.state.pool.get().unwrap();
    let hashes: Vec<String> = access_tokens::table
        .filter(access_tokens::purpose.eq("signin_code"))
        .select(access_tokens::token_hash)
        .load(&mut *conn)
        .unwrap();
    drop(conn);
    assert_eq!(hashes.len(), 1);
    assert!(!hashes[0].contains(&code));

    let typed = format!("{} {}", &code[..3], &code[3..]);
    let res = b
        .post(
            "/p/code/enter",
            &[("email", "ana@example.org"), ("code", &typed)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.header("location"), "/me");
    let me = b.get("/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert!(me.body.contains("Hello Ana"));
    assert!(me.body.contains("please sign out when you"));

    let actions = audit_actions(&g.app);
    assert!(actions
        .iter()
        .any(|(a, _)| a == "participant.code_signed_in"));
    assert!(actions
        .iter()
        .all(|(_, d)| !d.as_deref().unwrap_or("").contains(&code)));

    // A code works once.
    let mut again = Browser::new(&g.app);
    again.get("/p/code").await;
    let res = again
        .post(
            "/p/code/enter",
            &[("email", "ana@example.org"), ("code", &code)],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res.body.contains("Please ask for a new code"));
    assert_eq!(again.get("/me").await.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn five_wrong_codes_kill_the_code() {
    let g = group();
    let mut b = Browser::new(&g.app);
    ask_code(&mut b, "ana@example.org").await;
    let code = code_in(&queued(&g.app, "signin_code")[0].2);
    let wrong = not(&code);
    for left in (1..=4).rev() {
        let res = b
            .post(
                "/p/code/enter",
                &[("email", "ana@example.org"), ("code", &wrong)],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        let tries = if left == 1 {
            "1 more try."
        } else {
            "more tries."
        };
        assert!(res.body.contains(tries), "{left}: {}", res.body);
        assert!(res.body.contains(&format!("You have {left} more")));
        assert!(res
            .body
            .contains("name=\"email\" value=\"ana@example.org\""));
    }
    let res = b
        .post(
            "/p/code/enter",
            &[("email", "ana@example.org"), ("code", &wrong)],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res.body.contains("it has now stopped working"));
    let res = b
        .post(
            "/p/code/enter",
            &[("email", "ana@example.org"), ("code", &code)],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res.body.contains("Please ask for a new code"));
    assert_eq!(b.get("/me").await.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn an_expired_code_is_refused() {
    let g = group();
    let mut b = Browser::new(&g.app);
    ask_code(&mut b, "ana@example.org").await;
    let code = code_in(&queued(&g.app, "signin_code")[0].2);
    let mut conn = g.app.state.pool.get().unwrap();
    diesel::update(access_tokens::table.filter(access_tokens::purpose.eq("signin_code")))
        .set(access_tokens::expires_at.eq(Some(attune::db::now() - chrono::Duration::minutes(1))))
        .execute(&mut *conn)
        .unwrap();
    drop(conn);
    let res = b
        .post(
            "/p/code/enter",
            &[("email", "ana@example.org"), ("code", &code)],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res.body.contains("15 minutes"));
    assert_eq!(b.get("/me").await.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn a_new_code_retires_the_old_one() {
    let g = group();
    let mut b = Browser::new(&g.app);
    ask_code(&mut b, "ana@example.org").await;
    ask_code(&mut b, "ana@example.org").await;
    let mails = queued(&g.app, "signin_code");
    assert_eq!(mails.len(), 2);
    let (first, second) = (code_in(&mails[0].2), code_in(&mails[1].2));
    if first != second {
        let res = b
            .post(
                "/p/code/enter",
                &[("email", "ana@example.org"), ("code", &first)],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let res = b
        .post(
            "/p/code/enter",
            &[("email", "ana@example.org"), ("code", &second)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn one_parents_code_never_opens_another_parent() {
    let g = group();
    let mut b = Browser::new(&g.app);
    ask_code(&mut b, "ana@example.org").await;
    let ana_code = code_in(&queued(&g.app, "signin_code")[0].2);
    // Bo has no code yet, then one of his own.
    let res = b
        .post(
            "/p/code/enter",
            &[("email", "bo@example.org"), ("code", &ana_code)],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    ask_code(&mut b, "bo@example.org").await;
    let bo_code = code_in(&queued(&g.app, "signin_code")[1].2);
    assert_eq!(queued(&g.app, "signin_code")[1].0, Some(g.bo));
    if bo_code != ana_code {
        let res = b
            .post(
                "/p/code/enter",
                &[("email", "bo@example.org"), ("code", &ana_code)],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        assert_eq!(b.get("/me").await.status, StatusCode::UNAUTHORIZED);
    }
    // Ana's code still opens Ana's page only.
    let res = b
        .post(
            "/p/code/enter",
            &[("email", "ana@example.org"), ("code", &ana_code)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let me = b.get("/me").await;
    assert!(me.body.contains("Hello Ana"));
}

#[actix_web::test]
async fn an_unknown_address_sees_the_same_code_pages() {
    let g = group();
    let mut b = Browser::new(&g.app);
    let known = ask_code(&mut b, "ana@example.org").await;
    let unknown = ask_code(&mut b, "nobody@example.org").await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(
        unknown
            .body
            .replace("nobody@example.org", "ana@example.org"),
        known.body
    );
    assert_eq!(queued(&g.app, "signin_code").len(), 1);

    let code = code_in(&queued(&g.app, "signin_code")[0].2);
    let wrong_known = b
        .post(
            "/p/code/enter",
            &[("email", "ana@example.org"), ("code", &not(&code))],
        )
        .await;
    let wrong_unknown = b
        .post(
            "/p/code/enter",
            &[("email", "nobody@example.org"), ("code", &code)],
        )
        .await;
    assert_eq!(wrong_unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong_unknown
            .body
            .replace("nobody@example.org", "ana@example.org"),
        wrong_known.body
    );
    assert!(wrong_unknown.body.contains("You have 4 more tries."));
    for _ in 0..4 {
        b.post(
            "/p/code/enter",
            &[("email", "nobody@example.org"), ("code", "000000")],
        )
        .await;
    }
    let res = b
        .post(
            "/p/code/enter",
            &[("email", "nobody@example.org"), ("code", "000000")],
        )
        .await;
    assert!(res.body.contains("Please ask for a new code"));
    assert_eq!(b.get("/me").await.status, StatusCode::UNAUTHORIZED);

    // Asking for codes is throttled the same way for both.
    for email in ["ana@example.org", "nobody@example.org"] {
        ask_code(&mut b, email).await;
        ask_code(&mut b, email).await;
        let res = ask_code(&mut b, email).await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{email}");
    }
}

fn unsubscribed(app: &TestApp, enrolment: i64) -> bool {
    let mut conn = app.state.pool.get().unwrap();
    enrolments::table
        .find(enrolment)
        .select(enrolments::unsubscribed_at)
        .first::<Option<chrono::NaiveDateTime>>(&mut *conn)
        .unwrap()
        .is_some()
}

#[actix_web::test]
async fn a_parent_turns_emails_off_and_on() {
    let g = group();
    // Ana's welcome is waiting in the outbox.
    let status_of_welcome = |app: &TestApp| -> String {
        let mut conn = app.state.pool.get().unwrap();
        outbox_messages::table
            .filter(outbox_messages::kind.eq("welcome"))
            .filter(outbox_messages::enrolment_id.eq(g.ana))
            .select(outbox_messages::status)
            .first(&mut *conn)
            .unwrap()
    };
    assert_eq!(status_of_welcome(&g.app), "queued");

    let mut ana = signed_in(&g.app, "ana@example.org").await;
    let home = ana.get("/me").await;
    assert!(home.body.contains("Emails from your group"));
    assert!(home.body.contains("Turn emails off"));

    let res = ana.post("/me/emails", &[("emails", "off")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.header("location"), "/me");
    assert!(unsubscribed(&g.app, g.ana));
    assert!(!unsubscribed(&g.app, g.bo));
    assert_eq!(status_of_welcome(&g.app), "cancelled");
    let home = ana.get("/me").await;
    assert!(home.body.contains("Emails are off."));
    assert!(home.body.contains("Turn emails on"));

    let res = ana.post("/me/emails", &[("emails", "on")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(!unsubscribed(&g.app, g.ana));
    let home = ana.get("/me").await;
    assert!(home.body.contains("Emails are on."));
    assert!(home.body.contains("Turn emails off"));

    let res = ana.post("/me/emails", &[("emails", "maybe")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!unsubscribed(&g.app, g.ana));

    // Only a signed-in parent, with the page's token.
    let mut stranger = Browser::new(&g.app);
    stranger.get("/p/lost").await;
    let res = stranger.post("/me/emails", &[("emails", "off")]).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let res = ana.post_raw("/me/emails", &[("emails", "off")]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(!unsubscribed(&g.app, g.ana));
}
