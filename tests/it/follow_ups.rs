//! Follow-up emails: welcome on joining, reminder the day before, recap and
//! nudge after, what moving or cancelling a meeting does, and one-click
//! unsubscribe. Time is passed in, so "the day before" is any day.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use attune::db::ids::{CohortId, EnrolmentId, ImportId, MeetingId};
use attune::db::models::{Meeting, OutboxMessage, User};
use attune::services::follow_ups::queue_due;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::access::enrol;
use crate::common::{add_user, TestApp};

struct Group {
    app: TestApp,
    lead: User,
    cohort: i64,
    pat: i64,
    bo: i64,
}

/// A group in New York whose first meeting is ten days away at 6:30 pm,
/// with two parents.
fn group() -> Group {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let first = chrono::Utc::now().date_naive() + Duration::days(10);
    let cohort = crate::access::make_group(
        &app,
        &lead,
        ("Tuesday evenings", "secure-base"),
        ("America/New_York", first, "18:30"),
    );
    let pat = enrol(&app, &lead, cohort, "Pat Parent", "pat@example.org");
    let bo = enrol(&app, &lead, cohort, "Bo Parent", "bo@example.org");
    Group {
        app,
        lead,
        cohort,
        pat,
        bo,
    }
}

impl Group {
    fn meetings(&self) -> Vec<Meeting> {
        let mut conn = self.app.state.pool.get().unwrap();
        Meeting::for_cohort(&mut conn, self.cohort).unwrap()
    }

    fn due(&self, at: NaiveDateTime) -> usize {
        let mut conn = self.app.state.pool.get().unwrap();
        queue_due(&mut conn, &self.app.state.mail, at).unwrap()
    }

    fn rows(&self, kind: &str) -> Vec<OutboxMessage> {
        use attune::db::schema::outbox_messages;
        let mut conn = self.app.state.pool.get().unwrap();
        outbox_messages::table
            .filter(outbox_messages::kind.eq(kind))
            .order(outbox_messages::id)
            .select(OutboxMessage::as_select())
            .load(&mut *conn)
            .unwrap()
    }
}

#[actix_web::test]
async fn joining_queues_a_welcome_with_the_personal_link_and_a_stop_link() {
    let g = group();
    let welcomes = g.rows("welcome");
    assert_eq!(welcomes.len(), 2);
    let w = &welcomes[0];
    assert_eq!(w.to_address, "pat@example.org");
    assert_eq!(w.enrolment_id, Some(g.pat));
    assert!(w.subject.contains("Pat"), "{}", w.subject);
    let headers: serde_json::Value = serde_json::from_str(&w.headers).unwrap();
    let stop = headers["List-Unsubscribe"].as_str().unwrap();
    assert!(
        stop.starts_with("<http://") && stop.contains("/u/"),
        "{stop}"
    );
    assert_eq!(
        headers["List-Unsubscribe-Post"],
        "List-Unsubscribe=One-Click"
    );
    assert_eq!(headers["Reply-To"], "lead <lead@example.org>");
    // The personal link in the text opens Pat's own page.
    let start = w.text_body.find("/p/").unwrap();
    let link = &w.text_body[start..start + 3 + 64];
    let res = g.app.get(link).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    // The first meeting is given in New York time.
    assert!(w.text_body.contains("6:30 pm"), "{}", w.text_body);

    // On the wire: both alternatives, the headers, our Message-ID.
    let (transport, kept) = attune::mail::Transport::memory();
    let worker = Arc::new(g.app.state.worker(transport).unwrap());
    assert_eq!(worker.drain().await.unwrap().sent, 2);
    let kept = kept.lock().unwrap();
    let m = &kept[0].formatted;
    assert!(m.contains("List-Unsubscribe: <http://"), "{m}");
    assert!(m.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    assert!(m.contains(&format!("Message-ID: {}", w.message_id)));
    assert!(m.contains("text/plain") && m.contains("text/html"));
}

#[actix_web::test]
async fn the_reminder_comes_the_day_before_once_per_parent() {
    let g = group();
    let first = g.meetings()[0].clone();
    assert_eq!(g.due(first.starts_at - Duration::hours(30)), 0, "too early");
    assert_eq!(g.due(first.starts_at - Duration::hours(23)), 2);
    assert_eq!(g.due(first.starts_at - Duration::hours(20)), 0, "only once");
    let r = &g.rows("reminder")[0];
    assert_eq!(r.meeting_id, Some(first.id));
    assert!(
        r.text_body.contains("6:30 pm"),
        "local time: {}",
        r.text_body
    );
    // Within the last hour it is no longer worth sending.
    let g2 = group();
    let first = g2.meetings()[0].clone();
    assert_eq!(g2.due(first.starts_at - Duration::minutes(30)), 0);
}

#[actix_web::test]
async fn a_moved_meeting_cancels_its_reminder_tells_everyone_and_reminds_again() {
    let g = group();
    let first = g.meetings()[0].clone();
    assert_eq!(g.due(first.starts_at - Duration::hours(23)), 2);
    let new_day = (first.starts_at + Duration::days(2)).date();
    {
        let mut conn = g.app.state.pool.get().unwrap();
        attune::services::meetings::reschedule(
            &mut conn,
            &g.app.state.mail,
            &g.lead,
            CohortId(g.cohort),
            MeetingId(first.id),
            &new_day.format("%Y-%m-%d").to_string(),
            "19:00",
        )
        .unwrap();
    }
    assert!(g
        .rows("reminder")
        .iter()
        .all(|r| r.status.as_str() == "cancelled"));
    let moved = g.rows("meeting_moved");
    assert_eq!(moved.len(), 2);
    assert!(
        moved[0].text_body.contains("7 pm"),
        "{}",
        moved[0].text_body
    );
    assert!(moved[0].text_body.contains("6:30 pm"), "the old time");
    let moved_to = g.meetings()[0].starts_at;
    assert_eq!(g.due(moved_to - Duration::hours(23)), 2, "a new reminder");
    assert_eq!(
        g.rows("reminder")
            .iter()
            .filter(|r| r.status.as_str() == "queued")
            .count(),
        2
    );
}

#[actix_web::test]
async fn a_cancelled_meeting_cancels_what_was_queued_and_says_so() {
    let g = group();
    let first = g.meetings()[0].clone();
    g.due(first.starts_at - Duration::hours(23));
    {
        let mut conn = g.app.state.pool.get().unwrap();
        attune::services::meetings::cancel(
            &mut conn,
            &g.app.state.mail,
            &g.lead,
            CohortId(g.cohort),
            MeetingId(first.id),
        )
        .unwrap();
    }
    assert!(g
        .rows("reminder")
        .iter()
        .all(|r| r.status.as_str() == "cancelled"));
    let notices = g.rows("meeting_cancelled");
    assert_eq!(notices.len(), 2);
    assert_eq!(g.due(first.starts_at + Duration::hours(5)), 0, "no recap");
}

/// Runs a meetings service as the group's lead on its first meeting.
fn as_lead<T>(
    g: &Group,
    first: &Meeting,
    f: impl FnOnce(
        &mut attune::db::DbConn,
        &attune::mail::Composer,
        &User,
        CohortId,
        MeetingId,
    ) -> Result<T, attune::error::AppError>,
) -> T {
    let mut conn = g.app.state.pool.get().unwrap();
    f(
        &mut conn,
        &g.app.state.mail,
        &g.lead,
        CohortId(g.cohort),
        MeetingId(first.id),
    )
    .unwrap()
}

fn cancel_first(g: &Group, first: &Meeting) -> usize {
    as_lead(g, first, attune::services::meetings::cancel)
}

fn restore_first(g: &Group, first: &Meeting) -> attune::services::follow_ups::Restored {
    as_lead(g, first, attune::services::meetings::restore)
}

/// A cancel tapped by mistake: the emails wait, Undo stops them before
/// anyone is told, and the reminders come back.
#[actix_web::test]
async fn a_cancel_waits_and_undo_tells_nobody() {
    let g = group();
    let first = g.meetings()[0].clone();
    g.due(first.starts_at - Duration::hours(23));
    assert_eq!(cancel_first(&g, &first), 2);
    let held = g.rows("meeting_cancelled");
    let soonest = attune::db::now()
        + Duration::minutes(attune::services::follow_ups::CANCEL_HOLD_MINUTES)
        - Duration::seconds(5);
    assert!(
        held.iter().all(|m| m.next_attempt_at >= soonest),
        "the cancel emails wait before they go"
    );
    let r = restore_first(&g, &first);
    assert_eq!(
        r,
        attune::services::follow_ups::Restored {
            stopped: 2,
            told: 0
        }
    );
    assert!(g
        .rows("meeting_cancelled")
        .iter()
        .all(|m| m.status.as_str() == "cancelled"));
    assert!(
        g.rows("meeting_restored").is_empty(),
        "nobody had been told"
    );
    assert!(g
        .rows("reminder")
        .iter()
        .all(|m| m.status.as_str() == "queued"));
    assert_eq!(
        g.meetings()[0].status,
        attune::db::status::MeetingStatus::Scheduled
    );
    // Cancelling again is a new cancellation, with its own emails.
    assert_eq!(cancel_first(&g, &first), 2);
    assert_eq!(g.rows("meeting_cancelled").len(), 4);
}

/// Restored after the parents were told: they hear it is on after all.
#[actix_web::test]
async fn a_meeting_restored_after_the_emails_went_says_it_is_on() {
    use attune::db::schema::outbox_messages;
    let g = group();
    let first = g.meetings()[0].clone();
    cancel_first(&g, &first);
    {
        let mut conn = g.app.state.pool.get().unwrap();
        diesel::update(
            outbox_messages::table.filter(outbox_messages::kind.eq("meeting_cancelled")),
        )
        .set(outbox_messages::status.eq("sent"))
        .execute(&mut *conn)
        .unwrap();
    }
    let r = restore_first(&g, &first);
    assert_eq!(
        r,
        attune::services::follow_ups::Restored {
            stopped: 0,
            told: 2
        }
    );
    let told = g.rows("meeting_restored");
    assert_eq!(told.len(), 2);
    assert!(
        told[0].subject.contains("on after all"),
        "{}",
        told[0].subject
    );
    assert!(told[0].text_body.contains("we will meet as planned"));
}

#[actix_web::test]
async fn recap_carries_the_note_and_the_nudge_skips_who_already_wrote() {
    let g = group();
    let first = g.meetings()[0].clone();
    {
        use attune::db::schema::meetings;
        let mut conn = g.app.state.pool.get().unwrap();
        diesel::update(meetings::table.find(first.id))
            .set(
                meetings::recap_note
                    .eq(Some("So good to meet you all.\n\nBring a photo next week!")),
            )
            .execute(&mut *conn)
            .unwrap();
    }
    let end = first.starts_at + Duration::minutes(i64::from(first.minutes));
    assert_eq!(g.due(end + Duration::hours(2)), 0, "recap waits 3 hours");
    assert_eq!(g.due(end + Duration::hours(3) + Duration::minutes(1)), 2);
    let recap = &g.rows("recap")[0];
    assert!(recap.text_body.contains("Bring a photo next week!"));
    assert!(
        !recap.text_body.contains("  - Break\n"),
        "breaks are not content"
    );
    assert!(
        recap.text_body.contains("?to=sessions/1"),
        "the reflection link"
    );
    assert!(recap
        .html_body
        .as_deref()
        .unwrap()
        .contains("So good to meet you all."));

    // Pat writes a reflection; only Bo is nudged.
    {
        let mut conn = g.app.state.pool.get().unwrap();
        let at = attune::db::now();
        attune::db::models::Reflection::insert(
            &mut conn,
            &attune::db::models::NewReflection {
                enrolment_id: g.pat,
                session_number: 1,
                answers: "[\"CANARY-ONLY-ME-7731\"]",
                visibility: "only_me",
                status: "submitted",
                submitted_at: Some(at),
                created_at: at,
                updated_at: at,
            },
        )
        .unwrap();
    }
    assert_eq!(g.due(end + Duration::hours(73)), 1);
    let nudges = g.rows("nudge");
    assert_eq!(nudges.len(), 1);
    assert_eq!(nudges[0].enrolment_id, Some(g.bo));
    // What a parent wrote never goes into any email.
    let (transport, kept) = attune::mail::Transport::memory();
    let worker = Arc::new(g.app.state.worker(transport).unwrap());
    worker.drain().await.unwrap();
    for m in kept.lock().unwrap().iter() {
        assert!(!m.formatted.contains("CANARY-ONLY-ME-7731"));
    }
}

#[actix_web::test]
async fn one_click_unsubscribe_needs_no_cookie_and_a_get_changes_nothing() {
    let g = group();
    let first = g.meetings()[0].clone();
    g.due(first.starts_at - Duration::hours(23));
    let headers: serde_json::Value = serde_json::from_str(&g.rows("welcome")[0].headers).unwrap();
    let url = headers["List-Unsubscribe"]
        .as_str()
        .unwrap()
        .trim_matches(['<', '>']);
    let path = &url[url.find("/u/").unwrap()..];
    let unsubscribed = |g: &Group| -> bool {
        use attune::db::schema::enrolments;
        let mut conn = g.app.state.pool.get().unwrap();
        enrolments::table
            .find(g.pat)
            .select(enrolments::unsubscribed_at)
            .first::<Option<NaiveDateTime>>(&mut *conn)
            .unwrap()
            .is_some()
    };

    let page = g.app.get(path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Tuesday evenings"));
    assert!(!unsubscribed(&g), "a GET only asks");

    let res = g
        .app
        .send(
            TestRequest::post()
                .uri(path)
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .set_payload("List-Unsubscribe=One-Click"),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(unsubscribed(&g));
    // What was waiting for Pat is cancelled; Bo's is not.
    for r in g.rows("reminder").iter().chain(g.rows("welcome").iter()) {
        let expected = if r.enrolment_id == Some(g.pat) {
            "cancelled"
        } else {
            "queued"
        };
        assert_eq!(
            r.status.as_str(),
            expected,
            "{} for {:?}",
            r.kind,
            r.enrolment_id
        );
    }
    // And nothing new comes for Pat.
    let second = g.meetings()[1].clone();
    g.due(second.starts_at - Duration::hours(23));
    let later: Vec<Option<i64>> = g
        .rows("reminder")
        .iter()
        .chain(g.rows("recap").iter())
        .filter(|r| r.status.as_str() == "queued")
        .map(|r| r.enrolment_id)
        .collect();
    assert!(
        !later.is_empty() && later.iter().all(|e| *e == Some(g.bo)),
        "{later:?}"
    );

    // A tampered or made-up link changes nothing.
    // (The last digit changed: to 1 if it was 0, so it always differs.)
    let last = if path.ends_with('0') { '1' } else { '0' };
    let tampered = format!("{}{last}", &path[..path.len() - 1]);
    for bad in [tampered.as_str(), "/u/1.00", "/u/nonsense"] {
        let res = g.app.send(TestRequest::post().uri(bad)).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{bad}");
    }
}

#[actix_web::test]
async fn a_parent_who_leaves_gets_nothing_more() {
    let g = group();
    {
        let mut conn = g.app.state.pool.get().unwrap();
        attune::services::roster::set_active(
            &mut conn,
            &g.app.state.mail,
            &g.lead,
            CohortId(g.cohort),
            EnrolmentId(g.bo),
            false,
        )
        .unwrap();
    }
    let welcomes = g.rows("welcome");
    let bo = welcomes
        .iter()
        .find(|w| w.enrolment_id == Some(g.bo))
        .unwrap();
    assert_eq!(bo.status.as_str(), "cancelled");
    let first = g.meetings()[0].clone();
    assert_eq!(g.due(first.starts_at - Duration::hours(23)), 1, "only Pat");
}

#[actix_web::test]
async fn a_paused_group_holds_its_follow_ups() {
    let g = group();
    {
        use attune::db::schema::cohorts;
        let mut conn = g.app.state.pool.get().unwrap();
        diesel::update(cohorts::table.find(g.cohort))
            .set(cohorts::follow_ups_paused.eq(true))
            .execute(&mut *conn)
            .unwrap();
    }
    let first = g.meetings()[0].clone();
    assert_eq!(g.due(first.starts_at - Duration::hours(23)), 0);
    let (transport, kept) = attune::mail::Transport::memory();
    let worker = Arc::new(g.app.state.worker(transport).unwrap());
    worker.drain().await.unwrap();
    assert!(kept.lock().unwrap().is_empty(), "welcomes wait too");
    assert!(g
        .rows("welcome")
        .iter()
        .all(|w| w.status.as_str() == "queued"));
}

#[actix_web::test]
async fn a_spreadsheet_import_welcomes_each_new_parent_once() {
    let g = group();
    let mut conn = g.app.state.pool.get().unwrap();
    let staged = attune::services::roster_import::stage(
        &mut conn,
        &g.lead,
        g.cohort,
        b"name,email\nAna Ruiz,ana@example.org\nNo Email,\nPat Parent,pat@example.org\n",
    )
    .unwrap();
    attune::services::roster_import::confirm(
        &mut conn,
        &g.app.state.mail,
        &g.lead,
        (CohortId(g.cohort), ImportId(staged.import_id)),
        None,
    )
    .unwrap();
    drop(conn);
    let to: Vec<String> = g
        .rows("welcome")
        .into_iter()
        .map(|w| w.to_address)
        .collect();
    // Pat and Bo were welcomed when added by hand; Ana now; no address, no email.
    assert_eq!(to, ["pat@example.org", "bo@example.org", "ana@example.org"]);
}

#[actix_web::test]
async fn sent_bodies_are_blanked_after_the_keeping_time() {
    use attune::db::schema::outbox_messages;
    let g = group();
    // Both welcomes go out; then pretend Pat's went 40 days ago.
    let (transport, _kept) = attune::mail::Transport::memory();
    let worker = Arc::new(g.app.state.worker(transport).unwrap());
    assert_eq!(worker.drain().await.unwrap().sent, 2);
    let now = attune::db::now();
    {
        let mut conn = g.app.state.pool.get().unwrap();
        diesel::update(outbox_messages::table.filter(outbox_messages::enrolment_id.eq(g.pat)))
            .set(outbox_messages::sent_at.eq(Some(now - Duration::days(40))))
            .execute(&mut *conn)
            .unwrap();
        let n = OutboxMessage::forget_sent_bodies(&mut conn, now - Duration::days(30)).unwrap();
        assert_eq!(n, 1);
        // Again: nothing left to blank.
        let n = OutboxMessage::forget_sent_bodies(&mut conn, now - Duration::days(30)).unwrap();
        assert_eq!(n, 0);
    }
    let welcomes = g.rows("welcome");
    let pat = welcomes
        .iter()
        .find(|w| w.enrolment_id == Some(g.pat))
        .unwrap();
    let bo = welcomes
        .iter()
        .find(|w| w.enrolment_id == Some(g.bo))
        .unwrap();
    assert_eq!(pat.text_body, "");
    assert_eq!(pat.html_body, None);
    assert!(
        pat.subject.contains("Pat"),
        "the record stays: {}",
        pat.subject
    );
    assert_eq!(pat.status.as_str(), "sent");
    assert!(
        bo.text_body.contains("/p/"),
        "a recent email keeps its body"
    );
}

/// A parent who joins after three meetings is welcomed to the four still
/// ahead, with their dates, and not promised the ones already held.
#[actix_web::test]
async fn a_late_joiners_welcome_counts_only_the_meetings_ahead() {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    // Weekly from 20 days ago: 3 meetings held, 4 to come (secure-base has 7).
    let cohort = crate::access::cohort_from(&app, &lead, "secure-base", -20);
    let meetings = {
        let mut conn = app.state.pool.get().unwrap();
        Meeting::for_cohort(&mut conn, cohort).unwrap()
    };
    let now = attune::db::now();
    assert_eq!(meetings.iter().filter(|m| m.starts_at <= now).count(), 3);
    let late = enrol(&app, &lead, cohort, "Lee Late", "lee@example.org");
    let welcome = {
        use attune::db::schema::outbox_messages;
        let mut conn = app.state.pool.get().unwrap();
        outbox_messages::table
            .filter(outbox_messages::kind.eq("welcome"))
            .filter(outbox_messages::enrolment_id.eq(late))
            .select(OutboxMessage::as_select())
            .load(&mut *conn)
            .unwrap()
            .remove(0)
    };
    let text = &welcome.text_body;
    assert!(
        text.contains("The group has already begun, and there are 4 meetings still to come:"),
        "{text}"
    );
    assert!(
        !text.contains("7 times") && !text.contains("in all"),
        "{text}"
    );
    let tz = chrono_tz::UTC;
    for (i, m) in meetings.iter().enumerate() {
        let line = format!(
            "  - {}",
            attune::services::follow_ups::when(tz, m.starts_at)
        );
        assert_eq!(text.contains(&line), i >= 3, "meeting {i}: {line}\n{text}");
    }
    let html = welcome.html_body.as_deref().unwrap_or_default();
    assert!(
        html.contains("there are 4 meetings still to come"),
        "{html}"
    );
    // The first meeting named is the next one, not the first ever.
    let next = attune::services::follow_ups::when(tz, meetings[3].starts_at);
    assert!(text.contains(&format!("When: {next}")), "{text}");
}
