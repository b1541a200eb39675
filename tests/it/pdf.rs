//! Printouts as a person gets them: each download is a valid PDF (qpdf),
//! its text is what the page promises (pdftotext), its paper and fonts are
//! right (pdfinfo, pdffonts), and only the right people get it. Packets
//! make one audited personal link per parent, and those links open that
//! parent's page and nobody else's.
//!
//! The PDF tools come from the Debian packages qpdf and poppler-utils.
//! Without them the tests say so and pass, except under CI.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use actix_web::http::header::HeaderMap;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use attune::db::ids::{CohortId, EnrolmentId, MeetingId};
use attune::db::models::{AttendanceStatus, Meeting, User};
use attune::db::schema::{access_tokens, audit_log, cohorts as cohort_table};
use diesel::prelude::*;

use crate::access::{enrol, make_cohort, Fixture};
use crate::cli::attune;
use crate::common::{add_user, repo_path, Browser, TestApp, PASSWORD};

// ---------------------------------------------------------------------------
// The PDF tools

/// Whether qpdf and poppler-utils are installed. Outside CI a test without
/// them says so and passes; CI insists.
fn have_tools() -> bool {
    static FOUND: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let found = *FOUND.get_or_init(|| {
        // Spawning is the test: poppler's `-v` exits non-zero on old versions.
        ["qpdf", "pdftotext", "pdfinfo", "pdffonts"]
            .iter()
            .all(|t| {
                Command::new(t)
                    .arg("-v")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok()
            })
    });
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs qpdf and poppler-utils for the PDF tests (apt-get install qpdf poppler-utils)"
        );
        eprintln!("skipping PDF test: apt-get install qpdf poppler-utils to run it");
    }
    found
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("the tool runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// What the tools make of a PDF.
struct Doc {
    pages: usize,
    /// Points: width, height of the first page.
    size: (f64, f64),
    /// `pdfinfo`'s report (title and the rest).
    info: String,
    /// `pdftotext -layout`, all pages.
    text: String,
    /// The same, page by page (pdftotext ends each page with a form feed).
    page_text: Vec<String>,
}

impl Doc {
    /// The text with every run of white space made one space: lines that
    /// wrapped read as one.
    fn flat(&self) -> String {
        flat(&self.text)
    }

    fn page(&self, n: usize) -> String {
        flat(&self.page_text[n - 1])
    }

    fn has(&self, s: &str) -> bool {
        self.flat().contains(&flat(s))
    }

    fn landscape(&self) -> bool {
        self.size.0 > self.size.1
    }
}

fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks a PDF with every tool (qpdf finds no problem, every font is
/// embedded as a subset) and reads it.
fn inspect(bytes: &[u8]) -> Doc {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.pdf");
    std::fs::write(&file, bytes).unwrap();
    inspect_file(&file)
}

fn inspect_file(file: &Path) -> Doc {
    // Exit 0: no errors and no warnings (3 would be warnings).
    let check = run(Command::new("qpdf").arg("--check").arg(file));
    let check = String::from_utf8_lossy(&check.stdout).into_owned();
    assert!(
        check.contains("No syntax or stream encoding errors"),
        "{check}"
    );

    let info = run(Command::new("pdfinfo").arg(file));
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    let field = |name: &str| -> String {
        info.lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name} in {info}"))
            .trim()
            .to_string()
    };
    let pages: usize = field("Pages:").parse().unwrap();
    // "595.276 x 841.891 pts (A4)"
    let size = field("Page size:");
    let mut numbers = size.split_whitespace();
    let w: f64 = numbers.next().unwrap().parse().unwrap();
    assert_eq!(numbers.next(), Some("x"), "{size}");
    let h: f64 = numbers.next().unwrap().parse().unwrap();

    // name type encoding emb sub uni object-ID: read from the right, so a
    // long font name cannot shift the columns.
    let fonts = run(Command::new("pdffonts").arg(file));
    let fonts = String::from_utf8_lossy(&fonts.stdout).into_owned();
    let rows: Vec<&str> = fonts.lines().skip(2).filter(|l| !l.is_empty()).collect();
    assert!(!rows.is_empty(), "no fonts: {fonts}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        assert!(n >= 7, "{row}");
        assert_eq!(
            (cols[n - 5], cols[n - 4]),
            ("yes", "yes"),
            "every font embedded and subset: {row}"
        );
    }

    let text = run(Command::new("pdftotext").arg("-layout").arg(file).arg("-"));
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    let mut page_text: Vec<String> = text.split('\x0c').map(str::to_string).collect();
    if page_text.last().is_some_and(|p| p.trim().is_empty()) {
        page_text.pop();
    }
    // Blank pages at the end would be dropped above: count them back.
    while page_text.len() < pages {
        page_text.push(String::new());
    }
    assert_eq!(page_text.len(), pages, "one form feed per page");
    Doc {
        pages,
        size: (w, h),
        info,
        text,
        page_text,
    }
}

const A4: (f64, f64) = (595.276, 841.89);
const LETTER: (f64, f64) = (612.0, 792.0);

fn assert_size(doc: &Doc, (w, h): (f64, f64)) {
    assert!(
        (doc.size.0 - w).abs() < 1.0 && (doc.size.1 - h).abs() < 1.0,
        "page size {:?}, expected {w} x {h}",
        doc.size
    );
}

// ---------------------------------------------------------------------------
// Requests that keep the bytes (a PDF is not text)

struct Got {
    status: StatusCode,
    headers: HeaderMap,
    bytes: Vec<u8>,
}

impl Got {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    fn is_pdf(&self) -> bool {
        self.header("content-type") == "application/pdf" && self.bytes.starts_with(b"%PDF-")
    }

    /// A PDF to open and print: 200, a PDF shown in the browser
    /// (`inline`), never cached, saved under a safe name.
    #[track_caller]
    fn assert_download(&self) -> String {
        assert_eq!(self.status, StatusCode::OK, "{}", self.text());
        assert!(self.is_pdf(), "{:?}", self.headers);
        assert_eq!(self.header("cache-control"), "no-store");
        let disposition = self.header("content-disposition");
        let name = disposition
            .strip_prefix("inline; filename=\"")
            .and_then(|r| r.strip_suffix('"'))
            .unwrap_or_else(|| panic!("Content-Disposition: {disposition}"));
        assert_safe_filename(name);
        name.to_string()
    }

    /// Not a PDF, and not a server error.
    #[track_caller]
    fn assert_refused(&self, status: StatusCode) {
        assert_eq!(self.status, status, "{}", self.text());
        assert!(!self.is_pdf() && !self.bytes.starts_with(b"%PDF"));
        assert!(self.header("content-disposition").is_empty());
    }
}

#[track_caller]
fn assert_safe_filename(name: &str) {
    let stem = name
        .strip_suffix(".pdf")
        .unwrap_or_else(|| panic!("{name:?} ends in .pdf"));
    assert!(
        !stem.is_empty()
            && stem
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
        "unsafe file name {name:?}"
    );
}

/// Sends a request with the browser's cookies; keeps the body as bytes.
async fn send(b: &Browser<'_>, mut req: TestRequest) -> Got {
    let cookies = b.cookies();
    if !cookies.is_empty() {
        let header = cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        req = req.insert_header(("Cookie", header));
    }
    let app = test::init_service(attune::build_app(b.app.state.clone())).await;
    let res = test::call_service(&app, req.to_request()).await;
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = test::read_body(res).await.to_vec();
    Got {
        status,
        headers,
        bytes,
    }
}

async fn get(b: &Browser<'_>, path: &str) -> Got {
    send(b, TestRequest::get().uri(path)).await
}

/// Posts a form; with the browser's form token unless `csrf` is false.
async fn post(b: &Browser<'_>, path: &str, fields: &[(&str, &str)], csrf: bool) -> Got {
    let token = b.last_token.clone().unwrap_or_default();
    let mut all: Vec<(&str, &str)> = Vec::new();
    if csrf {
        all.push(("csrf_token", token.as_str()));
    }
    all.extend_from_slice(fields);
    send(
        b,
        TestRequest::post()
            .uri(path)
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .set_payload(serde_urlencoded::to_string(&all).unwrap()),
    )
    .await
}

// ---------------------------------------------------------------------------
// A group to print for

/// A group meeting on Tuesdays at 18:30 in London from 1 September 2026,
/// led by Mira Okafor with Dev Patel; Ana, Bo and Cy are in it, Dee left.
struct Group {
    app: TestApp,
    lead: User,
    cohort: i64,
    meetings: Vec<i64>,
    /// (enrolment, name) of the active parents.
    parents: Vec<(i64, &'static str)>,
    withdrawn: (i64, &'static str),
}

const ACTIVE: [(&str, &str); 3] = [
    ("Ana Ruiz", "ana@example.org"),
    ("Bo Lind", "bo@example.org"),
    ("Cy Moss", "cy@example.org"),
];

fn group() -> Group {
    let app = TestApp::new();
    let lead = add_user(&app, "mira.okafor@example.org", false);
    add_user(&app, "dev.patel@example.org", false);
    // Another facilitator, with a group of their own.
    let other = add_user(&app, "other@example.org", false);
    make_cohort(&app, &other, "Someone else's group");
    let cohort = make_cohort(&app, &lead, "Tuesday group");
    {
        let mut conn = app.state.pool.get().unwrap();
        attune::services::cohorts::add_facilitator(
            &mut conn,
            &lead,
            cohort,
            "dev.patel@example.org",
        )
        .unwrap();
    }
    let parents: Vec<(i64, &str)> = ACTIVE
        .iter()
        .map(|(name, email)| (enrol(&app, &lead, cohort, name, email), *name))
        .collect();
    let dee = enrol(&app, &lead, cohort, "Dee Gone", "dee@example.org");
    let meetings = {
        let mut conn = app.state.pool.get().unwrap();
        attune::services::roster::set_active(
            &mut conn,
            &app.state.mail,
            &lead,
            CohortId(cohort),
            EnrolmentId(dee),
            false,
        )
        .unwrap();
        Meeting::for_cohort(&mut conn, cohort)
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect()
    };
    Group {
        app,
        lead,
        cohort,
        meetings,
        parents,
        withdrawn: (dee, "Dee Gone"),
    }
}

impl Group {
    /// Marks `enrolment` present at the first `n` meetings.
    fn attended(&self, enrolment: i64, n: usize) {
        let mut conn = self.app.state.pool.get().unwrap();
        for m in &self.meetings[..n] {
            attune::services::meetings::record_attendance(
                &mut conn,
                &self.app.state.mail,
                &self.lead,
                (CohortId(self.cohort), MeetingId(*m)),
                &[(enrolment, AttendanceStatus::Present)],
            )
            .unwrap();
        }
    }

    fn session(&self, n: usize) -> attune::curriculum::Session {
        self.app.state.library.get("secure-base").unwrap().sessions[n - 1].clone()
    }
}

/// A facilitator's browser, signed in, with a fresh form token.
async fn signed_in<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
    let mut b = Browser::new(app);
    let res = b.sign_in(email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{email} signs in");
    b.get("/dashboard").await;
    b
}

/// A parent's browser, through a personal link.
async fn parent_by_link<'a>(app: &'a TestApp, link_path: &str) -> Browser<'a> {
    let mut b = Browser::new(app);
    let res = b.get(link_path).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{link_path} opens");
    assert_eq!(res.header("location"), "/me");
    b
}

fn parent_link(app: &TestApp, enrolment: i64) -> String {
    let mut conn = app.state.pool.get().unwrap();
    let token = attune::services::participants::issue_link(&mut conn, enrolment).unwrap();
    format!("/p/{token}")
}

fn token_count(app: &TestApp) -> i64 {
    let mut conn = app.state.pool.get().unwrap();
    access_tokens::table.count().get_result(&mut *conn).unwrap()
}

/// (subject, actor) of every `participant.link_printed` audit row.
fn printed_links(app: &TestApp) -> Vec<(Option<i64>, Option<i64>)> {
    let mut conn = app.state.pool.get().unwrap();
    audit_log::table
        .filter(audit_log::action.eq("participant.link_printed"))
        .order(audit_log::id.asc())
        .select((audit_log::subject_id, audit_log::actor_id))
        .load(&mut *conn)
        .unwrap()
}

/// Every personal link printed in `text`: `{base}/p/` and 64 hex digits
/// (a link that wrapped onto the next line is put back together).
fn links_in(text: &str, base: &str) -> Vec<String> {
    let marker = format!("{}/p/", base.trim_end_matches('/'));
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(&marker) {
        rest = &rest[i + marker.len()..];
        let token: String = rest
            .chars()
            .filter(|c| !c.is_whitespace())
            .take_while(char::is_ascii_hexdigit)
            .take(64)
            .collect();
        if token.len() == 64 {
            found.push(token);
        }
    }
    found
}

// ---------------------------------------------------------------------------
// The public handout

#[actix_web::test]
async fn the_public_handout_is_the_sessions_text_on_a4_or_letter() {
    let app = TestApp::new();
    let anon = Browser::new(&app);
    let res = get(&anon, "/curricula/secure-base/sessions/2/handout.pdf").await;
    let name = res.assert_download();
    assert_eq!(name, "secure-base-session-2-handout.pdf");
    assert_eq!(res.header("x-content-type-options"), "nosniff");

    let refused = get(
        &anon,
        "/curricula/secure-base/sessions/2/handout.pdf?paper=a3",
    )
    .await;
    refused.assert_refused(StatusCode::BAD_REQUEST);
    assert!(
        refused.text().contains("A4 or US Letter"),
        "{}",
        refused.text()
    );
    get(&anon, "/curricula/secure-base/sessions/99/handout.pdf")
        .await
        .assert_refused(StatusCode::NOT_FOUND);
    get(&anon, "/curricula/no-such-course/sessions/1/handout.pdf")
        .await
        .assert_refused(StatusCode::NOT_FOUND);

    if !have_tools() {
        return;
    }
    let session = app.state.library.get("secure-base").unwrap().sessions[1].clone();
    let doc = inspect(&res.bytes);
    assert_size(&doc, A4);
    assert!(doc.has(&format!("Session 2: {}", session.title)));
    assert!(doc.info.contains(&format!("Session 2: {}", session.title)));
    for prompt in &session.reflection_prompts {
        assert!(doc.has(prompt), "prompt {prompt:?} in\n{}", doc.text);
    }
    assert!(doc.has(&session.home_practice.title));
    assert!(doc.page(1).contains(&format!("Page 1 of {}", doc.pages)));
    // Nobody's handout: no link.
    assert!(links_in(&doc.text, "").is_empty());

    let letter = get(
        &anon,
        "/curricula/secure-base/sessions/2/handout.pdf?paper=letter",
    )
    .await;
    letter.assert_download();
    let doc = inspect(&letter.bytes);
    assert_size(&doc, LETTER);
    assert!(doc.has(&format!("Session 2: {}", session.title)));
}

// ---------------------------------------------------------------------------
// Meeting documents

#[actix_web::test]
async fn the_plan_sign_in_sheet_and_spare_handouts_of_a_meeting() {
    let g = group();
    let lead = signed_in(&g.app, "mira.okafor@example.org").await;
    let base = format!("/cohorts/{}/meetings/{}", g.cohort, g.meetings[0]);
    let plan = get(&lead, &format!("{base}/plan.pdf")).await;
    assert_eq!(plan.assert_download(), "tuesday-group-session-1-plan.pdf");
    let sheet = get(&lead, &format!("{base}/sign-in.pdf")).await;
    assert_eq!(
        sheet.assert_download(),
        "tuesday-group-session-1-sign-in.pdf"
    );
    let spare = get(&lead, &format!("{base}/handout.pdf")).await;
    assert_eq!(
        spare.assert_download(),
        "tuesday-group-session-1-handout.pdf"
    );
    get(&lead, &format!("{base}/plan.pdf?paper=a3"))
        .await
        .assert_refused(StatusCode::BAD_REQUEST);
    // Another group's meeting under this group's address.
    let elsewhere = format!("/cohorts/{}/meetings/{}/plan.pdf", g.cohort, 1_000_000);
    get(&lead, &elsewhere)
        .await
        .assert_refused(StatusCode::NOT_FOUND);
    let other = signed_in(&g.app, "other@example.org").await;
    for what in ["plan", "sign-in", "handout"] {
        get(&other, &format!("{base}/{what}.pdf"))
            .await
            .assert_refused(StatusCode::NOT_FOUND);
    }

    if !have_tools() {
        return;
    }
    let session = g.session(1);

    let doc = inspect(&plan.bytes);
    assert_size(&doc, A4);
    assert!(doc.has(&format!("Session 1: {}", session.title)));
    assert!(doc.has("Tuesday group"));
    assert!(
        doc.has("mira okafor") && doc.has("dev patel"),
        "{}",
        doc.text
    );
    // The agenda's clock times, in order, from the local start: 18:30 in
    // London (BST) on 1 September 2026.
    let mut minutes = 18 * 60 + 30;
    let mut at = 0;
    let mut clocks: Vec<String> = Vec::new();
    for seg in &session.agenda {
        clocks.push(format!("{:02}:{:02}", minutes / 60, minutes % 60));
        minutes += seg.minutes;
    }
    clocks.push(format!("{:02}:{:02}", minutes / 60, minutes % 60));
    assert_eq!(clocks[0], "18:30");
    for (clock, seg) in clocks.iter().zip(&session.agenda) {
        let found = doc.text[at..]
            .find(&format!("{clock} "))
            .unwrap_or_else(|| panic!("{clock} ({}) in order in\n{}", seg.title, doc.text));
        at += found + clock.len();
        assert!(doc.has(&seg.title), "{}", seg.title);
    }
    assert!(
        doc.text[at..].contains(clocks.last().unwrap()),
        "the end time"
    );
    for m in &session.materials {
        assert!(doc.has(m), "material {m:?}");
    }
    assert!(doc.has(&session.home_practice.title));

    let doc = inspect(&sheet.bytes);
    for (_, name) in &g.parents {
        assert!(doc.has(name), "{name} on the sign-in sheet");
    }
    assert!(!doc.has(g.withdrawn.1), "a parent who left is not listed");
    assert!(doc.has("Signature"));
    assert!(doc.has(&format!("Session 1: {}", session.title)));

    let doc = inspect(&spare.bytes);
    assert!(doc.has(&format!("Session 1: {}", session.title)));
    assert!(doc.has("Tuesday group"));
    for (_, name) in g.parents.iter().chain([&g.withdrawn]) {
        assert!(!doc.has(name), "a spare handout names nobody ({name})");
    }
    assert!(links_in(&doc.text, &g.app.state.config.base_url).is_empty());
}

#[actix_web::test]
async fn the_facilitator_packet_is_the_course_guide_then_every_plan() {
    let g = group();
    let lead = signed_in(&g.app, "mira.okafor@example.org").await;
    let path = format!("/cohorts/{}/facilitator-packet.pdf", g.cohort);
    let packet = get(&lead, &format!("{path}?paper=letter")).await;
    assert_eq!(
        packet.assert_download(),
        "tuesday-group-facilitator-packet.pdf"
    );
    get(&lead, &format!("{path}?paper=a3"))
        .await
        .assert_refused(StatusCode::BAD_REQUEST);
    let other = signed_in(&g.app, "other@example.org").await;
    get(&other, &path)
        .await
        .assert_refused(StatusCode::NOT_FOUND);
    if !have_tools() {
        return;
    }
    let doc = inspect(&packet.bytes);
    assert_size(&doc, LETTER);
    // The guide first, with every section, then each session's plan on a
    // right-hand page of its own.
    assert!(doc.page(1).contains("facilitator guide"), "{}", doc.page(1));
    for section in attune::curriculum::safety::GUIDE_SECTIONS {
        assert!(doc.has(section), "{section} in the packet");
    }
    let mut last = 0;
    for n in 1..=7 {
        let title = format!("Session {n}: {}", g.session(n).title);
        let page = (1..=doc.pages)
            .find(|p| doc.page(*p).contains(&flat(&title)) && doc.page(*p).contains("Agenda"))
            .unwrap_or_else(|| panic!("{title} in the packet"));
        assert!(page > last, "{title} after the one before");
        assert_eq!(page % 2, 1, "{title} starts on a right-hand page");
        last = page;
    }
    assert!(doc.has("Tuesday group"));
}

// ---------------------------------------------------------------------------
// Packets

#[actix_web::test]
async fn a_packet_gives_each_parent_their_own_pages_and_a_new_link() {
    let g = group();
    let base_url = g.app.state.config.base_url.clone();
    let path = format!("/cohorts/{}/packet", g.cohort);
    let lead = signed_in(&g.app, "mira.okafor@example.org").await;
    let other = signed_in(&g.app, "other@example.org").await;
    let before = token_count(&g.app);

    // Refused: no form token, someone else's group, no such session, nonsense.
    post(&lead, &path, &[("session", "2")], false)
        .await
        .assert_refused(StatusCode::FORBIDDEN);
    post(&other, &path, &[("session", "2")], true)
        .await
        .assert_refused(StatusCode::NOT_FOUND);
    post(&lead, &path, &[("session", "99")], true)
        .await
        .assert_refused(StatusCode::NOT_FOUND);
    post(&lead, &path, &[("session", "first")], true)
        .await
        .assert_refused(StatusCode::BAD_REQUEST);
    post(&lead, &path, &[("session", "2"), ("paper", "a3")], true)
        .await
        .assert_refused(StatusCode::BAD_REQUEST);
    assert_eq!(token_count(&g.app), before, "no link made");
    assert!(printed_links(&g.app).is_empty());

    // Session 2's handout runs to an odd number of pages on A4, so the
    // packet needs blank backs.
    let res = post(&lead, &path, &[("session", "2")], true).await;
    assert_eq!(res.assert_download(), "tuesday-group-session-2-packet.pdf");
    assert_eq!(token_count(&g.app), before + 3, "one new link per parent");
    let mut audited = printed_links(&g.app);
    audited.sort();
    let mut expected: Vec<(Option<i64>, Option<i64>)> = g
        .parents
        .iter()
        .map(|(e, _)| (Some(*e), Some(g.lead.id)))
        .collect();
    expected.sort();
    assert_eq!(audited, expected, "each printed link is audited");

    if !have_tools() {
        return;
    }
    let title = format!("Session 2: {}", g.session(2).title);
    let doc = inspect(&res.bytes);
    assert_size(&doc, A4);
    assert!(!doc.has(g.withdrawn.1));
    let names: Vec<&str> = g.parents.iter().map(|(_, n)| *n).collect();
    let mut firsts = Vec::new();
    let mut links = Vec::new();
    let mut next = 1;
    for name in &names {
        let first = (1..=doc.pages)
            .find(|n| doc.page(*n).contains(&format!("For {name}")))
            .unwrap_or_else(|| panic!("{name} in\n{}", doc.text));
        // Double-sided, each parent's pages start on a right-hand page,
        // straight after the last parent's (and a blank back, if needed).
        assert_eq!(first, next, "{name} starts on page {first}");
        assert_eq!(first % 2, 1, "{name} starts on page {first}");
        let page = doc.page(first);
        assert!(page.contains(&title), "{page}");
        let count: usize = page
            .split("Page 1 of ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("Page 1 of N on {page}"));
        // Their pages carry their name and nobody else's.
        for k in 1..=count {
            let page = doc.page(first + k - 1);
            assert!(page.contains(&format!("Page {k} of {count}")), "{page}");
            assert!(page.contains(name), "{page}");
            for someone in names.iter().filter(|n| *n != name) {
                assert!(!page.contains(someone), "{someone} on {name}'s page");
            }
        }
        next = first + count;
        // (The last parent's back may or may not be in the file.)
        if count % 2 == 1 && next <= doc.pages {
            let back = doc.page(next);
            assert!(
                names.iter().all(|n| !back.contains(n)) && !back.contains("Page"),
                "a blank back: {back}"
            );
            next += 1;
        }
        // Their link is on their first page.
        let on = links_in(&doc.page_text[first - 1], &base_url);
        assert_eq!(on.len(), 1, "one link on {name}'s first page: {page}");
        firsts.push(first);
        links.push(on[0].clone());
    }
    assert!(next > doc.pages, "nothing after the last parent");
    assert!(
        firsts.windows(2).any(|w| w[1] - w[0] > 3),
        "the blank backs were tested: {firsts:?}"
    );
    // Cross-check one page with pdftotext's own page range.
    {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("packet.pdf");
        std::fs::write(&file, &res.bytes).unwrap();
        let n = firsts[1].to_string();
        let out = run(Command::new("pdftotext")
            .args(["-layout", "-f", &n, "-l", &n])
            .arg(&file)
            .arg("-"));
        let page = flat(&String::from_utf8_lossy(&out.stdout));
        assert!(page.contains(&format!("For {}", names[1])), "{page}");
        assert!(page.contains("Page 1 of"), "{page}");
    }
    assert_eq!(links_in(&doc.text, &base_url).len(), 3);
    let mut distinct = links.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "a different link for each parent");

    // Ana's printed link opens Ana's page, not Bo's.
    for (i, (_, name)) in g.parents.iter().enumerate().take(2) {
        let b = parent_by_link(&g.app, &format!("/p/{}", links[i])).await;
        let mine = get(&b, "/me/data/export.json").await;
        assert_eq!(mine.status, StatusCode::OK);
        let mine = mine.text();
        assert!(mine.contains(name), "{mine}");
        for (_, someone) in g.parents.iter().filter(|(_, n)| n != name) {
            assert!(!mine.contains(someone), "{someone} in {name}'s data");
        }
    }
}

#[actix_web::test]
async fn a_whole_course_packet_has_every_session_and_an_empty_group_has_none() {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = make_cohort(&app, &lead, "Solo group");
    let empty = make_cohort(&app, &lead, "Empty group");
    let b = signed_in(&app, "lead@example.org").await;
    let res = post(
        &b,
        &format!("/cohorts/{empty}/packet"),
        &[("session", "all")],
        true,
    )
    .await;
    res.assert_refused(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().contains("no parents yet"), "{}", res.text());

    enrol(&app, &lead, cohort, "Ed Solo", "ed@example.org");
    let res = post(
        &b,
        &format!("/cohorts/{cohort}/packet"),
        &[("session", "all"), ("paper", "letter")],
        true,
    )
    .await;
    assert_eq!(res.assert_download(), "solo-group-course-packet.pdf");
    assert_eq!(printed_links(&app).len(), 1, "one link for the one parent");

    if !have_tools() {
        return;
    }
    let doc = inspect(&res.bytes);
    assert_size(&doc, LETTER);
    let sessions = &app.state.library.get("secure-base").unwrap().sessions;
    let starts: Vec<usize> = (1..=doc.pages)
        .filter(|n| doc.page(*n).contains("Page 1 of"))
        .collect();
    assert_eq!(starts.len(), sessions.len(), "one handout per session");
    for (s, first) in sessions.iter().zip(&starts) {
        let title = format!("Session {}: {}", s.number, s.title);
        assert_eq!(first % 2, 1, "{title} starts on page {first}");
        let page = doc.page(*first);
        assert!(page.contains(&title), "{title} on page {first}: {page}");
        assert!(page.contains("For Ed Solo"), "{page}");
    }
    // The same one link on every handout.
    let links = links_in(&doc.text, &app.state.config.base_url);
    assert_eq!(links.len(), sessions.len());
    assert!(links.iter().all(|l| *l == links[0]));
}

// ---------------------------------------------------------------------------
// Certificates

#[actix_web::test]
async fn certificates_go_to_who_came_often_enough() {
    let g = group();
    let path = format!("/cohorts/{}/certificates.pdf", g.cohort);
    let lead = signed_in(&g.app, "mira.okafor@example.org").await;

    // Nobody has come yet: a clear page, not a server error.
    let res = get(&lead, &path).await;
    res.assert_refused(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text().contains("no certificates to print"),
        "{}",
        res.text()
    );

    let (ana, bo, cy) = (g.parents[0], g.parents[1], g.parents[2]);
    // Three in four of seven sessions is six.
    g.attended(ana.0, 6);
    g.attended(bo.0, 2);
    // A parent who left gets nothing, however often they came.
    g.attended(g.withdrawn.0, 7);

    for bad in ["0", "abc", "-1", "8"] {
        get(&lead, &format!("{path}?min={bad}"))
            .await
            .assert_refused(StatusCode::BAD_REQUEST);
    }
    get(&lead, &format!("{path}?paper=a3"))
        .await
        .assert_refused(StatusCode::BAD_REQUEST);
    let other = signed_in(&g.app, "other@example.org").await;
    get(&other, &path)
        .await
        .assert_refused(StatusCode::NOT_FOUND);

    let res = get(&lead, &path).await;
    assert_eq!(res.assert_download(), "tuesday-group-certificates.pdf");
    let two = get(&lead, &format!("{path}?min=2&paper=letter")).await;
    two.assert_download();

    if !have_tools() {
        return;
    }
    let doc = inspect(&res.bytes);
    assert_eq!(doc.pages, 1, "{}", doc.text);
    assert!(doc.landscape(), "{:?}", doc.size);
    assert_size(&doc, (A4.1, A4.0));
    let page = doc.page(1);
    assert!(page.contains(ana.1), "{page}");
    assert!(page.contains("coming to 6 of 7 sessions"), "{page}");
    for name in [bo.1, cy.1, g.withdrawn.1] {
        assert!(!doc.has(name), "{name} has no certificate");
    }

    let doc = inspect(&two.bytes);
    assert_eq!(doc.pages, 2);
    assert!(doc.landscape());
    assert_size(&doc, (LETTER.1, LETTER.0));
    assert!(doc.page(1).contains(ana.1) && !doc.page(1).contains(bo.1));
    assert!(doc.page(2).contains(bo.1) && !doc.page(2).contains(ana.1));
    assert!(!doc.has(cy.1) && !doc.has(g.withdrawn.1));
}

// ---------------------------------------------------------------------------
// A parent's own handout

#[actix_web::test]
async fn a_parent_prints_their_own_handout_and_nobody_elses() {
    let g = group();
    let (ana, bo) = (g.parents[0], g.parents[1]);
    let path = "/me/sessions/2/handout.pdf";
    let ana_b = parent_by_link(&g.app, &parent_link(&g.app, ana.0)).await;
    let bo_b = parent_by_link(&g.app, &parent_link(&g.app, bo.0)).await;

    let mine = get(&ana_b, path).await;
    let name = mine.assert_download();
    assert!(name.starts_with("session-2-"), "{name}");
    let his = get(&bo_b, path).await;
    his.assert_download();
    get(&ana_b, "/me/sessions/99/handout.pdf")
        .await
        .assert_refused(StatusCode::NOT_FOUND);

    // Not a parent: the same answer as any other parent page.
    let anon = Browser::new(&g.app);
    let facilitator = signed_in(&g.app, "mira.okafor@example.org").await;
    for b in [&anon, &facilitator] {
        let page = get(b, "/me/sessions/2").await;
        let pdf = get(b, path).await;
        assert!(!pdf.is_pdf());
        assert_eq!(pdf.status, page.status);
        assert_eq!(pdf.header("location"), page.header("location"));
        assert!(matches!(pdf.status.as_u16(), 401 | 303), "{}", pdf.status);
    }

    if !have_tools() {
        return;
    }
    let title = format!("Session 2: {}", g.session(2).title);
    let doc = inspect(&mine.bytes);
    assert!(doc.has(&title));
    assert!(doc.has(&format!("For {}", ana.1)), "{}", doc.text);
    assert!(doc.has("Tuesday group"));
    assert!(!doc.has(bo.1));
    // Paper carries no live link; it says where to ask for one.
    assert!(links_in(&doc.text, &g.app.state.config.base_url).is_empty());
    assert!(doc.has(&format!("{}/p/lost", g.app.state.config.base_url)));

    let doc = inspect(&his.bytes);
    assert!(doc.has(&format!("For {}", bo.1)));
    assert!(!doc.has(ana.1));
}

// ---------------------------------------------------------------------------
// Names that are hard to print or to save

#[actix_web::test]
async fn download_names_are_safe_whatever_the_group_is_called() {
    let g = group();
    let (ana, _) = g.parents[0];
    let nasty = "Ana's \"best\" group / 2026\\autumn\r\nSet-Cookie: x=1; Grüße 李 <b>";
    {
        let mut conn = g.app.state.pool.get().unwrap();
        diesel::update(cohort_table::table.find(g.cohort))
            .set(cohort_table::title.eq(nasty))
            .execute(&mut *conn)
            .unwrap();
    }
    g.attended(ana, 6);
    let lead = signed_in(&g.app, "mira.okafor@example.org").await;
    let base = format!("/cohorts/{}/meetings/{}", g.cohort, g.meetings[0]);
    let mut names = Vec::new();
    let mut pdfs = Vec::new();
    for path in [
        format!("{base}/plan.pdf"),
        format!("{base}/sign-in.pdf"),
        format!("{base}/handout.pdf"),
        format!("/cohorts/{}/certificates.pdf", g.cohort),
    ] {
        let res = get(&lead, &path).await;
        names.push(res.assert_download());
        // Nothing of the title made a header of its own.
        assert!(res.headers.get("set-cookie").is_none(), "{path}");
        pdfs.push(res.bytes);
    }
    let res = post(
        &lead,
        &format!("/cohorts/{}/packet", g.cohort),
        &[("session", "1")],
        true,
    )
    .await;
    names.push(res.assert_download());
    pdfs.push(res.bytes);
    assert_eq!(
        names,
        [
            "ana-s-best-group-2026-autumn-set-cookie-x-1-gr-e-b-session-1-plan.pdf",
            "ana-s-best-group-2026-autumn-set-cookie-x-1-gr-e-b-session-1-sign-in.pdf",
            "ana-s-best-group-2026-autumn-set-cookie-x-1-gr-e-b-session-1-handout.pdf",
            "ana-s-best-group-2026-autumn-set-cookie-x-1-gr-e-b-certificates.pdf",
            "ana-s-best-group-2026-autumn-set-cookie-x-1-gr-e-b-session-1-packet.pdf",
        ]
    );

    if !have_tools() {
        return;
    }
    for bytes in &pdfs {
        let doc = inspect(bytes);
        // The title is printed as it is (but for the glyphs the font lacks).
        assert!(doc.has("Grüße"), "{}", doc.text);
    }
}

#[actix_web::test]
async fn names_in_any_script_print_without_breaking_the_file() {
    let g = group();
    let hard = "李小龍 😀 أحمد";
    let hard_id = enrol(&g.app, &g.lead, g.cohort, hard, "li@example.org");
    let greek = "Ζωή Παπαδοπούλου";
    enrol(&g.app, &g.lead, g.cohort, greek, "zoe@example.org");
    g.attended(hard_id, 6);
    let lead = signed_in(&g.app, "mira.okafor@example.org").await;
    let base = format!("/cohorts/{}/meetings/{}", g.cohort, g.meetings[0]);
    let sheet = get(&lead, &format!("{base}/sign-in.pdf")).await;
    sheet.assert_download();
    let certs = get(&lead, &format!("/cohorts/{}/certificates.pdf", g.cohort)).await;
    certs.assert_download();
    let packet = post(
        &lead,
        &format!("/cohorts/{}/packet", g.cohort),
        &[("session", "1")],
        true,
    )
    .await;
    packet.assert_download();
    let mine = get(
        &parent_by_link(&g.app, &parent_link(&g.app, hard_id)).await,
        "/me/sessions/1/handout.pdf",
    )
    .await;
    mine.assert_download();

    if !have_tools() {
        return;
    }
    let docs: Vec<Doc> = [&sheet, &certs, &packet, &mine]
        .iter()
        .map(|res| inspect(&res.bytes))
        .collect();
    // The other names are untouched; what the font has of the hard one
    // prints (the Arabic letters), what it lacks does not stop the rest.
    let sheet = &docs[0];
    assert!(sheet.has(greek), "{}", sheet.text);
    for (_, name) in &g.parents {
        assert!(sheet.has(name));
    }
    // pdftotext puts right-to-left letters in visual order.
    let arabic = ["أ", "ح", "م", "د"];
    for doc in &docs {
        assert!(
            arabic.iter().all(|l| doc.text.contains(l)),
            "the Arabic letters in\n{}",
            doc.text
        );
    }
    assert_eq!(docs[1].pages, 1, "one certificate");
    assert!(docs[2].has(&format!("For {greek}")));
}

// ---------------------------------------------------------------------------
// The pages' own print buttons

/// The hidden fields of the form posting to `action` on `html`.
fn hidden_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let start = html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("a form for {action}"));
    let form = &html[start..start + html[start..].find("</form>").unwrap()];
    let attr = |tag: &str, name: &str| -> String {
        let key = format!("{name}=\"");
        let i = tag.find(&key).unwrap() + key.len();
        tag[i..i + tag[i..].find('"').unwrap()].to_string()
    };
    form.split("<input")
        .skip(1)
        .filter(|tag| tag.contains("type=\"hidden\""))
        .map(|tag| (attr(tag, "name"), attr(tag, "value")))
        .collect()
}

#[actix_web::test]
async fn the_print_buttons_on_the_pages_give_pdfs() {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = make_cohort(&app, &lead, "Small group");
    let ana = enrol(&app, &lead, cohort, "Ana Ruiz", "ana@example.org");
    let meeting = {
        let mut conn = app.state.pool.get().unwrap();
        Meeting::for_cohort(&mut conn, cohort).unwrap()[1].id
    };
    let mut b = signed_in(&app, "lead@example.org").await;
    let packet = format!("/cohorts/{cohort}/packet");

    // The group's page: the whole-course packet, and certificates with
    // the usual bar (three in four of seven sessions) filled in.
    let page = b.get(&format!("/cohorts/{cohort}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page
        .body
        .contains(&format!("action=\"/cohorts/{cohort}/certificates.pdf\"")));
    assert!(page.body.contains("max=\"7\" value=\"6\""), "{}", page.body);
    let fields = hidden_fields(&page.body, &packet);
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .chain([("paper", "letter")])
        .collect();
    assert!(fields.contains(&("session", "all")), "{fields:?}");
    post(&b, &packet, &fields, false).await.assert_download();

    // A meeting's page: its plan, sign-in sheet and spare handout, and a
    // packet of that session.
    let page = b
        .get(&format!("/cohorts/{cohort}/meetings/{meeting}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    for what in ["plan", "sign-in", "handout"] {
        let path = format!("/cohorts/{cohort}/meetings/{meeting}/{what}.pdf");
        assert!(page.body.contains(&format!("\"{path}\"")), "{what}");
        get(&b, &format!("{path}?paper=letter"))
            .await
            .assert_download();
    }
    let fields = hidden_fields(&page.body, &packet);
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert!(fields.contains(&("session", "2")), "{fields:?}");
    let res = post(&b, &packet, &fields, false).await;
    assert_eq!(res.assert_download(), "small-group-session-2-packet.pdf");

    // The public session page, and a parent's own session page.
    let page = b.get("/curricula/secure-base/sessions/3").await;
    let link = "/curricula/secure-base/sessions/3/handout.pdf";
    assert!(page.body.contains(&format!("href=\"{link}?paper=a4\"")));
    assert!(page.body.contains(&format!("href=\"{link}?paper=letter\"")));
    let mut parent = parent_by_link(&app, &parent_link(&app, ana)).await;
    let page = parent.get("/me/sessions/1").await;
    assert!(
        page.body.contains("href=\"/me/sessions/1/handout.pdf\""),
        "{}",
        page.body
    );
    get(&parent, "/me/sessions/1/handout.pdf")
        .await
        .assert_download();
}

// ---------------------------------------------------------------------------
// Every new route, for everyone allowed: a real PDF (the access matrix
// only says nobody was turned away).

#[actix_web::test]
async fn everyone_allowed_gets_a_real_pdf() {
    let f = Fixture::new();
    let id = f.cohort_a;
    let m = f.meeting_a;
    for role in ["lead", "co", "admin"] {
        let b = f.browser(role).await;
        for path in [
            format!("/cohorts/{id}/meetings/{m}/handout.pdf"),
            format!("/cohorts/{id}/meetings/{m}/plan.pdf"),
            format!("/cohorts/{id}/meetings/{m}/sign-in.pdf"),
            format!("/cohorts/{id}/certificates.pdf"),
        ] {
            let res = get(&b, &path).await;
            assert!(res.is_pdf(), "{role} {path}: {}", res.status);
        }
        let res = post(
            &b,
            &format!("/cohorts/{id}/packet"),
            &[("session", "1")],
            true,
        )
        .await;
        assert!(res.is_pdf(), "{role} packet: {}", res.status);
    }
    for role in ["parent_a", "parent_b", "anonymous"] {
        let b = f.browser(role).await;
        let res = get(&b, "/curricula/secure-base/sessions/1/handout.pdf").await;
        assert!(res.is_pdf(), "{role}: {}", res.status);
        if role != "anonymous" {
            let res = get(&b, "/me/sessions/1/handout.pdf").await;
            assert!(res.is_pdf(), "{role}: {}", res.status);
        }
    }
}

// ---------------------------------------------------------------------------
// The command line

#[test]
fn attune_handout_needs_no_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = attune(dir.path())
        .args(["handout", "--curriculum", "secure-base", "--session", "2"])
        .args(["--paper", "letter", "-o", "h.pdf"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("Wrote h.pdf ("), "{stdout}");
    assert!(!dir.path().join("data").exists(), "no database was made");
    let bytes = std::fs::read(dir.path().join("h.pdf")).unwrap();

    // A wrong setting: exit 2, one line naming it, no file.
    for (args, start, fragment) in [
        (
            &["--session", "2", "--paper", "a3"][..],
            "attune: --paper: ",
            "\"a3\"",
        ),
        (
            &["--session", "99"][..],
            "attune: --curriculum/--session: ",
            "secure-base",
        ),
    ] {
        let out = attune(dir.path())
            .args(["handout", "--curriculum", "secure-base", "-o", "x.pdf"])
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with(start), "{stderr}");
        assert!(stderr.contains(fragment), "{stderr}");
        assert!(!dir.path().join("x.pdf").exists());
    }

    if !have_tools() {
        return;
    }
    let doc = inspect(&bytes);
    assert_size(&doc, LETTER);
    let library = attune::curriculum::load(&attune::curriculum::Source::from_config(Some(
        &repo_path("curricula"),
    )))
    .library;
    let session = library.get("secure-base").unwrap().sessions[1].clone();
    assert!(doc.has(&format!("Session 2: {}", session.title)));
}

#[test]
fn attune_packet_prints_a_groups_handouts() {
    let g = group();
    let dir = tempfile::tempdir().unwrap();
    let before = token_count(&g.app);
    let out = attune(dir.path())
        .env("DATABASE_URL", g.app.database_url())
        .args([
            "packet",
            "--cohort",
            &g.cohort.to_string(),
            "--session",
            "1",
        ])
        .args(["-o", "packet.pdf"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("Wrote packet.pdf ("), "{stdout}");
    assert_eq!(token_count(&g.app), before + 3);
    let audited = printed_links(&g.app);
    assert_eq!(audited.len(), 3);
    assert!(
        audited.iter().all(|(_, actor)| actor.is_none()),
        "{audited:?}"
    );

    for (args, flag) in [
        (&["--cohort", "999999", "--session", "1"][..], "--cohort"),
        (&["--cohort", "1", "--paper", "a3"][..], "--paper"),
    ] {
        let out = attune(dir.path())
            .env("DATABASE_URL", g.app.database_url())
            .args(["packet", "-o", "x.pdf"])
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with(&format!("attune: {flag}: ")), "{stderr}");
    }
    assert_eq!(token_count(&g.app), before + 3);

    if !have_tools() {
        return;
    }
    let doc = inspect_file(&dir.path().join("packet.pdf"));
    for (_, name) in &g.parents {
        assert!(doc.has(&format!("For {name}")), "{name}");
    }
    assert!(!doc.has(g.withdrawn.1));
    assert_eq!(links_in(&doc.text, &g.app.state.config.base_url).len(), 3);
}

// ---------------------------------------------------------------------------
// Help now: who to call, on everything a parent is handed

/// The whole box on one page: its title, the emergency line and `also`.
fn help_box_on_one_page(doc: &Doc, number: &str, also: &[&str]) -> bool {
    (1..=doc.pages).any(|n| {
        let page = doc.page(n);
        page.contains("Help now")
            && page.contains(&format!(
                "If you or a child are in danger right now, call {number}."
            ))
            && also.iter().all(|a| page.contains(&flat(a)))
    })
}

#[actix_web::test]
async fn every_printout_a_parent_is_handed_carries_the_help_now_box() {
    let g = group();
    let admin = add_user(&g.app, "admin@example.org", true);
    let lead = signed_in(&g.app, "mira.okafor@example.org").await;
    let base_url = g
        .app
        .state
        .config
        .base_url
        .trim_end_matches('/')
        .to_string();
    let help_url = format!("{base_url}/help");

    // Before anyone fills in the list: the emergency number of the
    // default country, and where to ask.
    let empty = get(&lead, "/curricula/secure-base/sessions/1/handout.pdf").await;
    empty.assert_download();

    {
        let mut conn = g.app.state.pool.get().unwrap();
        use attune::services::support::{self, ServiceForm};
        support::set_country(&mut conn, &admin, "GB").unwrap();
        support::add(
            &mut conn,
            &admin,
            &ServiceForm {
                name: "Riverside Family Line".into(),
                helps_with: "Advice for parents under strain".into(),
                phone: "0800 123 4567".into(),
                hours: "Weekdays 9 to 5".into(),
                ..Default::default()
            },
        )
        .unwrap();
    }
    let m = format!("/cohorts/{}/meetings/{}", g.cohort, g.meetings[0]);
    let spare = get(&lead, &format!("{m}/handout.pdf")).await;
    let sheet = get(&lead, &format!("{m}/sign-in.pdf")).await;
    let plan = get(&lead, &format!("{m}/plan.pdf")).await;
    let packet = post(
        &lead,
        &format!("/cohorts/{}/packet", g.cohort),
        &[("session", "1")],
        true,
    )
    .await;
    let guide = get(
        &lead,
        &format!("/cohorts/{}/facilitator-packet.pdf", g.cohort),
    )
    .await;
    let public = get(
        &lead,
        "/curricula/secure-base/sessions/3/handout.pdf?paper=letter",
    )
    .await;
    let ana = parent_by_link(&g.app, &parent_link(&g.app, g.parents[0].0)).await;
    let own = get(&ana, "/me/sessions/2/handout.pdf").await;
    for got in [
        &empty, &spare, &sheet, &plan, &packet, &guide, &public, &own,
    ] {
        got.assert_download();
    }

    if !have_tools() {
        return;
    }
    let doc = inspect(&empty.bytes);
    assert!(
        help_box_on_one_page(
            &doc,
            "911",
            &["ask your facilitator for the list of local services"]
        ),
        "{}",
        doc.text
    );
    let service = [
        "Riverside Family Line: Advice for parents under strain",
        "Call 0800 123 4567",
        "Weekdays 9 to 5",
    ];
    let with_page: Vec<&str> = service.iter().copied().chain([help_url.as_str()]).collect();
    // The sign-in sheet's box is the short one: names and how to reach
    // them, so the sheet stays on one page.
    let doc = inspect(&sheet.bytes);
    assert_eq!(doc.pages, 1);
    assert!(
        help_box_on_one_page(
            &doc,
            "999",
            &["Riverside Family Line (Call 0800 123 4567", &help_url]
        ),
        "{}",
        doc.text
    );
    for (what, got) in [
        ("spare handout", &spare),
        ("plan", &plan),
        ("public handout", &public),
        ("a parent's own handout", &own),
    ] {
        let doc = inspect(&got.bytes);
        assert!(
            help_box_on_one_page(&doc, "999", &with_page),
            "{what}: {}",
            doc.text
        );
    }
    // A packet: the box in every parent's handout.
    let doc = inspect(&packet.bytes);
    let boxes = (1..=doc.pages)
        .filter(|n| {
            doc.page(*n).contains("call 999.") && doc.page(*n).contains("Riverside Family Line")
        })
        .count();
    assert_eq!(boxes, g.parents.len(), "one box per parent's handout");
    // The facilitator packet: the list after the guide, once.
    let doc = inspect(&guide.bytes);
    assert!(doc.has("Your organization's support list"));
    assert!(help_box_on_one_page(&doc, "999", &service));
}

/// A group in New York prints on US Letter unless asked otherwise, and its
/// pages offer Letter first; a group in London prints on A4.
#[actix_web::test]
async fn the_paper_follows_the_groups_country() {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let london = make_cohort(&app, &lead, "London group");
    let first = chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    let new_york = crate::access::make_group(
        &app,
        &lead,
        ("New York group", "secure-base"),
        ("America/New_York", first, "18:30"),
    );
    let mut b = signed_in(&app, "lead@example.org").await;
    let letter = "<option value=\"letter\" selected>US Letter</option>";
    let a4 = "<option value=\"a4\" selected>A4</option>";
    for (cohort, size, chosen) in [(new_york, LETTER, letter), (london, A4, a4)] {
        let meeting = {
            let mut conn = app.state.pool.get().unwrap();
            Meeting::for_cohort(&mut conn, cohort).unwrap()[0].id
        };
        let page = b.get(&format!("/cohorts/{cohort}")).await.body;
        assert_eq!(page.matches(chosen).count(), 3, "{page}");
        let page = b
            .get(&format!("/cohorts/{cohort}/meetings/{meeting}"))
            .await
            .body;
        assert!(page.contains(chosen), "{page}");
        if !have_tools() {
            continue;
        }
        for path in [
            format!("/cohorts/{cohort}/meetings/{meeting}/plan.pdf"),
            format!("/cohorts/{cohort}/meetings/{meeting}/sign-in.pdf"),
            format!("/cohorts/{cohort}/facilitator-packet.pdf"),
        ] {
            let got = get(&b, &path).await;
            got.assert_download();
            assert_size(&inspect(&got.bytes), size);
        }
        // Asked for, the other paper still prints.
        let other = if size == LETTER { "a4" } else { "letter" };
        let got = get(
            &b,
            &format!("/cohorts/{cohort}/facilitator-packet.pdf?paper={other}"),
        )
        .await;
        assert_size(
            &inspect(&got.bytes),
            if size == LETTER { A4 } else { LETTER },
        );
    }
}
