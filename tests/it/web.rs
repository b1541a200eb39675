//! The web shell through `build_app()`: pages, errors, headers.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use actix_web::{test, web, App, HttpResponse};
use attune::error::AppError;
use attune::handlers::errors::render_error;

use crate::common::{html_escape, repo_path, TestApp};

#[actix_web::test]
async fn health_answers_with_the_database_state() {
    let app = TestApp::new();
    let res = app.get("/healthz").await;
    assert_eq!(res.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["database"], "ok");
    // Three courses and two one-off workshops.
    assert_eq!(json["curricula"], 5);
    assert_eq!(res.header("cache-control"), "no-store");
}

#[actix_web::test]
async fn home_and_course_list_show_every_curriculum_and_session() {
    let app = TestApp::new();
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.header("content-type").starts_with("text/html"));
    let list = app.get("/curricula").await;
    assert_eq!(list.status, StatusCode::OK);
    for c in app.state.library.all() {
        assert!(
            home.body.contains(&html_escape(&c.title)),
            "home lacks {}",
            c.title
        );
        assert!(list.body.contains(&html_escape(&c.title)));
        for s in &c.sessions {
            assert!(
                list.body.contains(&html_escape(&s.title)),
                "course list lacks session {} of {}",
                s.number,
                c.slug
            );
        }
    }
}

#[actix_web::test]
async fn a_course_page_has_each_timed_agenda() {
    let app = TestApp::new();
    for c in app.state.library.all() {
        let res = app.get(&format!("/curricula/{}", c.slug)).await;
        assert_eq!(res.status, StatusCode::OK);
        // The version as people read it; the content hash is for the CLI.
        assert!(res.body.contains(&format!("<dd>{}</dd>", c.version)));
        assert!(!res.body.contains(c.short_hash()), "{}", c.slug);
        for s in &c.sessions {
            let mut offset = 0;
            for seg in &s.agenda {
                let start = format!("{}:{:02}", offset / 60, offset % 60);
                assert!(res.body.contains(&start), "{} {}", c.slug, start);
                assert!(res.body.contains(&html_escape(&seg.title)), "{}", seg.title);
                offset += seg.minutes;
            }
        }
    }
}

#[actix_web::test]
async fn a_handout_page_shows_the_handout_practice_and_prompts() {
    let app = TestApp::new();
    let c = app.state.library.get("secure-base").unwrap().clone();
    let s = &c.sessions[2];
    let res = app
        .get(&format!("/curricula/secure-base/sessions/{}", s.number))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains(&html_escape(&s.home_practice.title)));
    for p in &s.reflection_prompts {
        assert!(res.body.contains(&html_escape(p)), "missing prompt {p}");
    }
    let first_heading = s
        .parent_handout
        .lines()
        .find_map(|l| l.strip_prefix("## "))
        .unwrap();
    assert!(
        res.body.contains(&html_escape(first_heading.trim()))
            || res.body.contains(first_heading.trim())
    );
    assert!(res.body.contains("rel=\"prev\""));
    assert!(res.body.contains("rel=\"next\""));
}

#[actix_web::test]
async fn missing_things_get_a_friendly_404_page() {
    let app = TestApp::new();
    for path in [
        "/nothing-here",
        "/curricula/no-such-course",
        "/curricula/secure-base/sessions/99",
        "/curricula/secure-base/sessions/0",
        "/curricula/secure-base/sessions/abc",
        "/assets/../Cargo.toml",
        "/assets/nope.css",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            res.header("content-type").starts_with("text/html"),
            "{path}"
        );
        assert!(
            res.body.contains("<html"),
            "{path}: the error page uses the layout"
        );
        assert!(res.body.contains("We couldn"), "{path}");
    }
}

#[actix_web::test]
async fn programs_get_json_errors() {
    let app = TestApp::new();
    let res = app
        .send(
            TestRequest::get()
                .uri("/nope")
                .insert_header(("Accept", "application/json")),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let json: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(json["error"]["status"], 404);
}

#[actix_web::test]
async fn compressed_bodies_are_refused_with_415_and_change_nothing() {
    let app = TestApp::new();
    // A gzip bomb's first bytes would do; nothing may try to inflate them.
    let gzip: &[u8] = &[0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03];
    for (method, path) in [("post", "/login"), ("post", "/p/lost"), ("get", "/")] {
        let req = if method == "post" {
            TestRequest::post()
        } else {
            TestRequest::get()
        };
        let res = app
            .send(
                req.uri(path)
                    .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                    .insert_header(("Content-Encoding", "gzip"))
                    .set_payload(gzip.to_vec()),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{method} {path}"
        );
        assert!(res.body.contains("not compressed"), "{}", res.body);
        assert_eq!(res.header("x-content-type-options"), "nosniff");
    }
    // Programs get JSON; `identity` is no encoding at all.
    let res = app
        .send(
            TestRequest::post()
                .uri("/login")
                .insert_header(("Accept", "application/json"))
                .insert_header(("Content-Encoding", "br")),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let json: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(json["error"]["status"], 415);
    let res = app
        .send(
            TestRequest::get()
                .uri("/")
                .insert_header(("Content-Encoding", "identity")),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    // Nothing was queued for the address-less lost-link post.
    {
        use diesel::prelude::*;
        let mut conn = app.state.pool.get().unwrap();
        let n: i64 = attune::db::schema::outbox_messages::table
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(n, 0);
    }
}

#[actix_web::test]
async fn pages_carry_security_headers() {
    let app = TestApp::new();
    for path in ["/", "/curricula", "/nope"] {
        let res = app.get(path).await;
        assert_eq!(res.header("x-content-type-options"), "nosniff");
        assert!(res
            .header("content-security-policy")
            .contains("default-src 'self'"));
        assert!(res
            .header("content-security-policy")
            .contains("frame-ancestors 'none'"));
    }
}

#[actix_web::test]
async fn assets_are_served_with_their_type() {
    let app = TestApp::new();
    let res = app.get("/assets/app.css").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.header("content-type").starts_with("text/css"));
    assert!(res.body.contains("--brand"));
}

#[actix_web::test]
async fn curriculum_text_is_escaped_in_pages() {
    let dir = tempfile::tempdir().unwrap();
    let src = repo_path("curricula/mindful-parenting");
    let dst = dir.path().join("mindful-parenting");
    copy_dir(&src, &dst);
    let manifest = std::fs::read_to_string(dst.join("curriculum.toml")).unwrap();
    let manifest = manifest
        .lines()
        .map(|l| {
            if l.starts_with("title") {
                "title = \"Calm <script>alert(1)</script> & more\"".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dst.join("curriculum.toml"), manifest).unwrap();
    let app = TestApp::with_curricula(Some(dir.path().to_path_buf()));
    let res = app.get("/curricula").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(!res.body.contains("<script>alert(1)"));
    assert!(res.body.contains("Calm &lt;script&gt;"));
}

fn copy_dir(src: &std::path::Path, dst: &std::path::Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), to).unwrap();
        }
    }
}

/// Internal errors show a kind page and never their details.
#[actix_web::test]
async fn internal_errors_hide_their_details() {
    let app = TestApp::new();
    let service = test::init_service(
        App::new()
            .app_data(app.state.clone())
            .wrap(actix_web::middleware::ErrorHandlers::new().default_handler(render_error))
            .route(
                "/boom",
                web::get().to(|| async {
                    Err::<HttpResponse, _>(AppError::internal("secret database detail"))
                }),
            )
            .route(
                "/bad",
                web::get().to(|| async {
                    Err::<HttpResponse, _>(AppError::validation("Please enter a date."))
                }),
            ),
    )
    .await;
    let res = test::call_service(&service, TestRequest::get().uri("/boom").to_request()).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
    assert!(body.contains("Something went wrong"));
    assert!(!body.contains("secret database detail"));

    let res = test::call_service(&service, TestRequest::get().uri("/bad").to_request()).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
    assert!(body.contains("Please enter a date."));
}
