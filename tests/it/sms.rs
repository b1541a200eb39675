//! Text messages: phones in E.164, consent, routing by each parent's
//! choice, quiet hours, lengths, the gateway's trouble (429, 500, a hang,
//! garbage) against a real local fake gateway (tests/support/sms_gateway.py),
//! two senders without duplicates, and signed STOP/START/HELP webhooks.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use attune::config::WorkerConfig;
use attune::db::models::contact_preference::{ContactChoice, ContactPreference};
use attune::db::models::{OutboxMessage, Participant, User};
use attune::db::schema::{cohorts, outbox_messages};
use attune::mail::compose::Envelope;
use attune::mail::text_sender::TextSender;
use attune::services::roster::{self, ParticipantForm};
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::access::cohort_from;
use crate::common::{add_user, repo_path, TestApp};

pub struct Gateway {
    child: Child,
    pub port: u16,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub const SID: &str = "ACtest";
pub const TOKEN: &str = "test-token";

impl Gateway {
    pub fn start() -> Gateway {
        Self::start_with(&[])
    }

    pub fn start_with(args: &[&str]) -> Gateway {
        let mut child = Command::new("python3")
            .arg(repo_path("tests/support/sms_gateway.py"))
            .args(["--sid", SID, "--token", TOKEN])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the fake gateway did not start: {line:?}"));
        Gateway { child, port }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn agent() -> ureq::Agent {
        ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(5)))
            .build()
            .into()
    }

    /// The next requests' answers, in order ("429", "500", "hang", ...).
    pub fn script(&self, answers: &[&str]) {
        Self::agent()
            .post(&format!("{}/_script", self.url()))
            .header("Content-Type", "application/json")
            .send(json!(answers).to_string().as_bytes())
            .unwrap();
    }

    /// Every message the gateway accepted.
    pub fn messages(&self) -> Vec<Value> {
        let body = Self::agent()
            .get(&format!("{}/_messages", self.url()))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        serde_json::from_str(&body).unwrap()
    }

    /// A webhook as Twilio would send it (signed by the gateway's own
    /// HMAC-SHA1): its form fields and its X-Twilio-Signature.
    pub fn inbound(&self, url: &str, from: &str, body: &str) -> (Vec<(String, String)>, String) {
        let answer = Self::agent()
            .post(&format!("{}/_inbound", self.url()))
            .header("Content-Type", "application/json")
            .send(
                json!({ "url": url, "from": from, "body": body })
                    .to_string()
                    .as_bytes(),
            )
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        let v: Value = serde_json::from_str(&answer).unwrap();
        let fields = v["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p[0].as_str().unwrap().to_string(),
                    p[1].as_str().unwrap().to_string(),
                )
            })
            .collect();
        (fields, v["signature"].as_str().unwrap().to_string())
    }
}

pub fn texting_app(gw: &Gateway) -> TestApp {
    let url = gw.url();
    TestApp::with_vars(&[
        ("SMS_GATEWAY_URL", url.as_str()),
        ("SMS_ACCOUNT_SID", SID),
        ("SMS_AUTH_TOKEN", TOKEN),
        ("SMS_FROM", "+15005550006"),
        ("MAIL_FROM", "Riverside Family Centre <groups@example.org>"),
    ])
}

pub fn fast() -> WorkerConfig {
    WorkerConfig {
        connections: 4,
        batch: 10,
        send_timeout: Duration::from_secs(1),
        retry_base: Duration::from_millis(10),
        retry_max: Duration::from_millis(50),
        max_attempts: 40,
        poll: Duration::from_millis(20),
        ..WorkerConfig::default()
    }
}

pub fn sender(app: &TestApp, config: WorkerConfig) -> Arc<TextSender> {
    let settings = app.state.config.sms.clone().unwrap();
    let gateway =
        attune::mail::gateway::from_settings(&settings, config.connections, config.send_timeout);
    Arc::new(TextSender::new(app.state.pool.clone(), Arc::from(gateway), config).unwrap())
}

/// A parent with this phone (and email, if any), who agreed to texts when
/// `consent`.
pub fn parent(
    app: &TestApp,
    lead: &User,
    cohort: i64,
    name: &str,
    email: &str,
    phone: &str,
    consent: bool,
) -> i64 {
    let input = roster::check(&ParticipantForm {
        name: name.into(),
        email: email.into(),
        phone: phone.into(),
        ..Default::default()
    })
    .unwrap();
    let mut conn = app.state.pool.get().unwrap();
    let (enrolment, _) =
        roster::add(&mut conn, &app.state.mail, lead, cohort, &input, "manual").unwrap();
    if consent {
        Participant::record_text_consent(
            &mut conn,
            enrolment.participant_id,
            "test wording",
            attune::db::now(),
        )
        .unwrap();
    }
    enrolment.id
}

pub fn choose(app: &TestApp, enrolment: i64, kind: &str, choice: ContactChoice) {
    let mut conn = app.state.pool.get().unwrap();
    ContactPreference::set(&mut conn, enrolment, kind, choice, attune::db::now()).unwrap();
}

fn set_zone(app: &TestApp, cohort: i64, zone: &str) {
    let mut conn = app.state.pool.get().unwrap();
    diesel::update(cohorts::table.find(cohort))
        .set(cohorts::time_zone.eq(zone))
        .execute(&mut *conn)
        .unwrap();
}

pub fn rows(app: &TestApp) -> Vec<OutboxMessage> {
    let mut conn = app.state.pool.get().unwrap();
    outbox_messages::table
        .order(outbox_messages::id)
        .select(OutboxMessage::as_select())
        .load(&mut *conn)
        .unwrap()
}

/// (channel, to) of the queued reminders, by enrolment.
fn reminders(app: &TestApp) -> HashMap<i64, Vec<(String, String)>> {
    let mut out: HashMap<i64, Vec<(String, String)>> = HashMap::new();
    for r in rows(app).into_iter().filter(|r| r.kind == "reminder") {
        if r.status.as_str() == "cancelled" {
            continue;
        }
        out.entry(r.enrolment_id.unwrap())
            .or_default()
            .push((r.channel.as_str().to_string(), r.to_address));
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

fn plan(app: &TestApp) {
    let mut conn = app.state.pool.get().unwrap();
    attune::services::follow_ups::queue_due(&mut conn, &app.state.mail, attune::db::now()).unwrap();
}

/// A group whose first meeting is tomorrow, so its reminders are due.
fn group(app: &TestApp) -> (User, i64) {
    let lead = add_user(app, "lead@example.org", false);
    let cohort = cohort_from(app, &lead, "secure-base", 1);
    (lead, cohort)
}

const EMAIL: &str = "by_email";
const TEXT: &str = "by_text";

#[actix_web::test]
async fn each_parent_is_reached_the_way_they_chose() {
    let gw = Gateway::start();
    let app = texting_app(&gw);
    let (lead, cohort) = group(&app);
    let plain = parent(
        &app,
        &lead,
        cohort,
        "Ana Ruiz",
        "ana@example.org",
        "+44 7911 123001",
        true,
    );
    let texts = parent(
        &app,
        &lead,
        cohort,
        "Bo Lind",
        "bo@example.org",
        "+44 7911 123002",
        true,
    );
    let both = parent(
        &app,
        &lead,
        cohort,
        "Cy Moss",
        "cy@example.org",
        "+44 7911 123003",
        true,
    );
    let none = parent(
        &app,
        &lead,
        cohort,
        "Di Park",
        "di@example.org",
        "+44 7911 123004",
        true,
    );
    let no_consent = parent(
        &app,
        &lead,
        cohort,
        "Ed Holt",
        "ed@example.org",
        "+44 7911 123005",
        false,
    );
    let no_email = parent(&app, &lead, cohort, "Fay Webb", "", "+44 7911 123006", true);
    choose(&app, texts, "reminder", ContactChoice::TextOnly);
    choose(&app, both, "reminder", ContactChoice::Both);
    choose(&app, none, "reminder", ContactChoice::Nothing);
    choose(&app, no_consent, "reminder", ContactChoice::TextOnly);
    plan(&app);
    let got = reminders(&app);
    let email = |a: &str| (EMAIL.to_string(), a.to_string());
    let text = |n: &str| (TEXT.to_string(), n.to_string());
    assert_eq!(got[&plain], vec![email("ana@example.org")]);
    assert_eq!(got[&texts], vec![text("+447911123002")]);
    assert_eq!(
        got[&both],
        vec![email("cy@example.org"), text("+447911123003")]
    );
    assert!(!got.contains_key(&none), "{got:?}");
    // "Text" chosen but never agreed to: email instead.
    assert_eq!(got[&no_consent], vec![email("ed@example.org")]);
    // No email address: their texts still come.
    assert_eq!(got[&no_email], vec![text("+447911123006")]);
    // The one who chose none is recorded, not sent, and not made again.
    let skipped: Vec<_> = rows(&app)
        .into_iter()
        .filter(|r| r.enrolment_id == Some(none) && r.kind == "reminder")
        .collect();
    assert_eq!(skipped.len(), 1);
    assert!(skipped[0]
        .last_error
        .as_deref()
        .unwrap()
        .contains("chose no messages"));
    let before = rows(&app).len();
    plan(&app);
    assert_eq!(
        rows(&app).len(),
        before,
        "planning again queues nothing new"
    );
    // Every text ends with the STOP line and fits two parts.
    for r in rows(&app).iter().filter(|r| r.channel.as_str() == TEXT) {
        assert!(
            r.text_body.ends_with("Reply STOP to stop"),
            "{}",
            r.text_body
        );
        assert!(attune::mail::segments::measure(&r.text_body).segments <= 2);
        assert!(r.html_body.is_none());
    }
    // A STOP'd parent who chose text gets email again.
    {
        let mut conn = app.state.pool.get().unwrap();
        let out = attune::services::texts::inbound(
            &mut conn,
            "+447911123002",
            "STOP",
            "Org",
            attune::db::now(),
        )
        .unwrap();
        assert!(out.unwrap().contains("START"));
        let env = Envelope {
            kind: "reminder",
            dedupe_key: "x".into(),
            to_address: "bo@example.org".into(),
            to_name: None,
            cohort_id: Some(cohort),
            enrolment_id: Some(texts),
            meeting_id: None,
            send_at: attune::db::now(),
            reply_to: None,
            unsubscribe: true,
        };
        let route = app.state.mail.route(&mut conn, &env).unwrap();
        assert!(route.email && route.text.is_none(), "{route:?}");
    }
}

#[actix_web::test]
async fn with_no_gateway_everything_goes_by_email_and_pages_say_so() {
    let app = TestApp::new();
    let (lead, cohort) = group(&app);
    let bo = parent(
        &app,
        &lead,
        cohort,
        "Bo Lind",
        "bo@example.org",
        "+44 7911 123002",
        true,
    );
    choose(&app, bo, "reminder", ContactChoice::TextOnly);
    plan(&app);
    assert_eq!(
        reminders(&app)[&bo],
        vec![(EMAIL.to_string(), "bo@example.org".to_string())]
    );
    let mut b = crate::common::Browser::new(&app);
    b.sign_in("lead@example.org", crate::common::PASSWORD).await;
    let page = b.get(&format!("/cohorts/{cohort}/enrolments/{bo}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Texting is off on this server"),
        "{}",
        page.body
    );
}

#[actix_web::test]
async fn phones_are_stored_in_e164_and_bad_ones_name_the_format() {
    let app = TestApp::new();
    let (_lead, cohort) = group(&app);
    let mut b = crate::common::Browser::new(&app);
    b.sign_in("lead@example.org", crate::common::PASSWORD).await;
    b.get(&format!("/cohorts/{cohort}/participants/new")).await;
    let bad = b
        .post(
            &format!("/cohorts/{cohort}/participants"),
            &[("name", "Ana Ruiz"), ("phone", "0161 496")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("like 0161 496 0000 or +44 161 496 0000"),
        "{}",
        bad.body
    );
    // A UTC group with no country set reads only international numbers.
    let national = b
        .post(
            &format!("/cohorts/{cohort}/participants"),
            &[("name", "Ana Ruiz"), ("phone", "0161 496 0000")],
        )
        .await;
    assert_eq!(national.status, StatusCode::UNPROCESSABLE_ENTITY);
    // In a London group (the zone gives the country) it is read as British.
    set_zone(&app, cohort, "Europe/London");
    let ok = b
        .post(
            &format!("/cohorts/{cohort}/participants"),
            &[("name", "Ana Ruiz"), ("phone", "0161 496 0000")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    {
        let mut conn = app.state.pool.get().unwrap();
        let phones: Vec<Option<String>> = attune::db::schema::participants::table
            .select(attune::db::schema::participants::phone)
            .load(&mut *conn)
            .unwrap();
        assert_eq!(phones, vec![Some("+441614960000".to_string())]);
        // The group's own country wins over its zone.
        diesel::update(cohorts::table.find(cohort))
            .set(cohorts::phone_country.eq(Some("US")))
            .execute(&mut *conn)
            .unwrap();
    }
    let us = b
        .post(
            &format!("/cohorts/{cohort}/participants"),
            &[("name", "Bo Lind"), ("phone", "(201) 555-0123")],
        )
        .await;
    assert_eq!(us.status, StatusCode::SEE_OTHER, "{}", us.body);
    // A spreadsheet row with a bad number is left out, with the format.
    b.get(&format!("/cohorts/{cohort}/import")).await;
    let csv = b"name,email,phone\nCy Moss,cy@example.org,12\nDi Park,di@example.org,201 555 0124\n";
    let preview = b
        .post_multipart(&format!("/cohorts/{cohort}/import"), &[("file", csv)])
        .await;
    assert!(
        preview.body.contains("(201) 555-0123 or +1 201 555 0123"),
        "{}",
        preview.body
    );
}

#[actix_web::test]
async fn a_text_due_in_quiet_hours_waits_until_eight_local() {
    let gw = Gateway::start();
    let app = texting_app(&gw);
    let (lead, cohort) = group(&app);
    set_zone(&app, cohort, "Europe/London");
    let bo = parent(&app, &lead, cohort, "Bo Lind", "", "+44 7911 123002", true);
    // Queued for 22:00 on a December evening in London: it goes at 08:00.
    let at = chrono::NaiveDate::from_ymd_opt(2030, 12, 10)
        .unwrap()
        .and_hms_opt(22, 0, 0)
        .unwrap();
    let env = Envelope {
        kind: "reminder",
        dedupe_key: format!("reminder:{bo}:late"),
        to_address: String::new(),
        to_name: Some("Bo Lind".into()),
        cohort_id: Some(cohort),
        enrolment_id: Some(bo),
        meeting_id: None,
        send_at: at,
        reply_to: None,
        unsubscribe: true,
    };
    {
        let mut conn = app.state.pool.get().unwrap();
        assert!(app
            .state
            .mail
            .queue(&mut conn, &env, json!({ "name": "Bo" }))
            .unwrap());
    }
    let row = rows(&app).pop().unwrap();
    assert_eq!(row.channel.as_str(), TEXT);
    assert_eq!(row.next_attempt_at, at + chrono::Duration::hours(10));
    // And when a text comes due while the group is asleep, the sender
    // puts it back until morning instead of sending it.
    let hour = chrono::Timelike::hour(&chrono::Utc::now());
    let ahead = (23 + 24 - hour as i32) % 24; // hours ahead of UTC where it is 23:xx
    let ahead = if ahead > 14 { ahead - 24 } else { ahead };
    let zone = match ahead {
        0 => "Etc/GMT".to_string(),
        n if n > 0 => format!("Etc/GMT-{n}"),
        n => format!("Etc/GMT+{}", -n),
    };
    set_zone(&app, cohort, &zone);
    {
        let mut conn = app.state.pool.get().unwrap();
        diesel::update(outbox_messages::table.find(row.id))
            .set(outbox_messages::next_attempt_at.eq(attune::db::now()))
            .execute(&mut *conn)
            .unwrap();
    }
    let report = sender(&app, fast()).drain().await;
    assert_eq!((report.sent, report.postponed), (0, 1), "{report:?}");
    assert!(gw.messages().is_empty());
    let row = rows(&app).pop().unwrap();
    assert_eq!(row.status.as_str(), "queued");
    assert_eq!(row.attempts, 0, "a postponed text's try is not counted");
    assert!(row.next_attempt_at > attune::db::now() + chrono::Duration::hours(8));
}

/// `n` texts to one consenting parent, straight into the outbox.
fn queue_texts(app: &TestApp, prefix: &str, n: usize) -> i64 {
    let (lead, cohort) = {
        let mut conn = app.state.pool.get().unwrap();
        let lead = User::find_by_email(&mut conn, "lead@example.org").unwrap();
        drop(conn);
        let lead = match lead {
            Some(l) => l,
            None => add_user(app, "lead@example.org", false),
        };
        let cohort = cohort_from(app, &lead, "secure-base", 1);
        (lead, cohort)
    };
    // A zone where it is always daytime for the test: noon-ish now.
    let hour = chrono::Timelike::hour(&chrono::Utc::now()) as i32;
    let ahead = (12 + 24 - hour) % 24;
    let ahead = if ahead > 14 { ahead - 24 } else { ahead };
    let zone = match ahead {
        0 => "Etc/GMT".to_string(),
        a if a > 0 => format!("Etc/GMT-{a}"),
        a => format!("Etc/GMT+{}", -a),
    };
    set_zone(app, cohort, &zone);
    let bo = parent(
        app,
        &lead,
        cohort,
        &format!("Bo {prefix}"),
        "",
        "+44 7911 123002",
        true,
    );
    let mut conn = app.state.pool.get().unwrap();
    for i in 0..n {
        let env = Envelope {
            kind: "reminder",
            dedupe_key: format!("{prefix}:{i}"),
            to_address: String::new(),
            to_name: None,
            cohort_id: Some(cohort),
            enrolment_id: Some(bo),
            meeting_id: None,
            send_at: attune::db::now(),
            reply_to: None,
            unsubscribe: true,
        };
        assert!(app
            .state
            .mail
            .queue(&mut conn, &env, json!({ "name": format!("Bo {i}") }))
            .unwrap());
    }
    bo
}

fn by_id(gw: &Gateway) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for m in gw.messages() {
        *seen
            .entry(m["id"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    seen
}

async fn drain_until_settled(app: &TestApp, sender: &Arc<TextSender>) {
    for _ in 0..400 {
        sender.drain().await;
        let waiting = rows(app)
            .iter()
            .filter(|r| ["queued", "failed", "sending"].contains(&r.status.as_str()))
            .count();
        if waiting == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "texts still waiting: {:?}",
        rows(app)
            .iter()
            .map(|r| r.status.as_str())
            .collect::<Vec<_>>()
    );
}

#[actix_web::test]
async fn gateway_trouble_is_retried_and_nothing_is_lost_or_sent_twice() {
    let gw = Gateway::start_with(&["--hang", "3"]);
    let app = texting_app(&gw);
    queue_texts(&app, "trouble", 30);
    gw.script(&["429", "500", "hang", "garbage", "500", "429", "garbage"]);
    let s = sender(&app, fast());
    drain_until_settled(&app, &s).await;
    let all = rows(&app);
    assert!(
        all.iter().all(|r| r.status.as_str() == "sent"),
        "{:?}",
        all.iter()
            .map(|r| (&r.status, &r.last_error))
            .collect::<Vec<_>>()
    );
    let seen = by_id(&gw);
    assert_eq!(seen.len(), 30);
    assert!(seen.values().all(|n| *n == 1), "{seen:?}");
    assert!(s.report().retrying >= 7, "{:?}", s.report());
    for m in gw.messages() {
        assert_eq!(m["to"], "+447911123002");
        assert!(m["body"].as_str().unwrap().ends_with("Reply STOP to stop"));
    }
}

#[actix_web::test]
async fn a_refusal_is_dead_at_once_and_endless_garbage_dead_after_its_tries() {
    let gw = Gateway::start();
    let app = texting_app(&gw);
    queue_texts(&app, "refused", 2);
    gw.script(&["400", "garbage", "garbage", "garbage"]);
    let s = sender(
        &app,
        WorkerConfig {
            connections: 1,
            max_attempts: 3,
            ..fast()
        },
    );
    drain_until_settled(&app, &s).await;
    let all = rows(&app);
    assert_eq!(all[0].status.as_str(), "dead");
    assert!(
        all[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("refused the message (400)"),
        "{:?}",
        all[0].last_error
    );
    assert_eq!(all[1].status.as_str(), "dead");
    let why = all[1].last_error.as_deref().unwrap();
    assert!(
        why.contains("gave up after 3 tries") && why.contains("unexpected"),
        "{why}"
    );
    assert!(gw.messages().is_empty());
}

#[actix_web::test]
async fn two_senders_share_the_texts_without_duplicates() {
    let gw = Gateway::start();
    let app = texting_app(&gw);
    queue_texts(&app, "pair", 300);
    let (a, b) = (sender(&app, fast()), sender(&app, fast()));
    let (ra, rb) = tokio::join!(a.drain(), b.drain());
    assert_eq!(ra.sent + rb.sent, 300, "{ra:?} {rb:?}");
    let seen = by_id(&gw);
    assert_eq!(seen.len(), 300);
    assert!(seen.values().all(|n| *n == 1));
    assert!(rows(&app).iter().all(|r| r.status.as_str() == "sent"));
}

#[actix_web::test]
async fn every_kind_fits_two_texts_with_long_names_and_real_links() {
    let gw = Gateway::start();
    let app = texting_app(&gw);
    let token = "f".repeat(64);
    let link = format!("https://classes.riverside.org.uk/p/{token}");
    let meeting = json!({
        "session_number": 12,
        "session_title": "Staying calm when everything is loud",
        "when": "Wednesday 17 December at 6:30 pm",
    });
    let ctx = json!({
        "name": "Bartholomew-Alexander",
        "cohort": "Riverside Tuesday Evening Parenting Group",
        "course": "The Secure Base Parenting Programme",
        "facilitators": "Oluwaseun Adeyemi-Bradshaw and Marguerite Fitzgerald",
        "meeting": meeting,
        "next_meeting": meeting,
        "old_when": "Tuesday 16 December at 6:30 pm",
        "link_url": link,
        // RSVP links are 128-bit tokens (22 characters), single use.
        "rsvp_yes_url": format!("https://classes.riverside.org.uk/r/{}", "y".repeat(22)),
        "rsvp_no_url": format!("https://classes.riverside.org.uk/r/{}", "n".repeat(22)),
        "reflection_url": format!("{link}?to=sessions/12#reflection"),
        "handout_url": format!("{link}?to=sessions/12"),
        "catch_up_url": format!("{link}?to=sessions/12#reflection"),
        "reply_url": format!("{link}?to=sessions/12#reply"),
        "accept_url": format!("https://classes.riverside.org.uk/offer/{token}"),
        "decline_url": format!("https://classes.riverside.org.uk/offer/{token}/no"),
        "expires": "Friday 19 December at 6:30 pm",
        "message": "We're in room 4 tonight: the hall is being painted. ".repeat(6),
    });
    for kind in [
        "reminder",
        "recap",
        "nudge",
        "missed_you",
        "reflection_reply",
        "meeting_cancelled",
        "meeting_moved",
        "meeting_restored",
        "group_message",
        "waitlist_offer",
    ] {
        let body = app
            .state
            .mail
            .render_text(kind, &ctx)
            .unwrap()
            .unwrap_or_else(|| panic!("{kind} has a text"));
        let length = attune::mail::segments::measure(&body);
        assert!(
            length.segments <= 2,
            "{kind}: {} parts ({} chars): {body}",
            length.segments,
            length.units
        );
        assert!(body.ends_with("\nReply STOP to stop"), "{kind}: {body}");
        assert!(!body.contains("..."), "{kind} was cut to fit: {body}");
        assert_eq!(
            length.encoding,
            attune::mail::segments::Encoding::Gsm7,
            "{kind}"
        );
    }
    // The reminder carries both answers when it has them.
    let reminder = app
        .state
        .mail
        .render_text("reminder", &ctx)
        .unwrap()
        .unwrap();
    assert!(
        reminder.contains(&"y".repeat(22)) && reminder.contains(&"n".repeat(22)),
        "{reminder}"
    );
}

fn twilio_url(app: &TestApp) -> String {
    format!("{}/sms/inbound/twilio", app.state.config.base_url)
}

async fn post_twilio(
    app: &TestApp,
    fields: &[(String, String)],
    signature: Option<&str>,
) -> crate::common::Resp {
    let mut req = TestRequest::post()
        .uri("/sms/inbound/twilio")
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
        .set_payload(serde_urlencoded::to_string(fields).unwrap());
    if let Some(s) = signature {
        req = req.insert_header(("X-Twilio-Signature", s));
    }
    app.send(req).await
}

fn stopped(app: &TestApp, enrolment: i64) -> bool {
    let mut conn = app.state.pool.get().unwrap();
    let e = attune::db::models::Enrolment::find(&mut conn, enrolment)
        .unwrap()
        .unwrap();
    Participant::find(&mut conn, e.participant_id)
        .unwrap()
        .texts_stopped_at
        .is_some()
}

#[actix_web::test]
async fn stop_from_the_gateway_stops_texts_and_an_unsigned_stop_is_refused() {
    let gw = Gateway::start();
    let app = texting_app(&gw);
    let bo = queue_texts(&app, "stop", 3);
    let from = "+447911123002";
    // Unsigned, or signed by someone else: refused, nothing changed.
    let (fields, signature) = gw.inbound(&twilio_url(&app), from, "STOP");
    assert_eq!(
        post_twilio(&app, &fields, None).await.status,
        StatusCode::FORBIDDEN
    );
    let mut forged = fields.clone();
    forged[0].1 = "+447911123099".into();
    assert_eq!(
        post_twilio(&app, &forged, Some(&signature)).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(!stopped(&app, bo));
    // Signed by the gateway: every text stops at once.
    let res = post_twilio(&app, &fields, Some(&signature)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        res.body
            .contains("<Message>Riverside Family Centre: you won"),
        "{}",
        res.body
    );
    assert!(stopped(&app, bo));
    assert!(rows(&app).iter().all(|r| r.status.as_str() == "cancelled"));
    assert_eq!(sender(&app, fast()).drain().await.sent, 0);
    {
        let mut conn = app.state.pool.get().unwrap();
        let n: i64 = attune::db::schema::audit_log::table
            .filter(attune::db::schema::audit_log::action.eq("participant.texts_stopped"))
            .count()
            .get_result(&mut *conn)
            .unwrap();
        assert_eq!(n, 1);
    }
    // HELP names the organisation; START resumes.
    let (fields, signature) = gw.inbound(&twilio_url(&app), from, " help ");
    let res = post_twilio(&app, &fields, Some(&signature)).await;
    assert!(
        res.body
            .contains("Riverside Family Centre: texts about your parenting group"),
        "{}",
        res.body
    );
    let (fields, signature) = gw.inbound(&twilio_url(&app), from, "Start");
    let res = post_twilio(&app, &fields, Some(&signature)).await;
    assert!(res.body.contains("texts are back on"), "{}", res.body);
    assert!(!stopped(&app, bo));
    // Any other reply is not a keyword and changes nothing.
    let (fields, signature) = gw.inbound(&twilio_url(&app), from, "please stop texting so late");
    let res = post_twilio(&app, &fields, Some(&signature)).await;
    assert_eq!(
        res.body,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>"
    );
    assert!(!stopped(&app, bo));
}

#[actix_web::test]
async fn the_json_gateway_signs_its_webhook_with_hmac_sha256() {
    let gw = Gateway::start();
    let url = format!("{}/json", gw.url());
    let app = TestApp::with_vars(&[
        ("SMS_GATEWAY_URL", url.as_str()),
        ("SMS_GATEWAY_KIND", "json"),
        ("SMS_AUTH_TOKEN", TOKEN),
        ("SMS_FROM", "Riverside"),
    ]);
    let bo = queue_texts(&app, "json", 2);
    assert_eq!(sender(&app, fast()).drain().await.sent, 2);
    assert_eq!(gw.messages().len(), 2);
    assert_eq!(gw.messages()[0]["via"], "json");
    let body = json!({ "from": "+447911123002", "body": "STOPALL" }).to_string();
    let send = |sig: Option<String>| {
        let mut req = TestRequest::post()
            .uri("/sms/inbound")
            .insert_header(("Content-Type", "application/json"))
            .set_payload(body.clone());
        if let Some(s) = sig {
            req = req.insert_header(("X-Attune-Signature", s));
        }
        req
    };
    assert_eq!(app.send(send(None)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.send(send(Some("00".repeat(32)))).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(!stopped(&app, bo));
    let good = attune::mail::gateway::sign_json(TOKEN, body.as_bytes());
    let res = app.send(send(Some(good))).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("Reply START"), "{}", res.body);
    assert!(stopped(&app, bo));
}

#[actix_web::test]
async fn the_email_preview_shows_the_text_and_its_length() {
    let gw = Gateway::start();
    let app = texting_app(&gw);
    let (_, cohort) = group(&app);
    let mut b = crate::common::Browser::new(&app);
    b.sign_in("lead@example.org", crate::common::PASSWORD).await;
    let page = b
        .get(&format!("/cohorts/{cohort}/emails/preview/reminder"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("As a text message"), "{}", page.body);
    assert!(page.body.contains("Reply STOP to stop"));
    assert!(
        page.body.contains("goes in 1 part") || page.body.contains("goes in 2 parts"),
        "{}",
        page.body
    );
}
