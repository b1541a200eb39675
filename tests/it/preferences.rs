//! Per-kind choices (email, text, both or none), texting consent with its
//! words, "stop all texts", what facilitators see (never change), and the
//! RFC 8058 stop-emails link still working beside texts.

use actix_web::http::StatusCode;
use attune::db::models::contact_preference::{ContactChoice, ContactPreference};
use attune::db::models::{Enrolment, Participant};
use attune::services::texts::CONSENT_WORDING;

use crate::common::{html_escape, Browser, TestApp, PASSWORD};
use crate::sms::{choose, parent, rows, texting_app, Gateway};

async fn parent_browser(app: &TestApp, enrolment: i64) -> Browser<'_> {
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

fn person(app: &TestApp, enrolment: i64) -> Participant {
    let mut conn = app.state.pool.get().unwrap();
    let e = Enrolment::find(&mut conn, enrolment).unwrap().unwrap();
    Participant::find(&mut conn, e.participant_id).unwrap()
}

fn choices(app: &TestApp, enrolment: i64) -> Vec<(String, ContactChoice)> {
    let mut conn = app.state.pool.get().unwrap();
    ContactPreference::for_enrolment(&mut conn, enrolment)
        .unwrap()
        .into_iter()
        .map(|p| (p.kind, p.choice))
        .collect()
}

fn group(app: &TestApp) -> (attune::db::models::User, i64) {
    let lead = crate::common::add_user(app, "lead@example.org", false);
    let cohort = crate::access::cohort_from(app, &lead, "secure-base", 1);
    (lead, cohort)
}

#[actix_web::test]
async fn a_parent_chooses_per_kind_and_agrees_to_texts_in_their_own_words() {
    let gw = Gateway::start();
    let app = texting_app(&gw);
    let (lead, cohort) = group(&app);
    let ana = parent(
        &app,
        &lead,
        cohort,
        "Ana Ruiz",
        "ana@example.org",
        "",
        false,
    );
    let mut b = parent_browser(&app, ana).await;
    let home = b.get("/me").await;
    assert!(home.body.contains("href=\"/me/messages\""), "{}", home.body);
    let page = b.get("/me/messages").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("value=\"text_only\""));
    assert!(page.body.contains(&html_escape(CONSENT_WORDING)));
    // Texts without a number or the box ticked: told what to do, nothing saved.
    let refused = b.post("/me/messages", &[("reminder", "text_only")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("please tick the box"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("please type your mobile number"));
    assert!(choices(&app, ana).is_empty());
    let bad = b
        .post(
            "/me/messages",
            &[
                ("reminder", "text_only"),
                ("phone", "12"),
                ("text_consent", "yes"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("Type the number with its area code"),
        "{}",
        bad.body
    );
    // What they typed is kept.
    assert!(bad.body.contains("value=\"12\""));
    let forged = b.post("/me/messages", &[("reminder", "by_pigeon")]).await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(person(&app, ana).text_consent_at.is_none());
    let saved = b
        .post(
            "/me/messages",
            &[
                ("phone", "+44 7911 123456"),
                ("text_consent", "yes"),
                ("reminder", "text_only"),
                ("recap", "email_and_text"),
                ("nudge", "no_messages"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let p = person(&app, ana);
    assert_eq!(p.phone.as_deref(), Some("+447911123456"));
    assert!(p.text_consent_at.is_some());
    assert_eq!(p.text_consent_wording.as_deref(), Some(CONSENT_WORDING));
    let got = choices(&app, ana);
    assert!(got.contains(&("reminder".into(), ContactChoice::TextOnly)));
    assert!(got.contains(&("recap".into(), ContactChoice::Both)));
    assert!(got.contains(&("nudge".into(), ContactChoice::Nothing)));
    assert!(got.contains(&("missed_you".into(), ContactChoice::EmailOnly)));
    let page = b.get("/me/messages").await;
    assert!(
        page.body.contains("You agreed to texts on"),
        "{}",
        page.body
    );
    // The facilitator sees the choices and the consent, with no way to
    // change the choices.
    let mut lead_b = Browser::new(&app);
    lead_b.sign_in("lead@example.org", PASSWORD).await;
    let record = lead_b
        .get(&format!("/cohorts/{cohort}/enrolments/{ana}"))
        .await;
    assert!(
        record
            .body
            .contains("Reminders before each meeting</dt><dd>Text</dd>"),
        "{}",
        record.body
    );
    assert!(record
        .body
        .contains("Notes after each meeting</dt><dd>Both</dd>"));
    assert!(record.body.contains("agreed on"));
    assert!(!record.body.contains("name=\"reminder\""));
    let theirs = lead_b
        .post("/me/messages", &[("reminder", "no_messages")])
        .await;
    assert_ne!(theirs.status, StatusCode::SEE_OTHER);
    assert!(got.contains(&("reminder".into(), ContactChoice::TextOnly)));
}

#[actix_web::test]
async fn stop_all_texts_from_the_page_and_start_again() {
    let gw = Gateway::start();
    let app = texting_app(&gw);
    let (lead, cohort) = group(&app);
    let ana = parent(
        &app,
        &lead,
        cohort,
        "Ana Ruiz",
        "ana@example.org",
        "+44 7911 123456",
        true,
    );
    let mut b = parent_browser(&app, ana).await;
    b.get("/me/messages").await;
    let res = b.post("/me/texts/stop", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(person(&app, ana).texts_stopped_at.is_some());
    let page = b.get("/me/messages").await;
    assert!(page.body.contains("Texts are stopped"), "{}", page.body);
    assert!(
        page.body
            .contains("Texts are stopped. We won&#x27;t text you at all."),
        "the notice"
    );
    b.post("/me/messages", &[("text_consent", "yes")]).await;
    assert!(person(&app, ana).texts_stopped_at.is_none());
}

#[actix_web::test]
async fn a_facilitator_records_consent_given_on_paper() {
    let gw = Gateway::start();
    let app = texting_app(&gw);
    let (lead, cohort) = group(&app);
    let ana = parent(
        &app,
        &lead,
        cohort,
        "Ana Ruiz",
        "ana@example.org",
        "+44 7911 123456",
        false,
    );
    let bo = parent(&app, &lead, cohort, "Bo Lind", "bo@example.org", "", false);
    let mut b = Browser::new(&app);
    b.sign_in("lead@example.org", PASSWORD).await;
    let page = b.get(&format!("/cohorts/{cohort}/enrolments/{ana}")).await;
    assert!(
        page.body.contains("Record consent given on paper"),
        "{}",
        page.body
    );
    let res = b
        .post(
            &format!("/cohorts/{cohort}/enrolments/{ana}/text-consent"),
            &[(
                "wording",
                "I agree to texts about the group. Reply STOP to stop.",
            )],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let p = person(&app, ana);
    assert!(p.text_consent_at.is_some());
    assert_eq!(
        p.text_consent_wording.as_deref(),
        Some("On paper: I agree to texts about the group. Reply STOP to stop.")
    );
    b.get(&format!("/cohorts/{cohort}/enrolments/{bo}")).await;
    let none = b
        .post(
            &format!("/cohorts/{cohort}/enrolments/{bo}/text-consent"),
            &[("wording", "x")],
        )
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(person(&app, bo).text_consent_at.is_none());
}

#[actix_web::test]
async fn with_texting_off_there_is_no_text_choice() {
    let app = TestApp::new();
    let (lead, cohort) = group(&app);
    let ana = parent(
        &app,
        &lead,
        cohort,
        "Ana Ruiz",
        "ana@example.org",
        "",
        false,
    );
    let mut b = parent_browser(&app, ana).await;
    let page = b.get("/me/messages").await;
    assert!(
        page.body.contains("Texting is off on this server"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("value=\"text_only\""));
    let res = b.post("/me/messages", &[("reminder", "text_only")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(choices(&app, ana).is_empty());
}

#[actix_web::test]
async fn the_one_click_stop_link_still_stops_emails_and_leaves_chosen_texts() {
    let gw = Gateway::start();
    let app = texting_app(&gw);
    let (lead, cohort) = group(&app);
    let ana = parent(
        &app,
        &lead,
        cohort,
        "Ana Ruiz",
        "ana@example.org",
        "+44 7911 123456",
        true,
    );
    let bo = parent(&app, &lead, cohort, "Bo Lind", "bo@example.org", "", false);
    choose(&app, ana, "reminder", ContactChoice::Both);
    for e in [ana, bo] {
        let url = app.state.mail.unsubscribe_url(e).unwrap();
        let path = url
            .strip_prefix(&app.state.config.base_url)
            .unwrap()
            .to_string();
        let res = Browser::new(&app)
            .post_raw(&path, &[("List-Unsubscribe", "One-Click")])
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    {
        let mut conn = app.state.pool.get().unwrap();
        attune::services::follow_ups::queue_due(&mut conn, &app.state.mail, attune::db::now())
            .unwrap();
    }
    let reminders: Vec<(Option<i64>, String)> = rows(&app)
        .into_iter()
        .filter(|r| r.kind == "reminder" && r.status.as_str() != "cancelled")
        .map(|r| (r.enrolment_id, r.channel.as_str().to_string()))
        .collect();
    assert_eq!(reminders, vec![(Some(ana), "by_text".to_string())]);
}
