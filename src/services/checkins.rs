//! A short self-check at the start and end of a course. The items are our
//! own; answers are 1 ("not like me") to 5 ("very like me"). Facilitators
//! see only averages across the group, never one parent's answers.

use serde::{Deserialize, Serialize};

use crate::db::models::checkin::Checkin;
use crate::db::models::Audit;
use crate::db::models::{Meeting, User};
use crate::db::status::MeetingStatus;
use crate::db::{now, write_tx, DbConn};
use crate::error::{AppError, FieldErrors};

pub const ITEMS: [&str; 8] = [
    "I feel sure I can comfort my child when they are upset.",
    "I can usually stay calm when my child has a big feeling.",
    "I notice the small ways my child tries to connect with me.",
    "I can take a breath before I react when I feel stressed.",
    "After a hard moment, I know how to make things right with my child.",
    "Most days I make time for small moments of closeness.",
    "I am kind to myself when parenting doesn't go the way I hoped.",
    "I have people I can turn to for support as a parent.",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Phase {
    Pre,
    Post,
}

impl Phase {
    pub fn parse(s: &str) -> Result<Self, AppError> {
        match s {
            "start" => Ok(Self::Pre),
            "end" => Ok(Self::Post),
            _ => Err(AppError::not_found("There is no such check-in.")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pre => "pre",
            Self::Post => "post",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Self::Pre => "start",
            Self::Post => "end",
        }
    }
}

/// (opens, closes); `None` means no limit on that side.
type Window = (Option<chrono::NaiveDateTime>, Option<chrono::NaiveDateTime>);

/// When each check-in is open: the start one until the second meeting
/// begins; the end one from the last meeting for three weeks.
fn window(meetings: &[Meeting], phase: Phase) -> Window {
    let held: Vec<&Meeting> = meetings
        .iter()
        .filter(|m| m.status != MeetingStatus::Cancelled)
        .collect();
    match phase {
        Phase::Pre => (None, held.get(1).map(|m| m.starts_at)),
        Phase::Post => {
            let last = held.iter().map(|m| m.session_number).max();
            let start = held
                .iter()
                .filter(|m| Some(m.session_number) == last)
                .map(|m| m.starts_at)
                .min();
            (start, start.map(|s| s + chrono::Duration::days(21)))
        }
    }
}

fn is_open(meetings: &[Meeting], phase: Phase) -> bool {
    let at = now();
    let (opens, closes) = window(meetings, phase);
    opens.is_none_or(|o| o <= at) && closes.is_none_or(|c| c > at)
}

fn saved(conn: &mut DbConn, enrolment_id: i64, phase: Phase) -> Result<Option<Vec<u8>>, AppError> {
    let answers = Checkin::answers(conn, enrolment_id, phase.as_str())?;
    Ok(answers.and_then(|a| serde_json::from_str(&a).ok()))
}

/// Which check-in (if any) a parent may fill in now, and whether they did,
/// given their group's meetings.
pub fn offer(
    conn: &mut DbConn,
    enrolment_id: i64,
    meetings: &[Meeting],
) -> Result<Option<(Phase, bool)>, AppError> {
    for phase in [Phase::Pre, Phase::Post] {
        if is_open(meetings, phase) {
            return Ok(Some((phase, saved(conn, enrolment_id, phase)?.is_some())));
        }
    }
    Ok(None)
}

#[derive(Debug, Serialize)]
pub struct CheckinPage {
    pub phase: &'static str,
    pub start: bool,
    pub open: bool,
    pub items: Vec<ItemLine>,
    pub done: bool,
}

#[derive(Debug, Serialize)]
pub struct ItemLine {
    pub index: usize,
    pub text: &'static str,
    pub choices: Vec<Choice>,
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Choice {
    pub value: u8,
    pub checked: bool,
}

pub fn page(
    conn: &mut DbConn,
    enrolment_id: i64,
    phase: Phase,
    typed: Option<(&CheckinForm, &FieldErrors)>,
) -> Result<CheckinPage, AppError> {
    let me = crate::services::access::me(conn, enrolment_id)?;
    let meetings = Meeting::for_cohort(conn, me.cohort.id)?;
    let stored = saved(conn, enrolment_id, phase)?;
    let typed_values = typed.map(|(f, _)| f.values());
    Ok(CheckinPage {
        phase: phase.slug(),
        start: phase == Phase::Pre,
        open: is_open(&meetings, phase),
        done: stored.is_some(),
        items: ITEMS
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let current = typed_values
                    .as_ref()
                    .and_then(|v| v.get(i).copied().flatten())
                    .or_else(|| stored.as_ref().and_then(|s| s.get(i).copied()));
                ItemLine {
                    index: i,
                    text,
                    choices: (1..=5)
                        .map(|v| Choice {
                            value: v,
                            checked: current == Some(v),
                        })
                        .collect(),
                    error: typed.and_then(|(_, e)| e.0.get(&format!("item_{i}")).cloned()),
                }
            })
            .collect(),
    })
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct CheckinForm {
    pub item_0: String,
    pub item_1: String,
    pub item_2: String,
    pub item_3: String,
    pub item_4: String,
    pub item_5: String,
    pub item_6: String,
    pub item_7: String,
}

impl CheckinForm {
    fn values(&self) -> Vec<Option<u8>> {
        [
            &self.item_0,
            &self.item_1,
            &self.item_2,
            &self.item_3,
            &self.item_4,
            &self.item_5,
            &self.item_6,
            &self.item_7,
        ]
        .iter()
        .map(|v| v.trim().parse::<u8>().ok().filter(|n| (1..=5).contains(n)))
        .collect()
    }
}

pub fn save(
    conn: &mut DbConn,
    enrolment_id: i64,
    phase: Phase,
    form: &CheckinForm,
) -> Result<(), AppError> {
    let me = crate::services::access::me(conn, enrolment_id)?;
    let meetings = Meeting::for_cohort(conn, me.cohort.id)?;
    if !is_open(&meetings, phase) {
        return Err(AppError::validation("This check-in isn't open right now."));
    }
    let values = form.values();
    let mut errors = FieldErrors::default();
    for (i, v) in values.iter().enumerate() {
        if v.is_none() {
            errors.add(&format!("item_{i}"), "Please choose a number from 1 to 5.");
        }
    }
    errors.check()?;
    let answers: Vec<u8> = values.into_iter().flatten().collect();
    let json = serde_json::to_string(&answers).map_err(|e| AppError::caused("writing JSON", e))?;
    let at = now();
    write_tx(conn, |conn| {
        Checkin::save(conn, enrolment_id, phase.as_str(), &json, at)?;
        Audit::by_participant(me.participant.id)
            .did("checkin.save")
            .on_enrolment(enrolment_id)
            .in_cohort(me.cohort.id)
            .detail(Some(phase.as_str()))
            .at(at)
            .record(conn)
    })
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub cohort_id: i64,
    pub cohort_title: String,
    pub pairs: usize,
    pub starts: usize,
    pub ends: usize,
    /// The smallest group averages are shown for (the organisation's
    /// setting): with fewer pairs than this, `items` is empty.
    pub min_cell: usize,
    pub items: Vec<ItemChange>,
}

#[derive(Debug, Serialize)]
pub struct ItemChange {
    pub text: &'static str,
    pub before: String,
    pub after: String,
    pub change: String,
    pub up: bool,
}

/// Average change per item over the parents who answered both check-ins,
/// shown only when enough parents did both that nobody's answers can be
/// read from the averages (`stats::MinCell`, the organisation's setting).
pub fn report(conn: &mut DbConn, user: &User, cohort_id: i64) -> Result<Report, AppError> {
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    let min = crate::services::organisation::load(conn)?.min_cell;
    let rows = Checkin::for_cohort(conn, cohort.id)?;
    type ByParent = std::collections::HashMap<i64, Vec<u8>>;
    let parse = |a: &str| -> Option<Vec<u8>> {
        serde_json::from_str::<Vec<u8>>(a)
            .ok()
            .filter(|v| v.len() == ITEMS.len())
    };
    let of_phase = |phase: Phase| -> ByParent {
        rows.iter()
            .filter(|r| r.phase == phase.as_str())
            .filter_map(|r| parse(&r.answers).map(|a| (r.enrolment_id, a)))
            .collect()
    };
    let (pre, post) = (of_phase(Phase::Pre), of_phase(Phase::Post));
    let pairs: Vec<(&Vec<u8>, &Vec<u8>)> = pre
        .iter()
        .filter_map(|(id, a)| post.get(id).map(|b| (a, b)))
        .collect();
    let items = ITEMS
        .iter()
        .enumerate()
        .filter_map(|(i, text)| {
            let item: Vec<(f64, f64)> = pairs
                .iter()
                .map(|(a, b)| (f64::from(a[i]), f64::from(b[i])))
                .collect();
            let c = crate::stats::paired_change(&item, min, crate::stats::Better::Higher, 1.0)?;
            Some(ItemChange {
                text,
                before: format!("{:.1}", c.mean_pre),
                after: format!("{:.1}", c.mean_post),
                change: format!("{:+.1}", c.mean_change),
                up: c.mean_change > 0.0,
            })
        })
        .collect();
    Ok(Report {
        cohort_id: cohort.id,
        cohort_title: cohort.title,
        pairs: pairs.len(),
        starts: pre.len(),
        ends: post.len(),
        min_cell: min.get(),
        items,
    })
}
