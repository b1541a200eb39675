//! `attune demo --scale N`: a database filled with N made-up parents in
//! groups of about twelve, for load tests and for seeing the pages at size.
//!
//! Everything follows from N and today's date, so two runs look alike;
//! only the password and the printed link are random. Rows go in as
//! multi-row INSERTs (no per-parent round trips), a few hundred cohorts a
//! round, all in one transaction: a failed run leaves nothing behind. Ids
//! are read back by what identifies each row (title, email, cohort and
//! session), so nothing depends on how a backend hands out ids.
//!
//! It fills a database once: the marker is a cohort titled `Scale #…` or a
//! person at `@scale.example`.

mod parents;
mod plan;
mod round;
mod shared;
mod words;

use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};

use crate::crypto::hash_password;
use crate::crypto::new_readable_password;
use crate::curriculum::{Curriculum, Library};
use crate::db::bulk::{self, insert_all, Rows};
use crate::db::models::Audit;
use crate::db::models::{CurriculumVersion, NewUser, User};
use crate::db::status::EnrolmentStatus;
use crate::db::{now, write_tx, DbConn};
use crate::error::AppError;
use crate::services::demo;
use parents::person_name;
use round::{missing, Writer, COHORTS_PER_FACILITATOR};
use shared::mix;
pub use shared::{ScaleReport, EMAIL_DOMAIN, TITLE_PREFIX};

pub const MAX_PARTICIPANTS: u32 = 1_000_000;
/// Cohorts written per round: about 6,000 parents, so memory stays small.
const COHORTS_PER_ROUND: usize = 500;

/// Fresh personal links for up to `wanted` parents (at most 4 per group)
/// whose reflection is open now, with that session's number: what the load
/// and crash drills in `benches/` sign in with.
pub fn load_test_links(conn: &mut DbConn, wanted: usize) -> Result<Vec<(String, u32)>, AppError> {
    use crate::db::models::{Cohort, Enrolment, Meeting};
    use crate::services::participants::{issue_link, reflection_window};
    let at = now();
    let groups: Vec<Cohort> = bulk::cohorts_titled(conn, TITLE_PREFIX)?;
    let mut links = Vec::new();
    for cohort in groups {
        if links.len() >= wanted {
            break;
        }
        let meetings = Meeting::for_cohort(conn, cohort.id)?;
        let sessions = meetings.iter().map(|m| m.session_number as u32).max();
        let open = (1..=sessions.unwrap_or(0)).rev().find(|&n| {
            let (opens, closes) = reflection_window(&cohort, &meetings, n);
            opens.is_some_and(|o| o <= at) && closes.is_none_or(|c| c > at)
        });
        let Some(session) = open else { continue };
        let parents: Vec<Enrolment> = Enrolment::for_cohort(conn, cohort.id)?
            .into_iter()
            .filter(|e| e.status == EnrolmentStatus::Active && e.consented_at.is_some())
            .take(4.min(wanted - links.len()))
            .collect();
        write_tx(conn, |conn| {
            for e in &parents {
                links.push((issue_link(conn, e.id)?, session));
            }
            Ok::<_, AppError>(())
        })?;
    }
    Ok(links)
}

/// Refuses, naming the marker, when the database already has scale data.
pub fn check_empty(conn: &mut DbConn) -> Result<(), AppError> {
    let (groups, people) = bulk::count_marked(conn, TITLE_PREFIX, EMAIL_DOMAIN)?;
    if groups + people > 0 {
        return Err(AppError::Conflict(format!(
            "this database already has scale data ({groups} groups titled \"{TITLE_PREFIX}…\", \
             {people} people at @{EMAIL_DOMAIN}); --scale fills a database only once, so point \
             DATABASE_URL at a new one"
        )));
    }
    Ok(())
}

/// Fills the database with `wanted` parents; `progress(done, total)` counts
/// parents written.
pub fn seed(
    conn: &mut DbConn,
    library: &Library,
    today: NaiveDate,
    wanted: u32,
    progress: &dyn Fn(usize, usize),
) -> Result<ScaleReport, AppError> {
    if !(1..=MAX_PARTICIPANTS).contains(&wanted) {
        return Err(AppError::validation(format!(
            "--scale takes 1 to {MAX_PARTICIPANTS} parents"
        )));
    }
    // Secure Base first: the printed cohort runs the course `attune demo` shows.
    // Multi-week courses only: the scale data is weekly groups with a
    // reflection per session, not one-off workshops.
    let mut curricula: Vec<Arc<Curriculum>> = library
        .all()
        .into_iter()
        .filter(|c| c.sessions.len() > 1)
        .cloned()
        .collect();
    curricula.sort_by_key(|c| c.slug != "secure-base");
    if curricula.is_empty() {
        return Err(AppError::validation(
            "There are no curricula to build scale cohorts from.",
        ));
    }
    check_empty(conn)?;
    let password = new_readable_password()?;
    let hash = hash_password(&password)?;
    let sqlite = matches!(conn, DbConn::Sqlite(_));
    if sqlite {
        bulk::sqlite_bulk_mode(conn, true)?;
    }
    let result = write_tx(conn, |conn| {
        check_empty(conn)?;
        load(
            conn,
            &curricula,
            today,
            wanted as usize,
            &hash,
            password,
            progress,
        )
    });
    if sqlite {
        bulk::sqlite_bulk_mode(conn, false)?;
    }
    result
}

fn load(
    conn: &mut DbConn,
    curricula: &[Arc<Curriculum>],
    today: NaiveDate,
    wanted: usize,
    hash: &str,
    password: String,
    progress: &dyn Fn(usize, usize),
) -> Result<ScaleReport, AppError> {
    let at = now();
    let mut versions = Vec::new();
    for c in curricula {
        versions.push((c.as_ref(), CurriculumVersion::import(conn, c)?.0.id));
    }
    let sizes = cohort_sizes(wanted);
    let facilitators = insert_facilitators(
        conn,
        sizes.len().div_ceil(COHORTS_PER_FACILITATOR),
        hash,
        at,
    )?;
    let demo_user = User::find_by_email(conn, demo::DEMO_EMAIL)?.map(|u| u.id);
    let mut writer = Writer {
        curricula: versions,
        report: ScaleReport {
            cohorts: 0,
            participants: 0,
            facilitators: facilitators.len(),
            meetings: 0,
            attendance: 0,
            reflections: 0,
            password,
            facilitator_email: facilitator_email(0),
            cohort_id: 0,
            cohort_title: String::new(),
            parent_name: String::new(),
            parent_token: String::new(),
            demo_user_added: demo_user.is_some(),
        },
        facilitators,
        demo_user,
        today,
        at,
        sizes,
        last_participant: 0,
        last_cohort: 0,
    };
    let total = writer.sizes.len();
    let mut first_participant = 0;
    for start in (0..total).step_by(COHORTS_PER_ROUND) {
        let mut plans = Vec::with_capacity(COHORTS_PER_ROUND);
        for index in start..(start + COHORTS_PER_ROUND).min(total) {
            let plan = writer.plan(index, first_participant)?;
            first_participant += plan.size;
            plans.push(plan);
        }
        writer.write(conn, &plans)?;
        progress(writer.report.participants, wanted);
    }
    Audit::system()
        .did("demo.scale")
        .detail(Some(&format!("{wanted} participants")))
        .at(at)
        .record(conn)?;
    Ok(writer.report)
}

fn facilitator_email(i: usize) -> String {
    format!("facilitator{}@{EMAIL_DOMAIN}", i + 1)
}

/// One argon2 hash for every facilitator: hashing is the slow part.
fn insert_facilitators(
    conn: &mut DbConn,
    count: usize,
    hash: &str,
    at: NaiveDateTime,
) -> Result<Vec<i64>, AppError> {
    let emails: Vec<String> = (0..count).map(facilitator_email).collect();
    let names: Vec<String> = (0..count)
        .map(|i| person_name(i as u64 + 7_000_000))
        .collect();
    let rows: Vec<NewUser> = emails
        .iter()
        .zip(&names)
        .map(|(email, name)| NewUser {
            email,
            name,
            password_hash: hash,
            is_admin: false,
            created_at: at,
            updated_at: at,
        })
        .collect();
    insert_all(conn, Rows::Users(&rows))?;
    let ids = bulk::user_ids(conn, EMAIL_DOMAIN)?;
    emails
        .iter()
        .map(|e| ids.get(e).copied().ok_or_else(|| missing("facilitator")))
        .collect()
}

/// Group sizes adding up to `n`: about twelve, 10 to 14 where `n` allows.
fn cohort_sizes(n: usize) -> Vec<usize> {
    let count = ((n + 6) / 12).max(1);
    let mut sizes: Vec<usize> = (0..count)
        .map(|i| n / count + usize::from(i < n % count))
        .collect();
    for pair in 0..count / 2 {
        let d = (mix(pair as u64, 5) % 3) as usize;
        let (a, b) = (2 * pair, 2 * pair + 1);
        if sizes[a] >= 10 + d && sizes[b] + d <= 14 {
            sizes[a] -= d;
            sizes[b] += d;
        }
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_sizes_add_up_and_stay_near_twelve() {
        for n in [1, 5, 11, 12, 13, 18, 25, 299, 300, 1000, 100_000, 1_000_000] {
            let sizes = cohort_sizes(n);
            assert_eq!(sizes.iter().sum::<usize>(), n, "{n}");
            if n >= 100 {
                assert!(sizes.iter().all(|s| (10..=14).contains(s)), "{n}");
                assert!(sizes.iter().any(|s| *s != 12), "{n}: sizes vary");
                let mean = n as f64 / sizes.len() as f64;
                assert!((11.5..=12.5).contains(&mean), "{n}: {mean}");
            }
        }
        assert_eq!(cohort_sizes(5), [5]);
    }

    #[test]
    fn mixing_is_repeatable_and_spread() {
        assert_eq!(mix(3, 4), mix(3, 4));
        assert_ne!(mix(3, 4), mix(4, 3));
        let buckets = (0..10_000u64).fold([0u32; 10], |mut b, i| {
            b[(mix(i, 1) % 10) as usize] += 1;
            b
        });
        assert!(
            buckets.iter().all(|n| (900..=1100).contains(n)),
            "{buckets:?}"
        );
    }
}
