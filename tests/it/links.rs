//! Invite links and calendar feeds.

use actix_web::http::StatusCode;
use attune::db::models::User;
use attune::db::schema::{audit_log, enrolments};
use diesel::prelude::*;

use crate::access::make_cohort;
use crate::common::{add_user, Browser, TestApp, PASSWORD};

fn link_from(body: &str, marker: &str) -> String {
    let start = body
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in page"))
        + marker.len();
    body[start..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect()
}

fn statuses(app: &TestApp) -> Vec<String> {
    let mut conn = app.state.pool.get().unwrap();
    enrolments::table
        .order(enrolments::id.asc())
        .select(enrolments::status)
        .load(&mut *conn)
        .unwrap()
}

async fn lead_browser(app: &TestApp) -> Browser<'_> {
    let mut b = Browser::new(app);
    b.sign_in("lead@example.org", PASSWORD).await;
    b
}

fn set_capacity(app: &TestApp, cohort: i64, places: i32) {
    use attune::db::schema::cohorts;
    let mut conn = app.state.pool.get().unwrap();
    diesel::update(cohorts::table.find(cohort))
        .set(cohorts::capacity.eq(Some(places)))
        .execute(&mut *conn)
        .unwrap();
}

#[actix_web::test]
async fn parents_join_by_link_until_full_then_wait() {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = make_cohort(&app, &lead, "Saturday group");
    set_capacity(&app, cohort, 2);
    let mut b = lead_browser(&app).await;
    b.get(&format!("/cohorts/{cohort}")).await;
    let page = b.post(&format!("/cohorts/{cohort}/invite"), &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Copy it now"));
    let token = link_from(&page.body, "/join/");
    assert_eq!(token.len(), 64);

    let mut parent = Browser::new(&app);
    let join = format!("/join/{token}");
    let form = parent.get(&join).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Saturday group"));
    for (name, email) in [
        ("Ana", "ana@example.org"),
        ("Bo", "bo@example.org"),
        ("Cy", "cy@example.org"),
    ] {
        parent.get(&join).await;
        let res = parent
            .post(&join, &[("name", name), ("email", email)])
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    assert_eq!(statuses(&app), ["active", "active", "waitlisted"]);
    // The page now says the group is full.
    assert!(parent.get(&join).await.body.contains("This group is full"));
    // Joining twice changes nothing, and the page says what it says to a
    // newcomer (the group is full: the waiting list), so it tells nobody
    // who is in the group. Ana hears by email instead.
    parent.get(&join).await;
    let again = parent
        .post(&join, &[("name", "Ana"), ("email", "ANA@example.org")])
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(!again.body.contains("already"), "{}", again.body);
    assert!(again.body.contains("waiting list"));
    assert_eq!(statuses(&app).len(), 3);
    // Bad input is shown again with the reason.
    parent.get(&join).await;
    let bad = parent.post(&join, &[("name", "Dee"), ("email", "")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Please enter your email"));
    assert!(bad.body.contains("value=\"Dee\""));

    // The facilitator admits from the waiting list.
    let page = b.get(&format!("/cohorts/{cohort}")).await;
    assert!(page.body.contains("waiting list"));
    let waiting = {
        let mut conn = app.state.pool.get().unwrap();
        enrolments::table
            .filter(enrolments::status.eq("waitlisted"))
            .select(enrolments::id)
            .first::<i64>(&mut *conn)
            .unwrap()
    };
    b.post(
        &format!("/cohorts/{cohort}/enrolments/{waiting}/readmit"),
        &[],
    )
    .await;
    assert_eq!(statuses(&app), ["active", "active", "active"]);
}

#[actix_web::test]
async fn a_renewed_or_turned_off_invite_link_stops_working() {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = make_cohort(&app, &lead, "Saturday group");
    let mut b = lead_browser(&app).await;
    b.get(&format!("/cohorts/{cohort}")).await;
    let first = link_from(
        &b.post(&format!("/cohorts/{cohort}/invite"), &[]).await.body,
        "/join/",
    );
    b.get(&format!("/cohorts/{cohort}")).await;
    let second = link_from(
        &b.post(&format!("/cohorts/{cohort}/invite"), &[]).await.body,
        "/join/",
    );
    assert_ne!(first, second);
    let mut parent = Browser::new(&app);
    let old = parent.get(&format!("/join/{first}")).await;
    assert_eq!(old.status, StatusCode::GONE);
    assert!(old.body.contains("no longer active"));
    assert_eq!(
        parent.get(&format!("/join/{second}")).await.status,
        StatusCode::OK
    );
    b.get(&format!("/cohorts/{cohort}")).await;
    b.post(&format!("/cohorts/{cohort}/invite/off"), &[]).await;
    assert_eq!(
        parent.get(&format!("/join/{second}")).await.status,
        StatusCode::GONE
    );
    let made_up = "ab".repeat(32);
    assert_eq!(
        parent.get(&format!("/join/{made_up}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        parent.get("/join/short").await.status,
        StatusCode::NOT_FOUND
    );
    // No secret is kept in the clear.
    let mut conn = app.state.pool.get().unwrap();
    use attune::db::schema::access_tokens;
    let hashes: Vec<String> = access_tokens::table
        .select(access_tokens::token_hash)
        .load(&mut *conn)
        .unwrap();
    assert!(!hashes.contains(&first) && !hashes.contains(&second));
}

#[actix_web::test]
async fn the_calendar_feed_keeps_uids_and_follows_changes() {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = make_cohort(&app, &lead, "Saturday group");
    let mut b = lead_browser(&app).await;
    b.get(&format!("/cohorts/{cohort}")).await;
    let page = b.post(&format!("/cohorts/{cohort}/calendar"), &[]).await;
    let token = link_from(&page.body, "/calendar/");
    assert!(page.body.contains("webcal://"));
    let feed_path = format!("/calendar/{token}.ics");
    let anyone = Browser::new(&app);
    let mut anyone = anyone;
    let feed = anyone.get(&feed_path).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(feed.header("content-type").starts_with("text/calendar"));
    let body = feed.body.replace("\r\n ", "");
    assert_eq!(body.matches("BEGIN:VEVENT").count(), 7);
    // 1 Sep 2026 18:30 in London is 17:30 UTC.
    assert!(body.contains("DTSTART:20260901T173000Z"), "{body}");
    let uid_line = body
        .lines()
        .find(|l| l.starts_with("UID:"))
        .unwrap()
        .to_string();
    assert!(!body.contains("example.org"), "no parent data in the feed");

    // Cancel the first meeting: same UID, now CANCELLED, higher SEQUENCE.
    let first_meeting = {
        let mut conn = app.state.pool.get().unwrap();
        attune::db::models::Meeting::for_cohort(&mut conn, cohort).unwrap()[0].id
    };
    std::thread::sleep(std::time::Duration::from_millis(1100));
    b.get(&format!("/cohorts/{cohort}/meetings/{first_meeting}"))
        .await;
    b.post(
        &format!("/cohorts/{cohort}/meetings/{first_meeting}/cancel"),
        &[],
    )
    .await;
    let after = anyone.get(&feed_path).await.body.replace("\r\n ", "");
    let event = after
        .split("BEGIN:VEVENT")
        .find(|e| e.contains(&uid_line))
        .expect("the same UID");
    assert!(event.contains("STATUS:CANCELLED"));
    assert!(!event.contains("SEQUENCE:0"), "{event}");

    // A new address retires the old one.
    b.get(&format!("/cohorts/{cohort}")).await;
    b.post(&format!("/cohorts/{cohort}/calendar"), &[]).await;
    assert_eq!(anyone.get(&feed_path).await.status, StatusCode::GONE);
}

#[actix_web::test]
async fn refused_access_is_audited() {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    add_user(&app, "other@example.org", false);
    let cohort = make_cohort(&app, &lead, "Saturday group");
    let mut other = Browser::new(&app);
    other.sign_in("other@example.org", PASSWORD).await;
    assert_eq!(
        other.get(&format!("/cohorts/{cohort}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other.get("/admin/users").await.status,
        StatusCode::FORBIDDEN
    );
    let mut conn = app.state.pool.get().unwrap();
    let other_id = User::find_by_email(&mut conn, "other@example.org")
        .unwrap()
        .unwrap()
        .id;
    let denied: Vec<(String, Option<i64>)> = audit_log::table
        .filter(audit_log::action.eq("authz.denied"))
        .select((
            audit_log::subject_kind.assume_not_null(),
            audit_log::actor_id,
        ))
        .load(&mut *conn)
        .unwrap();
    assert!(
        denied.contains(&("cohort".to_string(), Some(other_id))),
        "{denied:?}"
    );
    assert!(
        denied.contains(&("admin".to_string(), Some(other_id))),
        "{denied:?}"
    );
}

#[actix_web::test]
async fn sessions_end_when_idle_or_too_old() {
    use attune::db::schema::web_sessions;
    let app = TestApp::new();
    add_user(&app, "lead@example.org", false);
    for column in ["expires_at", "absolute_expires_at"] {
        let mut b = lead_browser(&app).await;
        assert_eq!(b.get("/dashboard").await.status, StatusCode::OK);
        let past = attune::db::now() - chrono::Duration::minutes(1);
        {
            let mut conn = app.state.pool.get().unwrap();
            let q = diesel::update(web_sessions::table.filter(web_sessions::user_id.is_not_null()));
            match column {
                "expires_at" => q.set(web_sessions::expires_at.eq(past)).execute(&mut *conn),
                _ => q
                    .set(web_sessions::absolute_expires_at.eq(past))
                    .execute(&mut *conn),
            }
            .unwrap();
        }
        assert_eq!(
            b.get("/dashboard").await.status,
            StatusCode::SEE_OTHER,
            "{column}"
        );
    }
}
