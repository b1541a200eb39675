//! Running meetings: attendance, corrections, the checklist, and changes to
//! the schedule.

use actix_web::http::StatusCode;
use attune::db::models::Meeting;
use attune::db::schema::audit_log;
use diesel::prelude::*;

use crate::access::{enrol, make_cohort};
use crate::common::{add_user, Browser, TestApp, PASSWORD};

struct World {
    app: TestApp,
    cohort: i64,
    meetings: Vec<i64>,
    parents: Vec<i64>,
}

fn world() -> World {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = make_cohort(&app, &lead, "Tuesday group");
    let parents = vec![
        enrol(&app, &lead, cohort, "Ana Ruiz", "ana@example.org"),
        enrol(&app, &lead, cohort, "Bo Lind", "bo@example.org"),
    ];
    let meetings = {
        let mut conn = app.state.pool.get().unwrap();
        Meeting::for_cohort(&mut conn, cohort)
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect()
    };
    World {
        app,
        cohort,
        meetings,
        parents,
    }
}

async fn lead(app: &TestApp) -> Browser<'_> {
    let mut b = Browser::new(app);
    b.sign_in("lead@example.org", PASSWORD).await;
    b
}

fn actions(app: &TestApp) -> Vec<String> {
    let mut conn = app.state.pool.get().unwrap();
    audit_log::table
        .select(audit_log::action)
        .load(&mut *conn)
        .unwrap()
}

#[actix_web::test]
async fn the_plan_has_real_clock_times() {
    let w = world();
    let mut b = lead(&w.app).await;
    let page = b
        .get(&format!("/cohorts/{}/meetings/{}", w.cohort, w.meetings[0]))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let session = w.app.state.library.get("secure-base").unwrap().sessions[0].clone();
    // The group meets at 18:30; each segment starts where the last ended.
    let mut minutes = 18 * 60 + 30;
    for seg in &session.agenda {
        let clock = format!("{:02}:{:02}", minutes / 60, minutes % 60);
        assert!(
            page.body.contains(&format!("agenda__time\">{clock}<")),
            "{clock} {}",
            seg.title
        );
        minutes += seg.minutes;
    }
    for p in &session.discussion_prompts {
        assert!(page.body.contains(&crate::common::html_escape(p)));
    }
}

#[actix_web::test]
async fn attendance_is_saved_corrected_and_audited() {
    let w = world();
    let mut b = lead(&w.app).await;
    let path = format!("/cohorts/{}/meetings/{}", w.cohort, w.meetings[0]);
    b.get(&path).await;
    let (a, bo) = (
        format!("mark_{}", w.parents[0]),
        format!("mark_{}", w.parents[1]),
    );
    let res = b
        .post(
            &format!("{path}/attendance"),
            &[(&a, "present"), (&bo, "absent")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = b.get(&path).await;
    assert!(page.body.contains("Attendance saved."));
    assert!(page.body.contains("1 present"));
    // A late correction: Bo was excused after all.
    b.post(&format!("{path}/attendance"), &[(&bo, "excused")])
        .await;
    let corrections = actions(&w.app)
        .iter()
        .filter(|a| *a == "attendance.correct")
        .count();
    assert_eq!(corrections, 1);
    // Nonsense is refused and changes nothing.
    let res = b
        .post(&format!("{path}/attendance"), &[(&a, "maybe")])
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let cohort = b.get(&format!("/cohorts/{}", w.cohort)).await;
    assert!(cohort.body.contains("1 present"));
}

#[actix_web::test]
async fn the_checklist_rolls_up_to_the_group() {
    let w = world();
    let mut b = lead(&w.app).await;
    let path = format!("/cohorts/{}/meetings/{}", w.cohort, w.meetings[0]);
    b.get(&path).await;
    let segments = w.app.state.library.get("secure-base").unwrap().sessions[0]
        .agenda
        .len();
    let ticks: Vec<String> = (0..segments - 1).map(|i| format!("segment_{i}")).collect();
    let mut fields: Vec<(&str, &str)> = ticks.iter().map(|t| (t.as_str(), "1")).collect();
    fields.push((
        "fidelity_note",
        "Ran short on time; skipped the closing round.",
    ));
    let res = b.post(&format!("{path}/fidelity"), &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = b.get(&path).await;
    assert!(page.body.contains("Ran short on time"));
    let cohort = b.get(&format!("/cohorts/{}", w.cohort)).await;
    let percent = (segments - 1) * 100 / segments;
    assert!(
        cohort.body.contains(&format!(
            "{percent}% of agenda parts, over 1 meeting with a checklist"
        )),
        "{}",
        cohort.body
    );
}

#[actix_web::test]
async fn moving_a_meeting_into_a_clock_change_says_so() {
    let w = world();
    let mut b = lead(&w.app).await;
    let path = format!("/cohorts/{}/meetings/{}", w.cohort, w.meetings[1]);
    b.get(&path).await;
    // 01:30 on 29 March 2026 does not exist in London.
    let res = b
        .post(
            &format!("{path}/reschedule"),
            &[("date", "2026-03-29"), ("time", "01:30")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = b.get(&path).await;
    assert!(
        page.body.contains("does not exist on this day"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Sun 29 Mar 2026, 02:00"));
    let res = b
        .post(
            &format!("{path}/reschedule"),
            &[("date", "2026-02-30"), ("time", "10:00")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("is not a date we can read"));
}

#[actix_web::test]
async fn a_cancelled_meeting_takes_no_attendance_and_a_make_up_can_follow() {
    let w = world();
    let mut b = lead(&w.app).await;
    let path = format!("/cohorts/{}/meetings/{}", w.cohort, w.meetings[2]);
    b.get(&path).await;
    b.post(&format!("{path}/cancel"), &[]).await;
    let page = b.get(&path).await;
    assert!(page.body.contains("This meeting is cancelled"));
    let mark = format!("mark_{}", w.parents[0]);
    let res = b
        .post(&format!("{path}/attendance"), &[(&mark, "present")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("no attendance to take"));

    let res = b
        .post(
            &format!("/cohorts/{}/meetings", w.cohort),
            &[
                ("session_number", "3"),
                ("date", "2026-12-01"),
                ("time", "19:00"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = b.get(res.header("location")).await;
    assert!(page.body.contains("make-up meeting"));
    assert!(page.body.contains("Tue 1 Dec 2026, 19:00"));
    let res = b
        .post(
            &format!("/cohorts/{}/meetings", w.cohort),
            &[("session_number", "42"), ("date", "x"), ("time", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let cohort = b.get(&format!("/cohorts/{}", w.cohort)).await;
    assert!(cohort.body.contains("cancelled"));
    assert!(cohort.body.contains("make-up"));
}

#[actix_web::test]
async fn the_dashboard_shows_whats_next_and_how_attendance_goes() {
    let app = TestApp::new();
    let report = {
        let mut conn = app.state.pool.get().unwrap();
        attune::services::demo::seed(
            &mut conn,
            &app.state.library,
            chrono::Utc::now().date_naive(),
        )
        .unwrap()
    };
    let mut b = Browser::new(&app);
    b.sign_in(&report.email, &report.password).await;
    let page = b.get("/dashboard").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Coming up in the next two weeks"));
    let upcoming = page.body.matches("class=\"upcoming\"").count();
    assert_eq!(upcoming, 1, "the demo group meets within two weeks");
    assert!(page
        .body
        .contains(&format!("/cohorts/{}/meetings/", report.cohort_id)));
    let rate = page
        .body
        .split("<dt>Attendance</dt><dd>")
        .nth(1)
        .and_then(|rest| rest.split('%').next())
        .and_then(|n| n.parse::<u32>().ok())
        .expect("an attendance rate");
    assert!((50..=100).contains(&rate), "{rate}");
}

#[actix_web::test]
async fn the_dashboard_counts_reflections_shared_since_the_last_meeting() {
    use attune::db::models::{NewReflection, Reflection};
    let w = world();
    // The group met weekly from 1 Sep 2026; its last meeting was 13 Oct.
    let at = |m: u32, d: u32| {
        chrono::NaiveDate::from_ymd_opt(2026, m, d)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
    };
    {
        let mut conn = w.app.state.pool.get().unwrap();
        for (enrolment, session, when, visibility) in [
            (w.parents[0], 1, at(9, 2), "facilitators"),
            (w.parents[0], 7, at(10, 14), "facilitators"),
            (w.parents[1], 7, at(10, 15), "only_me"),
        ] {
            Reflection::insert(
                &mut conn,
                &NewReflection {
                    enrolment_id: enrolment,
                    session_number: session,
                    answers: "[\"a\",\"b\"]",
                    visibility,
                    status: "submitted",
                    submitted_at: Some(when),
                    created_at: when,
                    updated_at: when,
                },
            )
            .unwrap();
        }
    }
    let mut b = lead(&w.app).await;
    let page = b.get("/dashboard").await;
    assert!(
        page.body.contains("1 shared since the last meeting"),
        "{}",
        page.body
    );
}
