//! Outcomes for reports: each measure's change from the start of a course
//! to its end, across cohorts and for each, through `stats` so no figure
//! comes from too few parents.

use std::collections::HashMap;

use crate::db::models::checkin::Checkin;
use crate::db::DbConn;
use crate::error::AppError;
use crate::services::checkins::{Phase, ITEMS};
use crate::stats::{self, Better, MinCell, Outcome};

/// How far a parent's score must move the good way to count as improved.
const CHECKIN_THRESHOLD: f64 = 0.5;

/// Every measure's outcome over `cohort_ids` (in that order), for a report.
/// A measure nobody answered at both ends is left out.
pub fn for_report(
    conn: &mut DbConn,
    cohort_ids: &[i64],
    min: MinCell,
) -> Result<Vec<Outcome>, AppError> {
    let rows = Checkin::for_cohorts(conn, cohort_ids)?;
    let score = |answers: &str| -> Option<f64> {
        let v: Vec<u8> = serde_json::from_str(answers).ok()?;
        (v.len() == ITEMS.len())
            .then(|| v.iter().map(|&a| f64::from(a)).sum::<f64>() / v.len() as f64)
    };
    type Ends = (Option<f64>, Option<f64>);
    let mut by_parent: HashMap<(i64, i64), Ends> = HashMap::new();
    for (cohort, row) in &rows {
        let entry = by_parent.entry((*cohort, row.enrolment_id)).or_default();
        if row.phase == Phase::Pre.as_str() {
            entry.0 = score(&row.answers);
        } else if row.phase == Phase::Post.as_str() {
            entry.1 = score(&row.answers);
        }
    }
    // One pass to group the pairs by cohort (a report may hold hundreds).
    type Pairs = Vec<(i64, (f64, f64))>;
    let mut pairs: HashMap<i64, Pairs> = HashMap::new();
    for ((cohort, e), ends) in &by_parent {
        if let (Some(a), Some(b)) = *ends {
            pairs.entry(*cohort).or_default().push((*e, (a, b)));
        }
    }
    let per_cohort: Vec<(i64, Vec<(f64, f64)>)> = cohort_ids
        .iter()
        .map(|c| {
            let mut theirs = pairs.remove(c).unwrap_or_default();
            theirs.sort_by_key(|(e, _)| *e);
            (*c, theirs.into_iter().map(|(_, p)| p).collect())
        })
        .collect();
    if per_cohort.iter().all(|(_, p)| p.is_empty()) {
        return Ok(Vec::new());
    }
    let (n_paired, overall, cohorts) =
        stats::outcome_figures(&per_cohort, min, Better::Higher, CHECKIN_THRESHOLD);
    Ok(vec![Outcome {
        slug: "attune-checkin".into(),
        title: "attune's start and end check-in".into(),
        citation: "Written for attune; not a validated scale.".into(),
        scale: format!("the mean of {} items, each 1 to 5", ITEMS.len()),
        better: Better::Higher,
        threshold: CHECKIN_THRESHOLD,
        n_paired,
        overall,
        cohorts,
    }])
}
