//! The start and end check-ins, and the group report.

use actix_web::http::StatusCode;
use attune::db::models::User;
use attune::db::schema::checkins;
use diesel::prelude::*;

use crate::access::enrol;
use crate::common::{add_user, Browser, TestApp, PASSWORD};

fn cohort_starting(app: &TestApp, owner: &User, days_from_today: i64) -> i64 {
    crate::access::cohort_from(app, owner, "secure-base", days_from_today)
}

async fn parent(app: &TestApp, enrolment: i64) -> Browser<'_> {
    let token = {
        let mut conn = app.state.pool.get().unwrap();
        attune::services::participants::issue_link(&mut conn, enrolment).unwrap()
    };
    let mut b = Browser::new(app);
    b.get(&format!("/p/{token}")).await;
    b.get("/me").await;
    b.post("/me/consent", &[]).await;
    b
}

fn all(value: &str) -> Vec<(String, String)> {
    (0..8)
        .map(|i| (format!("item_{i}"), value.to_string()))
        .collect()
}

async fn post(b: &mut Browser<'_>, path: &str, fields: &[(String, String)]) -> crate::common::Resp {
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    b.post(path, &f).await
}

#[actix_web::test]
async fn the_start_check_in_is_offered_and_checked() {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = cohort_starting(&app, &lead, 2);
    let ana = enrol(&app, &lead, cohort, "Ana Ruiz", "ana@example.org");
    let mut p = parent(&app, ana).await;
    let home = p.get("/me").await;
    assert!(home.body.contains("A two-minute check-in"));
    p.get("/me/checkin/start").await;
    let mut half = all("4");
    half.truncate(5);
    let res = post(&mut p, "/me/checkin/start", &half).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Please choose a number from 1 to 5."));
    assert!(
        res.body.contains("value=\"4\" checked"),
        "choices made are kept"
    );
    let res = post(&mut p, "/me/checkin/start", &all("9")).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = post(&mut p, "/me/checkin/start", &all("2")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(
        !p.get("/me").await.body.contains("A two-minute check-in"),
        "done, so no longer offered"
    );
    // The end check-in is not open yet.
    p.get("/me/checkin/end").await;
    assert_eq!(
        post(&mut p, "/me/checkin/end", &all("3")).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        p.get("/me/checkin/middle").await.status,
        StatusCode::NOT_FOUND
    );
    let export = p.get("/me/data/export.json").await;
    let data: serde_json::Value = serde_json::from_str(&export.body).unwrap();
    assert_eq!(data["groups"][0]["checkins"][0]["phase"], "start");
    assert_eq!(data["groups"][0]["checkins"][0]["answers"][0][1], 2);
}

#[actix_web::test]
async fn the_report_shows_averages_only_for_enough_parents_with_both() {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    // Seven weekly meetings, the last one yesterday: the end check-in is open.
    let cohort = cohort_starting(&app, &lead, -43);
    let people = [
        ("Ana Ruiz", "[2,2,2,2,2,2,2,2]"),
        ("Bo Lind", "[3,3,3,3,3,3,3,3]"),
        ("Cy Moss", "[1,1,1,1,1,1,1,1]"),
        ("Di Park", "[2,2,2,2,2,2,2,2]"),
        ("Ed Cole", "[2,2,2,2,2,2,2,2]"),
        ("Flo Ames", "[2,2,2,2,2,2,2,2]"),
        ("Gus Hale", "[5,5,5,5,5,5,5,5]"),
    ];
    let mut ids = Vec::new();
    for (i, (name, answers)) in people.iter().enumerate() {
        let e = enrol(&app, &lead, cohort, name, &format!("p{i}@example.org"));
        // Their start check-ins, from weeks ago.
        let mut conn = app.state.pool.get().unwrap();
        let at = attune::db::now() - chrono::Duration::days(44);
        diesel::insert_into(checkins::table)
            .values((
                checkins::enrolment_id.eq(e),
                checkins::phase.eq("pre"),
                checkins::answers.eq(*answers),
                checkins::created_at.eq(at),
                checkins::updated_at.eq(at),
            ))
            .execute(&mut *conn)
            .unwrap();
        ids.push(e);
    }
    let mut b = Browser::new(&app);
    b.sign_in("lead@example.org", PASSWORD).await;
    for (done, &e) in ids.iter().take(6).enumerate() {
        let mut p = parent(&app, e).await;
        assert!(p.get("/me").await.body.contains("A two-minute check-in"));
        p.get("/me/checkin/end").await;
        assert_eq!(
            post(&mut p, "/me/checkin/end", &all("4")).await.status,
            StatusCode::SEE_OTHER
        );
        let page = b.get(&format!("/cohorts/{cohort}/checkins")).await;
        assert_eq!(page.status, StatusCode::OK);
        let table = page.body.contains("<td>4.0</td>");
        if done + 1 < 5 {
            // With four pairs one parent's answers could be read from the
            // averages (and the others' by anyone who knows them): none.
            assert!(!table, "{} pairs showed averages", done + 1);
            assert!(page
                .body
                .contains("Averages are shown once at least 5 parents"));
        } else {
            assert!(table, "{} pairs showed no averages", done + 1);
        }
    }
    let page = b.get(&format!("/cohorts/{cohort}/checkins")).await;
    assert!(page
        .body
        .contains("7 parents did the start check-in and 6 the end one"));
    assert!(page
        .body
        .contains("<strong>6</strong> parents who did both"));
    // Start average (2+3+1+2+2+2)/6 = 2.0, end 4.0, change +2.0, every item.
    assert_eq!(
        page.body
            .matches("<td>2.0</td><td>4.0</td><td><strong>+2.0</strong></td>")
            .count(),
        8
    );
    assert!(
        !page.body.contains("Ana") && !page.body.contains("Bo Lind"),
        "no names, only averages"
    );
}
