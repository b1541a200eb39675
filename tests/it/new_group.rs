//! The new-group form: a time zone picked from a list or typed as a city,
//! dates to skip picked as dates, the language by its name, and every
//! mistake beside its field and in a summary that links to it.

use actix_web::http::StatusCode;
use attune::db::models::{Cohort, Meeting};
use diesel::prelude::*;

use crate::common::{add_user, Browser, TestApp, PASSWORD};

async fn lead(app: &TestApp) -> Browser<'_> {
    add_user(app, "lead@example.org", false);
    let mut b = Browser::new(app);
    b.sign_in("lead@example.org", PASSWORD).await;
    b.get("/cohorts/new").await;
    b
}

fn cohorts(app: &TestApp) -> Vec<Cohort> {
    use attune::db::schema::cohorts;
    let mut conn = app.state.pool.get().unwrap();
    attune::on_backend!(&mut *conn, |c| cohorts::table
        .order(cohorts::id)
        .select(Cohort::as_select())
        .load(c))
    .unwrap()
}

/// The form's fields for a weekly group starting Wed 7 Oct 2026 at 18:30,
/// with `extra` added or replacing.
fn fields<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all = vec![
        ("curriculum", "secure-base"),
        ("title", "Wednesday parents"),
        ("first_date", "2026-10-07"),
        ("start_time", "18:30"),
        ("cadence", "7"),
        ("time_zone", "Europe/London"),
        ("language", "en"),
    ];
    for (k, v) in extra {
        all.retain(|(name, _)| name != k);
        all.push((k, v));
    }
    all
}

#[actix_web::test]
async fn a_typed_city_is_found_and_stored_as_its_zone() {
    let app = TestApp::new();
    let mut b = lead(&app).await;
    let res = b
        .post("/cohorts", &fields(&[("time_zone_city", "Chicago")]))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // The city typed where the list's value goes, in any case, works too.
    b.get("/cohorts/new").await;
    let res = b
        .post("/cohorts", &fields(&[("time_zone", "new york")]))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let zones: Vec<String> = cohorts(&app).into_iter().map(|c| c.time_zone).collect();
    assert_eq!(zones, ["America/Chicago", "America/New_York"]);
}

#[actix_web::test]
async fn an_unknown_zone_is_refused_with_near_names_and_nothing_is_made() {
    let app = TestApp::new();
    let mut b = lead(&app).await;
    let res = b
        .post("/cohorts", &fields(&[("time_zone_city", "Chicgo")]))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = &res.body;
    assert!(
        page.contains("know a time zone called &quot;Chicgo&quot;"),
        "{page}"
    );
    assert!(
        page.contains("Did you mean Chicago (America/Chicago)?"),
        "{page}"
    );
    // Beside the field, tied to it, and linked from the summary.
    assert!(page.contains("id=\"time_zone_city-error\""));
    assert!(page.contains("time_zone_city-hint time_zone_city-error\" aria-invalid=\"true\""));
    assert!(page.contains("<a href=\"#time_zone_city\">"), "{page}");
    // What was typed is kept.
    assert!(page.contains("value=\"Chicgo\""));
    assert!(cohorts(&app).is_empty());

    let res = b
        .post("/cohorts", &fields(&[("time_zone", "Mars/Olympus")]))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("<a href=\"#time_zone\">"), "{}", res.body);
    assert!(cohorts(&app).is_empty());
}

#[actix_web::test]
async fn skip_dates_come_from_date_fields_and_must_be_meeting_days() {
    let app = TestApp::new();
    let mut b = lead(&app).await;
    let form = b.get("/cohorts/new").await.body;
    for n in 1..=6 {
        assert!(
            form.contains(&format!(
                "<input id=\"skip_{n}\" name=\"skip_{n}\" type=\"date\""
            )),
            "{form}"
        );
    }
    assert!(!form.contains("<textarea id=\"skip_dates\""));

    // Tue 13 Oct is not a Wednesday; Tue 6 Oct is before the start.
    let res = b
        .post(
            "/cohorts",
            &fields(&[
                ("skip_1", "2026-10-13"),
                ("skip_3", "2026-10-06"),
                ("skip_4", "24/12"),
            ]),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = &res.body;
    assert!(
        page.contains("Tue 13 Oct 2026 is not a meeting day: the group meets every Wednesday, from Wed 7 Oct 2026."),
        "{page}"
    );
    assert!(
        page.contains("Tue 6 Oct 2026 is before the first meeting"),
        "{page}"
    );
    assert!(
        page.contains("&quot;24/12&quot; is not a date we can read"),
        "{page}"
    );
    for field in ["skip_1", "skip_3", "skip_4"] {
        assert!(
            page.contains(&format!("aria-describedby=\"{field}-error\"")),
            "{field}"
        );
        assert!(page.contains(&format!("<a href=\"#{field}\">")), "{field}");
    }
    assert!(cohorts(&app).is_empty());

    // Skipping the second and fourth Wednesdays moves those sessions on.
    let res = b
        .post(
            "/cohorts",
            &fields(&[("skip_2", "2026-10-14"), ("skip_5", "2026-10-28")]),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let cohort = &cohorts(&app)[0];
    let mut conn = app.state.pool.get().unwrap();
    let days: Vec<String> = Meeting::for_cohort(&mut conn, cohort.id)
        .unwrap()
        .iter()
        .take(4)
        .map(|m| m.starts_at.format("%d %b").to_string())
        .collect();
    assert_eq!(days, ["07 Oct", "21 Oct", "04 Nov", "11 Nov"]);
}

#[actix_web::test]
async fn the_language_is_chosen_by_its_name() {
    let app = TestApp::new();
    let mut b = lead(&app).await;
    let form = b.get("/cohorts/new").await.body;
    assert!(
        form.contains("<select id=\"language\" name=\"language\">"),
        "{form}"
    );
    assert!(form.contains("<option value=\"en\" selected>English</option>"));
    assert!(form.contains("<option value=\"es\">Español</option>"));
    assert!(!form.contains("<input id=\"language\""));

    let res = b
        .post("/cohorts", &fields(&[("language", "klingon")]))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Please choose a language from the list."));
    assert!(res.body.contains("aria-describedby=\"language-error\""));
    assert!(cohorts(&app).is_empty());

    let res = b.post("/cohorts", &fields(&[("language", "es")])).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(cohorts(&app)[0].language, "es");
}

#[actix_web::test]
async fn the_zone_is_a_list_with_the_latest_groups_zone_chosen() {
    let app = TestApp::new();
    let mut b = lead(&app).await;
    let form = b.get("/cohorts/new").await.body;
    assert!(
        form.contains("<select id=\"time_zone\" name=\"time_zone\""),
        "{form}"
    );
    assert!(form.contains("<optgroup label=\"United States and Canada\">"));
    assert!(form.contains("<option value=\"America/Chicago\">Chicago (Central time, US)</option>"));
    // Nothing known of this facilitator yet: London.
    assert!(form.contains("<option value=\"Europe/London\" selected>London (UK)</option>"));

    let res = b
        .post("/cohorts", &fields(&[("time_zone", "America/Denver")]))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let form = b.get("/cohorts/new").await.body;
    assert!(
        form.contains(
            "<option value=\"America/Denver\" selected>Denver (Mountain time, US)</option>"
        ),
        "{form}"
    );
    assert!(!form.contains("Europe/London\" selected"));
}

#[actix_web::test]
async fn a_missing_course_is_named_on_its_fieldset_and_in_the_summary() {
    let app = TestApp::new();
    let mut b = lead(&app).await;
    let res = b
        .post(
            "/cohorts",
            &fields(&[("curriculum", ""), ("capacity", "lots")]),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = &res.body;
    assert!(
        page.contains("<fieldset class=\"field\" id=\"course\" aria-invalid=\"true\" aria-describedby=\"curriculum-error\""),
        "{page}"
    );
    assert!(page.contains("<a href=\"#course\">Please choose a course.</a>"));
    assert!(page.contains("aria-describedby=\"capacity-error\""));
    assert!(page.contains("<a href=\"#capacity\">"));
    // The summary lists the course before the places, as the form does.
    assert!(page.find("href=\"#course\"").unwrap() < page.find("href=\"#capacity\"").unwrap());
    assert!(!page.contains("(s)"));
    assert!(cohorts(&app).is_empty());
}

/// The group's page and guide say which version of the course it runs in
/// words, never a content hash; counts read "1 place", not "1 places".
#[actix_web::test]
async fn the_group_page_names_its_version_in_words() {
    let app = TestApp::new();
    let mut b = lead(&app).await;
    let res = b.post("/cohorts", &fields(&[("capacity", "1")])).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let cohort = &cohorts(&app)[0];
    let course = app.state.library.get("secure-base").unwrap().clone();
    let today = attune::db::now().format("%-d %b %Y").to_string();
    for path in [
        format!("/cohorts/{}", cohort.id),
        format!("/cohorts/{}/guide", cohort.id),
    ] {
        let page = b.get(&path).await.body;
        assert!(!page.contains(course.short_hash()), "{path}: {page}");
        assert!(!page.contains(&course.content_hash), "{path}");
        assert!(!page.contains("(s)"), "{path}");
    }
    let page = b.get(&format!("/cohorts/{}", cohort.id)).await.body;
    assert!(
        page.contains(&format!("version {} of {today}", course.version)),
        "{page}"
    );
    assert!(page.contains("0 of 1 place<"), "{page}");
    for path in ["/curricula", "/curricula/secure-base", "/"] {
        let page = b.get(path).await.body;
        assert!(!page.contains(course.short_hash()), "{path}");
        assert!(!page.contains("1 sessions"), "{path}");
    }
}
