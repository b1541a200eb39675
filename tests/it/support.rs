//! The support list: the Help now page anyone can open from the foot of
//! every page, the administrators' page that keeps it, and the dashboard's
//! warning while it is empty. (The box on every printout: tests/it/pdf.rs.)

use actix_web::http::StatusCode;
use attune::db::schema::{audit_log, support_services};
use diesel::prelude::*;

use crate::access::{enrol, make_cohort};
use crate::common::{add_user, Browser, TestApp, PASSWORD};

fn services(app: &TestApp) -> Vec<String> {
    let mut conn = app.state.pool.get().unwrap();
    support_services::table
        .order(support_services::id.asc())
        .select(support_services::name)
        .load(&mut *conn)
        .unwrap()
}

fn audited(app: &TestApp, action: &str) -> i64 {
    let mut conn = app.state.pool.get().unwrap();
    audit_log::table
        .filter(audit_log::action.eq(action))
        .count()
        .get_result(&mut *conn)
        .unwrap()
}

async fn signed_in<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
    let mut b = Browser::new(app);
    assert_eq!(
        b.sign_in(email, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    b
}

#[actix_web::test]
async fn help_now_is_at_the_foot_of_every_page_and_needs_no_sign_in() {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = make_cohort(&app, &lead, "Group A");
    let enrolment = enrol(&app, &lead, cohort, "Pat Parent", "pat@example.org");

    let mut anon = Browser::new(&app);
    let help = anon.get("/help").await;
    assert_eq!(help.status, StatusCode::OK);
    // Nobody has chosen a country yet: the courses' own (en-US).
    assert!(help.body.contains("href=\"tel:911\""), "{}", help.body);
    assert!(help.body.contains("Call 911"));
    assert!(
        help.body
            .contains("Your facilitator has a list of local services"),
        "an empty list says where to ask"
    );
    for page in ["/", "/curricula", "/login", "/p/lost"] {
        let res = anon.get(page).await;
        assert!(
            res.body.contains("<a href=\"/help\">Help now</a>"),
            "{page}"
        );
    }

    // A parent's own pages.
    let token = {
        let mut conn = app.state.pool.get().unwrap();
        attune::services::participants::issue_link(&mut conn, enrolment).unwrap()
    };
    let mut parent = Browser::new(&app);
    assert_eq!(
        parent.get(&format!("/p/{token}")).await.status,
        StatusCode::SEE_OTHER
    );
    for page in ["/me", "/me/sessions/1", "/me/data"] {
        let res = parent.get(page).await;
        assert_eq!(res.status, StatusCode::OK, "{page}");
        assert!(
            res.body.contains("<a href=\"/help\">Help now</a>"),
            "{page}"
        );
    }
    // The session page ends with the box the handout text points to.
    let session = parent.get("/me/sessions/1").await;
    assert!(session.body.contains("class=\"help-box\""));
    assert!(session
        .body
        .contains("If you or a child are in danger right now"));
    let public = anon.get("/curricula/secure-base/sessions/1").await;
    assert!(public.body.contains("class=\"help-box\""));
}

#[actix_web::test]
async fn an_administrator_keeps_the_list_and_parents_see_it() {
    let app = TestApp::new();
    add_user(&app, "admin@example.org", true);
    add_user(&app, "lead@example.org", false);
    let mut admin = signed_in(&app, "admin@example.org").await;
    let mut lead = signed_in(&app, "lead@example.org").await;

    // Empty: the dashboard says so, to everyone, with the way to fix it.
    let dash = admin.get("/dashboard").await;
    assert!(dash.body.contains("Parents have no local support list yet"));
    assert!(dash.body.contains("href=\"/admin/support\""));
    let dash = lead.get("/dashboard").await;
    assert!(dash.body.contains("Parents have no local support list yet"));
    assert!(dash.body.contains("ask an administrator"));
    let page = admin.get("/admin/support").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("The list is empty"));

    // Bad input: each field says what is wrong, and nothing is added.
    let bad = admin
        .post(
            "/admin/support",
            &[
                ("name", "  "),
                ("helps_with", ""),
                ("phone", "call me"),
                ("web", "thehotline.org"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Please give the service&#x27;s name.",
        "what it helps with",
        "doesn&#x27;t look like a phone number",
        "starting https://",
    ] {
        assert!(bad.body.contains(message), "{message} in\n{}", bad.body);
    }
    assert!(
        bad.body.contains("value=\"call me\""),
        "what was typed stays"
    );
    let none = admin
        .post(
            "/admin/support",
            &[("name", "Quiet Line"), ("helps_with", "Talking")],
        )
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.body.contains("at least one way to reach it"));
    assert!(services(&app).is_empty());

    // A facilitator who is not an administrator cannot change it.
    assert_eq!(
        lead.get("/admin/support").await.status,
        StatusCode::FORBIDDEN
    );
    lead.get("/dashboard").await;
    let refused = lead
        .post(
            "/admin/support",
            &[("name", "Sneaky"), ("helps_with", "x"), ("phone", "911")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(services(&app).is_empty());

    admin.get("/admin/support").await;
    let added = admin
        .post(
            "/admin/support",
            &[
                ("name", "National Domestic Violence Hotline"),
                (
                    "helps_with",
                    "Support if you feel afraid of a partner or ex",
                ),
                ("phone", "1-800-799-7233"),
                ("text_number", "88788"),
                ("web", "https://www.thehotline.org/"),
                ("hours", "Day and night, every day"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    assert_eq!(added.header("location"), "/admin/support");
    let page = admin.get("/admin/support").await;
    assert!(page
        .body
        .contains("National Domestic Violence Hotline is on the list now."));
    assert_eq!(services(&app), ["National Domestic Violence Hotline"]);
    assert_eq!(audited(&app, "support.add"), 1);

    let help = Browser::new(&app).get("/help").await.body;
    assert!(help.contains("National Domestic Violence Hotline"));
    assert!(help.contains("href=\"tel:18007997233\""), "{help}");
    assert!(help.contains("href=\"sms:88788\""));
    assert!(help.contains("href=\"https://www.thehotline.org/\""));
    assert!(
        help.contains("www.thehotline.org<"),
        "shown without https://"
    );
    assert!(help.contains("Day and night, every day"));
    assert!(!lead
        .get("/dashboard")
        .await
        .body
        .contains("Parents have no local support list yet"));

    // The country sets the emergency number.
    admin.get("/admin/support").await;
    let wrong = admin
        .post("/admin/support/country", &[("country", "XX")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong
        .body
        .contains("Please choose your country from the list."));
    let au = admin
        .post("/admin/support/country", &[("country", "AU")])
        .await;
    assert_eq!(au.status, StatusCode::SEE_OTHER);
    let help = Browser::new(&app).get("/help").await.body;
    assert!(help.contains("href=\"tel:000\"") && help.contains("Call 000"));
    assert!(admin
        .get("/admin/support")
        .await
        .body
        .contains("<option value=\"AU\" selected>"));
    assert_eq!(audited(&app, "support.country"), 1);

    // Taking one off.
    let id: i64 = {
        let mut conn = app.state.pool.get().unwrap();
        support_services::table
            .select(support_services::id)
            .first(&mut *conn)
            .unwrap()
    };
    lead.get("/dashboard").await;
    let refused = lead.post(&format!("/admin/support/{id}/remove"), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    admin.get("/admin/support").await;
    let gone = admin
        .post(&format!("/admin/support/{id}/remove"), &[])
        .await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert!(services(&app).is_empty());
    admin.get("/admin/support").await;
    let again = admin
        .post(&format!("/admin/support/{id}/remove"), &[])
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(audited(&app, "support.remove"), 1);
    assert!(!Browser::new(&app)
        .get("/help")
        .await
        .body
        .contains("Domestic Violence"));
}

#[test]
fn the_demo_comes_with_a_sample_list() {
    let app = TestApp::new();
    let mut conn = app.state.pool.get().unwrap();
    let today = chrono::Utc::now().date_naive();
    attune::services::demo::seed(&mut conn, &app.state.library, today).unwrap();
    let list = attune::services::support::list(&mut conn).unwrap();
    assert!(list.services.len() >= 3, "{list:?}");
    assert!(list
        .services
        .iter()
        .any(|s| s.phone.as_deref() == Some("988")));
    // Seeding again adds nothing twice.
    attune::services::demo::seed(&mut conn, &app.state.library, today).unwrap();
    assert_eq!(
        attune::services::support::list(&mut conn)
            .unwrap()
            .services
            .len(),
        list.services.len()
    );
}
