//! Accessibility of every page: axe-core finds nothing on any HTML page of
//! the route table (and on the error pages parents and facilitators meet),
//! and at 320 px no page scrolls sideways (WCAG 1.4.10, reflow).
//!
//! axe-core comes from npm: `.ci/run` installs it outside the clone and
//! sets `AXE_CORE_JS` to its `axe.min.js`. Nothing is downloaded here.
//! Without it (or without Chromium) the tests say so and pass, except under
//! CI, where that is a failure.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::access::Fixture;
use crate::browser::{free_port, Driver};
use crate::common::{repo_path, PASSWORD};

/// GET routes that answer something other than an HTML page, and why.
const NOT_PAGES: &[(&str, &str)] = &[
    ("/healthz", "a JSON health check"),
    ("/assets/{file}", "stylesheet and icon files"),
    ("/curricula/{slug}/sessions/{number}/handout.pdf", "a PDF"),
    ("/calendar/{file}", "an ICS calendar"),
    (
        "/p/{token}",
        "a redirect to /me (its error pages are visited below)",
    ),
    ("/me/sessions/{number}/handout.pdf", "a PDF"),
    ("/me/data/export.json", "a JSON download"),
    ("/cohorts/{id}/meetings/{meeting}/handout.pdf", "a PDF"),
    ("/cohorts/{id}/meetings/{meeting}/plan.pdf", "a PDF"),
    ("/cohorts/{id}/meetings/{meeting}/sign-in.pdf", "a PDF"),
    ("/cohorts/{id}/meetings/{meeting}/sheet.pdf", "a PDF"),
    ("/cohorts/{id}/certificates.pdf", "a PDF"),
    ("/cohorts/{id}/facilitator-packet.pdf", "a PDF"),
];

/// Who opens a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    /// The lead facilitator of group A (not an administrator).
    Lead,
    Admin,
    /// Group A's parent, through their personal link.
    Parent,
    /// A parent of a group that starts next week (its first check-in open).
    NewParent,
}

/// The person a route's page is for.
fn who_for(pattern: &str) -> Who {
    if pattern.starts_with("/admin") {
        Who::Admin
    } else if pattern.starts_with("/me") {
        Who::Parent
    } else if ["/dashboard", "/cohorts", "/account"]
        .iter()
        .any(|p| pattern.starts_with(p))
    {
        Who::Lead
    } else {
        Who::Anonymous
    }
}

/// One page to check: who opens it, the pattern or state it stands for,
/// and its address (filled in from the fixture).
struct Page {
    who: Who,
    name: String,
    path: String,
}

/// The HTML GET routes of the route table, as patterns.
fn page_routes() -> Vec<&'static str> {
    attune::routes::ROUTES
        .iter()
        .filter(|(method, _)| *method == "get")
        .map(|(_, pattern)| *pattern)
        .filter(|p| !NOT_PAGES.iter().any(|(skip, _)| skip == p))
        .collect()
}

/// Every page, with real ids and tokens: each HTML route as its person,
/// then the states and error pages that no route names by itself.
fn pages(w: &World) -> Vec<Page> {
    let f = &w.fixture;
    let mut pages: Vec<Page> = page_routes()
        .into_iter()
        .map(|pattern| {
            let who = who_for(pattern);
            let path = pattern.replace("/login/link/{token}", &w.sign_in_link);
            Page {
                who,
                name: pattern.to_string(),
                path: f.fill(&path, "lead"),
            }
        })
        .collect();
    let extra = [
        (
            Who::Anonymous,
            "parent asked for their link (401)",
            "/me".to_string(),
        ),
        (
            Who::Anonymous,
            "link that didn't work (401)",
            "/p/nope".to_string(),
        ),
        (
            Who::Anonymous,
            "link switched off (410)",
            format!("/p/{}", f.parent_link_b),
        ),
        (
            Who::Anonymous,
            "page not found (404)",
            "/nowhere".to_string(),
        ),
        (
            Who::Lead,
            "someone else's group (404)",
            format!("/cohorts/{}", f.cohort_b),
        ),
        (
            Who::Lead,
            "not an administrator (403)",
            "/admin/users".to_string(),
        ),
        (
            Who::Lead,
            "a parent's link while signed in (409)",
            format!("/p/{}", f.parent_link_a),
        ),
        (Who::Lead, "the home page, signed in", "/".to_string()),
        (
            Who::Admin,
            "the dashboard, as an administrator",
            "/dashboard".to_string(),
        ),
        (
            Who::Parent,
            "a session that isn't there (404)",
            "/me/sessions/99".to_string(),
        ),
        (
            Who::Parent,
            "the closing check-in",
            "/me/checkin/end".to_string(),
        ),
        (
            Who::NewParent,
            "a parent's page before the first meeting",
            "/me".to_string(),
        ),
        (
            Who::NewParent,
            "the opening check-in, open",
            "/me/checkin/start".to_string(),
        ),
        (
            Who::Anonymous,
            "a waiting-list offer, open",
            w.offer_link.clone(),
        ),
        (
            Who::Anonymous,
            "a waiting-list offer, saying no",
            w.offer_link.replace("/accept", "/decline"),
        ),
    ];
    pages.extend(extra.into_iter().map(|(who, name, path)| Page {
        who,
        name: name.to_string(),
        path,
    }));
    pages
}

/// `attune serve` on the fixture's own database.
struct Serve {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    fn on(fixture: &Fixture) -> Serve {
        let url = match &fixture.app.state.config.database {
            attune::db::DatabaseTarget::Sqlite { path } => format!("sqlite://{}", path.display()),
            attune::db::DatabaseTarget::Postgres { url } => url.clone(),
        };
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        // `ATTUNE_BIN`: another build to walk (an older one, for screenshots).
        let bin =
            std::env::var("ATTUNE_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_attune").into());
        let child = Command::new(bin)
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", url)
            .env("CURRICULA_DIR", repo_path("curricula"))
            .env("OUTBOX_WORKER", "off")
            .env("LOG", "warn")
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "attune serve did not start"
            );
            std::thread::sleep(Duration::from_millis(30));
        }
        Serve {
            child,
            base: format!("http://localhost:{port}"),
            _dir: dir,
        }
    }
}

/// The access matrix's fixture served for real, plus what it lacks: a
/// sign-in link, a parent whose links are switched off, and a parent of a
/// group that has not met yet.
struct World {
    fixture: Fixture,
    serve: Serve,
    sign_in_link: String,
    new_parent_link: String,
    /// A waiting-list offer's accept link (group A has a waiting list).
    offer_link: String,
}

impl World {
    fn new() -> World {
        let fixture = Fixture::new();
        give_the_lead_a_full_name(&fixture);
        let sign_in_link = sign_in_link(&fixture);
        switch_off_links_of_b(&fixture);
        let new_parent_link = parent_of_a_group_starting_next_week(&fixture);
        let offer_link = crate::waitlist::offer_in_group_a(&fixture);
        let serve = Serve::on(&fixture);
        World {
            fixture,
            serve,
            sign_in_link,
            new_parent_link,
            offer_link,
        }
    }

    fn at(&self, path: &str) -> String {
        format!("{}{path}", self.serve.base)
    }
}

/// A name as long as a real one (the fixture's is "lead"), so the header
/// is as wide as a facilitator's.
fn give_the_lead_a_full_name(f: &Fixture) {
    use attune::db::schema::users;
    use diesel::prelude::*;
    let mut conn = f.app.state.pool.get().unwrap();
    for (email, name) in [
        ("lead@example.org", "Francesca Facilitator"),
        ("admin@example.org", "Adaeze Administrator"),
    ] {
        diesel::update(users::table.filter(users::email.eq(email)))
            .set(users::name.eq(name))
            .execute(&mut *conn)
            .unwrap();
    }
}

/// The path of a sign-in link emailed to the lead.
fn sign_in_link(f: &Fixture) -> String {
    use attune::db::schema::outbox_messages;
    use diesel::prelude::*;
    let mut conn = f.app.state.pool.get().unwrap();
    attune::services::auth::send_sign_in_link(
        &mut conn,
        &f.app.state.mail,
        "lead@example.org",
        None,
    )
    .unwrap();
    let texts: Vec<String> = outbox_messages::table
        .filter(outbox_messages::kind.eq("sign_in_link"))
        .select(outbox_messages::text_body)
        .load(&mut *conn)
        .unwrap();
    let text = texts.into_iter().next().expect("a sign-in link email");
    let start = text.find("/login/link/").unwrap();
    text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect()
}

/// The personal link of a parent in the lead's group that first meets in
/// a week.
fn parent_of_a_group_starting_next_week(f: &Fixture) -> String {
    let lead = {
        let mut conn = f.app.state.pool.get().unwrap();
        attune::db::models::User::find_by_email(&mut conn, "lead@example.org")
            .unwrap()
            .unwrap()
    };
    let cohort = crate::access::cohort_from(&f.app, &lead, "secure-base", 7);
    let enrolment = crate::access::enrol(&f.app, &lead, cohort, "Sam Start", "sam@example.org");
    let mut conn = f.app.state.pool.get().unwrap();
    attune::services::participants::issue_link(&mut conn, enrolment).unwrap()
}

/// Group B's parent's links, switched off by their facilitator.
fn switch_off_links_of_b(f: &Fixture) {
    use attune::db::ids::{CohortId, EnrolmentId};
    let mut conn = f.app.state.pool.get().unwrap();
    let other = attune::db::models::User::find_by_email(&mut conn, "other@example.org")
        .unwrap()
        .unwrap();
    attune::services::participants::revoke_links(
        &mut conn,
        &other,
        CohortId(f.cohort_b),
        EnrolmentId(f.enrolment_b),
    )
    .unwrap();
}

/// axe-core's script, or `None` (with a message) when it is not installed
/// outside CI.
fn axe_source() -> Option<String> {
    let path = std::env::var_os("AXE_CORE_JS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| {
                PathBuf::from(h).join(".cache/attune-npm/node_modules/axe-core/axe.min.js")
            })
        });
    match path.and_then(|p| std::fs::read_to_string(p).ok()) {
        Some(src) => Some(src),
        None => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI needs axe-core: set AXE_CORE_JS to its axe.min.js (.ci/run installs it)"
            );
            eprintln!(
                "skipping accessibility test: npm install --prefix ~/.cache/attune-npm axe-core@4.14.1, or set AXE_CORE_JS"
            );
            None
        }
    }
}

/// Runs axe over the page the browser is on; one line per violation. A
/// framed page (the email preview's) is checked at its own address, so
/// axe does not wait on frames.
fn axe_violations(browser: &Driver, axe: &str, rules_off: &[&str]) -> Vec<String> {
    let loaded = browser.execute(&format!("{axe}\n;return typeof window.axe;"), json!([]));
    assert_eq!(loaded, json!("object"), "axe-core loads into the page");
    let found = browser.execute_async(
        "const done = arguments[arguments.length - 1];
         const rules = {};
         for (const id of arguments[0]) rules[id] = { enabled: false };
         axe.run(document, { resultTypes: ['violations'], iframes: false, rules })
           .then(r => done(r.violations.map(v => ({
             id: v.id, impact: v.impact, help: v.help,
             nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary.replace(/\\s+/g, ' '))
           }))))
           .catch(e => done([{ id: 'axe-error', impact: 'error', help: String(e), nodes: [] }]));",
        json!([rules_off]),
    );
    found
        .as_array()
        .expect("axe answers a list")
        .iter()
        .map(|v| {
            let nodes: Vec<&str> = v["nodes"]
                .as_array()
                .map(|n| n.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            format!(
                "{} [{}] {}\n      {}",
                v["id"].as_str().unwrap_or("?"),
                v["impact"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap_or(""),
                nodes.join("\n      ")
            )
        })
        .collect()
}

/// Whether the page scrolls sideways; if it does, the elements that stick
/// out past the right edge.
fn sideways_scroll(browser: &Driver) -> Option<String> {
    let found = browser.execute(
        "const w = window.innerWidth, doc = document.documentElement;
         if (doc.scrollWidth <= w) return null;
         const out = [];
         for (const e of document.querySelectorAll('body *')) {
           const r = e.getBoundingClientRect();
           if (r.right > w + 0.5 && r.width > 0 && out.length < 8) {
             out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
               (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +
               ' right=' + Math.round(r.right));
           }
         }
         return 'scrollWidth ' + doc.scrollWidth + ' > ' + w + ': ' + out.join(', ');",
        json!([]),
    );
    found.as_str().map(str::to_string)
}

/// What axe does not measure, on every page: fields at least 44 px tall
/// and wide enough to type in; their borders and the focus ring 3:1 or
/// more against what is behind them (WCAG 1.4.11); headings inside a
/// titled section below the section's own; and a scale's end words
/// labels of their radios. One line per problem.
const PAGE_RULES: &str = r#"
const rgb = s => { const m = s.match(/[\d.]+/g).map(Number); return { c: m.slice(0, 3), a: m.length > 3 ? m[3] : 1 }; };
const lum = c => { const l = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2]; };
const ratio = (x, y) => { const [a, b] = [lum(x), lum(y)].sort((p, q) => q - p); return (a + 0.05) / (b + 0.05); };
const behind = e => { for (let n = e.parentElement; n; n = n.parentElement) {
  const b = rgb(getComputedStyle(n).backgroundColor); if (b.a > 0) return b.c; } return [255, 255, 255]; };
const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.name ? '[name=' + e.name + ']' : '')
  + (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\s+/).join('.') : '');
const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; };
const out = [];
const fields = [...document.querySelectorAll('input:not([type=hidden]):not([type=radio]):not([type=checkbox]), select, textarea')].filter(shown);
for (const f of fields) {
  const r = f.getBoundingClientRect();
  if (r.height < 43.5 || r.width < 64) out.push(name(f) + ' is ' + Math.round(r.width) + 'x' + Math.round(r.height) + ' px (at least 64x44)');
}
for (const f of [...fields, ...document.querySelectorAll('.segmented')].filter(shown)) {
  const st = getComputedStyle(f);
  if (parseFloat(st.borderTopWidth) > 0) {
    const k = ratio(rgb(st.borderTopColor).c, behind(f));
    if (k < 3) out.push(name(f) + ' border ' + st.borderTopColor + ' is ' + k.toFixed(2) + ':1 against its background (3:1 needed)');
  }
}
for (const f of [...fields, ...document.querySelectorAll('main a[href], .site-header a[href]')].filter(shown).slice(0, 400)) {
  f.focus({ preventScroll: true });
  if (document.activeElement === f && f.matches(':focus-visible')) {
    const st = getComputedStyle(f);
    if (st.outlineStyle === 'none' || parseFloat(st.outlineWidth) < 2) out.push(name(f) + ' shows no focus ring');
    else { const k = ratio(rgb(st.outlineColor).c, behind(f));
      if (k < 3) out.push(name(f) + ' focus ring ' + st.outlineColor + ' is ' + k.toFixed(2) + ':1 against its background (3:1 needed)'); }
  }
  f.blur();
}
for (const sec of document.querySelectorAll('[aria-labelledby]')) {
  const h = document.getElementById(sec.getAttribute('aria-labelledby'));
  if (!h || !/^H[1-6]$/.test(h.tagName)) continue;
  for (const inner of sec.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    if (inner !== h && inner.tagName <= h.tagName)
      out.push(inner.tagName.toLowerCase() + ' "' + inner.textContent.trim().slice(0, 40) + '" is not below the heading of its section, ' + h.tagName.toLowerCase() + ' "' + h.textContent.trim().slice(0, 40) + '"');
  }
}
for (const set of document.querySelectorAll('fieldset.likert')) {
  const radios = set.querySelectorAll('input[type=radio]');
  const says = e => [...e.labels].map(l => l.textContent).join(' ');
  if (!set.querySelector('legend')) out.push('a scale has no legend');
  if (!radios.length || !/not like me/.test(says(radios[0])) || !/very like me/.test(says(radios[radios.length - 1])))
    out.push('the words of the scale "' + (set.querySelector('legend') || set).textContent.trim().slice(0, 40) + '" are not labels of its end radios');
}
window.scrollTo(0, 0);
return out;
"#;

fn page_rule_problems(browser: &Driver) -> Vec<String> {
    let found = browser.execute(PAGE_RULES, json!([]));
    found
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// Makes the browser the person `who` (a fresh set of cookies each time).
fn become_who(browser: &Driver, w: &World, who: Who) {
    browser.cmd("DELETE", "/cookie", None);
    match who {
        Who::Anonymous => {}
        Who::Lead | Who::Admin => {
            let email = if who == Who::Lead {
                "lead@example.org"
            } else {
                "admin@example.org"
            };
            browser.goto(&w.at("/login"));
            browser.fill("#email", email);
            browser.fill("#password", PASSWORD);
            browser.click("button[type=submit].button");
            browser.wait_for("Sign out");
        }
        Who::Parent | Who::NewParent => {
            let link = if who == Who::Parent {
                &w.fixture.parent_link_a
            } else {
                &w.new_parent_link
            };
            browser.goto(&w.at(&format!("/p/{link}")));
            browser.wait_for("Sign out");
        }
    }
}

fn set_width(browser: &Driver, width: u32) {
    browser.cmd(
        "POST",
        "/window/rect",
        Some(json!({ "width": width, "height": 900 })),
    );
    let inner = browser.execute("return window.innerWidth;", json!([]));
    assert_eq!(inner, json!(width), "the window is {width} px wide inside");
}

/// Checks the pages for these people: axe at 1280, 390 and 320 px, and
/// reflow at 320 px. Fails listing every problem on every page.
fn check(whos: &[Who], screenshots: &[(&str, &str)]) {
    let Some(axe) = axe_source() else { return };
    let Some(browser) = Driver::start(1280, 900) else {
        return;
    };
    let world = World::new();
    let all = pages(&world);
    let mut problems = Vec::new();
    for &who in whos {
        become_who(&browser, &world, who);
        if matches!(who, Who::Parent | Who::NewParent) {
            // First the consent page their link opens on, then past it.
            check_page(
                &browser,
                &axe,
                &format!("{who:?} the consent page"),
                &mut problems,
            );
            browser.click("form[action='/me/consent'] button");
            browser.wait_for("Your sessions");
        }
        let mine: Vec<&Page> = all.iter().filter(|p| p.who == who).collect();
        for width in [1280, 390, 320] {
            set_width(&browser, width);
            for page in &mine {
                open(&browser, &world, page);
                let name = format!("{who:?} {} ({}) at {width} px", page.name, page.path);
                println!("checking {name}");
                check_page(&browser, &axe, &name, &mut problems);
                if width == 320 {
                    if let Some(why) = sideways_scroll(&browser) {
                        problems.push(format!("{name}: scrolls sideways: {why}"));
                    }
                }
                if let Some((_, shot)) = screenshots.iter().find(|(p, _)| *p == page.name) {
                    browser.screenshot(&format!("a11y-{shot}-{width}"));
                }
                tour_shot(&browser, who, page, width);
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} accessibility problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// With `TOUR_SHOTS=<prefix>`, a 390 px screenshot of every page walked
/// (`<prefix>-<who>-<page>.png`), to set one build's pages beside
/// another's (with `ATTUNE_BIN`, an older binary's).
fn tour_shot(browser: &Driver, who: Who, page: &Page, width: u32) {
    let Ok(prefix) = std::env::var("TOUR_SHOTS") else {
        return;
    };
    if width != 390 {
        return;
    }
    let slug: String = page
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    browser.screenshot(&format!("{prefix}-{who:?}-{}", slug.trim_matches('-')));
}

/// Pages served under a sandboxing Content-Security-Policy, where the
/// browser runs no script: their HTML is fetched and opened from a
/// `data:` address instead, which checks the same markup and styles.
const SANDBOXED: &[&str] = &["/cohorts/{id}/emails/preview/{kind}/html"];

fn open(browser: &Driver, world: &World, page: &Page) {
    if !SANDBOXED.contains(&page.name.as_str()) {
        browser.goto(&world.at(&page.path));
        return;
    }
    browser.goto(&world.at("/help"));
    let html = browser.execute_async(
        "const done = arguments[arguments.length - 1];
         fetch(arguments[0]).then(r => r.ok ? r.text() : 'HTTP ' + r.status).then(done, e => done(String(e)));",
        json!([page.path]),
    );
    let html = html.as_str().expect("the page's HTML");
    assert!(html.contains("<html"), "{}: {html}", page.path);
    browser.goto(&format!(
        "data:text/html;base64,{}",
        base64_encode(html.as_bytes())
    ));
}

/// Standard base64, for a `data:` address.
fn base64_encode(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The page-structure rules an email does not follow: the mail program
/// showing it has the page's landmarks (and so does the preview page that
/// frames it), and an email's own `main` would be a second one there.
const EMAIL_RULES_OFF: &[&str] = &["landmark-one-main", "region"];

fn check_page(browser: &Driver, axe: &str, name: &str, problems: &mut Vec<String>) {
    for p in page_rule_problems(browser) {
        problems.push(format!("{name}: {p}"));
    }
    let off = if SANDBOXED.iter().any(|p| name.contains(p)) {
        EMAIL_RULES_OFF
    } else {
        &[]
    };
    for v in axe_violations(browser, axe, off) {
        problems.push(format!("{name}: {v}"));
    }
}

/// No GET route escapes: each is a page the walks below visit, or is named
/// in `NOT_PAGES` with what it is instead.
#[test]
fn every_get_route_is_checked_or_named_as_not_a_page() {
    for (skip, _) in NOT_PAGES {
        assert!(
            attune::routes::ROUTES.contains(&("get", skip)),
            "NOT_PAGES names {skip}, which is not a GET route"
        );
    }
    let pages = page_routes();
    for (method, pattern) in attune::routes::ROUTES {
        if *method == "get" {
            let listed = NOT_PAGES.iter().any(|(skip, _)| skip == pattern);
            assert!(
                pages.contains(pattern) != listed,
                "{pattern} must be either a checked page or in NOT_PAGES"
            );
        }
    }
    // The walks cover every person a page is for.
    let whos: Vec<Who> = pages.iter().map(|p| who_for(p)).collect();
    for who in [Who::Anonymous, Who::Lead, Who::Admin, Who::Parent] {
        assert!(whos.contains(&who), "no page for {who:?}");
    }
}

/// Signed-out visitors' and parents' pages (the parent's on a phone).
#[test]
fn pages_for_visitors_and_parents_pass_axe_and_reflow_at_320px() {
    check(
        &[Who::Anonymous, Who::Parent, Who::NewParent],
        &[
            ("/me", "parent-home"),
            ("/me/sessions/{number}", "parent-session"),
            ("the opening check-in, open", "parent-checkin"),
        ],
    );
}

/// Facilitators' and administrators' pages.
#[test]
fn pages_for_facilitators_and_admins_pass_axe_and_reflow_at_320px() {
    check(
        &[Who::Lead, Who::Admin],
        &[
            ("/dashboard", "dashboard"),
            ("/cohorts/{id}", "group"),
            ("/cohorts/{id}/meetings/{meeting}", "meeting"),
        ],
    );
}

/// The checks can fail: an image without words and a box wider than the
/// phone, put into a page that passes, are both reported.
#[test]
fn the_checks_catch_a_nameless_image_and_sideways_scroll() {
    let Some(axe) = axe_source() else { return };
    let Some(browser) = Driver::start(1280, 900) else {
        return;
    };
    let world = World::new();
    set_width(&browser, 320);
    browser.goto(&world.at("/help"));
    assert!(axe_violations(&browser, &axe, &[]).is_empty());
    assert_eq!(sideways_scroll(&browser), None);
    browser.execute(
        "const main = document.querySelector('main');
         main.insertAdjacentHTML('beforeend', '<img src=\"/assets/favicon.svg\"><div id=wide>x</div>');
         document.getElementById('wide').style.width = '600px';",
        json!([]),
    );
    let found = axe_violations(&browser, &axe, &[]);
    assert!(
        found.iter().any(|v| v.starts_with("image-alt ")),
        "{found:?}"
    );
    let wide = sideways_scroll(&browser).expect("the page scrolls sideways");
    assert!(wide.contains("div#wide"), "{wide}");
}
