//! The roster a facilitator works from: finding a parent, and each
//! parent's own page, where the changes that need care live.

use actix_web::http::StatusCode;

use crate::access::{enrol, make_cohort};
use crate::common::{add_user, Browser, TestApp, PASSWORD};

struct Group {
    app: TestApp,
    cohort: i64,
    kim: i64,
}

fn group() -> Group {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = make_cohort(&app, &lead, "Tuesday group");
    let kim = enrol(&app, &lead, cohort, "Kim Lee", "kim@example.org");
    enrol(&app, &lead, cohort, "Amir Haddad", "amir@example.org");
    Group { app, cohort, kim }
}

#[actix_web::test]
async fn the_roster_finds_a_parent_by_name_or_email() {
    let g = group();
    let mut b = Browser::new(&g.app);
    b.sign_in("lead@example.org", PASSWORD).await;
    let page = b.get(&format!("/cohorts/{}", g.cohort)).await;
    assert!(page.body.contains("Find a parent"));
    assert!(page.body.contains("Kim Lee") && page.body.contains("Amir Haddad"));

    let page = b.get(&format!("/cohorts/{}?q=kim", g.cohort)).await;
    assert!(page.body.contains("1 parent of 2 match"), "{}", page.body);
    assert!(page.body.contains("Kim Lee"));
    assert!(!page.body.contains("Amir Haddad"));

    let page = b
        .get(&format!("/cohorts/{}?q=AMIR%40example", g.cohort))
        .await;
    assert!(page.body.contains("Amir Haddad") && !page.body.contains("Kim Lee"));

    let page = b.get(&format!("/cohorts/{}?q=nobody", g.cohort)).await;
    assert!(page.body.contains("0 parents of 2 match"));
    assert!(page.body.contains("Nobody on the roster matches that."));
}

#[actix_web::test]
async fn withdrawing_and_switching_links_off_are_on_the_parents_own_page() {
    let g = group();
    let mut b = Browser::new(&g.app);
    b.sign_in("lead@example.org", PASSWORD).await;
    // The group page has no one-tap harm: no withdraw or switch-off buttons.
    let page = b.get(&format!("/cohorts/{}", g.cohort)).await;
    assert!(!page.body.contains("/withdraw\""), "{}", page.body);
    assert!(!page.body.contains("/links/revoke\""));
    let mine = format!("/cohorts/{}/enrolments/{}", g.cohort, g.kim);
    assert!(page.body.contains(&format!("href=\"{mine}\"")));

    let page = b.get(&mine).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Changes that need care"));
    assert!(page.body.contains("stops getting the group's emails"));
    assert!(page.body.contains(&format!("action=\"{mine}/withdraw\"")));
    assert!(page
        .body
        .contains(&format!("action=\"{mine}/links/revoke\"")));
    assert!(page.body.contains("kim@example.org"));
    assert!(
        page.body.contains("coming up") || page.body.contains("not taken"),
        "the meetings, as they went for Kim"
    );

    let res = b.post(&format!("{mine}/withdraw"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = b.get(&mine).await;
    assert!(page.body.contains("Kim Lee has left the group."));
    assert!(page.body.contains(&format!("action=\"{mine}/readmit\"")));

    // Someone else's parent is not found, like their group.
    add_user(&g.app, "other@example.org", false);
    let mut o = Browser::new(&g.app);
    o.sign_in("other@example.org", PASSWORD).await;
    assert_eq!(o.get(&mine).await.status, StatusCode::NOT_FOUND);
}

fn first_meeting(app: &TestApp, cohort: i64) -> i64 {
    let mut conn = app.state.pool.get().unwrap();
    attune::db::models::Meeting::for_cohort(&mut conn, cohort).unwrap()[0].id
}

fn marks(app: &TestApp) -> Vec<(i64, String)> {
    use attune::db::schema::attendance;
    use diesel::prelude::*;
    let mut conn = app.state.pool.get().unwrap();
    attendance::table
        .order(attendance::enrolment_id)
        .select((attendance::enrolment_id, attendance::status))
        .load(&mut *conn)
        .unwrap()
}

#[actix_web::test]
async fn a_roll_for_a_meeting_still_ahead_needs_a_yes() {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = crate::access::cohort_from(&app, &lead, "secure-base", 7);
    let kim = enrol(&app, &lead, cohort, "Kim Lee", "kim@example.org");
    let path = format!("/cohorts/{cohort}/meetings/{}", first_meeting(&app, cohort));
    let mut b = Browser::new(&app);
    b.sign_in("lead@example.org", PASSWORD).await;
    let page = b.get(&path).await;
    assert!(page.body.contains("This meeting hasn't happened yet"));
    assert!(page.body.contains("name=\"early_ok\""));
    let mark = format!("mark_{kim}");
    let res = b
        .post(&format!("{path}/attendance"), &[(&mark, "present")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Nothing was saved"), "{}", res.body);
    assert!(marks(&app).is_empty());
    let res = b
        .post(
            &format!("{path}/attendance"),
            &[(&mark, "present"), ("early_ok", "1")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(marks(&app).len(), 1);
}

#[actix_web::test]
async fn everyone_present_keeps_the_marks_given_otherwise() {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = crate::access::cohort_from(&app, &lead, "secure-base", -20);
    let kim = enrol(&app, &lead, cohort, "Kim Lee", "kim@example.org");
    let amir = enrol(&app, &lead, cohort, "Amir Haddad", "amir@example.org");
    let noor = enrol(&app, &lead, cohort, "Noor Ali", "noor@example.org");
    let path = format!("/cohorts/{cohort}/meetings/{}", first_meeting(&app, cohort));
    let mut b = Browser::new(&app);
    b.sign_in("lead@example.org", PASSWORD).await;
    let page = b.get(&path).await;
    assert!(!page.body.contains("hasn't happened yet"));
    assert!(page.body.contains("Mark everyone present"));
    let res = b
        .post(
            &format!("{path}/attendance"),
            &[
                (&format!("mark_{amir}"), "excused"),
                ("everyone", "present"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        marks(&app),
        vec![
            (kim, "present".to_string()),
            (amir, "excused".to_string()),
            (noor, "present".to_string())
        ]
    );
    let page = b.get(&path).await;
    assert!(page.body.contains("everyone is marked present"));
}

#[actix_web::test]
async fn after_a_reply_the_list_opens_at_the_next_reflection() {
    use attune::services::reflections::{save, ReflectionForm};
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = crate::access::cohort_from(&app, &lead, "secure-base", -20);
    let kim = enrol(&app, &lead, cohort, "Kim Lee", "kim@example.org");
    let amir = enrol(&app, &lead, cohort, "Amir Haddad", "amir@example.org");
    for (who, words) in [(kim, "Kim's evening"), (amir, "Amir's morning")] {
        let mut conn = app.state.pool.get().unwrap();
        attune::services::participants::give_consent(&mut conn, who).unwrap();
        let form = ReflectionForm {
            answer_0: words.into(),
            action: "send".into(),
            ..Default::default()
        };
        save(&mut conn, who, 3, &form).unwrap();
    }
    let meeting = {
        let mut conn = app.state.pool.get().unwrap();
        attune::db::models::Meeting::for_cohort(&mut conn, cohort).unwrap()[2].id
    };
    let list = format!("/cohorts/{cohort}/meetings/{meeting}/reflections");
    let mut b = Browser::new(&app);
    b.sign_in("lead@example.org", PASSWORD).await;
    let page = b.get(&list).await;
    let first = page.body.find("/reflections/").unwrap();
    let id: String = page.body[first + 13..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert!(page
        .body
        .contains(&format!("name=\"back\" value=\"{list}\"")));
    let res = b
        .post(
            &format!("/cohorts/{cohort}/reflections/{id}/reply"),
            &[("reply", "Thank you."), ("back", &list)],
        )
        .await;
    assert_eq!(
        res.header("location"),
        format!("{list}?after={id}#next-reflection")
    );
    let page = b.get(&format!("{list}?after={id}")).await;
    let next = page
        .body
        .find("id=\"next-reflection\"")
        .expect("the next one");
    assert!(page.body[next..].contains("Your reply is saved"));
    // The section sits above the second card, not the first.
    let cards: Vec<usize> = page
        .body
        .match_indices("class=\"card reflection-card\"")
        .map(|(i, _)| i)
        .collect();
    assert!(cards[0] < next && next < cards[1], "{cards:?} {next}");

    // Replying to the last one says so; a stranger's address is ignored.
    let res = b
        .post(
            &format!("/cohorts/{cohort}/reflections/{id}/reply"),
            &[
                ("reply", "Thanks again."),
                ("back", "//evil.example/reflections"),
            ],
        )
        .await;
    assert_eq!(res.header("location"), format!("/cohorts/{cohort}#roster"));
}

#[actix_web::test]
async fn the_personal_link_page_can_be_reloaded_scanned_and_emailed() {
    use attune::db::schema::outbox_messages;
    use diesel::prelude::*;
    let g = group();
    let mut b = Browser::new(&g.app);
    b.sign_in("lead@example.org", PASSWORD).await;
    let mine = format!("/cohorts/{}/enrolments/{}", g.cohort, g.kim);
    b.get(&mine).await;
    let made = b.post(&format!("{mine}/link"), &[]).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    assert_eq!(made.header("location"), format!("{mine}/link"));
    let page = b.get(&format!("{mine}/link")).await;
    let start = page.body.find("/p/").expect("the link");
    let link = page.body[start..start + 67].to_string();
    assert!(page.body.contains("<svg"), "a QR code");
    assert!(page.body.contains("Copy the link"));
    // A reload shows the same link; it makes no other.
    let again = b.get(&format!("{mine}/link")).await;
    assert!(again.body.contains(&link));
    // Another browser of the same facilitator is not shown it.
    let mut other = Browser::new(&g.app);
    other.sign_in("lead@example.org", PASSWORD).await;
    let elsewhere = other.get(&format!("{mine}/link")).await;
    assert!(!elsewhere.body.contains("/p/"), "{}", elsewhere.body);
    assert!(elsewhere.body.contains("Make a new link"));

    let before = {
        let mut conn = g.app.state.pool.get().unwrap();
        outbox_messages::table
            .filter(outbox_messages::kind.eq("new_link"))
            .count()
            .get_result::<i64>(&mut *conn)
            .unwrap()
    };
    let res = b.post(&format!("{mine}/link/email"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let rows: Vec<String> = {
        let mut conn = g.app.state.pool.get().unwrap();
        outbox_messages::table
            .filter(outbox_messages::kind.eq("new_link"))
            .select(outbox_messages::to_address)
            .load(&mut *conn)
            .unwrap()
    };
    assert_eq!(rows.len() as i64, before + 1);
    assert_eq!(rows.last().unwrap(), "kim@example.org");
    let page = b.get(&format!("{mine}/link")).await;
    assert!(page.body.contains("is on its way to kim@example.org"));
}

#[actix_web::test]
async fn the_dashboard_has_a_today_card_that_goes_straight_to_tonight() {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    // A meeting an hour from now, or an hour ago if that would be tomorrow.
    let now = chrono::Utc::now().naive_utc();
    let soon = now + chrono::Duration::hours(1);
    let at = if soon.date() == now.date() {
        soon
    } else {
        now - chrono::Duration::hours(1)
    };
    let start = at.format("%H:%M").to_string();
    let cohort = crate::access::make_group(
        &app,
        &lead,
        ("Tonight's group", "secure-base"),
        ("UTC", at.date(), &start),
    );
    // A group that met last week has nothing today.
    crate::access::cohort_from(&app, &lead, "secure-base", -6);
    let meeting = first_meeting(&app, cohort);
    let mut b = Browser::new(&app);
    b.sign_in("lead@example.org", PASSWORD).await;
    let page = b.get("/dashboard").await;
    let today = page
        .body
        .find("id=\"today-heading\"")
        .expect("a today card");
    let card = &page.body[today..];
    let base = format!("/cohorts/{cohort}/meetings/{meeting}");
    assert!(card.contains(&format!("href=\"{base}#attendance\"")));
    assert!(card.contains(&format!("href=\"{base}#plan\"")));
    assert!(card.contains(&format!("href=\"{base}/sign-in.pdf\"")));
    assert_eq!(page.body.matches("class=\"card today__card\"").count(), 1);
}

#[actix_web::test]
async fn someone_new_at_the_door_is_added_from_the_roll_and_marked_present() {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = crate::access::cohort_from(&app, &lead, "secure-base", -20);
    let kim = enrol(&app, &lead, cohort, "Kim Lee", "kim@example.org");
    let meeting = first_meeting(&app, cohort);
    let path = format!("/cohorts/{cohort}/meetings/{meeting}");
    let mut b = Browser::new(&app);
    b.sign_in("lead@example.org", PASSWORD).await;
    let page = b.get(&path).await;
    let add = format!("/cohorts/{cohort}/participants/new?walk_in={meeting}");
    assert!(page
        .body
        .contains(&format!("href=\"{}\"", add.replace('&', "&amp;"))));
    let form = b.get(&add).await;
    assert!(form.body.contains("Add someone who came tonight"));
    // A mistake keeps the walk-in on the form.
    let bad = b
        .post(
            &format!("/cohorts/{cohort}/participants?walk_in={meeting}"),
            &[("name", ""), ("email", "nope")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad
        .body
        .contains(&format!("participants?walk_in={meeting}")));
    let res = b
        .post(
            &format!("/cohorts/{cohort}/participants?walk_in={meeting}"),
            &[("name", "Sam Door"), ("email", "sam@example.org")],
        )
        .await;
    assert_eq!(res.header("location"), format!("{path}#attendance"));
    let page = b.get(&path).await;
    assert!(page
        .body
        .contains("Sam Door is in the group and marked present"));
    let sam = marks(&app);
    assert_eq!(sam.len(), 1);
    assert_eq!(sam[0].1, "present");
    // Someone already in the group is just marked present.
    b.post(
        &format!("/cohorts/{cohort}/participants?walk_in={meeting}"),
        &[("name", "Kim Lee"), ("email", "kim@example.org")],
    )
    .await;
    assert!(marks(&app).contains(&(kim, "present".to_string())));
}

#[actix_web::test]
async fn a_switched_off_link_tells_the_parent_whom_to_ask() {
    let g = group();
    let mut b = Browser::new(&g.app);
    b.sign_in("lead@example.org", PASSWORD).await;
    let mine = format!("/cohorts/{}/enrolments/{}", g.cohort, g.kim);
    b.get(&mine).await;
    b.post(&format!("{mine}/link"), &[]).await;
    let page = b.get(&format!("{mine}/link")).await;
    let start = page.body.find("/p/").unwrap();
    let link = page.body[start..start + 67].to_string();
    b.post(&format!("{mine}/links/revoke"), &[]).await;
    let mut parent = Browser::new(&g.app);
    let res = parent.get(&link).await;
    assert_eq!(res.status, StatusCode::GONE);
    assert!(res.body.contains("This link has been switched off"));
    assert!(
        res.body
            .contains("Or ask your group's facilitator (lead) for a new link"),
        "{}",
        res.body
    );
    assert!(res.body.contains("Email me a new link"));
    assert!(!res.body.contains("Error 410"));
}
