//! RSVPs and apologies: the reminder's two links (a GET only asks, the
//! POST answers once, before the meeting, for the parent it names), the
//! choice on the parent's page, what the facilitators see, the roll that
//! starts from the apologies, and tonight's sheet (page and one-page PDF).

use std::process::Command;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use attune::db::models::rsvp::Rsvp;
use attune::db::models::{Meeting, OutboxMessage, User};
use attune::db::status::{ApologyReason, RsvpAnswer};
use chrono::Duration;
use diesel::prelude::*;

use crate::access::enrol;
use crate::common::{add_user, Browser, TestApp, PASSWORD};

struct World {
    app: TestApp,
    lead: User,
    cohort: i64,
    ana: i64,
    bo: i64,
    meeting: Meeting,
}

/// A London group whose first meeting is three days away at 18:30, with
/// Ana and Bo.
fn world() -> World {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let first = chrono::Utc::now().date_naive() + Duration::days(3);
    let cohort = crate::access::make_group(
        &app,
        &lead,
        ("Tuesday group", "secure-base"),
        ("Europe/London", first, "18:30"),
    );
    let ana = enrol(&app, &lead, cohort, "Ana Ruiz", "ana@example.org");
    let bo = enrol(&app, &lead, cohort, "Bo Lind", "bo@example.org");
    let meeting = {
        let mut conn = app.state.pool.get().unwrap();
        Meeting::for_cohort(&mut conn, cohort).unwrap()[0].clone()
    };
    World {
        app,
        lead,
        cohort,
        ana,
        bo,
        meeting,
    }
}

impl World {
    /// Queues the reminders (the day before) and returns the enrolment's
    /// two links, "I'll be there" first.
    fn reminder_links(&self, enrolment: i64) -> (String, String) {
        let mut conn = self.app.state.pool.get().unwrap();
        let at = self.meeting.starts_at - Duration::hours(23);
        attune::services::follow_ups::queue_due(&mut conn, &self.app.state.mail, at).unwrap();
        use attune::db::schema::outbox_messages;
        let r: OutboxMessage = outbox_messages::table
            .filter(outbox_messages::kind.eq("reminder"))
            .filter(outbox_messages::enrolment_id.eq(enrolment))
            .select(OutboxMessage::as_select())
            .load(&mut *conn)
            .unwrap()
            .remove(0);
        let links = links_in(&r.text_body);
        assert_eq!(links.len(), 2, "two links in: {}", r.text_body);
        let html = r.html_body.clone().unwrap_or_default();
        assert!(html.contains(&links[0]) && html.contains(&links[1]));
        assert!(html.contains("I&#x27;ll be there") || html.contains("I'll be there"));
        (links[0].clone(), links[1].clone())
    }

    fn answers(&self) -> Vec<Rsvp> {
        let mut conn = self.app.state.pool.get().unwrap();
        Rsvp::for_meeting(&mut conn, self.meeting.id).unwrap()
    }

    fn answer_of(&self, enrolment: i64) -> Option<Rsvp> {
        self.answers()
            .into_iter()
            .find(|r| r.enrolment_id == enrolment)
    }

    /// A browser signed in as this parent, past the consent page.
    async fn parent(&self, enrolment: i64) -> Browser<'_> {
        let token = {
            let mut conn = self.app.state.pool.get().unwrap();
            attune::services::participants::issue_link(&mut conn, enrolment).unwrap()
        };
        let mut b = Browser::new(&self.app);
        b.get(&format!("/p/{token}")).await;
        b.get("/me").await;
        b.post("/me/consent", &[]).await;
        b.get("/me").await;
        b
    }

    async fn lead(&self) -> Browser<'_> {
        let mut b = Browser::new(&self.app);
        b.sign_in("lead@example.org", PASSWORD).await;
        b
    }

    fn meeting_path(&self) -> String {
        format!("/cohorts/{}/meetings/{}", self.cohort, self.meeting.id)
    }

    fn used_tokens(&self) -> i64 {
        use attune::db::schema::access_tokens;
        let mut conn = self.app.state.pool.get().unwrap();
        access_tokens::table
            .filter(access_tokens::purpose.like("rsvp_%"))
            .filter(access_tokens::used_at.is_not_null())
            .count()
            .get_result(&mut *conn)
            .unwrap()
    }
}

/// The site paths of RSVP links in a text (`/r/` and 22 characters).
fn links_in(text: &str) -> Vec<String> {
    text.match_indices("/r/")
        .map(|(i, _)| text[i..].chars().take(25).collect::<String>())
        .filter(|l| attune::crypto::is_short_token(&l[3..]))
        .collect()
}

#[actix_web::test]
async fn the_reminder_carries_two_short_links_and_opening_one_changes_nothing() {
    let w = world();
    let (yes, no) = w.reminder_links(w.ana);
    assert_ne!(yes, no);
    assert_eq!(yes.len(), 25, "short enough for a text message: {yes}");
    // A mail scanner or a link preview opens both: nothing is recorded.
    let anyone = Browser::new(&w.app);
    let mut anyone = anyone;
    let page = anyone.get(&yes).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Yes, I'll be there"), "{}", page.body);
    assert_eq!(page.body.matches("<form").count(), 1, "one button");
    assert!(page.body.contains("Hi Ana"));
    let page = anyone.get(&no).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("No one to mind the children"));
    assert!(page.body.contains("name=\"note\""));
    assert!(page.body.contains("maxlength=\"500\""));
    assert!(w.answers().is_empty(), "a GET records nothing");
    assert_eq!(w.used_tokens(), 0, "a GET uses nothing");
    // The preview shows placeholders, never a working link.
    let mut lead = w.lead().await;
    let preview = lead
        .get(&format!("/cohorts/{}/emails/preview/reminder", w.cohort))
        .await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(
        preview.body.contains("/r/(their-own-link)"),
        "{}",
        preview.body
    );
    assert!(links_in(&preview.body).is_empty());
}

#[actix_web::test]
async fn a_post_records_the_answer_once_and_the_other_link_changes_it() {
    let w = world();
    let (yes, no) = w.reminder_links(w.ana);
    let mut b = Browser::new(&w.app);
    let done = b
        .post_raw(&yes, &[("note", "  Bringing my sister  ")])
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("See you there"));
    let a = w.answer_of(w.ana).unwrap();
    assert_eq!(a.answer, RsvpAnswer::Coming);
    assert_eq!(a.via, "link");
    assert_eq!(a.note.as_deref(), Some("Bringing my sister"));
    assert!(w.answer_of(w.bo).is_none());
    // The thank-you page offers a fresh link to change their mind.
    let change = links_in(&done.body);
    assert_eq!(change.len(), 1, "{}", done.body);
    assert!(done.body.contains("I can't come after all"));
    // Used: a clear page, 410, nothing changed.
    let again = b.post_raw(&yes, &[("note", "changed")]).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert!(again.body.contains("already been used"), "{}", again.body);
    assert_eq!(
        w.answer_of(w.ana).unwrap().note.as_deref(),
        Some("Bringing my sister")
    );
    let seen = b.get(&yes).await;
    assert_eq!(seen.status, StatusCode::GONE);
    // The other link from the email still works, with reason and note.
    let sorry = b
        .post_raw(
            &no,
            &[("reason", "childcare"), ("note", "Sitter cancelled")],
        )
        .await;
    assert_eq!(sorry.status, StatusCode::OK, "{}", sorry.body);
    assert!(sorry.body.contains("Thank you for letting us know"));
    let a = w.answer_of(w.ana).unwrap();
    assert_eq!(a.answer, RsvpAnswer::Apologies);
    assert_eq!(a.apology_reason(), Some(ApologyReason::Childcare));
    assert_eq!(a.note.as_deref(), Some("Sitter cancelled"));
    assert_eq!(w.answers().len(), 1, "one row per parent and meeting");
    let audited: i64 = {
        use attune::db::schema::audit_log;
        let mut conn = w.app.state.pool.get().unwrap();
        audit_log::table
            .filter(audit_log::action.eq("rsvp.answer"))
            .count()
            .get_result(&mut *conn)
            .unwrap()
    };
    assert_eq!(audited, 2);
}

#[actix_web::test]
async fn forged_expired_too_long_and_someone_elses_links_change_nothing() {
    let w = world();
    let (yes, no) = w.reminder_links(w.ana);
    let mut stranger = Browser::new(&w.app);
    // Forged: the right shape, or any shape.
    for forged in ["/r/AAAAAAAAAAAAAAAAAAAAAA", "/r/x", "/r/..%2F..%2Fetc"] {
        let res = stranger.get(forged).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{forged}");
        let res = stranger.post_raw(forged, &[("note", "x")]).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{forged}");
        assert!(res.body.contains("didn&#x27;t work"), "{}", res.body);
    }
    // A bad reason or a note too long: told, nothing saved, link unused.
    let long = "x".repeat(501);
    let res = stranger.post_raw(&no, &[("note", long.as_str())]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("500 characters"), "{}", res.body);
    let res = stranger.post_raw(&no, &[("reason", "bored")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(w.used_tokens(), 0);
    // Another parent's browser cannot answer for Ana.
    let mut bo = w.parent(w.bo).await;
    let res = bo.post_raw(&yes, &[]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert!(res.body.contains("another parent"));
    // A facilitator's browser is asked to sign out first.
    let mut lead = w.lead().await;
    let res = lead.post_raw(&yes, &[]).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(w.answers().is_empty());
    // Ana's own browser may.
    let mut ana = w.parent(w.ana).await;
    assert_eq!(ana.post_raw(&yes, &[]).await.status, StatusCode::OK);
    // Once the meeting has started, the links end.
    {
        use attune::db::schema::meetings;
        let mut conn = w.app.state.pool.get().unwrap();
        diesel::update(meetings::table.find(w.meeting.id))
            .set(meetings::starts_at.eq(attune::db::now() - Duration::minutes(5)))
            .execute(&mut *conn)
            .unwrap();
    }
    let res = stranger.get(&no).await;
    assert_eq!(res.status, StatusCode::GONE);
    let res = stranger.post_raw(&no, &[]).await;
    assert_eq!(res.status, StatusCode::GONE);
    assert!(res.body.contains("has ended"), "{}", res.body);
    assert_eq!(w.answer_of(w.ana).unwrap().answer, RsvpAnswer::Coming);
}

#[actix_web::test]
async fn the_parents_page_offers_the_choice_and_changes_it() {
    let w = world();
    let mut ana = w.parent(w.ana).await;
    let home = ana.get("/me").await;
    assert!(
        home.body.contains("Coming to the next meeting?"),
        "{}",
        home.body
    );
    assert!(home
        .body
        .contains(&format!("name=\"meeting\" value=\"{}\"", w.meeting.id)));
    let meeting = w.meeting.id.to_string();
    let res = ana
        .post(
            "/me/rsvp",
            &[
                ("answer", "apologies"),
                ("meeting", meeting.as_str()),
                ("reason", "work"),
                ("note", "Late shift"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.header("location"), "/me#rsvp");
    let a = w.answer_of(w.ana).unwrap();
    assert_eq!(
        (a.answer, a.apology_reason(), a.via.as_str()),
        (RsvpAnswer::Apologies, Some(ApologyReason::Work), "home")
    );
    let home = ana.get("/me").await;
    assert!(home.body.contains("We&#x27;ll miss you"), "{}", home.body);
    assert!(home.body.contains("You can't come this time"));
    assert!(home.body.contains("Late shift"), "the note is kept to edit");
    let res = ana
        .post(
            "/me/rsvp",
            &[("answer", "coming"), ("meeting", meeting.as_str())],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(w.answer_of(w.ana).unwrap().answer, RsvpAnswer::Coming);
    assert_eq!(w.answer_of(w.ana).unwrap().reason, None);
    // A page for a meeting that is no longer the next one saves nothing.
    ana.get("/me").await;
    let other = (w.meeting.id + 1).to_string();
    ana.post(
        "/me/rsvp",
        &[("answer", "apologies"), ("meeting", other.as_str())],
    )
    .await;
    assert_eq!(w.answer_of(w.ana).unwrap().answer, RsvpAnswer::Coming);
    let home = ana.get("/me").await;
    assert!(home.body.contains("nothing was saved"), "{}", home.body);
    // Nonsense is a 400, and nothing changes.
    let res = ana
        .post(
            "/me/rsvp",
            &[("answer", "maybe"), ("meeting", meeting.as_str())],
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(w.answer_of(w.ana).unwrap().answer, RsvpAnswer::Coming);
}

/// Ana is coming; Bo sends apologies (work) with a note.
async fn answered(w: &World) {
    let (yes, _) = w.reminder_links(w.ana);
    let (_, no) = w.reminder_links(w.bo);
    let mut b = Browser::new(&w.app);
    assert_eq!(b.post_raw(&yes, &[]).await.status, StatusCode::OK);
    let res = b
        .post_raw(
            &no,
            &[("reason", "work"), ("note", "Back next week, promise")],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
}

#[actix_web::test]
async fn facilitators_see_the_answers_and_the_roll_starts_from_them() {
    let w = world();
    let extra = enrol(&w.app, &w.lead, w.cohort, "Cy Quiet", "cy@example.org");
    answered(&w).await;
    let mut lead = w.lead().await;
    let dash = lead.get("/dashboard").await;
    assert!(
        dash.body
            .contains("1 coming · 1 can't come · 1 no answer yet"),
        "{}",
        dash.body
    );
    let page = lead.get(&w.meeting_path()).await;
    assert!(page.body.contains("Coming: Ana Ruiz"), "{}", page.body);
    assert!(page.body.contains("Can't come: Bo Lind (work)"));
    assert!(page.body.contains("No answer yet: Cy Quiet"));
    assert!(page.body.contains("/sheet\""), "links tonight's sheet");
    // Apologies start as "excused"; everyone else blank.
    let excused = |id: i64| format!("name=\"mark_{id}\" value=\"excused\" checked");
    let any_checked = |body: &str, id: i64| {
        ["present", "absent", "excused"]
            .iter()
            .any(|s| body.contains(&format!("name=\"mark_{id}\" value=\"{s}\" checked")))
    };
    assert!(page.body.contains(&excused(w.bo)));
    assert!(!any_checked(&page.body, w.ana));
    assert!(!any_checked(&page.body, extra));
    // "Mark everyone present" keeps the pre-marked apology.
    let bo_mark = format!("mark_{}", w.bo);
    let res = lead
        .post(
            &format!("{}/attendance", w.meeting_path()),
            &[
                (bo_mark.as_str(), "excused"),
                ("everyone", "present"),
                ("early_ok", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let marks = {
        let mut conn = w.app.state.pool.get().unwrap();
        attune::db::models::Attendance::for_meeting(&mut conn, w.meeting.id).unwrap()
    };
    let mark = |id: i64| marks.iter().find(|m| m.enrolment_id == id).unwrap().status;
    use attune::db::models::AttendanceStatus::*;
    assert_eq!(
        (mark(w.ana), mark(w.bo), mark(extra)),
        (Present, Excused, Present)
    );
    // A saved mark wins over the answer.
    lead.get(&w.meeting_path()).await;
    lead.post(
        &format!("{}/attendance", w.meeting_path()),
        &[(bo_mark.as_str(), "absent"), ("early_ok", "1")],
    )
    .await;
    let page = lead.get(&w.meeting_path()).await;
    assert!(page
        .body
        .contains(&format!("name=\"mark_{}\" value=\"absent\" checked", w.bo)));
    assert!(!page.body.contains(&excused(w.bo)));
}

#[actix_web::test]
async fn tonights_sheet_page_groups_the_parents_and_shows_their_notes() {
    let w = world();
    enrol(&w.app, &w.lead, w.cohort, "Cy Quiet", "cy@example.org");
    answered(&w).await;
    let mut lead = w.lead().await;
    let sheet = lead.get(&format!("{}/sheet", w.meeting_path())).await;
    assert_eq!(sheet.status, StatusCode::OK);
    let body = &sheet.body;
    let coming = body.find("Coming (1)").unwrap();
    let sorry = body.find("Can't come (1)").unwrap();
    let none = body.find("No answer yet (1)").unwrap();
    let at = |s: &str| body.find(s).unwrap();
    assert!(coming < at("Ana Ruiz") && at("Ana Ruiz") < sorry);
    assert!(sorry < at("Bo Lind") && at("Bo Lind") < none);
    assert!(body[none..].contains("Cy Quiet"));
    assert!(body.contains("(work)"));
    assert!(body.contains("Back next week, promise"));
    // Only the group's facilitators see it.
    add_user(&w.app, "other@example.org", false);
    let mut other = Browser::new(&w.app);
    other.sign_in("other@example.org", PASSWORD).await;
    let res = other.get(&format!("{}/sheet", w.meeting_path())).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = other.get(&format!("{}/sheet.pdf", w.meeting_path())).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------------------
// The sheet as a PDF

fn have_tools() -> bool {
    let found = ["pdftotext", "pdfinfo"].iter().all(|t| {
        Command::new(t)
            .arg("-v")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok()
    });
    if !found {
        assert!(std::env::var_os("CI").is_none(), "CI needs poppler-utils");
    }
    found
}

/// (pages, text with white space runs made one space).
fn read_pdf(bytes: &[u8]) -> (usize, String) {
    assert!(bytes.starts_with(b"%PDF-"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sheet.pdf");
    std::fs::write(&file, bytes).unwrap();
    if let Ok(keep) = std::env::var("KEEP_SHEET_PDF") {
        std::fs::write(keep, bytes).unwrap();
    }
    let info = Command::new("pdfinfo").arg(&file).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    let pages = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let text = Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (pages, text)
}

async fn pdf_bytes(b: &Browser<'_>, path: &str) -> (StatusCode, String, Vec<u8>) {
    let cookies = b
        .cookies()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let app = test::init_service(attune::build_app(b.app.state.clone())).await;
    let req = TestRequest::get()
        .uri(path)
        .insert_header(("Cookie", cookies));
    let res = test::call_service(&app, req.to_request()).await;
    let status = res.status();
    let disposition = res
        .headers()
        .get("content-disposition")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, disposition, test::read_body(res).await.to_vec())
}

#[actix_web::test]
async fn tonights_sheet_prints_on_one_page_for_thirty_parents() {
    if !have_tools() {
        return;
    }
    let w = world();
    let mut conn = w.app.state.pool.get().unwrap();
    let mut ids = vec![w.ana, w.bo];
    drop(conn);
    for i in 0..28 {
        ids.push(enrol(
            &w.app,
            &w.lead,
            w.cohort,
            &format!("Parent Number{i:02} Longsurname"),
            &format!("p{i}@example.org"),
        ));
    }
    conn = w.app.state.pool.get().unwrap();
    // Ten coming, ten sorry (with long notes), ten silent.
    let at = attune::db::now();
    let note = "We have a hospital appointment that afternoon and may not be back in time; \
                I will read the handout and send my reflection on Thursday. Thank you for understanding.";
    for (i, id) in ids.iter().enumerate().take(20) {
        Rsvp::save(
            &mut conn,
            &attune::db::models::rsvp::NewRsvp {
                meeting_id: w.meeting.id,
                enrolment_id: *id,
                answer: if i < 10 {
                    RsvpAnswer::Coming
                } else {
                    RsvpAnswer::Apologies
                },
                reason: (i >= 10).then_some(ApologyReason::Transport),
                note: (i >= 10).then_some(note),
                via: "link",
                answered_at: at,
            },
        )
        .unwrap();
    }
    drop(conn);
    let lead = {
        let mut b = Browser::new(&w.app);
        b.sign_in("lead@example.org", PASSWORD).await;
        b
    };
    let (status, disposition, bytes) =
        pdf_bytes(&lead, &format!("{}/sheet.pdf", w.meeting_path())).await;
    assert_eq!(status, StatusCode::OK);
    assert!(disposition.starts_with("inline;"), "{disposition}");
    assert!(disposition.contains("tonight.pdf"), "{disposition}");
    let (pages, text) = read_pdf(&bytes);
    assert_eq!(pages, 1, "one page for 30 parents: {text}");
    assert!(text.contains("Coming (10)"), "{text}");
    assert!(
        text.contains("Can't come (10)") || text.contains("Can’t come (10)"),
        "{text}"
    );
    assert!(text.contains("No answer yet (10)"), "{text}");
    assert!(text.contains("(transport)"));
    assert!(text.contains("Notes from parents"));
    assert!(text.contains("18:30"), "clock times: {text}");
    // A London group prints on A4.
    let info = {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("s.pdf");
        std::fs::write(&f, &bytes).unwrap();
        String::from_utf8_lossy(&Command::new("pdfinfo").arg(&f).output().unwrap().stdout)
            .into_owned()
    };
    assert!(
        info.contains("595.276 x 841.89") || info.contains("595.28 x 841.89"),
        "{info}"
    );
    let (_, _, letter) = pdf_bytes(
        &lead,
        &format!("{}/sheet.pdf?paper=letter", w.meeting_path()),
    )
    .await;
    assert_eq!(read_pdf(&letter).0, 1);
}

#[actix_web::test]
async fn the_sheet_names_who_missed_the_last_two_and_reflections_waiting() {
    let w = world();
    let meetings = {
        let mut conn = w.app.state.pool.get().unwrap();
        Meeting::for_cohort(&mut conn, w.cohort).unwrap()
    };
    let cy = enrol(&w.app, &w.lead, w.cohort, "Cy Quiet", "cy@example.org");
    {
        use attune::db::ids::{CohortId, MeetingId};
        use attune::db::models::AttendanceStatus::*;
        let mut conn = w.app.state.pool.get().unwrap();
        for m in &meetings[..2] {
            attune::services::meetings::record_attendance(
                &mut conn,
                &w.app.state.mail,
                &w.lead,
                (CohortId(w.cohort), MeetingId(m.id)),
                &[(w.ana, Present), (w.bo, Absent), (cy, Excused)],
            )
            .unwrap();
        }
        // Cy came to the first: only Bo missed both of the last two.
        attune::services::meetings::record_attendance(
            &mut conn,
            &w.app.state.mail,
            &w.lead,
            (CohortId(w.cohort), MeetingId(meetings[0].id)),
            &[(cy, Present)],
        )
        .unwrap();
        let sent = meetings[1].starts_at + Duration::days(1);
        for (enrolment, session, visibility, at) in [
            (w.ana, 2, "facilitators", sent),
            (cy, 2, "only_me", sent),
            // Before the last meeting: not "since last time".
            (
                w.bo,
                1,
                "facilitators",
                meetings[0].starts_at + Duration::days(1),
            ),
        ] {
            attune::db::models::Reflection::insert(
                &mut conn,
                &attune::db::models::NewReflection {
                    enrolment_id: enrolment,
                    session_number: session,
                    answers: "[\"Secret words of the parent\"]",
                    visibility,
                    status: attune::db::status::ReflectionStatus::Submitted.as_str(),
                    submitted_at: Some(at),
                    created_at: at,
                    updated_at: at,
                },
            )
            .unwrap();
        }
    }
    let mut lead = w.lead().await;
    let path = format!("/cohorts/{}/meetings/{}/sheet", w.cohort, meetings[2].id);
    let page = lead.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    let part = |from: &str, to: &str| {
        let a = page.body.find(from).unwrap();
        let b = a + page.body[a..].find(to).unwrap();
        page.body[a..b].to_string()
    };
    let missed = part("Missed the last two meetings", "</section>");
    assert!(missed.contains("Bo Lind"), "{missed}");
    assert!(
        !missed.contains("Ana Ruiz") && !missed.contains("Cy Quiet"),
        "{missed}"
    );
    let waiting = part("Reflections waiting for your reply", "</section>");
    assert!(waiting.contains("1 reflection"), "{waiting}");
    assert!(waiting.contains("Ana Ruiz, session 2"), "{waiting}");
    assert!(!waiting.contains("Cy Quiet") && !waiting.contains("Bo Lind"));
    assert!(!page.body.contains("Secret words"), "never the words");
    if !have_tools() {
        return;
    }
    let (_, _, bytes) = pdf_bytes(&lead, &format!("{path}.pdf")).await;
    let (pages, text) = read_pdf(&bytes);
    assert_eq!(pages, 1);
    assert!(
        text.contains("Missed the last two meetings Bo Lind"),
        "{text}"
    );
    assert!(text.contains("Ana Ruiz (session 2)"), "{text}");
    assert!(!text.contains("Secret words"));
}

/// A parent on a phone answers from the reminder email's link.
#[test]
fn a_parent_answers_from_the_reminder_on_a_phone() {
    use crate::browser::{Driver, Server};
    let Some(browser) = Driver::start(390, 844) else {
        return;
    };
    let server = Server::start();
    browser.sign_in(&server, "Hello, Fran Facilitator");
    browser.start_group(&server, "secure-base", "Tuesday group", 3, "18:30");
    browser.add_parent("Leila Haddad", "leila@example.org");
    browser.click("form[action='/logout'] button");
    browser.wait_for("signed out");
    // The reminder, queued the day before by the same rules the server uses.
    let config = crate::common::test_config(&server.db.url, None);
    let (library, templates) = attune::state::AppState::load_files(&config).unwrap();
    let state = attune::state::AppState::with_files(config, library, templates).unwrap();
    let mut conn = state.pool.get().unwrap();
    let meeting = {
        use attune::db::schema::meetings;
        meetings::table
            .order(meetings::starts_at)
            .select(Meeting::as_select())
            .load(&mut *conn)
            .unwrap()
            .remove(0)
    };
    let at = meeting.starts_at - Duration::hours(23);
    attune::services::follow_ups::queue_due(&mut conn, &state.mail, at).unwrap();
    let text: String = {
        use attune::db::schema::outbox_messages;
        outbox_messages::table
            .filter(outbox_messages::kind.eq("reminder"))
            .select(outbox_messages::text_body)
            .load::<String>(&mut *conn)
            .unwrap()
            .remove(0)
    };
    let links = links_in(&text);
    browser.goto(&format!("{}{}", server.base, links[1]));
    browser.wait_for("Can't come this time?");
    browser.click("input[value='transport']");
    browser.fill("#rsvp-note", "The bus isn't running that night.");
    browser.screenshot("rsvp-1-apologies");
    browser.click("form.form button[type=submit]");
    let page = browser.wait_for("Thank you for letting us know");
    assert!(page.contains("I can come after all"));
    browser.screenshot("rsvp-2-thank-you");
    let answer = Rsvp::for_meeting(&mut conn, meeting.id).unwrap().remove(0);
    assert_eq!(answer.apology_reason(), Some(ApologyReason::Transport));
    assert_eq!(
        answer.note.as_deref(),
        Some("The bus isn't running that night.")
    );
}
