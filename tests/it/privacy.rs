//! Parents' data rights: the registry, export, erasure, and logs that never
//! hold what parents write.

use std::io::Write;
use std::sync::{Arc, Mutex};

use actix_web::http::StatusCode;
use attune::db::DbConn;
use attune::services::privacy::PERSONAL_DATA;
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::common::{Browser, TestApp};

/// Tables that have a column pointing at a parent.
fn tables_with_parent_columns(conn: &mut DbConn) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let tables = attune::db::table_names(conn).unwrap();
    let mut out = Vec::new();
    for t in tables {
        let sql = match conn {
            DbConn::Sqlite(_) => format!("SELECT name FROM pragma_table_info('{t}')"),
            DbConn::Postgres(_) => format!(
                "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{t}'"
            ),
        };
        let cols: Vec<Row> =
            attune::on_backend!(conn, |c| diesel::sql_query(&sql).load(c)).unwrap();
        if t == "participants"
            || cols
                .iter()
                .any(|c| c.name == "participant_id" || c.name == "enrolment_id")
        {
            out.push(t);
        }
    }
    out
}

#[test]
fn every_table_with_parent_data_is_in_the_registry() {
    let db = crate::common::TestDb::new();
    let mut conn = db.conn();
    let found = tables_with_parent_columns(&mut conn);
    assert!(found.contains(&"reflections".to_string()));
    for table in found {
        assert!(
            PERSONAL_DATA.iter().any(|r| r.table == table),
            "{table} holds parent data but is not in services::privacy::PERSONAL_DATA"
        );
    }
}

const CANARY: &str = "Quiet canary of the linden tree 91c4";

/// A running group with two parents, Ana having written the canary.
async fn setup(app: &TestApp) -> (i64, i64, i64) {
    let lead = crate::common::add_user(app, "lead@example.org", false);
    let cohort = crate::access::cohort_from(app, &lead, "secure-base", -20);
    let ana = crate::access::enrol(app, &lead, cohort, "Ana Ruiz", "ana@example.org");
    let bo = crate::access::enrol(app, &lead, cohort, "Bo Lind", "bo@example.org");
    (cohort, ana, bo)
}

async fn open(app: &TestApp, enrolment: i64) -> Browser<'_> {
    let token = {
        let mut conn = app.state.pool.get().unwrap();
        attune::services::participants::issue_link(&mut conn, enrolment).unwrap()
    };
    let mut b = Browser::new(app);
    b.get(&format!("/p/{token}")).await;
    b.get("/me").await;
    b.post("/me/consent", &[]).await;
    b
}

#[actix_web::test]
async fn a_parent_takes_a_copy_of_everything_and_only_theirs() {
    let app = TestApp::new();
    let (_, ana_id, bo_id) = setup(&app).await;
    let mut bo = open(&app, bo_id).await;
    bo.get("/me/sessions/3").await;
    bo.post(
        "/me/sessions/3/reflection",
        &[("answer_0", "Bo's own words"), ("action", "send")],
    )
    .await;
    let mut ana = open(&app, ana_id).await;
    ana.get("/me/sessions/3").await;
    ana.post(
        "/me/sessions/3/reflection",
        &[("answer_0", CANARY), ("only_me", "1"), ("action", "send")],
    )
    .await;

    let json = ana.get("/me/data/export.json").await;
    assert_eq!(json.status, StatusCode::OK);
    assert!(json.header("content-disposition").contains("attachment"));
    let data: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(data["profile"]["email"], "ana@example.org");
    assert_eq!(
        data["groups"][0]["reflections"][0]["answers"][0]["answer"],
        CANARY
    );
    assert_eq!(data["groups"][0]["reflections"][0]["only_me"], true);
    assert!(!json.body.contains("Bo's own words"));
    let page = ana.get("/me/data/export").await;
    assert!(page.body.contains(CANARY));
    assert!(!page.body.contains("Bo&#x27;s own words") && !page.body.contains("Bo's own words"));
}

#[actix_web::test]
async fn erasure_leaves_no_trace_of_what_was_written() {
    let app = TestApp::new();
    let (cohort, ana_id, _) = setup(&app).await;
    let mut ana = open(&app, ana_id).await;
    ana.get("/me/sessions/3").await;
    ana.post(
        "/me/sessions/3/reflection",
        &[("answer_0", CANARY), ("action", "send")],
    )
    .await;
    ana.get("/me/data").await;
    let refused = ana.post("/me/data/delete", &[]).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the box must be ticked"
    );
    let done = ana.post("/me/data/delete", &[("confirm", "yes")]).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.body.contains("Your information is deleted"));
    assert_eq!(ana.get("/me").await.status, StatusCode::UNAUTHORIZED);

    let mut lead = Browser::new(&app);
    lead.sign_in("lead@example.org", crate::common::PASSWORD)
        .await;
    let page = lead.get(&format!("/cohorts/{cohort}")).await;
    assert!(page.body.contains("Deleted parent"));
    assert!(!page.body.contains("ana@example.org"));
    assert!(!lead
        .get(&format!(
            "/cohorts/{cohort}/enrolments/{ana_id}/reflections"
        ))
        .await
        .body
        .contains(CANARY));

    let mut conn = app.state.pool.get().unwrap();
    use attune::db::schema::{participants, reflections};
    let left: i64 = reflections::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(left, 0);
    let emails: Vec<Option<String>> = participants::table
        .select(participants::email)
        .load(&mut *conn)
        .unwrap();
    assert!(!emails.contains(&Some("ana@example.org".into())));
    if let DbConn::Sqlite(c) = &mut *conn {
        diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(c)
            .unwrap();
        let path = match &app.state.config.database {
            attune::db::DatabaseTarget::Sqlite { path } => path.clone(),
            _ => unreachable!(),
        };
        for file in [path.clone(), path.with_extension("db-wal")] {
            if let Ok(bytes) = std::fs::read(&file) {
                let found = bytes.windows(CANARY.len()).any(|w| w == CANARY.as_bytes());
                assert!(!found, "the canary is still in {}", file.display());
            }
        }
    }
}

/// Collects every log line, at every level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[actix_web::test]
async fn what_parents_write_never_reaches_the_logs() {
    let logs = Captured::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .finish();
    // Global, so the database threads log here too; no other test sets one.
    let _ = tracing::subscriber::set_global_default(subscriber);
    tracing::info!("log capture started");

    let app = TestApp::new();
    let (cohort, ana_id, _) = setup(&app).await;
    let mut ana = open(&app, ana_id).await;
    ana.get("/me/sessions/3").await;
    ana.post(
        "/me/sessions/3/reflection",
        &[("answer_0", CANARY), ("action", "send")],
    )
    .await;
    let long = format!("{CANARY} {}", "x".repeat(30_000));
    ana.get("/me/sessions/3").await;
    ana.post(
        "/me/sessions/3/reflection",
        &[("answer_0", &long), ("action", "send")],
    )
    .await;
    let mut lead = Browser::new(&app);
    lead.sign_in("lead@example.org", crate::common::PASSWORD)
        .await;
    lead.get(&format!(
        "/cohorts/{cohort}/enrolments/{ana_id}/reflections"
    ))
    .await;
    ana.get("/me/data/export.json").await;

    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(text.contains("log capture started"), "the capture works");
    assert!(!text.contains(CANARY), "a reflection reached the logs");
}
