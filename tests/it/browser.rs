//! Real-browser tests: headless Chromium driven through chromedriver's
//! WebDriver HTTP interface, against a real `attune serve`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs
//! them). Without them the tests say so and pass, except under CI, where
//! a missing browser is a failure.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::{repo_path, TestDb, PASSWORD};

pub struct Driver {
    child: Child,
    port: u16,
    session: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.request("DELETE", &format!("/session/{}", self.session), None);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Driver {
    /// Starts chromedriver and a headless Chromium, or `None` when they are
    /// not installed outside CI.
    pub fn start(width: u32, height: u32) -> Option<Driver> {
        let found = ["/usr/bin/chromedriver", "/usr/bin/chromium"]
            .iter()
            .all(|p| std::path::Path::new(p).exists());
        if !found {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI needs chromium and chromium-driver for the browser tests"
            );
            eprintln!("skipping browser test: apt-get install chromium chromium-driver to run it");
            return None;
        }
        let port = free_port();
        let child = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let mut driver = Driver {
            child,
            port,
            session: String::new(),
        };
        let started = Instant::now();
        while driver.request("GET", "/status", None).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not answer"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::tempdir().unwrap().keep();
        let caps = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": "/usr/bin/chromium",
                    "args": [
                        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                        "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        "--hide-scrollbars",
                        format!("--user-data-dir={}", profile.display()),
                        format!("--window-size={width},{height}"),
                    ]
                }
            }}
        });
        let res = driver
            .request("POST", "/session", Some(caps))
            .expect("a browser session");
        driver.session = res["value"]["sessionId"]
            .as_str()
            .expect("session id")
            .to_string();
        Some(driver)
    }

    fn request(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .map_err(|e| e.to_string())?;
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        // chromedriver answers HTTP/1.1 with a length and closes when asked.
        // One write: chromedriver reads the request as it first arrives.
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.port,
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .map_err(|e| e.to_string())?;
        // The answer has a Content-Length; chromedriver may keep the socket
        // open, so read exactly that much rather than to the end.
        let mut raw = Vec::new();
        let mut chunk = [0u8; 8192];
        let header_end = loop {
            let n = stream.read(&mut chunk).map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("connection closed before headers".into());
            }
            raw.extend_from_slice(&chunk[..n]);
            if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
        };
        let headers = String::from_utf8_lossy(&raw[..header_end]).to_ascii_lowercase();
        let length: usize = headers
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .ok_or("no content-length")?;
        while raw.len() < header_end + length {
            let n = stream.read(&mut chunk).map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            raw.extend_from_slice(&chunk[..n]);
        }
        serde_json::from_slice(&raw[header_end..]).map_err(|e| e.to_string())
    }

    /// One WebDriver command on this session; panics on a WebDriver error.
    pub fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let res = self
            .request(method, &format!("/session/{}{path}", self.session), body)
            .unwrap();
        if let Some(err) = res["value"].get("error") {
            panic!("webdriver {path}: {err} {}", res["value"]["message"]);
        }
        res["value"].clone()
    }

    pub fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }

    pub fn url(&self) -> String {
        self.cmd("GET", "/url", None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// Waits until the page shows `text` (after a click that navigates),
    /// and returns the page.
    pub fn wait_for(&self, text: &str) -> String {
        let started = Instant::now();
        loop {
            let page = self.source();
            if page.contains(text) {
                return page;
            }
            if started.elapsed() > Duration::from_secs(15) {
                self.screenshot("timed-out");
                panic!("the page never showed {text:?}; at {}:\n{page}", self.url());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn source(&self) -> String {
        self.cmd("GET", "/source", None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    fn element(&self, css: &str) -> String {
        let v = self.cmd(
            "POST",
            "/element",
            Some(json!({ "using": "css selector", "value": css })),
        );
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(|id| id.as_str())
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_string()
    }

    pub fn fill(&self, css: &str, text: &str) {
        let id = self.element(css);
        self.cmd("POST", &format!("/element/{id}/clear"), Some(json!({})));
        self.cmd(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        );
    }

    pub fn click(&self, css: &str) {
        let id = self.element(css);
        self.cmd("POST", &format!("/element/{id}/click"), Some(json!({})));
    }

    /// Sets a date or time input through script: typing into them depends
    /// on the browser's locale.
    pub fn set_value(&self, css: &str, value: &str) {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({
                "script": "document.querySelector(arguments[0]).value = arguments[1];",
                "args": [css, value]
            })),
        );
    }

    /// Runs `script` in the page and returns what it returns.
    pub fn execute(&self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// Runs `script` in the page and returns what it hands to its last
    /// argument, the callback (for promises, such as axe-core's).
    pub fn execute_async(&self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/async",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// Whether the first element matching `css` is wholly on screen now
    /// (after the browser has jumped to a fragment, say).
    pub fn in_viewport(&self, css: &str) -> bool {
        self.execute(
            "const e = document.querySelector(arguments[0]); if (!e) return false; \
             const r = e.getBoundingClientRect(); \
             return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;",
            json!([css]),
        )
        .as_bool()
        .unwrap_or(false)
    }

    /// Saves a full-page PNG under target/tmp/screenshots.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        use base64_decode as b64;
        let data = self.cmd("GET", "/screenshot", None);
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, b64(data.as_str().unwrap())).unwrap();
        println!("screenshot: {}", path.display());
        path
    }
}

/// Standard base64, as WebDriver sends screenshots.
fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter_map(val) {
        buf = (buf << 6) | c;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    out
}

impl Driver {
    /// Signs the test facilitator in and waits for `expect` on the page
    /// they land on.
    pub fn sign_in(&self, server: &Server, expect: &str) {
        self.goto(&format!("{}/login", server.base));
        self.fill("#email", "facilitator@example.org");
        self.fill("#password", PASSWORD);
        self.click("button[type=submit].button");
        self.wait_for(expect);
    }

    /// Starts a group in UTC whose first meeting is `days` from today
    /// (negative: already meeting) at `time`.
    pub fn start_group(&self, server: &Server, course: &str, title: &str, days: i64, time: &str) {
        self.goto(&format!("{}/cohorts/new", server.base));
        self.click(&format!("input[value='{course}']"));
        self.fill("#title", title);
        let first = chrono::Utc::now().date_naive() + chrono::Duration::days(days);
        self.set_value("#first_date", &first.format("%Y-%m-%d").to_string());
        self.set_value("#start_time", time);
        self.set_value("#time_zone", "UTC");
        self.click("form.form button[type=submit]");
        self.wait_for("Import from a spreadsheet");
    }

    /// The facilitator sets up a group that has been meeting for a while
    /// (session 3's reflection open), adds Leila, makes her personal link
    /// and signs out; returns the link's path.
    pub fn parent_link(&self, server: &Server) -> String {
        self.sign_in(server, "Hello, Fran Facilitator");
        self.start_group(
            server,
            "repair-and-reconnect",
            "Thursday evenings",
            -20,
            "00:05",
        );
        self.add_parent("Leila Haddad", "leila@example.org");
        // Her own page in the group holds the link (and the careful changes).
        self.click("table.list td a[href*='/enrolments/']");
        self.wait_for("Changes that need care");
        self.screenshot("09-a-parents-page");
        self.click("form[action$='/link'] button");
        // The link page (the group page also speaks of personal links).
        let page = self.wait_for("/p/");
        self.screenshot("10-personal-link");
        let start = page.find("/p/").expect("a link");
        let link = page[start..start + 3 + 64].to_string();
        self.click("form[action='/logout'] button");
        self.wait_for("signed out");
        link
    }

    /// Adds a parent by hand from the group page; returns the page after.
    pub fn add_parent(&self, name: &str, email: &str) -> String {
        self.click("a[href$='/participants/new']");
        self.wait_for("Likes to be called");
        self.fill("#name", name);
        self.fill("#email", email);
        self.click("form.form button[type=submit]");
        self.wait_for(&format!("{name} is in the group."))
    }
}

/// A running `attune serve` on its own database and port.
pub struct Server {
    child: Child,
    pub base: String,
    pub db: TestDb,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// The app, with one facilitator account.
    pub fn start() -> Server {
        Server::start_with(false)
    }

    /// The app, with that account an administrator.
    pub fn start_admin() -> Server {
        Server::start_with(true)
    }

    fn start_with(admin: bool) -> Server {
        let db = TestDb::new();
        let dir = tempfile::tempdir().unwrap();
        let bin = env!("CARGO_BIN_EXE_attune");
        let mut add = Command::new(bin)
            .args([
                "user",
                "add",
                "--email",
                "facilitator@example.org",
                "--name",
                "Fran Facilitator",
                "--password-stdin",
            ])
            .args(admin.then_some("--admin"))
            .env("DATABASE_URL", &db.url)
            .env("CURRICULA_DIR", repo_path("curricula"))
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        add.stdin
            .take()
            .unwrap()
            .write_all(format!("{PASSWORD}\n").as_bytes())
            .unwrap();
        assert!(add.wait().unwrap().success());
        let port = free_port();
        let child = Command::new(bin)
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", &db.url)
            .env("CURRICULA_DIR", repo_path("curricula"))
            .env("LOG", "warn")
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://localhost:{port}");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "attune serve did not start"
            );
            std::thread::sleep(Duration::from_millis(30));
        }
        Server {
            child,
            base,
            db,
            _dir: dir,
        }
    }
}

/// A facilitator's evening, on a phone-sized screen: sign in, start a
/// group, add parents, take attendance.
#[test]
fn a_facilitator_sets_up_a_group_and_takes_attendance() {
    // 360 px: the narrowest phone we design for.
    let Some(browser) = Driver::start(360, 1400) else {
        return;
    };
    let server = Server::start();
    let at = |path: &str| format!("{}{path}", server.base);

    browser.goto(&at("/dashboard"));
    assert!(
        browser.url().contains("/login"),
        "signed out goes to sign-in"
    );
    browser.screenshot("01-sign-in");
    browser.fill("#email", "facilitator@example.org");
    browser.fill("#password", PASSWORD);
    browser.click("button[type=submit].button");
    browser.wait_for("Hello, Fran Facilitator");
    assert!(browser.url().ends_with("/dashboard"), "{}", browser.url());

    browser.click("a[href='/cohorts/new']");
    browser.wait_for("Start a new group");
    browser.click("input[value='mindful-parenting']");
    browser.fill("#title", "Wednesday mornings");
    browser.set_value("#first_date", "2026-10-21");
    browser.set_value("#start_time", "10:00");
    browser.set_value("#time_zone", "America/New_York");
    browser.fill("#location", "Library meeting room");
    browser.screenshot("02-new-group");
    browser.click("form.form button[type=submit]");
    let page = browser.wait_for("Import from a spreadsheet");
    assert!(page.contains("Wednesday mornings"));
    // 21 Oct is before the clocks go back (1 Nov); 4 Nov is after. Both 10:00.
    assert!(
        page.contains("Wed 21 Oct 2026, 10:00"),
        "local time before DST ends"
    );
    assert!(
        page.contains("Wed 4 Nov 2026, 10:00"),
        "local time after DST ends"
    );
    let cohort_url = browser.url();

    // One parent by hand, the rest from a spreadsheet.
    browser.click("a[href$='/participants/new']");
    browser.wait_for("Likes to be called");
    browser.fill("#name", "Rosa Diaz");
    browser.fill("#email", "rosa@example.org");
    browser.click("form.form button[type=submit]");
    browser.wait_for("Rosa Diaz is in the group.");

    browser.click("a[href$='/import']");
    browser.wait_for("Or paste the rows here");
    let csv = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(
        csv.path(),
        "Name,Email,Phone\nKim Lee,kim@example.org,+1 201 555 0102\nAmir Haddad,amir@example.org,\n=HYPERLINK(\"x\"),bad@example.org,\n",
    )
    .unwrap();
    browser.fill("#file", &csv.path().display().to_string());
    browser.click("form.form button[type=submit]");
    let preview = browser.wait_for("Check the import");
    assert!(
        preview.contains("<strong>2</strong> will be added"),
        "{preview}"
    );
    assert!(preview.contains("looks like a spreadsheet formula"));
    browser.screenshot("03-import-preview");
    assert!(preview.contains(">Add 2 parents</button>"));
    browser.click("form[action$='/confirm'] button");
    let page = browser.wait_for("Added 2 parents. Left out: row 4 (");
    assert!(page.contains("Fix the row left out and add it"), "{page}");
    browser.screenshot("04-group");

    browser.click("table.list a[href*='/meetings/']");
    browser.wait_for("Save attendance");
    browser.screenshot("05-meeting-plan");
    browser.click("input[value='present']");
    browser.click(".roll__row:nth-of-type(2) input[value='excused']");
    browser.click(".roll__row:nth-of-type(3) input[value='absent']");
    browser.click("form.roll button[type=submit]");
    let page = browser.wait_for("Attendance saved.");
    assert!(page.contains("1 present"));
    browser.screenshot("06-attendance-saved");

    browser.goto(&cohort_url);
    assert!(browser.source().contains("1 present"));
}

/// A parent on a phone at 10 pm: opens their link, agrees, writes a
/// reflection, sends it, and sees it saved.
#[test]
fn a_parent_opens_their_link_and_reflects_on_a_phone() {
    let Some(browser) = Driver::start(390, 844) else {
        return;
    };
    let server = Server::start();
    let at = |path: &str| format!("{}{path}", server.base);
    let link = browser.parent_link(&server);

    // The parent.
    browser.goto(&at(&link));
    browser.wait_for("Who sees what you write");
    browser.screenshot("11-parent-consent");
    browser.click("form[action='/me/consent'] button");
    browser.wait_for("Your sessions");
    browser.screenshot("12-parent-home");
    // Home says which reflection is open, and its button lands on the form.
    assert!(browser
        .source()
        .contains("Your reflection for session 3 is open"));
    browser.click(".open-reflection a.button");
    browser.wait_for("Your reflection");
    assert!(browser.url().ends_with("/me/sessions/3#reflection"));
    assert!(
        browser.in_viewport("#reflection-heading"),
        "the form is where the button led"
    );
    browser.fill(
        "#answer_0",
        "I yelled about bedtime and later said sorry. He hugged me. 🙂",
    );
    browser.screenshot("13-parent-writing");
    browser.click("button[value='send']");
    let page = browser.wait_for("Your reflection is saved and sent.");
    assert!(page.contains("He hugged me. 🙂"));
    // The confirmation is where they are looking, not a screen above.
    assert!(
        browser.in_viewport("#reflection .notice--here"),
        "the status is on screen after Send"
    );
    assert!(page.contains("Sent "), "the section says when it was sent");
    browser.screenshot("14-parent-sent");
    browser.goto(&at("/me/sessions/3"));
    browser.wait_for("Your reflection is sent");
    browser.screenshot("15-parent-session-top");
}

/// An administrator fills in the support list on a phone, after the
/// dashboard asked them to; anyone finds it from the foot of a page.
#[test]
fn an_administrator_fills_in_the_support_list_and_help_now_shows_it() {
    let Some(browser) = Driver::start(360, 1400) else {
        return;
    };
    let server = Server::start_admin();
    let at = |path: &str| format!("{}{path}", server.base);
    browser.sign_in(&server, "Parents have no local support list yet");
    browser.screenshot("20-dashboard-asks-for-a-support-list");
    browser.click("main a[href='/admin/support']");
    browser.wait_for("Add a service");
    browser.fill("#name", "Riverside Crisis Line");
    browser.fill(
        "#helps_with",
        "Someone to talk to when it all feels like too much",
    );
    browser.fill("#phone", "0800 123 4567");
    browser.fill("#text_number", "85258");
    browser.fill("#web", "https://riverside.example.org");
    browser.fill("#hours", "Day and night, every day");
    browser.click("form[action='/admin/support'] button[type=submit]");
    browser.wait_for("Riverside Crisis Line is on the list now.");
    browser.set_value("#country", "GB");
    browser.click("form[action='/admin/support/country'] button[type=submit]");
    browser.wait_for("Parents are told to call 999 in an emergency.");
    browser.screenshot("21-support-list");
    browser.goto(&at("/dashboard"));
    let dash = browser.wait_for("Coming up");
    assert!(!dash.contains("no local support list"));

    browser.goto(&at("/curricula"));
    browser.click(".site-footer a[href='/help']");
    let page = browser.wait_for("If you or a child are in danger right now");
    assert!(page.contains("href=\"tel:999\""), "{page}");
    assert!(page.contains("href=\"tel:08001234567\""));
    assert!(page.contains("href=\"sms:85258\""));
    browser.screenshot("22-help-now");
}

/// Cancelling a meeting asks first, says who will be emailed, holds the
/// email, and Undo stops it before anyone is told.
#[test]
fn a_facilitator_cancels_a_meeting_by_mistake_and_undoes_it() {
    let Some(browser) = Driver::start(390, 844) else {
        return;
    };
    let server = Server::start();
    let at = |path: &str| format!("{}{path}", server.base);
    browser.sign_in(&server, "Hello, Fran Facilitator");
    browser.start_group(&server, "secure-base", "Monday nights", 7, "18:30");
    let page = browser.add_parent("Noor Ali", "noor@example.org");
    let start = page.find("/meetings/").expect("a meeting link");
    let head = &page[..start];
    let cohort_start = head.rfind("/cohorts/").unwrap();
    let id_end = page[start + 10..]
        .find(|c: char| !c.is_ascii_digit())
        .unwrap();
    let meeting_url = format!(
        "{}{}",
        &page[cohort_start..start],
        &page[start..start + 10 + id_end]
    );

    browser.goto(&at(&meeting_url));
    browser.wait_for("Change this meeting");
    browser.click("a[href$='/cancel']");
    let page = browser.wait_for("Cancel session 1?");
    assert!(page.contains("1 parent gets an email"), "{page}");
    browser.screenshot("21-cancel-asks-first");
    browser.click("form[action$='/cancel'] button");
    let page = browser.wait_for("The meeting is cancelled.");
    assert!(page.contains("you can still undo it"));
    assert!(browser.url().ends_with("#schedule"), "{}", browser.url());
    assert!(
        browser.in_viewport("#schedule .notice--here"),
        "the status is on screen"
    );
    browser.screenshot("22-cancelled-with-undo");
    browser.click("form[action$='/restore'] button");
    let page = browser.wait_for("The meeting is on again.");
    assert!(page.contains("nobody was told"), "{page}");
    browser.screenshot("23-undone");

    // Nothing went and nothing waits: the one cancel email is stopped.
    use attune::db::schema::outbox_messages;
    use diesel::prelude::*;
    let mut conn = server.db.conn();
    let rows: Vec<String> = outbox_messages::table
        .filter(outbox_messages::kind.eq("meeting_cancelled"))
        .select(outbox_messages::status)
        .load(&mut conn)
        .unwrap();
    assert_eq!(rows, vec!["cancelled".to_string()]);
}

/// The reflection as Leila's database row: (answers JSON, status).
fn reflection_row(server: &Server) -> Option<(String, String)> {
    use attune::db::schema::reflections;
    use diesel::prelude::*;
    let mut conn = server.db.conn();
    reflections::table
        .select((reflections::answers, reflections::status))
        .load::<(String, String)>(&mut conn)
        .unwrap()
        .into_iter()
        .next()
}

/// A parent writes, the page saves a draft as they type, a mistake is
/// shown where they are looking, and when their session ends before Send
/// the words come back and are saved once they are in again.
#[test]
fn a_parent_signed_out_while_writing_keeps_every_word() {
    let Some(browser) = Driver::start(390, 844) else {
        return;
    };
    let server = Server::start();
    let at = |path: &str| format!("{}{path}", server.base);
    let link = browser.parent_link(&server);
    browser.goto(&at(&link));
    browser.wait_for("Who sees what you write");
    browser.click("form[action='/me/consent'] button");
    browser.wait_for("Your sessions");
    browser.goto(&at("/me/sessions/3#reflection"));
    browser.wait_for("Your reflection");

    // Typing is saved as a draft a moment later, with nothing pressed.
    browser.fill("#answer_0", "We read two books at bedtime.");
    browser.wait_for("Draft saved at");
    let (answers, status) = reflection_row(&server).expect("a draft");
    assert!(answers.contains("two books"), "{answers}");
    assert_eq!(status, "draft");
    browser.screenshot("16-parent-draft-autosaved");

    // Too long: the summary is on screen and leads to the field.
    browser.set_value("#answer_1", &"x".repeat(20_001));
    browser.click("button[value='send']");
    browser.wait_for("Nothing was saved yet");
    assert!(
        browser.in_viewport(".error-summary"),
        "the mistake is where they are looking"
    );
    browser.screenshot("17-parent-too-long");
    browser.set_value("#answer_1", "");

    // Two idle hours later the session is gone; they finish and press Send.
    {
        use attune::db::schema::web_sessions;
        use diesel::prelude::*;
        let mut conn = server.db.conn();
        diesel::delete(web_sessions::table)
            .execute(&mut conn)
            .unwrap();
    }
    browser.fill(
        "#answer_0",
        "We read two books at bedtime. Then she told me about her day.",
    );
    // Send before the autosave fires (its timer is 1.5 s).
    browser.click("button[value='send']");
    let page = browser.wait_for("Your words are safe");
    assert!(page.contains("Then she told me about her day."));
    assert!(page.contains("Email me a new link"));
    assert!(!page.contains("Error 401"));
    browser.screenshot("18-parent-signed-out-words-kept");

    // Back in through the same link: the words are saved and in the form.
    browser.goto(&at(&link));
    let page = browser.wait_for("saved it as a draft");
    assert!(browser.url().ends_with("/me/sessions/3#reflection"));
    assert!(page.contains("Then she told me about her day."));
    assert!(browser.in_viewport("#reflection .notice--here"));
    let (answers, status) = reflection_row(&server).expect("saved");
    assert!(answers.contains("about her day"), "{answers}");
    assert_eq!(status, "draft");
    browser.screenshot("19-parent-back-in-words-saved");
}

/// The new-group form on a phone: a time zone picked from a list, skip
/// dates picked as dates, and a mistake shown beside its field and in a
/// summary at the top that links to it.
#[test]
fn the_new_group_form_on_a_phone() {
    let Some(browser) = Driver::start(390, 1800) else {
        return;
    };
    let server = Server::start();
    browser.sign_in(&server, "Hello, Fran Facilitator");
    browser.goto(&format!("{}/cohorts/new", server.base));
    browser.wait_for("Start a new group");
    browser.screenshot("30-new-group-form");
    assert_eq!(
        browser.execute(
            "return document.querySelector('#time_zone').tagName",
            json!([])
        ),
        json!("SELECT")
    );

    // A typo in the typed city: the form comes back with the mistake at
    // the top, linked to the field, and beside it.
    browser.click("input[value='secure-base']");
    browser.fill("#title", "Thursday parents");
    browser.set_value("#first_date", "2026-10-08");
    browser.set_value("#start_time", "19:00");
    browser.set_value("#skip_1", "2026-10-22");
    browser.fill("#time_zone_city", "Chicgo");
    browser.click("form.form button[type=submit]");
    let page = browser.wait_for("Please check these and try again");
    assert!(
        page.contains("Did you mean Chicago (America/Chicago)?"),
        "{page}"
    );
    browser.screenshot("31-new-group-mistake");
    browser.click(".error-summary a[href='#time_zone_city']");
    assert!(browser.in_viewport("#time_zone_city"));
    browser.execute(
        "document.querySelector('#cadence').scrollIntoView()",
        json!([]),
    );
    browser.screenshot("32-new-group-lower-half");

    browser.fill("#time_zone_city", "chicago");
    browser.click("form.form button[type=submit]");
    let page = browser.wait_for("Import from a spreadsheet");
    assert!(page.contains("Thu 8 Oct 2026, 19:00"), "{page}");
    assert!(
        !page.contains("Thu 22 Oct 2026"),
        "the skipped date is skipped"
    );
    assert!(page.contains("Thu 29 Oct 2026, 19:00"), "{page}");
}

/// The import on a phone: every row shown as typed, a couple sharing an
/// address kept as two parents, and the group's places asked about.
#[test]
fn a_facilitator_imports_a_spreadsheet_on_a_phone() {
    let Some(browser) = Driver::start(390, 844) else {
        return;
    };
    let server = Server::start();
    browser.sign_in(&server, "Hello, Fran Facilitator");
    browser.start_group(&server, "secure-base", "Tuesday mornings", 7, "10:00");
    {
        use attune::db::schema::cohorts;
        use diesel::prelude::*;
        let mut conn = server.db.conn();
        diesel::update(cohorts::table)
            .set(cohorts::capacity.eq(Some(3)))
            .execute(&mut conn)
            .unwrap();
    }
    browser.click("a[href$='/import']");
    browser.wait_for("Or paste the rows here");
    browser.fill(
        "textarea",
        "name,email\nSam Lee,sam@example.org\nAlex Lee,sam@example.org\n=HYPERLINK(\"http://x\"),bad@example.org\nRosa Diaz,rosa@example.org\nSam Lee,sam@example.org\nKim Park,kim@example.org\n",
    );
    browser.click("form.form button[type=submit]");
    let preview = browser.wait_for("Check the import");
    assert!(
        preview.contains(
            "Sam Lee and Alex Lee share sam@example.org: they will be added as two parents."
        ),
        "{preview}"
    );
    assert!(
        preview.contains("<td>=HYPERLINK(\"http://x\")</td>"),
        "{preview}"
    );
    assert!(preview.contains("Add all 4 (the group will have 4 for 3 places)"));
    browser.screenshot("30-import-preview-390");
    let label = "document.querySelector('.import-places button').innerText";
    assert_eq!(
        browser.execute(&format!("return {label}"), json!([])),
        json!("Add the parents as chosen above")
    );
    // The browser will not send the form without a choice.
    browser.click(".import-places button");
    assert!(browser.url().ends_with("/import"), "{}", browser.url());
    browser.click("#places-fill");
    assert_eq!(
        browser.execute(&format!("return {label}"), json!([])),
        json!("Add 3 parents and put 1 on the waiting list")
    );
    browser.execute(
        "document.querySelector('.import-places').scrollIntoView()",
        json!([]),
    );
    browser.screenshot("31-import-places-chosen-390");
    browser.click(".import-places button");
    let page = browser.wait_for("1 parent is on the waiting list.");
    assert!(page.contains("Added 3 parents."), "{page}");
    assert!(
        browser.in_viewport("#roster .notice--here"),
        "the result is on screen"
    );
    browser.screenshot("32-import-done-390");
    browser.click("#roster .notice__next a");
    browser.wait_for("These are the rows left out of your last import.");
    let kept = browser.execute("return document.querySelector('#rows').value", json!([]));
    assert_eq!(
        kept,
        json!("name,email\n\"=HYPERLINK(\"\"http://x\"\")\",bad@example.org\n")
    );
    browser.screenshot("33-import-fix-390");
}
