//! Who the made-up parents are and what they write.

use chrono::{Duration, NaiveDateTime};

use super::plan::Member;
use super::shared::mix;
use super::shared::EMAIL_DOMAIN;
use super::words::{ANSWERS, FIRST_NAMES, LAST_NAMES, NICKNAMES, REPLIES};
use crate::curriculum::Curriculum;
use crate::db::bulk::ReflectionRow;
use crate::db::status::ReflectionStatus;
use crate::error::AppError;

/// Two or three sent reflections per parent (fewer when fewer meetings
/// were held), mostly for the sessions they came to, each answer as the
/// parent's own page saves it: a JSON list, one string per prompt.
pub fn reflections_of(
    m: &Member,
    curriculum: &Curriculum,
    present: &[usize],
    at: NaiveDateTime,
) -> Result<Vec<ReflectionRow>, AppError> {
    let who = m.who as u64;
    let meetings = &m.plan.meetings;
    let mut order: Vec<usize> = (0..meetings.len())
        .filter(|&mi| meetings[mi].starts_at <= at)
        .collect();
    let wanted = order.len().min(2 + (mix(who, 11) % 2) as usize);
    let turn = m.who % order.len().max(1);
    order.rotate_left(turn);
    order.sort_by_key(|mi| !present.contains(mi));
    let mut out = Vec::new();
    for &mi in order.iter().take(wanted) {
        let meeting = &meetings[mi];
        let prompts = curriculum
            .session(meeting.session_number as u32)
            .map_or(2, |s| s.reflection_prompts.len());
        // A different answer to each prompt; now and then one skipped.
        let first = mix(who, 200 + mi as u64) as usize;
        let answers: Vec<&str> = (0..prompts)
            .map(|q| {
                if q > 0 && mix(who, 210 + (mi * 8 + q) as u64).is_multiple_of(5) {
                    ""
                } else {
                    ANSWERS[(first + 5 * q) % ANSWERS.len()]
                }
            })
            .collect();
        let r = mix(who, 300 + mi as u64);
        let starts = meeting.starts_at;
        let mut sent = starts + Duration::hours(20 + (r % 60) as i64);
        if sent > at {
            sent = starts + (at - starts) / 2;
        }
        let only_me = r.is_multiple_of(7);
        let read = (!only_me && r % 10 < 7)
            .then_some(sent + Duration::days(1))
            .filter(|t| *t <= at);
        let reply = read
            .filter(|_| r % 8 == 3)
            .map(|t| (REPLIES[(r >> 8) as usize % REPLIES.len()], t));
        out.push(ReflectionRow {
            enrolment_id: m.enrolment_id,
            session_number: meeting.session_number,
            answers: serde_json::to_string(&answers)
                .map_err(|e| AppError::caused("writing JSON", e))?,
            visibility: if only_me { "only_me" } else { "facilitators" },
            status: ReflectionStatus::Submitted.as_str(),
            submitted_at: sent,
            created_at: sent,
            updated_at: sent,
            first_read_at: read,
            facilitator_reply: reply.map(|r| r.0),
            replied_by: reply.map(|_| m.plan.lead),
            replied_at: reply.map(|r| (r.1 + Duration::minutes(10)).min(at)),
        });
    }
    Ok(out)
}

pub struct Person {
    pub email: String,
    pub name: String,
    pub preferred: Option<&'static str>,
    pub phone: Option<String>,
}

impl Person {
    pub fn new(n: usize) -> Self {
        let r = mix(n as u64, 9);
        Person {
            email: format!("parent{}@{EMAIL_DOMAIN}", n + 1),
            name: person_name(n as u64),
            preferred: r
                .is_multiple_of(9)
                .then(|| NICKNAMES[(r >> 8) as usize % NICKNAMES.len()]),
            phone: (r % 5 < 2)
                .then(|| format!("+1 555 01{:02} {:04}", r % 100, (r >> 16) % 10_000)),
        }
    }
}

pub fn person_name(n: u64) -> String {
    let first = FIRST_NAMES[(mix(n, 21) % FIRST_NAMES.len() as u64) as usize];
    let last = LAST_NAMES[(mix(n, 22) % LAST_NAMES.len() as u64) as usize];
    format!("{first} {last}")
}
