//! The Emails page of a group: settings, pausing, previews, sending again,
//! the recap note; and the administrators' outbox.

use actix_web::http::StatusCode;
use attune::db::ids::{CohortId, EnrolmentId, MeetingId};
use attune::db::models::{Cohort, Meeting, OutboxMessage, User};
use attune::db::schema::{access_tokens, audit_log, cohorts, enrolments, outbox_messages};
use diesel::prelude::*;

use crate::access::{cohort_from, enrol};
use crate::common::{add_user, html_escape, Browser, TestApp, PASSWORD};

struct World {
    app: TestApp,
    lead: User,
    cohort: i64,
    meetings: Vec<Meeting>,
}

/// A group whose first meeting is `days` away, led by lead@example.org.
fn world(days: i64) -> World {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = cohort_from(&app, &lead, "secure-base", days);
    let meetings = {
        let mut conn = app.state.pool.get().unwrap();
        Meeting::for_cohort(&mut conn, cohort).unwrap()
    };
    World {
        app,
        lead,
        cohort,
        meetings,
    }
}

async fn signed_in<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
    let mut b = Browser::new(app);
    b.sign_in(email, PASSWORD).await;
    b
}

fn cohort_row(app: &TestApp, id: i64) -> Cohort {
    let mut conn = app.state.pool.get().unwrap();
    cohorts::table
        .find(id)
        .select(Cohort::as_select())
        .first(&mut *conn)
        .unwrap()
}

fn messages(app: &TestApp, cohort: i64) -> Vec<OutboxMessage> {
    let mut conn = app.state.pool.get().unwrap();
    let mut all = OutboxMessage::for_cohort(&mut conn, cohort, 1000).unwrap();
    all.sort_by_key(|m| m.id);
    all
}

fn message(app: &TestApp, id: i64) -> OutboxMessage {
    let mut conn = app.state.pool.get().unwrap();
    OutboxMessage::find(&mut conn, id).unwrap().unwrap()
}

/// The welcome queued for an enrolment.
fn welcome_of(app: &TestApp, enrolment: i64) -> OutboxMessage {
    let mut conn = app.state.pool.get().unwrap();
    outbox_messages::table
        .filter(outbox_messages::enrolment_id.eq(enrolment))
        .filter(outbox_messages::kind.eq("welcome"))
        .select(OutboxMessage::as_select())
        .first(&mut *conn)
        .unwrap()
}

fn make_dead(app: &TestApp, id: i64, why: &str) {
    let mut conn = app.state.pool.get().unwrap();
    diesel::update(outbox_messages::table.find(id))
        .set((
            outbox_messages::status.eq("dead"),
            outbox_messages::attempts.eq(5),
            outbox_messages::last_error.eq(Some(why)),
        ))
        .execute(&mut *conn)
        .unwrap();
}

fn row_counts(app: &TestApp) -> (i64, i64) {
    let mut conn = app.state.pool.get().unwrap();
    (
        outbox_messages::table
            .count()
            .get_result(&mut *conn)
            .unwrap(),
        access_tokens::table.count().get_result(&mut *conn).unwrap(),
    )
}

fn audited(app: &TestApp, action: &str) -> Vec<Option<i64>> {
    let mut conn = app.state.pool.get().unwrap();
    audit_log::table
        .filter(audit_log::action.eq(action))
        .select(audit_log::subject_id)
        .load(&mut *conn)
        .unwrap()
}

fn session_title(app: &TestApp, number: i32) -> String {
    app.state.library.get("secure-base").unwrap().sessions[number as usize - 1]
        .title
        .clone()
}

fn memory_worker(
    app: &TestApp,
) -> (
    std::sync::Arc<attune::mail::worker::Worker>,
    std::sync::Arc<std::sync::Mutex<Vec<attune::mail::KeptMessage>>>,
) {
    let (transport, kept) = attune::mail::Transport::memory();
    (
        std::sync::Arc::new(app.state.worker(transport).unwrap()),
        kept,
    )
}

#[actix_web::test]
async fn the_page_says_how_email_is_set_up_and_never_shows_bodies() {
    let w = world(10);
    let pat = enrol(&w.app, &w.lead, w.cohort, "Pat Parent", "pat@example.org");
    enrol(&w.app, &w.lead, w.cohort, "No Mail", "");
    let mut b = signed_in(&w.app, "lead@example.org").await;
    let page = b.get(&format!("/cohorts/{}/emails", w.cohort)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("cache-control"), "no-store");
    // No SMTP in tests: emails go to the folder, and the page says so.
    assert!(page.body.contains("not connected to a mail server"));
    assert!(page.body.contains("on the computer attune runs on"));
    // The server's folder is for whoever runs attune, not a facilitator.
    let folder = w.app.state.config.mail_dir.display().to_string();
    assert!(
        !folder.is_empty() && !page.body.contains(&html_escape(&folder)),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("<code>/"),
        "no server path: {}",
        page.body
    );
    assert!(page.body.contains("Pause emails"));
    assert!(page.body.contains("Follow-up emails go to 1 parent "));
    assert!(page.body.contains("1 parent in the group gets"));
    // Coming up: the first meeting's reminder, with a preview link.
    assert!(page.body.contains(&format!(
        "/cohorts/{}/emails/preview/reminder?meeting={}",
        w.cohort, w.meetings[0].id
    )));
    // The welcome is listed, but not what it says: it holds Pat's link.
    let welcome = welcome_of(&w.app, pat);
    assert!(page.body.contains("Welcome"));
    assert!(page.body.contains("Pat Parent"));
    assert!(page.body.contains("Waiting to go"));
    let link_start = welcome.text_body.find("/p/").unwrap();
    let link: String = welcome.text_body[link_start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    assert!(link.len() > 10, "{link}");
    assert!(!page.body.contains(&link));
    assert!(!page.body.contains(&html_escape(&welcome.subject)));
    // The group page links here.
    let group = b.get(&format!("/cohorts/{}", w.cohort)).await;
    assert!(group
        .body
        .contains(&format!("href=\"/cohorts/{}/emails\"", w.cohort)));
}

#[actix_web::test]
async fn settings_are_saved_and_bad_numbers_change_nothing() {
    let w = world(10);
    let before = cohort_row(&w.app, w.cohort);
    let mut b = signed_in(&w.app, "lead@example.org").await;
    let url = format!("/cohorts/{}/emails", w.cohort);
    b.get(&url).await;
    let res = b
        .post(
            &format!("{url}/settings"),
            &[
                ("send_reminder", "1"),
                ("send_nudge", "1"),
                ("reminder_hours_before", "12"),
                ("recap_hours_after", "0"),
                ("nudge_hours_after", "336"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.header("location"), url);
    let c = cohort_row(&w.app, w.cohort);
    assert!(!c.send_welcome && c.send_reminder && !c.send_recap && c.send_nudge);
    assert_eq!(
        (
            c.reminder_hours_before,
            c.recap_hours_after,
            c.nudge_hours_after
        ),
        (12, 0, 336)
    );
    assert_eq!(audited(&w.app, "emails.settings"), vec![Some(w.cohort)]);
    // The form shows what was saved.
    let page = b.get(&url).await;
    assert!(page.body.contains("Email settings saved."));
    assert!(
        page.body.contains("name=\"reminder_hours_before\"") && page.body.contains("value=\"12\"")
    );
    assert!(!page
        .body
        .contains("name=\"send_welcome\" value=\"1\" checked"));
    assert!(page
        .body
        .contains("name=\"send_nudge\" value=\"1\" checked"));

    // Out of range, and not a number: shown again, nothing saved.
    let res = b
        .post(
            &format!("{url}/settings"),
            &[
                ("send_welcome", "1"),
                ("send_recap", "1"),
                ("reminder_hours_before", "0"),
                ("recap_hours_after", "49"),
                ("nudge_hours_after", "three days"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("from 1 to 72"));
    assert!(res.body.contains("from 0 to 48"));
    assert!(res.body.contains("from 12 to 336"));
    assert!(
        res.body.contains("value=\"three days\""),
        "the typed text is kept"
    );
    assert!(res
        .body
        .contains("name=\"send_welcome\" value=\"1\" checked"));
    assert_eq!(res.body.matches("aria-invalid=\"true\"").count(), 3);
    let after = cohort_row(&w.app, w.cohort);
    assert_eq!(
        (
            after.send_welcome,
            after.send_recap,
            after.reminder_hours_before,
            after.recap_hours_after,
            after.nudge_hours_after
        ),
        (false, false, 12, 0, 336)
    );
    assert_eq!(audited(&w.app, "emails.settings").len(), 1);
    assert_ne!(before.reminder_hours_before, 12, "the defaults differ");
}

#[actix_web::test]
async fn a_paused_group_holds_its_welcome_until_resumed() {
    let w = world(30);
    let mut b = signed_in(&w.app, "lead@example.org").await;
    let url = format!("/cohorts/{}/emails", w.cohort);
    b.get(&url).await;
    let res = b.post(&format!("{url}/pause"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(cohort_row(&w.app, w.cohort).follow_ups_paused);
    let page = b.get(&url).await;
    assert!(page.body.contains("Resume emails"));
    assert!(page.body.contains("That includes the ones already waiting"));
    let group = b.get(&format!("/cohorts/{}", w.cohort)).await;
    assert_eq!(group.status, StatusCode::OK);

    let pat = enrol(&w.app, &w.lead, w.cohort, "Pat Parent", "pat@example.org");
    let welcome = welcome_of(&w.app, pat);
    let (worker, kept) = memory_worker(&w.app);
    worker.drain().await.unwrap();
    assert!(kept.lock().unwrap().is_empty(), "nothing goes while paused");
    assert_eq!(message(&w.app, welcome.id).status.as_str(), "queued");

    b.get(&url).await;
    let res = b.post(&format!("{url}/resume"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(!cohort_row(&w.app, w.cohort).follow_ups_paused);
    worker.drain().await.unwrap();
    let sent = kept.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, "pat@example.org");
    assert_eq!(sent[0].outbox_id, welcome.id);
    assert_eq!(message(&w.app, welcome.id).status.as_str(), "sent");
    assert_eq!(audited(&w.app, "emails.pause"), vec![Some(w.cohort)]);
    assert_eq!(audited(&w.app, "emails.resume"), vec![Some(w.cohort)]);
}

#[actix_web::test]
async fn previews_show_each_email_and_write_nothing() {
    let w = world(3);
    enrol(&w.app, &w.lead, w.cohort, "Pat Parent", "pat@example.org");
    let other_lead = add_user(&w.app, "other@example.org", false);
    let other = cohort_from(&w.app, &other_lead, "secure-base", 3);
    let other_meeting = {
        let mut conn = w.app.state.pool.get().unwrap();
        Meeting::for_cohort(&mut conn, other).unwrap()[0].id
    };
    let mut b = signed_in(&w.app, "lead@example.org").await;
    b.get(&format!("/cohorts/{}/emails", w.cohort)).await;
    let before = row_counts(&w.app);
    let m = &w.meetings[1];
    let title = session_title(&w.app, m.session_number);
    let base = format!("/cohorts/{}/emails/preview", w.cohort);
    for kind in [
        "reminder",
        "recap",
        "nudge",
        "meeting_moved",
        "meeting_cancelled",
    ] {
        let page = b.get(&format!("{base}/{kind}?meeting={}", m.id)).await;
        assert_eq!(page.status, StatusCode::OK, "{kind}: {}", page.body);
        assert!(page.body.contains(&html_escape(&title)), "{kind}");
        assert!(page.body.contains("To</dt><dd>pat@example.org"), "{kind}");
        assert!(
            page.body.contains("<pre class=\"email-text\">Hi Pat,"),
            "{kind}"
        );
        let frame = format!("{base}/{kind}/html?meeting={}", m.id);
        assert!(
            page.body
                .contains(&format!("sandbox src=\"{}\"", html_escape(&frame))),
            "{kind}"
        );
        let html = b.get(&frame).await;
        assert_eq!(html.status, StatusCode::OK);
        assert_eq!(
            html.header("content-security-policy"),
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox"
        );
        assert_eq!(html.header("x-frame-options"), "SAMEORIGIN");
        assert_eq!(html.header("cache-control"), "no-store");
        assert!(html.body.starts_with("<!DOCTYPE html>"));
        assert!(html.body.contains(&html_escape(&title)), "{kind}");
        assert!(
            !html.body.contains("attune</a>"),
            "the body alone, no page around it"
        );
        // A placeholder instead of anyone's real link.
        if kind != "meeting_cancelled" {
            assert!(html.body.contains("(their-personal-link)"), "{kind}");
        }
        assert!(!html.body.contains("/p/") || html.body.contains("/p/(their"));
    }
    let welcome = b.get(&format!("{base}/welcome")).await;
    assert_eq!(welcome.status, StatusCode::OK);
    assert!(welcome.body.contains("Welcome"));
    assert!(welcome
        .body
        .contains(&html_escape(&session_title(&w.app, 1))));
    let html = b.get(&format!("{base}/welcome/html")).await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.body.contains("(their-personal-link)"));
    // A meeting's email without a meeting: the next one.
    let next = b.get(&format!("{base}/recap")).await;
    assert_eq!(next.status, StatusCode::OK);
    assert!(next
        .body
        .contains(&format!("?meeting={}", w.meetings[0].id)));
    assert_eq!(row_counts(&w.app), before, "a preview writes nothing");

    for bad in [
        format!("{base}/newsletter"),
        format!("{base}/newsletter/html"),
        format!("{base}/recap?meeting={other_meeting}"),
        format!("{base}/recap/html?meeting={other_meeting}"),
        format!("{base}/recap?meeting=first"),
        format!("{base}/nudge?meeting=999999"),
    ] {
        assert_eq!(b.get(&bad).await.status, StatusCode::NOT_FOUND, "{bad}");
    }
}

#[actix_web::test]
async fn a_dead_email_can_go_again_unless_the_parent_left_or_said_stop() {
    let w = world(10);
    let pat = enrol(&w.app, &w.lead, w.cohort, "Pat Parent", "pat@example.org");
    let sam = enrol(&w.app, &w.lead, w.cohort, "Sam Stop", "sam@example.org");
    let lou = enrol(&w.app, &w.lead, w.cohort, "Lou Left", "lou@example.org");
    let [pat_w, sam_w, lou_w] = [pat, sam, lou].map(|e| welcome_of(&w.app, e).id);
    for id in [pat_w, sam_w, lou_w] {
        make_dead(&w.app, id, "550 5.1.1 mailbox unavailable");
    }
    let mut b = signed_in(&w.app, "lead@example.org").await;
    let url = format!("/cohorts/{}/emails", w.cohort);
    let page = b.get(&url).await;
    assert!(page.body.contains("Could not be sent"));
    assert!(page.body.contains("550 5.1.1 mailbox unavailable"));
    assert!(page.body.contains(&format!("{url}/{pat_w}/resend")));
    assert!(page.body.contains("<strong>3</strong> need attention"));

    let res = b.post(&format!("{url}/{pat_w}/resend"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let m = message(&w.app, pat_w);
    assert_eq!((m.status.as_str(), m.attempts), ("queued", 0));
    assert_eq!(audited(&w.app, "outbox.resend"), vec![Some(pat_w)]);
    let page = b.get(&url).await;
    assert!(page.body.contains("back in the queue"));
    // A queued one has nothing to send again.
    let res = b.post(&format!("{url}/{pat_w}/resend"), &[]).await;
    assert_eq!(res.status, StatusCode::CONFLICT);

    {
        let mut conn = w.app.state.pool.get().unwrap();
        attune::services::follow_ups::unsubscribe(&mut conn, sam, attune::db::now()).unwrap();
        attune::services::roster::set_active(
            &mut conn,
            &w.app.state.mail,
            &w.lead,
            CohortId(w.cohort),
            EnrolmentId(lou),
            false,
        )
        .unwrap();
    }
    b.get(&url).await;
    let res = b.post(&format!("{url}/{sam_w}/resend"), &[]).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(
        res.body.contains("Sam Stop has asked for no more emails"),
        "{}",
        res.body
    );
    assert_eq!(message(&w.app, sam_w).status.as_str(), "dead");
    let res = b.post(&format!("{url}/{lou_w}/resend"), &[]).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.body.contains("Lou Left is no longer in the group"));
    assert_eq!(message(&w.app, lou_w).status.as_str(), "dead");
    assert_eq!(audited(&w.app, "outbox.resend").len(), 1);

    // A message of another group is not found from this one.
    let other_lead = add_user(&w.app, "other@example.org", false);
    let other = cohort_from(&w.app, &other_lead, "secure-base", 10);
    let bo = enrol(&w.app, &other_lead, other, "Bo Other", "bo@example.org");
    let bo_w = welcome_of(&w.app, bo).id;
    make_dead(&w.app, bo_w, "550 no");
    let res = b.post(&format!("{url}/{bo_w}/resend"), &[]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(message(&w.app, bo_w).status.as_str(), "dead");
}

#[actix_web::test]
async fn the_recap_note_goes_into_the_recap() {
    let w = world(-1);
    let pat = enrol(&w.app, &w.lead, w.cohort, "Pat Parent", "pat@example.org");
    let m = w.meetings[0].clone();
    {
        // Pat was in the group before the first meeting.
        let mut conn = w.app.state.pool.get().unwrap();
        diesel::update(enrolments::table.find(pat))
            .set(enrolments::enrolled_at.eq(m.starts_at - chrono::Duration::days(3)))
            .execute(&mut *conn)
            .unwrap();
    }
    let mut b = signed_in(&w.app, "lead@example.org").await;
    let page_url = format!("/cohorts/{}/meetings/{}", w.cohort, m.id);
    let page = b.get(&page_url).await;
    assert!(page.body.contains("A personal note for the recap email"));
    assert!(page.body.contains(&format!(
        "/cohorts/{}/emails/preview/recap?meeting={}",
        w.cohort, m.id
    )));
    let note = "Thank you all for coming <3\n\nBring a photo of your child next week.";
    let res = b
        .post(&format!("{page_url}/recap-note"), &[("recap_note", note)])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.header("location"), format!("{page_url}#recap"));
    let page = b.get(&page_url).await;
    assert!(page.body.contains(&html_escape(note)));

    // Too long: shown again with the text kept; the saved note stays.
    let long = "x".repeat(2001);
    let res = b
        .post(&format!("{page_url}/recap-note"), &[("recap_note", &long)])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains(&long));
    assert!(res
        .body
        .contains("Please keep the note to 2000 characters. It has 2001 now."));
    assert!(res.body.contains("wasn&#x27;t saved"));
    {
        let mut conn = w.app.state.pool.get().unwrap();
        let saved =
            Meeting::find_in_cohort(&mut conn, CohortId(w.cohort), MeetingId(m.id)).unwrap();
        assert_eq!(saved.recap_note.as_deref(), Some(note));
    }

    // The preview carries the note; the queued recap too.
    let preview = b
        .get(&format!(
            "/cohorts/{}/emails/preview/recap?meeting={}",
            w.cohort, m.id
        ))
        .await;
    assert!(preview.body.contains("Thank you all for coming &lt;3"));
    let c = cohort_row(&w.app, w.cohort);
    let due = m.starts_at
        + chrono::Duration::minutes(i64::from(m.minutes))
        + chrono::Duration::hours(i64::from(c.recap_hours_after))
        + chrono::Duration::minutes(1);
    {
        let mut conn = w.app.state.pool.get().unwrap();
        attune::services::follow_ups::queue_due(&mut conn, &w.app.state.mail, due).unwrap();
    }
    let recap = messages(&w.app, w.cohort)
        .into_iter()
        .find(|r| r.kind == "recap")
        .expect("a recap is queued");
    assert!(recap.text_body.contains("Thank you all for coming <3"));
    assert!(recap
        .text_body
        .contains("Bring a photo of your child next week."));
    assert!(recap
        .html_body
        .unwrap()
        .contains("Thank you all for coming &lt;3"));

    // Empty clears it.
    b.get(&page_url).await;
    let res = b
        .post(&format!("{page_url}/recap-note"), &[("recap_note", "  ")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let mut conn = w.app.state.pool.get().unwrap();
    let saved = Meeting::find_in_cohort(&mut conn, CohortId(w.cohort), MeetingId(m.id)).unwrap();
    assert_eq!(saved.recap_note, None);
    assert_eq!(audited(&w.app, "meeting.recap_note").len(), 2);
}

#[actix_web::test]
async fn another_facilitator_finds_nothing() {
    let w = world(10);
    let pat = enrol(&w.app, &w.lead, w.cohort, "Pat Parent", "pat@example.org");
    let welcome = welcome_of(&w.app, pat).id;
    make_dead(&w.app, welcome, "550 no");
    add_user(&w.app, "other@example.org", false);
    let mut b = signed_in(&w.app, "other@example.org").await;
    b.get("/dashboard").await;
    let (c, m) = (w.cohort, w.meetings[0].id);
    for path in [
        format!("/cohorts/{c}/emails"),
        format!("/cohorts/{c}/emails/preview/welcome"),
        format!("/cohorts/{c}/emails/preview/recap?meeting={m}"),
        format!("/cohorts/{c}/emails/preview/recap/html?meeting={m}"),
    ] {
        assert_eq!(b.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    for (path, fields) in [
        (
            format!("/cohorts/{c}/emails/settings"),
            vec![
                ("reminder_hours_before", "1"),
                ("recap_hours_after", "1"),
                ("nudge_hours_after", "12"),
            ],
        ),
        (format!("/cohorts/{c}/emails/pause"), vec![]),
        (format!("/cohorts/{c}/emails/resume"), vec![]),
        (format!("/cohorts/{c}/emails/{welcome}/resend"), vec![]),
        (
            format!("/cohorts/{c}/meetings/{m}/recap-note"),
            vec![("recap_note", "hello")],
        ),
    ] {
        let res = b.post(&path, &fields).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
    }
    let cohort = cohort_row(&w.app, c);
    assert!(!cohort.follow_ups_paused);
    assert_ne!(cohort.reminder_hours_before, 1);
    assert_eq!(message(&w.app, welcome).status.as_str(), "dead");
    let mut conn = w.app.state.pool.get().unwrap();
    assert_eq!(
        Meeting::find_in_cohort(&mut conn, CohortId(c), MeetingId(m))
            .unwrap()
            .recap_note,
        None
    );
}

#[actix_web::test]
async fn signed_out_visitors_sign_in_and_forged_posts_change_nothing() {
    let w = world(10);
    let mut anon = Browser::new(&w.app);
    let res = anon.get(&format!("/cohorts/{}/emails", w.cohort)).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res.header("location").starts_with("/login?next="));
    let mut b = signed_in(&w.app, "lead@example.org").await;
    b.get(&format!("/cohorts/{}/emails", w.cohort)).await;
    let res = b
        .post_raw(
            &format!("/cohorts/{}/emails/pause", w.cohort),
            &[("csrf_token", "forged")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(!cohort_row(&w.app, w.cohort).follow_ups_paused);
}

#[actix_web::test]
async fn the_outbox_is_for_administrators() {
    let w = world(10);
    add_user(&w.app, "admin@example.org", true);
    let pat = enrol(&w.app, &w.lead, w.cohort, "Pat Parent", "pat@example.org");
    let sam = enrol(&w.app, &w.lead, w.cohort, "Sam Stop", "sam@example.org");
    let [pat_w, sam_w] = [pat, sam].map(|e| welcome_of(&w.app, e).id);
    make_dead(&w.app, pat_w, "550 5.1.1 no such mailbox");
    make_dead(&w.app, sam_w, "550 5.1.1 no such mailbox");

    let mut lead = signed_in(&w.app, "lead@example.org").await;
    assert_eq!(
        lead.get("/admin/outbox").await.status,
        StatusCode::FORBIDDEN
    );
    lead.get("/dashboard").await;
    let res = lead
        .post(&format!("/admin/outbox/{pat_w}/resend"), &[])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(message(&w.app, pat_w).status.as_str(), "dead");

    let mut admin = signed_in(&w.app, "admin@example.org").await;
    let users = admin.get("/admin/users").await;
    assert!(users.body.contains("href=\"/admin/outbox\""));
    let page = admin.get("/admin/outbox").await;
    assert_eq!(page.status, StatusCode::OK);
    let title = cohort_row(&w.app, w.cohort).title;
    assert!(page.body.contains(&html_escape(&title)));
    assert!(page.body.contains("Pat Parent"));
    assert!(page.body.contains("550 5.1.1 no such mailbox"));
    assert!(page.body.contains(&format!("/admin/outbox/{pat_w}/resend")));
    assert!(!page.body.contains("/p/"), "no bodies, no links");

    let res = admin
        .post(&format!("/admin/outbox/{pat_w}/resend"), &[])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.header("location"), "/admin/outbox");
    assert_eq!(message(&w.app, pat_w).status.as_str(), "queued");

    {
        let mut conn = w.app.state.pool.get().unwrap();
        attune::services::follow_ups::unsubscribe(&mut conn, sam, attune::db::now()).unwrap();
    }
    admin.get("/admin/outbox").await;
    let res = admin
        .post(&format!("/admin/outbox/{sam_w}/resend"), &[])
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.body.contains("asked for no more emails"));
    assert_eq!(message(&w.app, sam_w).status.as_str(), "dead");
    let res = admin.post("/admin/outbox/999999/resend", &[]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(audited(&w.app, "outbox.resend"), vec![Some(pat_w)]);
}
