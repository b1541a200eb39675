//! The short intake form a parent (or their facilitator, from paper) fills
//! in at enrolment, and its figures for reports: aggregates only, each
//! protected by `stats` so no count comes from too few parents.

use std::collections::BTreeMap;

use crate::db::models::intake::Intake;
use crate::db::status::IntakeNeed;
use crate::db::DbConn;
use crate::error::AppError;
use crate::stats::{protect_counts, Cell, FigureGroup, FigureRow, MinCell};

/// The label a report shows for a need.
pub fn need_label(need: IntakeNeed) -> &'static str {
    match need {
        IntakeNeed::Childcare => "Childcare",
        IntakeNeed::Transport => "Transport",
        IntakeNeed::Interpreter => "An interpreter",
        IntakeNeed::Access => "Access needs",
    }
}

/// Intake figures over these parents' places, for a report.
pub fn for_report(
    conn: &mut DbConn,
    enrolment_ids: &[i64],
    min: MinCell,
) -> Result<Vec<FigureGroup>, AppError> {
    let forms = Intake::for_enrolments(conn, enrolment_ids)?;
    if forms.is_empty() {
        return Ok(Vec::new());
    }
    let answered = forms.len();
    let out_of = Some(format!(
        "of {} who filled in the intake form",
        if min.allows(answered) {
            answered.to_string()
        } else {
            format!("fewer than {}", min.get())
        }
    ));
    // Needs: a parent may name several, so the rows are not parts of one
    // whole; each is hidden on its own when too small.
    let needs = IntakeNeed::ALL
        .iter()
        .map(|need| {
            let n = forms
                .iter()
                .filter(|f| f.needs.split_whitespace().any(|w| w == need.as_str()))
                .count();
            FigureRow {
                label: need_label(*need).into(),
                count: Cell::when(min.allows(n), n),
            }
        })
        .collect();
    let mut groups = vec![FigureGroup {
        title: "Needs".into(),
        note: out_of.clone(),
        rows: needs,
    }];
    for (title, pick) in [
        (
            "Preferred language",
            (|f: &Intake| f.language.clone()) as fn(&Intake) -> Option<String>,
        ),
        ("How they heard of the group", |f: &Intake| {
            f.heard_from.clone()
        }),
    ] {
        groups.push(one_answer_each(title, out_of.clone(), &forms, pick, min));
    }
    Ok(groups)
}

/// A question with one answer per parent ("not said" for none): the rows
/// add up to everyone who filled in the form, so they are protected
/// together (a hidden row cannot be worked out from the others).
fn one_answer_each(
    title: &str,
    note: Option<String>,
    forms: &[Intake],
    pick: fn(&Intake) -> Option<String>,
    min: MinCell,
) -> FigureGroup {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for f in forms {
        let answer = pick(f)
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| "Not said".into());
        *counts.entry(answer).or_default() += 1;
    }
    let labels: Vec<String> = counts.keys().cloned().collect();
    let sizes: Vec<usize> = counts.values().copied().collect();
    let (cells, _) = protect_counts(&sizes, min);
    FigureGroup {
        title: title.into(),
        note,
        rows: labels
            .into_iter()
            .zip(cells)
            .map(|(label, count)| FigureRow { label, count })
            .collect(),
    }
}
