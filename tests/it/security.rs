//! The outside probe's kinds of attack, kept as tables so a new route or
//! field is checked the same way: where sign-in may send a browser, what
//! parent-written text may hold, one browser being two people, what an
//! answer tells a stranger, how long links live, the headers, and the
//! lock-out that only locks out the attacker.

use actix_web::http::StatusCode;
use attune::db::schema::{access_tokens, outbox_messages};
use diesel::prelude::*;

use crate::access::{cohort_from, enrol};
use crate::common::{add_user, Browser, TestApp, PASSWORD};

/// `next` values that once left the site or broke the header, and values
/// that must keep working. `None`: the dashboard.
const REDIRECTS: &[(&str, Option<&str>)] = &[
    // The probe's finding: browsers drop the tab and go to evil.test.
    ("/\t/evil.test", None),
    ("/\n/evil.test", None),
    ("/\u{b}/evil.test", None),
    ("/\r/evil.test", None),
    ("/ /evil.test", None),
    ("/\u{a0}/evil.test", None),
    ("//evil.test", None),
    ("/\\evil.test", None),
    ("\\/evil.test", None),
    ("https://evil.test/", None),
    ("javascript:alert(1)", None),
    ("evil.test", None),
    ("/login", None),
    ("/login/link", None),
    ("/./\t/evil.test", None),
    ("", None),
    ("/cohorts/new", Some("/cohorts/new")),
    ("/dashboard?x=1#top", Some("/dashboard?x=1#top")),
    ("/a/../cohorts/new", Some("/cohorts/new")),
];

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[actix_web::test]
async fn sign_in_sends_the_browser_only_to_this_site() {
    let app = TestApp::new();
    add_user(&app, "lead@example.org", false);
    for (next, want) in REDIRECTS {
        let want = want.unwrap_or("/dashboard");
        // Signing in with the field...
        let mut b = Browser::new(&app);
        b.get(&format!("/login?next={}", encode(next))).await;
        let res = b
            .post(
                "/login",
                &[
                    ("email", "lead@example.org"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(res.header("location"), want, "{next:?}");
        // ...and visiting the sign-in page while signed in.
        let res = b.get(&format!("/login?next={}", encode(next))).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{next:?} signed in");
        assert_eq!(res.header("location"), want, "{next:?} signed in");
    }
}

/// Text a parent might type that once made, or could make, a reader's
/// browser fetch or run something: the fuzz corpus's worst cases and the
/// probe's image.
fn hostile_texts(token: &str) -> Vec<String> {
    let mut texts = vec![
        format!("<img src=\"/p/{token}\">"),
        format!("![me](/p/{token})"),
        format!("[click](/p/{token})"),
        format!("<a href=\"/p/{token}\">x</a>"),
        "<video src=/me poster=/me></video><audio src=/me></audio>".into(),
        "<iframe src=/me></iframe><object data=/me></object><embed src=/me>".into(),
        "<link rel=prefetch href=/me><meta http-equiv=refresh content=\"0;url=/me\">".into(),
        "<p style=\"background:url(/me)\">x</p><svg><image href=/me /></svg>".into(),
        "<form action=/logout method=post><button>Sign out</button></form>".into(),
        "<script>alert(1)</script><a href=\"javascript:alert(1)\">x</a>".into(),
        "<img src=x onerror=alert(1)><body onload=alert(1)>".into(),
    ];
    for seed in ["xss.md", "rich.md", "entities.md"] {
        let path = crate::common::repo_path(&format!("fuzz/seeds/markdown_render/{seed}"));
        texts.push(std::fs::read_to_string(path).unwrap());
    }
    texts
}

/// What must never be in the HTML a facilitator reads.
const FETCHING: &[&str] = &[
    "<img",
    "<video",
    "<audio",
    "<iframe",
    "<object",
    "<embed",
    "<link",
    "<meta",
    "<svg",
    "<image",
    "<form",
    "<button",
    "<script",
    "style=",
    "src=",
    "onerror",
    "onload",
    "javascript:",
    "href=\"/",
];

#[actix_web::test]
async fn parent_text_cannot_make_the_readers_browser_fetch_or_run_anything() {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = cohort_from(&app, &lead, "secure-base", -20);
    let ana = enrol(&app, &lead, cohort, "Ana Ruiz", "ana@example.org");
    let token = {
        let mut conn = app.state.pool.get().unwrap();
        attune::services::participants::issue_link(&mut conn, ana).unwrap()
    };
    let mut parent = Browser::new(&app);
    parent.get(&format!("/p/{token}")).await;
    parent.get("/me").await;
    parent.post("/me/consent", &[]).await;
    let mut b = Browser::new(&app);
    b.sign_in("lead@example.org", PASSWORD).await;
    for text in hostile_texts(&token) {
        parent.get("/me/sessions/3").await;
        let res = parent
            .post(
                "/me/sessions/3/reflection",
                &[("answer_0", text.as_str()), ("action", "send")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        // What the parent sees of their own words, and what the
        // facilitator reads.
        let own = parent.get("/me/sessions/3").await.body;
        let read = b
            .get(&format!("/cohorts/{cohort}/enrolments/{ana}/reflections"))
            .await
            .body;
        // The facilitator always reads it as HTML; the parent does once
        // the reflection has closed (until then it is in the form).
        assert!(read.contains(ANSWER), "the facilitator sees the answer");
        for page in [&own, &read].into_iter().filter(|p| p.contains(ANSWER)) {
            let answer = answer_html(page);
            for bad in FETCHING {
                assert!(
                    !answer.contains(bad),
                    "{bad} in the answer for {text:?}: {answer}"
                );
            }
        }
    }
}

const ANSWER: &str = "class=\"prose\" dir=\"auto\">";

/// The HTML of the first answer on a reflections page.
fn answer_html(page: &str) -> String {
    let start = page.find(ANSWER).expect("an answer on the page");
    let rest = &page[start..];
    rest[..rest.find("</div>").unwrap_or(rest.len())].to_string()
}

#[actix_web::test]
async fn a_facilitators_browser_never_becomes_a_parents_too() {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = cohort_from(&app, &lead, "secure-base", -20);
    let ana = enrol(&app, &lead, cohort, "Ana Ruiz", "ana@example.org");
    let token = {
        let mut conn = app.state.pool.get().unwrap();
        attune::services::participants::issue_link(&mut conn, ana).unwrap()
    };
    let mut b = Browser::new(&app);
    b.sign_in("lead@example.org", PASSWORD).await;
    let page = b.get(&format!("/cohorts/{cohort}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let form_token = b.last_token.clone();

    // An image (or script, or fetch) pointing at the link changes nothing.
    for dest in ["image", "script", "iframe", "empty", "style"] {
        b.extra_headers = vec![("Sec-Fetch-Dest".into(), dest.into())];
        let res = b.get(&format!("/p/{token}")).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{dest}");
    }
    // Opened as a page, it says whose browser this is and offers to sign
    // out first; the parent's space stays closed.
    b.extra_headers = vec![("Sec-Fetch-Dest".into(), "document".into())];
    let res = b.get(&format!("/p/{token}?to=sessions/3")).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.body.contains("signed in as a facilitator"));
    assert!(res.body.contains("action=\"/logout\""));
    b.extra_headers.clear();
    assert_eq!(b.get("/me").await.status, StatusCode::UNAUTHORIZED);
    // The facilitator's own forms still work: the session is theirs alone.
    let page = b.get(&format!("/cohorts/{cohort}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(b.last_token, form_token, "the form token did not change");
    {
        use attune::db::schema::web_sessions;
        let mut conn = app.state.pool.get().unwrap();
        let mixed: i64 = web_sessions::table
            .filter(web_sessions::user_id.is_not_null())
            .filter(web_sessions::enrolment_id.is_not_null())
            .count()
            .get_result(&mut *conn)
            .unwrap();
        assert_eq!(mixed, 0, "no session holds two people");
    }
    // Switching Ana's links off ends Ana's sessions, not the facilitator's.
    b.post(
        &format!("/cohorts/{cohort}/enrolments/{ana}/links/revoke"),
        &[],
    )
    .await;
    assert_eq!(
        b.get(&format!("/cohorts/{cohort}")).await.status,
        StatusCode::OK
    );
    // "Sign out, then open it" signs out and goes to the link.
    let fresh = {
        let mut conn = app.state.pool.get().unwrap();
        attune::services::participants::issue_link(&mut conn, ana).unwrap()
    };
    let page = b.get(&format!("/p/{fresh}?to=sessions/3")).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    let next = format!("/p/{fresh}?to=sessions%2F3");
    assert!(
        page.body.contains(&crate::common::html_escape(&next)),
        "{}",
        page.body
    );
    let res = b.post("/logout", &[("next", next.as_str())]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.header("location"), next);
    let res = b.get(&next).await;
    assert_eq!(res.header("location"), "/me/sessions/3");
    assert_eq!(
        b.get("/dashboard").await.header("location"),
        "/login?next=/dashboard"
    );
    // The other way round: signing in as a facilitator ends a parent's
    // session in that browser.
    assert_eq!(b.get("/me").await.status, StatusCode::OK);
    b.sign_in("lead@example.org", PASSWORD).await;
    assert_eq!(b.get("/me").await.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn a_code_typed_in_a_facilitators_browser_is_not_used_up() {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = cohort_from(&app, &lead, "secure-base", -20);
    enrol(&app, &lead, cohort, "Ana Ruiz", "ana@example.org");
    let mut ana = Browser::new(&app);
    ana.get("/p/code").await;
    ana.post("/p/code", &[("email", "ana@example.org")]).await;
    let code = {
        let mut conn = app.state.pool.get().unwrap();
        let text: String = outbox_messages::table
            .filter(outbox_messages::kind.eq("signin_code"))
            .select(outbox_messages::text_body)
            .first(&mut *conn)
            .unwrap();
        text.split(|c: char| !c.is_ascii_digit())
            .find(|w| w.len() == 6)
            .unwrap()
            .to_string()
    };
    let mut b = Browser::new(&app);
    b.sign_in("lead@example.org", PASSWORD).await;
    b.get("/dashboard").await;
    let res = b
        .post(
            "/p/code/enter",
            &[("email", "ana@example.org"), ("code", code.as_str())],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(b.get("/me").await.status, StatusCode::UNAUTHORIZED);
    // Ana's code still works on her own phone.
    ana.get("/p/code").await;
    let res = ana
        .post(
            "/p/code/enter",
            &[("email", "ana@example.org"), ("code", code.as_str())],
        )
        .await;
    assert_eq!(res.header("location"), "/me");
}

/// (path, an address we know, one we don't, the form's other fields)
type Case<'a> = (&'a str, &'a str, &'a str, &'a [(&'a str, &'a str)]);

/// Answers that must read the same whether or not the address is known.
#[actix_web::test]
async fn answers_tell_a_stranger_nothing_about_who_is_enrolled() {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = cohort_from(&app, &lead, "secure-base", 3);
    enrol(&app, &lead, cohort, "Ana Ruiz", "ana@example.org");
    let invite = {
        let mut conn = app.state.pool.get().unwrap();
        attune::services::invites::renew(&mut conn, &lead, cohort).unwrap()
    };
    let join = format!("/join/{invite}");
    let cases: [Case; 3] = [
        (
            &join,
            "ana@example.org",
            "new.person@example.org",
            &[("name", "Sam")],
        ),
        ("/login/link", "lead@example.org", "ghost@example.org", &[]),
        ("/p/lost", "ana@example.org", "ghost@example.org", &[]),
    ];
    for (path, known, unknown, other) in cases {
        let mut answers = Vec::new();
        for email in [known, unknown] {
            let mut b = Browser::new(&app);
            b.get(path).await;
            let mut fields = vec![("email", email)];
            fields.extend_from_slice(other);
            let res = b.post(path, &fields).await;
            // The page may repeat the address typed; nothing else differs.
            let body = res.body.replace(email, "ADDRESS");
            answers.push((res.status, strip_tokens(&body)));
        }
        assert_eq!(answers[0].0, answers[1].0, "{path}: status");
        assert_eq!(answers[0].1, answers[1].1, "{path}: page");
    }
    // Ana, who is in the group, heard about it by email, with her link.
    let mut conn = app.state.pool.get().unwrap();
    let told: Vec<(String, String)> = outbox_messages::table
        .filter(outbox_messages::kind.eq("already_in"))
        .select((outbox_messages::to_address, outbox_messages::text_body))
        .load(&mut *conn)
        .unwrap();
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].0, "ana@example.org");
    assert!(told[0].1.contains("/p/"), "{}", told[0].1);
}

/// Form tokens differ per page load; everything else must match.
fn strip_tokens(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(i) = rest.find("name=\"csrf_token\" value=\"") {
        let start = i + "name=\"csrf_token\" value=\"".len();
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        rest = &rest[rest.find('"').unwrap_or(0)..];
    }
    out.push_str(rest);
    out
}

fn link_rows(
    app: &TestApp,
    enrolment: i64,
) -> Vec<(Option<String>, Option<chrono::NaiveDateTime>)> {
    let mut conn = app.state.pool.get().unwrap();
    access_tokens::table
        .filter(access_tokens::purpose.eq("participant"))
        .filter(access_tokens::enrolment_id.eq(enrolment))
        .order(access_tokens::id.asc())
        .select((access_tokens::channel, access_tokens::expires_at))
        .load(&mut *conn)
        .unwrap()
}

#[actix_web::test]
async fn every_link_ends_and_emailed_links_do_not_pile_up() {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = cohort_from(&app, &lead, "secure-base", -20);
    // Enrolling queues a welcome with an emailed link.
    let ana = enrol(&app, &lead, cohort, "Ana Ruiz", "ana@example.org");
    let last_meeting = {
        use attune::db::schema::meetings;
        let mut conn = app.state.pool.get().unwrap();
        meetings::table
            .filter(meetings::cohort_id.eq(cohort))
            .select(diesel::dsl::max(meetings::starts_at))
            .first::<Option<chrono::NaiveDateTime>>(&mut *conn)
            .unwrap()
            .unwrap()
    };
    let rows = link_rows(&app, ana);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0.as_deref(), Some("email"));
    let end = rows[0].1.expect("the welcome's link ends");
    let course_end = last_meeting + chrono::Duration::days(90);
    assert!(
        (end - course_end).num_seconds().abs() < 5,
        "{end} vs {course_end}"
    );
    // A facilitator's link by hand ends too.
    let mut b = Browser::new(&app);
    b.sign_in("lead@example.org", PASSWORD).await;
    b.get(&format!("/cohorts/{cohort}")).await;
    b.post(&format!("/cohorts/{cohort}/enrolments/{ana}/link"), &[])
        .await;
    assert!(link_rows(&app, ana).iter().all(|(_, e)| e.is_some()));
    // Asking for a new link three times (the hourly most) makes three
    // more emailed links; with the welcome's that is four, and only the
    // newest three stay live.
    for _ in 0..3 {
        let mut p = Browser::new(&app);
        p.get("/p/lost").await;
        let res = p.post("/p/lost", &[("email", "ana@example.org")]).await;
        assert_eq!(res.status, StatusCode::OK);
    }
    let now = attune::db::now();
    let live_emailed = link_rows(&app, ana)
        .iter()
        .filter(|(c, e)| c.as_deref() == Some("email") && e.is_some_and(|e| e > now))
        .count();
    assert_eq!(live_emailed, 3, "emailed links live");
    // The welcome's link has been retired: it leads to a new one.
    let welcome: String = {
        let mut conn = app.state.pool.get().unwrap();
        outbox_messages::table
            .filter(outbox_messages::kind.eq("welcome"))
            .select(outbox_messages::text_body)
            .first(&mut *conn)
            .unwrap()
    };
    let start = welcome.find("/p/").unwrap();
    let path: String = welcome[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let res = Browser::new(&app).get(&path).await;
    assert_eq!(res.status, StatusCode::GONE);
    assert!(res.body.contains("This link has ended"));
    assert!(
        res.body.contains("action=\"/p/lost\""),
        "a way to a new link"
    );
    assert!(res.body.contains("Email me a new link"));
}

#[actix_web::test]
async fn headers_keep_browsers_on_https_and_away_from_devices() {
    let plain = TestApp::new();
    let res = plain.get("/").await;
    assert!(res.header("permissions-policy").contains("camera=()"));
    assert!(res.header("permissions-policy").contains("geolocation=()"));
    assert_eq!(res.header("strict-transport-security"), "");
    let https = TestApp::with_vars(&[("BASE_URL", "https://classes.example.org")]);
    for path in ["/", "/login", "/no-such-page"] {
        let res = https.get(path).await;
        assert_eq!(
            res.header("strict-transport-security"),
            "max-age=31536000",
            "{path}"
        );
        assert!(res.header("permissions-policy").contains("microphone=()"));
    }
}

#[actix_web::test]
async fn a_locked_out_facilitator_gets_back_in_with_an_emailed_link() {
    let app = TestApp::new();
    add_user(&app, "lead@example.org", false);
    // Someone who knows the address locks passwords out from everywhere.
    for n in 0..10 {
        let mut b = Browser::from_address(&app, &format!("192.0.2.{n}"));
        b.sign_in("lead@example.org", "guess").await;
    }
    let mut lead = Browser::from_address(&app, "198.51.100.9");
    let res = lead.sign_in("lead@example.org", PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    // The owner asks for a sign-in link.
    let form = lead.get("/login/link").await;
    assert_eq!(form.status, StatusCode::OK);
    let res = lead
        .post("/login/link", &[("email", "Lead@Example.org ")])
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("Check your email"));
    let text: String = {
        let mut conn = app.state.pool.get().unwrap();
        outbox_messages::table
            .filter(outbox_messages::kind.eq("sign_in_link"))
            .filter(outbox_messages::to_address.eq("lead@example.org"))
            .select(outbox_messages::text_body)
            .first(&mut *conn)
            .unwrap()
    };
    let start = text.find("/login/link/").unwrap();
    let path: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    // Opening it (as a mail scanner would) signs nobody in.
    let page = lead.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("lead@example.org"));
    assert_eq!(
        lead.get("/dashboard").await.status,
        StatusCode::SEE_OTHER,
        "not signed in yet"
    );
    lead.get(&path).await;
    let res = lead.post(&path, &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.header("location"), "/dashboard");
    assert_eq!(lead.get("/dashboard").await.status, StatusCode::OK);
    // Once only.
    let res = Browser::new(&app).get(&path).await;
    assert_eq!(res.status, StatusCode::GONE);
    assert!(res.body.contains("already been used"));
    // The owner's sign-in lifted the lock: passwords work again.
    let mut later = Browser::from_address(&app, "198.51.100.10");
    assert_eq!(
        later.sign_in("lead@example.org", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

#[test]
fn links_made_before_the_upgrade_get_an_end() {
    use diesel::connection::SimpleConnection;
    use diesel_migrations::MigrationHarness;
    let test_db = crate::common::TestDb::new();
    let mut conn = attune::db::connect(&test_db.target).unwrap();
    attune::db::run_migrations(&mut conn).unwrap();
    // Back to before links had ends (the migrations after it too), and a
    // link as the old code made it.
    const LINK_ENDS: &str = "20261206000008";
    let old_link = "INSERT INTO access_tokens (purpose, token_hash, created_at) \
                    VALUES ('participant', 'old-link-hash', '2026-11-30 10:00:00')";
    match &mut conn {
        attune::db::DbConn::Sqlite(c) => {
            while !c
                .revert_last_migration(attune::db::SQLITE_MIGRATIONS)
                .unwrap()
                .to_string()
                .replace('-', "")
                .starts_with(LINK_ENDS)
            {}
            c.batch_execute(old_link).unwrap();
        }
        attune::db::DbConn::Postgres(c) => {
            while !c
                .revert_last_migration(attune::db::POSTGRES_MIGRATIONS)
                .unwrap()
                .to_string()
                .replace('-', "")
                .starts_with(LINK_ENDS)
            {}
            c.batch_execute(old_link).unwrap();
        }
    }
    attune::db::run_migrations(&mut conn).unwrap();
    let end: Option<chrono::NaiveDateTime> = access_tokens::table
        .filter(access_tokens::token_hash.eq("old-link-hash"))
        .select(access_tokens::expires_at)
        .first(&mut conn)
        .unwrap();
    let end = end.expect("the old link has an end now");
    let days = (end - attune::db::now()).num_days();
    assert!((89..=90).contains(&days), "ends in {days} days");
}
