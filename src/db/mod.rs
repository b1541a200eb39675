//! The database: one `DbConn` over SQLite or PostgreSQL, chosen by the URL
//! scheme, a pool that prepares every connection, and embedded migrations.
//! Every query lives in `models/`; backend-specific SQL only here or there,
//! as a `match` on `DbConn`.
//!
//! Lookups by a unique key on hot paths read with `.load(conn)?` and take
//! the first row, not `.first(conn)`: diesel binds `first`'s LIMIT as a
//! parameter, SQLite's planner reads that value, and so SQLite re-prepares
//! such a statement every time it runs (a fifth of a parent's page in the
//! load test, `benches/README.md`).

pub mod bulk;
pub mod ids;
pub mod models;
pub mod schema;
pub mod status;
pub mod views;

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub use crate::config::{redact_password, DatabaseTarget};
use crate::error::AppError;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Runs `$body` with `$c` bound to the concrete connection. For what
/// `MultiBackend` cannot express (upserts, batch inserts, raw SQL loads):
/// the body is compiled once per backend.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Postgres($c) => $body,
        }
    };
}

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// Why a connection could not be made, as one line a person can act on.
#[derive(Debug)]
pub struct ConnectError(pub String);

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConnectError {}

/// Collapses a multi-line driver message into one line.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Opens one connection of the right kind. We never call
/// `DbConn::establish`: it tries each backend in turn and hides the real
/// error.
pub fn connect(target: &DatabaseTarget) -> Result<DbConn, ConnectError> {
    match target {
        DatabaseTarget::Sqlite { path } => {
            let path_str = path.to_str().ok_or_else(|| {
                ConnectError(format!("the path {} is not valid UTF-8", path.display()))
            })?;
            let mut conn = SqliteConnection::establish(path_str).map_err(|e| {
                ConnectError(format!(
                    "cannot open SQLite database {}: {}",
                    path.display(),
                    one_line(&e.to_string())
                ))
            })?;
            // busy_timeout first, so the pragmas below wait for a writer
            // instead of failing. One batch_execute runs every statement.
            // secure_delete zeroes deleted content, so an erased parent's
            // words do not linger in free pages.
            conn.batch_execute(
                "PRAGMA busy_timeout = 5000;
                 PRAGMA journal_mode = WAL;
                 PRAGMA foreign_keys = ON;
                 PRAGMA synchronous = FULL;
                 PRAGMA secure_delete = ON;",
            )
            .map_err(|e| {
                ConnectError(format!(
                    "cannot use SQLite database {}: {}",
                    path.display(),
                    one_line(&e.to_string())
                ))
            })?;
            Ok(DbConn::Sqlite(conn))
        }
        DatabaseTarget::Postgres { url } => {
            let url = with_connect_timeout(url);
            let mut conn = PgConnection::establish(&url).map_err(|e| {
                ConnectError(format!(
                    "cannot connect to {}: {}",
                    DatabaseTarget::Postgres { url: url.clone() }.describe(),
                    one_line(&e.to_string())
                ))
            })?;
            conn.batch_execute("SET TIME ZONE 'UTC'")
                .map_err(|e| ConnectError(one_line(&e.to_string())))?;
            Ok(DbConn::Postgres(conn))
        }
    }
}

/// libpq waits forever for an unreachable host unless told otherwise.
fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&connect_timeout=5")
    } else {
        format!("{url}?connect_timeout=5")
    }
}

/// The pool's connection factory: every new connection is set up by
/// `connect`, so SQLite pragmas hold on every pooled connection.
#[derive(Debug, Clone)]
pub struct Manager {
    target: DatabaseTarget,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConn, ConnectError> {
        connect(&self.target)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), ConnectError> {
        conn.batch_execute("SELECT 1")
            .map_err(|e| ConnectError(one_line(&e.to_string())))
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        <DbConn as TransactionManager<DbConn>>::is_broken_transaction_manager(conn)
    }
}

/// Creates the SQLite file's folder if needed, connects once (so the caller
/// gets the real reason when that fails) and applies pending migrations.
/// Returns the migrations applied.
pub fn migrate(target: &DatabaseTarget) -> Result<Vec<String>, ConnectError> {
    if let DatabaseTarget::Sqlite { path } = target {
        prepare_sqlite_folder(path)?;
    }
    let mut conn = connect(target)?;
    run_migrations(&mut conn).map_err(|e| ConnectError(format!("migrations failed: {e}")))
}

/// Migrates the database, then hands out the pool.
pub fn open_pool(
    target: &DatabaseTarget,
    max_size: u32,
    wait: Duration,
) -> Result<Pool, ConnectError> {
    let applied = migrate(target)?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "database migrated");
    }
    r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(1))
        .connection_timeout(wait)
        .build(Manager {
            target: target.clone(),
        })
        .map_err(|e| ConnectError(one_line(&e.to_string())))
}

fn prepare_sqlite_folder(path: &std::path::Path) -> Result<(), ConnectError> {
    let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(());
    };
    std::fs::create_dir_all(parent).map_err(|e| {
        ConnectError(format!(
            "cannot create the data folder {}: {e}",
            parent.display()
        ))
    })?;
    // SQLite opens read-only files without complaint and fails on the first
    // write; find out now, while the message can still name the folder.
    let probe = parent.join(format!(".attune-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .and_then(|_| std::fs::remove_file(&probe))
        .map_err(|e| {
            ConnectError(format!(
                "the data folder {} is not writable: {e}",
                parent.display()
            ))
        })
}

/// Applies pending migrations; returns the versions applied.
pub fn run_migrations(conn: &mut DbConn) -> Result<Vec<String>, AppError> {
    let applied = match conn {
        DbConn::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.iter().map(|m| m.to_string()).collect()),
        DbConn::Postgres(c) => {
            // Several servers may start at once on one database.
            c.batch_execute("SELECT pg_advisory_lock(7262737)")?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.iter().map(|m| m.to_string()).collect());
            c.batch_execute("SELECT pg_advisory_unlock(7262737)")?;
            result
        }
    };
    applied.map_err(|e| AppError::Internal {
        context: "migration failed".into(),
        source: Some(e),
    })
}

/// Reverts every applied migration (tests and `attune migrate --down`).
pub fn revert_all_migrations(conn: &mut DbConn) -> Result<Vec<String>, AppError> {
    let reverted = match conn {
        DbConn::Sqlite(c) => c
            .revert_all_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.iter().map(|m| m.to_string()).collect()),
        DbConn::Postgres(c) => c
            .revert_all_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.iter().map(|m| m.to_string()).collect()),
    };
    reverted.map_err(|e| AppError::Internal {
        context: "migration revert failed".into(),
        source: Some(e),
    })
}

/// Runs `f` in a write transaction. On SQLite that is `BEGIN IMMEDIATE`, so
/// the write lock is taken up front and waits under busy_timeout instead of
/// failing with SQLITE_BUSY when a read transaction later tries to write.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Postgres(_) => <DbConn as TransactionManager<DbConn>>::begin_transaction(conn)?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConn as TransactionManager<DbConn>>::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            <DbConn as TransactionManager<DbConn>>::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

/// Names of the tables that exist now (for migration tests and `migrate`).
pub fn table_names(conn: &mut DbConn) -> Result<Vec<String>, AppError> {
    use diesel::sql_types::Text;
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let sql = match conn {
        DbConn::Sqlite(_) => {
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations' ORDER BY name"
        }
        DbConn::Postgres(_) => {
            "SELECT table_name AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name <> '__diesel_schema_migrations' \
             ORDER BY table_name"
        }
    };
    let rows: Vec<Name> = crate::on_backend!(conn, |c| diesel::sql_query(sql).load(c))?;
    Ok(rows.into_iter().map(|r| r.name).collect())
}

pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

/// Copies a live SQLite database to `dest` with `VACUUM INTO`: one
/// consistent snapshot, taken while the server keeps running, then checked
/// with `PRAGMA integrity_check`. Returns the copy's size in bytes.
pub fn backup_sqlite(source: &std::path::Path, dest: &std::path::Path) -> Result<u64, String> {
    use diesel::RunQueryDsl;

    #[derive(diesel::QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }

    if dest.exists() {
        return Err(format!(
            "{} already exists; choose a new file name (a backup never overwrites)",
            dest.display()
        ));
    }
    let Some(dest_str) = dest.to_str() else {
        return Err("the backup file name must be valid UTF-8".into());
    };
    let DbConn::Sqlite(mut conn) = connect(&DatabaseTarget::Sqlite {
        path: source.to_path_buf(),
    })
    .map_err(|e| e.0)?
    else {
        return Err("not a SQLite database".into());
    };
    diesel::sql_query(format!("VACUUM INTO '{}'", dest_str.replace('\'', "''")))
        .execute(&mut conn)
        .map_err(|e| {
            format!(
                "cannot write {}: {}",
                dest.display(),
                one_line(&e.to_string())
            )
        })?;
    let mut copy = SqliteConnection::establish(dest_str)
        .map_err(|e| format!("cannot open the copy: {}", one_line(&e.to_string())))?;
    let checks: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut copy)
        .map_err(|e| format!("cannot check the copy: {}", one_line(&e.to_string())))?;
    let verdict: Vec<String> = checks.into_iter().map(|c| c.integrity_check).collect();
    if verdict != ["ok"] {
        return Err(format!(
            "the copy failed its integrity check: {}",
            verdict.join("; ")
        ));
    }
    std::fs::metadata(dest)
        .map(|m| m.len())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_database_urls() {
        assert_eq!(
            DatabaseTarget::parse("sqlite://data/attune.db"),
            Ok(DatabaseTarget::Sqlite {
                path: "data/attune.db".into()
            })
        );
        assert_eq!(
            DatabaseTarget::parse("sqlite:///tmp/a.db"),
            Ok(DatabaseTarget::Sqlite {
                path: "/tmp/a.db".into()
            })
        );
        assert!(DatabaseTarget::parse("postgres://u:p@localhost/x").is_ok());
        assert!(DatabaseTarget::parse("postgresql://localhost/x").is_ok());
        let err = DatabaseTarget::parse("mysql://localhost/x").unwrap_err();
        assert!(err.contains("unsupported scheme 'mysql'"), "{err}");
        assert!(DatabaseTarget::parse("sqlite://").is_err());
        assert!(DatabaseTarget::parse("").is_err());
    }

    #[test]
    fn redacts_passwords() {
        let t = DatabaseTarget::parse("postgres://me:secret@db.example/x").unwrap();
        assert_eq!(t.describe(), "PostgreSQL at postgres://me@db.example/x");
    }

    #[test]
    fn adds_a_connect_timeout() {
        assert_eq!(
            with_connect_timeout("postgres://h/x"),
            "postgres://h/x?connect_timeout=5"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/x?sslmode=disable"),
            "postgres://h/x?sslmode=disable&connect_timeout=5"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/x?connect_timeout=1"),
            "postgres://h/x?connect_timeout=1"
        );
    }
}
