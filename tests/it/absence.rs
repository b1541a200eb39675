//! Keeping in touch after a missed meeting: the "we missed you" the next
//! morning in the group's own time, "caught up" kept apart from "came" (and
//! on certificates), the facilitators' alert after missed meetings in a
//! row with the note of the call, and the short "there is a reply" email.

use actix_web::http::StatusCode;
use attune::db::ids::{CohortId, EnrolmentId, MeetingId};
use attune::db::models::absence_alert::AbsenceAlert;
use attune::db::models::{Attendance, AttendanceStatus, Meeting, OutboxMessage, User};
use attune::db::schema::{attendance, enrolments, outbox_messages};
use attune::services::cohorts;
use chrono::{Duration, NaiveDateTime, TimeZone};
use diesel::prelude::*;

use crate::access::{cohort_from, enrol};
use crate::common::{add_user, Browser, TestApp, PASSWORD};

struct Group {
    app: TestApp,
    lead: User,
    cohort: i64,
    meetings: Vec<Meeting>,
    pat: i64,
    bo: i64,
}

/// A group with Pat and Bo, its first meeting `days` from today.
fn group_in(time_zone: &str, start: &str, days: i64) -> Group {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    add_user(&app, "co@example.org", false);
    add_user(&app, "other@example.org", false);
    let first = chrono::Utc::now().date_naive() + Duration::days(days);
    let cohort = crate::access::make_group(
        &app,
        &lead,
        ("Tuesday evenings", "secure-base"),
        (time_zone, first, start),
    );
    {
        let mut conn = app.state.pool.get().unwrap();
        cohorts::add_facilitator(&mut conn, &lead, cohort, "co@example.org").unwrap();
    }
    let pat = enrol(&app, &lead, cohort, "Pat Parent", "pat@example.org");
    let bo = enrol(&app, &lead, cohort, "Bo Parent", "bo@example.org");
    let meetings = {
        let mut conn = app.state.pool.get().unwrap();
        Meeting::for_cohort(&mut conn, cohort).unwrap()
    };
    Group {
        app,
        lead,
        cohort,
        meetings,
        pat,
        bo,
    }
}

impl Group {
    fn mark(&self, meeting: usize, marks: &[(i64, AttendanceStatus)]) {
        let mut conn = self.app.state.pool.get().unwrap();
        attune::services::meetings::record_attendance(
            &mut conn,
            &self.app.state.mail,
            &self.lead,
            (CohortId(self.cohort), MeetingId(self.meetings[meeting].id)),
            marks,
        )
        .unwrap();
    }

    fn rows(&self, kind: &str) -> Vec<OutboxMessage> {
        let mut conn = self.app.state.pool.get().unwrap();
        outbox_messages::table
            .filter(outbox_messages::kind.eq(kind))
            .order(outbox_messages::id)
            .select(OutboxMessage::as_select())
            .load(&mut *conn)
            .unwrap()
    }

    fn waiting(&self, kind: &str) -> Vec<OutboxMessage> {
        self.rows(kind)
            .into_iter()
            .filter(|m| m.status.as_str() == "queued")
            .collect()
    }

    fn mark_row(&self, meeting: usize, enrolment: i64) -> Attendance {
        let mut conn = self.app.state.pool.get().unwrap();
        Attendance::for_meeting(&mut conn, self.meetings[meeting].id)
            .unwrap()
            .into_iter()
            .find(|a| a.enrolment_id == enrolment)
            .unwrap()
    }

    fn alerts(&self, enrolment: i64) -> Vec<AbsenceAlert> {
        let mut conn = self.app.state.pool.get().unwrap();
        AbsenceAlert::for_enrolment(&mut conn, enrolment).unwrap()
    }

    fn meeting_url(&self, meeting: usize) -> String {
        format!(
            "/cohorts/{}/meetings/{}",
            self.cohort, self.meetings[meeting].id
        )
    }
}

async fn signed_in<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
    let mut b = Browser::new(app);
    b.sign_in(email, PASSWORD).await;
    b
}

/// A parent who opened their link and agreed to the terms.
async fn parent<'a>(app: &'a TestApp, enrolment: i64) -> Browser<'a> {
    let token = {
        let mut conn = app.state.pool.get().unwrap();
        attune::services::participants::issue_link(&mut conn, enrolment).unwrap()
    };
    let mut p = Browser::new(app);
    assert_eq!(
        p.get(&format!("/p/{token}")).await.status,
        StatusCode::SEE_OTHER
    );
    p.get("/me").await;
    p.post("/me/consent", &[]).await;
    p
}

fn link_in(body: &str, after: &str) -> String {
    let from = body.find(after).unwrap() + after.len();
    let start = from + body[from..].find("/p/").unwrap();
    let end = start + body[start..].find(char::is_whitespace).unwrap();
    body[start..end].to_string()
}

/// 09:00 on the local day after `utc`, in `tz`, as UTC.
fn next_morning(tz: chrono_tz::Tz, utc: NaiveDateTime, h: u32, m: u32) -> NaiveDateTime {
    let day = tz.from_utc_datetime(&utc).date_naive() + Duration::days(1);
    tz.from_local_datetime(&day.and_hms_opt(h, m, 0).unwrap())
        .unwrap()
        .naive_utc()
}

#[actix_web::test]
async fn missed_you_goes_the_next_morning_at_the_groups_local_time() {
    let g = group_in("America/New_York", "18:30", 10);
    let cy = enrol(&g.app, &g.lead, g.cohort, "Cy Parent", "cy@example.org");
    let mut lead = signed_in(&g.app, "lead@example.org").await;
    lead.get(&g.meeting_url(0)).await;
    let (pat, bo, cy_s) = (
        format!("mark_{}", g.pat),
        format!("mark_{}", g.bo),
        format!("mark_{cy}"),
    );
    let res = lead
        .post(
            &format!("{}/attendance", g.meeting_url(0)),
            &[
                (pat.as_str(), "absent"),
                (bo.as_str(), "excused"),
                (cy_s.as_str(), "present"),
                ("early_ok", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let rows = g.rows("missed_you");
    assert_eq!(
        rows.len(),
        1,
        "only the absent parent, not apologies or present"
    );
    let m = &rows[0];
    assert_eq!(m.enrolment_id, Some(g.pat));
    assert_eq!(
        m.dedupe_key,
        format!("missed_you:{}:{}", g.pat, g.meetings[0].id)
    );
    let tz: chrono_tz::Tz = "America/New_York".parse().unwrap();
    assert_eq!(
        m.next_attempt_at,
        next_morning(tz, g.meetings[0].starts_at, 9, 0)
    );
    assert!(m.subject.starts_with("We missed you on "), "{}", m.subject);
    assert!(m.text_body.contains("Life gets busy"), "{}", m.text_body);
    let handout = link_in(&m.text_body, "read the");
    assert!(handout.ends_with("?to=sessions/1"), "{handout}");
    assert!(m.text_body.contains(&format!("{handout}#reflection")));
    // The handout link opens Pat's own page for that session.
    let opened = Browser::new(&g.app).get(&handout).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    assert!(
        opened.header("location").contains("/me/sessions/1"),
        "{}",
        opened.header("location")
    );

    // Another group, in Tokyo, with its own time: 07:30 the next morning.
    let t = group_in("Asia/Tokyo", "19:00", 10);
    let mut lead = signed_in(&t.app, "lead@example.org").await;
    lead.get(&format!("/cohorts/{}/emails", t.cohort)).await;
    let res = lead
        .post(
            &format!("/cohorts/{}/emails/settings", t.cohort),
            &[
                ("send_missed_you", "1"),
                ("missed_you_at", "07:30"),
                ("absence_alert_after", "3"),
                ("reminder_hours_before", "24"),
                ("recap_hours_after", "2"),
                ("nudge_hours_after", "72"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    t.mark(0, &[(t.bo, AttendanceStatus::Absent)]);
    let rows = t.rows("missed_you");
    assert_eq!(rows.len(), 1);
    let tokyo: chrono_tz::Tz = "Asia/Tokyo".parse().unwrap();
    assert_eq!(
        rows[0].next_attempt_at,
        next_morning(tokyo, t.meetings[0].starts_at, 7, 30)
    );
    let page = lead.get(&format!("/cohorts/{}/emails", t.cohort)).await;
    assert!(page.body.contains("value=\"07:30\""));
    assert!(
        page.body.contains("name=\"absence_alert_after\"") && page.body.contains("value=\"3\"")
    );
    // Out of range: a clear message, nothing saved.
    let res = lead
        .post(
            &format!("/cohorts/{}/emails/settings", t.cohort),
            &[
                ("missed_you_at", "9 o'clock"),
                ("absence_alert_after", "11"),
                ("reminder_hours_before", "24"),
                ("recap_hours_after", "2"),
                ("nudge_hours_after", "72"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("from 1 to 10"), "{}", res.body);
    assert!(res.body.contains("18:30"), "the time's format is named");
}

#[actix_web::test]
async fn missed_you_skips_stopped_withdrawn_and_late_joiners_and_can_be_off() {
    let g = group_in("UTC", "18:00", 10);
    let late = enrol(&g.app, &g.lead, g.cohort, "Lee Late", "lee@example.org");
    let gone = enrol(&g.app, &g.lead, g.cohort, "Gil Gone", "gil@example.org");
    {
        let mut conn = g.app.state.pool.get().unwrap();
        attune::services::follow_ups::unsubscribe(&mut conn, g.bo, attune::db::now()).unwrap();
        diesel::update(enrolments::table.find(late))
            .set(enrolments::enrolled_at.eq(g.meetings[0].starts_at + Duration::hours(2)))
            .execute(&mut *conn)
            .unwrap();
        attune::services::roster::set_active(
            &mut conn,
            &g.app.state.mail,
            &g.lead,
            CohortId(g.cohort),
            EnrolmentId(gone),
            false,
        )
        .unwrap();
    }
    let absent = AttendanceStatus::Absent;
    g.mark(
        0,
        &[
            (g.bo, absent),
            (late, absent),
            (gone, absent),
            (g.pat, absent),
        ],
    );
    let to: Vec<Option<i64>> = g
        .rows("missed_you")
        .iter()
        .map(|m| m.enrolment_id)
        .collect();
    assert_eq!(
        to,
        vec![Some(g.pat)],
        "only Pat: Bo said stop, Lee joined later, Gil left"
    );

    // Switched off for the group: nobody gets one.
    let mut lead = signed_in(&g.app, "lead@example.org").await;
    lead.get(&format!("/cohorts/{}/emails", g.cohort)).await;
    let res = lead
        .post(
            &format!("/cohorts/{}/emails/settings", g.cohort),
            &[
                ("missed_you_at", "09:00"),
                ("reminder_hours_before", "24"),
                ("recap_hours_after", "2"),
                ("nudge_hours_after", "72"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    g.mark(1, &[(g.pat, absent)]);
    assert_eq!(g.rows("missed_you").len(), 1, "none for the second meeting");
}

#[actix_web::test]
async fn a_corrected_mark_takes_the_missed_you_back_and_the_preview_shows_it() {
    let g = group_in("UTC", "18:00", 10);
    g.mark(0, &[(g.pat, AttendanceStatus::Absent)]);
    assert_eq!(g.waiting("missed_you").len(), 1);
    g.mark(0, &[(g.pat, AttendanceStatus::Present)]);
    assert_eq!(g.waiting("missed_you").len(), 0, "came after all: not sent");
    assert_eq!(g.rows("missed_you")[0].status.as_str(), "cancelled");
    g.mark(0, &[(g.pat, AttendanceStatus::Absent)]);
    assert_eq!(
        g.waiting("missed_you").len(),
        1,
        "absent again: it waits again"
    );
    g.mark(0, &[(g.pat, AttendanceStatus::Excused)]);
    assert_eq!(g.waiting("missed_you").len(), 0, "apologies: not sent");

    let mut lead = signed_in(&g.app, "lead@example.org").await;
    let settings = lead.get(&format!("/cohorts/{}/emails", g.cohort)).await;
    assert!(settings
        .body
        .contains("name=\"send_missed_you\" value=\"1\" checked"));
    assert!(settings.body.contains("value=\"09:00\""));
    for (kind, words) in [
        ("missed_you", "We missed you on"),
        ("reflection_reply", "wrote back about what you shared"),
        ("absence_alert", "has missed 2 meetings in a row"),
    ] {
        let page = lead
            .get(&format!("/cohorts/{}/emails/preview/{kind}", g.cohort))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{kind}: {}", page.body);
        assert!(page.body.contains(words), "{kind}: {}", page.body);
        if kind != "absence_alert" {
            assert!(page.body.contains("/p/(their-personal-link)"), "{kind}");
        }
        let html = lead
            .get(&format!("/cohorts/{}/emails/preview/{kind}/html", g.cohort))
            .await;
        assert_eq!(html.status, StatusCode::OK);
    }
    // Writes nothing: no new link, no message.
    assert_eq!(g.rows("absence_alert").len(), 0);
    assert_eq!(g.rows("reflection_reply").len(), 0);
    // Another facilitator's group: not found.
    let mut other = signed_in(&g.app, "other@example.org").await;
    let res = other
        .get(&format!("/cohorts/{}/emails/preview/missed_you", g.cohort))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

/// Runs pdftotext on a PDF; `None` without poppler outside CI.
fn pdf_text(bytes: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.pdf");
    std::fs::write(&file, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output();
    match out {
        Ok(o) if o.status.success() => Some(
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        ),
        _ => {
            assert!(std::env::var_os("CI").is_none(), "CI needs pdftotext");
            None
        }
    }
}

#[actix_web::test]
async fn caught_up_is_shown_marked_kept_apart_and_on_certificates() {
    // Meetings 20, 13 and 6 days ago; the next one tomorrow.
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    add_user(&app, "other@example.org", false);
    let cohort = cohort_from(&app, &lead, "secure-base", -20);
    let pat = enrol(&app, &lead, cohort, "Pat Parent", "pat@example.org");
    let meetings = {
        let mut conn = app.state.pool.get().unwrap();
        Meeting::for_cohort(&mut conn, cohort).unwrap()
    };
    let g = Group {
        app,
        lead,
        cohort,
        meetings,
        pat,
        bo: 0,
    };
    let present = AttendanceStatus::Present;
    g.mark(0, &[(g.pat, present)]);
    g.mark(1, &[(g.pat, present)]);
    g.mark(2, &[(g.pat, AttendanceStatus::Absent)]);
    let mut lead = signed_in(&g.app, "lead@example.org").await;
    let page = lead.get(&g.meeting_url(2)).await;
    assert!(page.body.contains("id=\"catching-up\""));
    assert!(page
        .body
        .contains("Hasn't opened the handout or sent a reflection yet."));

    // Pat reads the handout on her page and sends her reflection.
    let mut p = parent(&g.app, g.pat).await;
    assert_eq!(p.get("/me/sessions/3").await.status, StatusCode::OK);
    let res = p
        .post(
            "/me/sessions/3/reflection",
            &[("answer_0", "We tried the pause."), ("action", "send")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let ready = "Read the handout and sent their reflection — mark as caught up";
    assert!(lead.get(&g.meeting_url(2)).await.body.contains(ready));
    let parent_page = format!("/cohorts/{}/enrolments/{}", g.cohort, g.pat);
    assert!(lead.get(&parent_page).await.body.contains(ready));

    // Another facilitator cannot mark it; the lead can.
    let action = format!("{}/enrolments/{}/caught-up", g.meeting_url(2), g.pat);
    let mut other = signed_in(&g.app, "other@example.org").await;
    other.get("/dashboard").await;
    let res = other.post(&action, &[("caught_up", "yes")]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(g.mark_row(2, g.pat).caught_up_at.is_none());
    let res = lead
        .post(&action, &[("caught_up", "yes"), ("back", "meeting")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(res.header("location").ends_with("#catching-up"));
    let row = g.mark_row(2, g.pat);
    assert_eq!(row.status, AttendanceStatus::Absent, "still not 'came'");
    assert!(row.caught_up_at.is_some() && row.caught_up_by == Some(g.lead.id));
    let shown = lead.get(res.header("location")).await;
    assert!(shown.body.contains("Session 3 is marked as caught up."));
    // Marked at a meeting Pat came to: refused, nothing changed.
    let came = format!("{}/enrolments/{}/caught-up", g.meeting_url(0), g.pat);
    assert_eq!(
        lead.post(&came, &[("caught_up", "yes")]).await.status,
        StatusCode::CONFLICT
    );
    assert!(g.mark_row(0, g.pat).caught_up_at.is_none());

    // Both, everywhere attendance shows.
    let group = lead.get(&format!("/cohorts/{}", g.cohort)).await;
    assert!(
        group.body.contains("2 of 3 meetings, caught up 1"),
        "{}",
        group.body
    );
    let record = lead.get(&parent_page).await;
    assert!(record.body.contains("2 of 3 meetings so far, caught up 1"));
    assert!(record.body.contains("missed it, caught up"));
    let pdf = lead
        .get(&format!("/cohorts/{}/certificates.pdf?min=2", g.cohort))
        .await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.body);
    let bytes = {
        let req = actix_web::test::TestRequest::get()
            .uri(&format!("/cohorts/{}/certificates.pdf?min=2", g.cohort))
            .insert_header((
                "Cookie",
                lead.cookies()
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            ));
        let app = actix_web::test::init_service(attune::build_app(g.app.state.clone())).await;
        let res = actix_web::test::call_service(&app, req.to_request()).await;
        actix_web::test::read_body(res).await
    };
    if let Some(text) = pdf_text(&bytes) {
        assert!(text.contains("coming to 2 of"), "{text}");
        assert!(text.contains("caught up 1"), "{text}");
    }

    // Undone: "caught up" goes, the mark stays.
    let res = lead
        .post(&action, &[("caught_up", "no"), ("back", "parent")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res.header("location").starts_with(&parent_page));
    assert!(g.mark_row(2, g.pat).caught_up_at.is_none());
    let res = lead.post(&action, &[("caught_up", "maybe")]).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn an_alert_comes_once_after_missed_meetings_in_a_row_and_the_call_clears_it() {
    let g = group_in("UTC", "18:00", -22);
    let sink = crate::mail::Sink::start(&[]);
    let (absent, excused) = (AttendanceStatus::Absent, AttendanceStatus::Excused);
    g.mark(0, &[(g.pat, absent), (g.bo, AttendanceStatus::Present)]);
    assert!(
        g.alerts(g.pat).is_empty(),
        "one missed is not yet a pattern"
    );
    g.mark(1, &[(g.pat, excused)]);
    assert!(g.alerts(g.pat).is_empty(), "apologies do not count");
    g.mark(2, &[(g.pat, absent), (g.bo, absent)]);
    let alerts = g.alerts(g.pat);
    assert_eq!(alerts.len(), 1, "apologies did not break the run either");
    assert_eq!(alerts[0].missed_in_row, 2);
    assert_eq!(alerts[0].meeting_id, g.meetings[2].id);
    assert!(g.alerts(g.bo).is_empty(), "Bo came before");
    // The same run going on is not a second alert, nor is a roll saved twice.
    g.mark(3, &[(g.pat, absent)]);
    g.mark(2, &[(g.pat, absent)]);
    assert_eq!(g.alerts(g.pat).len(), 1);

    let emails = g.rows("absence_alert");
    let mut to: Vec<&str> = emails.iter().map(|m| m.to_address.as_str()).collect();
    to.sort();
    assert_eq!(to, vec!["co@example.org", "lead@example.org"]);
    assert!(emails[0]
        .subject
        .contains("Pat Parent has missed 2 meetings in a row"));
    assert_eq!(emails[0].enrolment_id, None, "not one of Pat's own emails");
    if let Some(sink) = &sink {
        let worker = crate::mail::smtp_worker(&g.app, &sink.url(), crate::mail::fast_config());
        worker.drain().await.unwrap();
        let got: Vec<String> = sink.received().iter().map(|m| m.to_string()).collect();
        let alerts: Vec<&String> = got.iter().filter(|m| m.contains("in a row")).collect();
        assert_eq!(alerts.len(), 2, "{got:?}");
        assert!(alerts.iter().any(|m| m.contains("lead@example.org")));
    }

    // The badge, and the call that clears it.
    let mut lead = signed_in(&g.app, "lead@example.org").await;
    let dash = lead.get("/dashboard").await;
    assert!(dash.body.contains("1 parent to call"), "{}", dash.body);
    let page = lead.get(&format!("/cohorts/{}", g.cohort)).await;
    assert!(page.body.contains("id=\"to-call\""));
    assert!(page.body.contains("Missed 2 meetings in a row"));
    let call = format!("/cohorts/{}/enrolments/{}/called", g.cohort, g.pat);
    let mut other = signed_in(&g.app, "other@example.org").await;
    other.get("/dashboard").await;
    let res = other.post(&call, &[("called_note", "x")]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let long = "x".repeat(1001);
    let res = lead.post(&call, &[("called_note", long.as_str())]).await;
    assert!(res.status.is_client_error(), "{}", res.status);
    assert!(g.alerts(g.pat)[0].called_at.is_none(), "nothing changed");
    let res = lead
        .post(
            &call,
            &[
                ("called_note", "Her son was ill; back next week."),
                ("back", "group"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        res.header("location"),
        format!("/cohorts/{}#to-call", g.cohort)
    );
    let answered = &g.alerts(g.pat)[0];
    assert_eq!(answered.called_by, Some(g.lead.id));
    assert_eq!(
        answered.called_note.as_deref(),
        Some("Her son was ill; back next week.")
    );
    let shown = lead.get(&format!("/cohorts/{}", g.cohort)).await;
    assert!(shown.body.contains("The call is noted"));
    assert!(!lead.get("/dashboard").await.body.contains("#to-call"));
    let record = lead
        .get(&format!("/cohorts/{}/enrolments/{}", g.cohort, g.pat))
        .await;
    assert!(record.body.contains("Her son was ill; back next week."));
    // Nothing left to answer.
    assert_eq!(lead.post(&call, &[]).await.status, StatusCode::CONFLICT);
}

#[actix_web::test]
async fn a_reply_tells_the_parent_without_either_text_and_respects_stop() {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = cohort_from(&app, &lead, "secure-base", -20);
    let pat = enrol(&app, &lead, cohort, "Pat Parent", "pat@example.org");
    let bo = enrol(&app, &lead, cohort, "Bo Parent", "bo@example.org");
    let secret = "My private worry 4b1d";
    for who in [pat, bo] {
        let mut p = parent(&app, who).await;
        p.get("/me/sessions/3").await;
        let res = p
            .post(
                "/me/sessions/3/reflection",
                &[("answer_0", secret), ("action", "send")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
    }
    {
        let mut conn = app.state.pool.get().unwrap();
        attune::services::follow_ups::unsubscribe(&mut conn, bo, attune::db::now()).unwrap();
    }
    let ids: Vec<(i64, i64)> = {
        use attune::db::schema::reflections;
        let mut conn = app.state.pool.get().unwrap();
        reflections::table
            .order(reflections::id)
            .select((reflections::id, reflections::enrolment_id))
            .load(&mut *conn)
            .unwrap()
    };
    let mut lead_b = signed_in(&app, "lead@example.org").await;
    lead_b.get(&format!("/cohorts/{cohort}")).await;
    let reply_secret = "Thank you, that sounds hard 9c2e";
    for (id, _) in &ids {
        let res = lead_b
            .post(
                &format!("/cohorts/{cohort}/reflections/{id}/reply"),
                &[("reply", reply_secret)],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
    }
    let rows = {
        let mut conn = app.state.pool.get().unwrap();
        outbox_messages::table
            .filter(outbox_messages::kind.eq("reflection_reply"))
            .select(OutboxMessage::as_select())
            .load::<OutboxMessage>(&mut *conn)
            .unwrap()
    };
    assert_eq!(rows.len(), 1, "Pat only: Bo said stop");
    let m = &rows[0];
    assert_eq!(m.enrolment_id, Some(pat));
    for body in [&m.subject, &m.text_body, m.html_body.as_ref().unwrap()] {
        assert!(
            !body.contains(secret) && !body.contains(reply_secret),
            "{body}"
        );
    }
    let link = link_in(&m.text_body, "read it on your page");
    assert!(link.ends_with("?to=sessions/3#reflection"), "{link}");
    let headers: serde_json::Value = serde_json::from_str(&m.headers).unwrap();
    assert!(headers["List-Unsubscribe"]
        .as_str()
        .unwrap()
        .contains("/u/"));
    // Pat opens it and sees the reply on her page.
    let mut p = Browser::new(&app);
    let opened = p.get(link.trim_end_matches("#reflection")).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    p.get("/me").await;
    let page = p.get("/me/sessions/3").await;
    assert!(page.body.contains(reply_secret));
    // Editing the reply the same day sends nothing more.
    let pat_reflection = ids.iter().find(|(_, e)| *e == pat).unwrap().0;
    lead_b
        .post(
            &format!("/cohorts/{cohort}/reflections/{pat_reflection}/reply"),
            &[("reply", "Thank you, and well done.")],
        )
        .await;
    let n: i64 = {
        let mut conn = app.state.pool.get().unwrap();
        outbox_messages::table
            .filter(outbox_messages::kind.eq("reflection_reply"))
            .count()
            .get_result(&mut *conn)
            .unwrap()
    };
    assert_eq!(n, 1);
    // The caught-up columns are untouched by all this.
    let mut conn = app.state.pool.get().unwrap();
    let caught: i64 = attendance::table
        .filter(attendance::caught_up_at.is_not_null())
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(caught, 0);
}

#[test]
fn the_demo_group_shows_a_catch_up_and_an_alert() {
    let app = TestApp::new();
    let mut conn = app.state.pool.get().unwrap();
    let today = chrono::Utc::now().date_naive();
    let report = attune::services::demo::seed(&mut conn, &app.state.library, today).unwrap();
    let caught: i64 = attendance::table
        .filter(attendance::caught_up_at.is_not_null())
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(caught, 1);
    let open = AbsenceAlert::open_for_cohort(&mut conn, report.cohort_id).unwrap();
    assert_eq!(open.len(), 1);
    assert!(open[0].missed_in_row >= 2);
}
