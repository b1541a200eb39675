//! A one-off message to the group about a meeting: checked first, held a
//! few minutes with Undo, then sent through the outbox.

use actix_web::http::StatusCode;
use attune::db::schema::outbox_messages;
use diesel::prelude::*;

use crate::access::{cohort_from, enrol};
use crate::common::{add_user, Browser, TestApp, PASSWORD};

fn rows(app: &TestApp) -> Vec<(String, String, String)> {
    let mut conn = app.state.pool.get().unwrap();
    outbox_messages::table
        .filter(outbox_messages::kind.eq("group_message"))
        .order(outbox_messages::id)
        .select((
            outbox_messages::to_address,
            outbox_messages::status,
            outbox_messages::text_body,
        ))
        .load(&mut *conn)
        .unwrap()
}

async fn setup(app: &TestApp) -> (Browser<'_>, String) {
    let lead = add_user(app, "lead@example.org", false);
    let cohort = cohort_from(app, &lead, "secure-base", 3);
    enrol(app, &lead, cohort, "Kim Lee", "kim@example.org");
    enrol(app, &lead, cohort, "Amir Haddad", "amir@example.org");
    let meeting = {
        let mut conn = app.state.pool.get().unwrap();
        attune::db::models::Meeting::for_cohort(&mut conn, cohort).unwrap()[0].id
    };
    let mut b = Browser::new(app);
    b.sign_in("lead@example.org", PASSWORD).await;
    let path = format!("/cohorts/{cohort}/meetings/{meeting}");
    b.get(&path).await;
    (b, path)
}

#[actix_web::test]
async fn a_message_is_checked_held_and_can_be_undone() {
    let app = TestApp::new();
    let (mut b, path) = setup(&app).await;
    let words = "We're in room 4 tonight: the hall is being painted.";
    // Checking sends nothing and says who gets what.
    let check = b
        .post(
            &format!("{path}/message"),
            &[("message", words), ("step", "check")],
        )
        .await;
    assert_eq!(check.status, StatusCode::OK);
    assert!(
        check.body.contains("Send this to 2 parents?"),
        "{}",
        check.body
    );
    assert!(check.body.contains(&crate::common::html_escape(words)));
    assert!(rows(&app).is_empty(), "nothing queued by a check");
    // The check shows a placeholder, never the first parent's own stop link.
    assert!(check.body.contains("/u/(their-own-stop-link)"));
    assert!(!check.body.contains("/u/1."), "{}", check.body);

    let sent = b
        .post(
            &format!("{path}/message"),
            &[("message", words), ("step", "send")],
        )
        .await;
    assert_eq!(sent.header("location"), format!("{path}#message"));
    let queued = rows(&app);
    assert_eq!(queued.len(), 2);
    assert!(queued
        .iter()
        .all(|(_, status, text)| status == "queued" && text.contains("room 4")));
    let page = b.get(&path).await;
    assert!(page.body.contains("Your message goes to 2 parents at"));
    assert!(page.body.contains("Undo: don't send it"));

    let undo = b.post(&format!("{path}/message/undo"), &[]).await;
    assert_eq!(undo.status, StatusCode::SEE_OTHER);
    assert!(rows(&app)
        .iter()
        .all(|(_, status, _)| status == "cancelled"));
    let page = b.get(&path).await;
    assert!(page.body.contains("Stopped. Nobody got your message."));
}

#[actix_web::test]
async fn an_empty_or_long_message_is_refused_and_kept() {
    let app = TestApp::new();
    let (mut b, path) = setup(&app).await;
    let empty = b
        .post(
            &format!("{path}/message"),
            &[("message", "  "), ("step", "check")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty.body.contains("href=\"#message\""),
        "the summary links to the field"
    );
    let long = "a".repeat(1501);
    let res = b
        .post(
            &format!("{path}/message"),
            &[("message", &long), ("step", "send")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = b
        .post(
            &format!("{path}/message"),
            &[("message", &long), ("step", "check")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains(&long), "what was typed stays");
    assert!(res.body.contains("aria-invalid=\"true\""));
    assert!(rows(&app).is_empty());
}
