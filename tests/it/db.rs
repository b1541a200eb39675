//! The database layer on whichever backend this run uses.

use attune::db::models::User;
use attune::db::{self, write_tx, DbConn};
use attune::error::AppError;
use attune::services::{self, users::NewAccount};
use diesel::prelude::*;

use crate::common::{test_config, TestApp, TestDb};

const TABLES: [&str; 29] = [
    "absence_alerts",
    "access_tokens",
    "app_settings",
    "attendance",
    "audit_log",
    "certificates",
    "checkins",
    "cohort_facilitators",
    "cohorts",
    "contact_preferences",
    "curriculum_versions",
    "enrolments",
    "handout_reads",
    "intakes",
    "login_attempts",
    "measure_answers",
    "meeting_segments",
    "meetings",
    "outbox_messages",
    "participants",
    "reflections",
    "roster_imports",
    "rsvps",
    "sites",
    "support_services",
    "support_settings",
    "users",
    "waitlist_offers",
    "web_sessions",
];

#[test]
fn migrations_go_up_down_and_up_again() {
    let test_db = TestDb::new();
    let mut conn = db::connect(&test_db.target).unwrap();
    assert!(db::table_names(&mut conn).unwrap().is_empty());

    let applied = db::run_migrations(&mut conn).unwrap();
    assert!(!applied.is_empty());
    assert_eq!(db::table_names(&mut conn).unwrap(), TABLES);
    assert!(
        db::run_migrations(&mut conn).unwrap().is_empty(),
        "nothing pending twice"
    );

    let reverted = db::revert_all_migrations(&mut conn).unwrap();
    assert_eq!(reverted.len(), applied.len());
    assert!(db::table_names(&mut conn).unwrap().is_empty());

    db::run_migrations(&mut conn).unwrap();
    assert_eq!(db::table_names(&mut conn).unwrap(), TABLES);
}

#[test]
fn every_pooled_sqlite_connection_is_prepared() {
    let test_db = TestDb::new();
    if test_db.is_postgres() {
        return;
    }
    #[derive(QueryableByName)]
    struct Val {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let pool = db::open_pool(&test_db.target, 3, std::time::Duration::from_secs(5)).unwrap();
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut conn = pool.get().unwrap();
        let DbConn::Sqlite(c) = &mut *conn else {
            panic!("expected SQLite")
        };
        for (pragma, column, want) in [
            ("foreign_keys", "foreign_keys", "1"),
            ("journal_mode", "journal_mode", "wal"),
            ("busy_timeout", "timeout", "5000"),
            ("synchronous", "synchronous", "2"),
        ] {
            let got: Val = diesel::sql_query(format!(
                "SELECT CAST({column} AS TEXT) AS v FROM pragma_{pragma}"
            ))
            .get_result(c)
            .unwrap();
            assert_eq!(got.v, want, "{pragma}");
        }
        held.push(conn);
    }
}

#[test]
fn a_failed_write_changes_nothing() {
    let test_db = TestDb::new();
    let mut conn = test_db.conn();
    let result: Result<(), AppError> = write_tx(&mut conn, |conn| {
        services::users::create_user(
            conn,
            &NewAccount {
                email: "ana@example.org",
                name: "Ana",
                password: "a long enough password",
                is_admin: false,
            },
        )?;
        Err(AppError::validation("changed my mind"))
    });
    assert!(result.is_err());
    assert!(User::find_by_email(&mut conn, "ana@example.org")
        .unwrap()
        .is_none());
}

#[test]
fn a_duplicate_account_is_a_conflict_and_the_connection_stays_usable() {
    let test_db = TestDb::new();
    let mut conn = test_db.conn();
    let account = NewAccount {
        email: "Ana@Example.org",
        name: "Ana",
        password: "a long enough password",
        is_admin: false,
    };
    let user = services::users::create_user(&mut conn, &account).unwrap();
    assert_eq!(user.email, "ana@example.org");
    let again = services::users::create_user(&mut conn, &account);
    assert!(matches!(again, Err(AppError::Conflict(_))), "{again:?}");
    // Straight after the failure (PostgreSQL aborts failed transactions).
    assert!(User::find_by_email(&mut conn, "ana@example.org")
        .unwrap()
        .is_some());
}

#[test]
fn curriculum_versions_are_imported_once_and_pinned() {
    let app = TestApp::new();
    let mut conn = app.state.pool.get().unwrap();
    // AppState::init imported them; a second import adds nothing.
    let again = services::curricula::import_library(&mut conn, &app.state.library).unwrap();
    assert_eq!(again, 0);
    let c = app.state.library.get("repair-and-reconnect").unwrap();
    let row = db::models::CurriculumVersion::by_hash(&mut conn, &c.content_hash).unwrap();
    assert_eq!(row.session_count as usize, c.sessions.len());
    assert_eq!(&row.curriculum().unwrap(), c.as_ref());

    // An edited copy is a new version; the old one stays.
    let mut edited = c.as_ref().clone();
    edited.sessions[0].title.push_str(" (revised)");
    edited.content_hash = "f".repeat(64);
    let (new_row, inserted) = db::models::CurriculumVersion::import(&mut conn, &edited).unwrap();
    assert!(inserted);
    assert_ne!(new_row.id, row.id);
    assert_eq!(
        db::models::CurriculumVersion::find(&mut conn, row.id)
            .unwrap()
            .curriculum()
            .unwrap(),
        *c.as_ref()
    );
}

#[test]
fn demo_data_is_a_living_cohort_and_can_be_made_again() {
    let app = TestApp::new();
    let mut conn = app.state.pool.get().unwrap();
    let today = chrono::Utc::now().date_naive();
    let first = services::demo::seed(&mut conn, &app.state.library, today).unwrap();
    assert!(first.created);
    assert_eq!(first.participants, 10);
    assert_eq!(first.meetings, 7);
    let user = User::find_by_email(&mut conn, "demo@attune.local")
        .unwrap()
        .unwrap();
    assert!(attune::crypto::verify_password(
        &first.password,
        &user.password_hash
    ));

    use attune::db::schema::{attendance, reflections};
    let attended: i64 = attendance::table.count().get_result(&mut *conn).unwrap();
    let reflected: i64 = reflections::table.count().get_result(&mut *conn).unwrap();
    assert!(
        attended >= 9 * 3,
        "three past meetings with attendance, got {attended}"
    );
    assert!(reflected > 5, "some reflections, got {reflected}");

    let second = services::demo::seed(&mut conn, &app.state.library, today).unwrap();
    assert!(!second.created);
    assert_eq!(second.cohort_id, first.cohort_id);
    assert_ne!(second.password, first.password);
    let user = User::find_by_email(&mut conn, "demo@attune.local")
        .unwrap()
        .unwrap();
    assert!(attune::crypto::verify_password(
        &second.password,
        &user.password_hash
    ));
    let attended_again: i64 = attendance::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(attended, attended_again);
}

#[test]
fn the_secret_key_is_generated_once_and_shared() {
    let test_db = TestDb::new();
    let a = attune::AppState::init(test_config(&test_db.url, None)).unwrap();
    let b = attune::AppState::init(test_config(&test_db.url, None)).unwrap();
    assert_eq!(a.secret_key.len(), 64);
    assert_eq!(a.secret_key, b.secret_key);
}
