//! One round of the load: a few hundred cohorts planned from their index,
//! then written table by table, each table's ids read back by what
//! identifies its rows.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};

use super::parents::{reflections_of, Person};
use super::plan::{CohortPlan, Member, PlannedMeeting};
use super::shared::{mix, ScaleReport, EMAIL_DOMAIN, TITLE_PREFIX};
use super::words::{PLACES, SLOTS, TIME_ZONES, WEEKDAYS};
use crate::curriculum::Curriculum;
use crate::db::bulk::{
    self, insert_all, AttendanceRow, CohortRow, EnrolmentRow, FacilitatorRow, MeetingRow,
    ParticipantRow, Rows,
};
use crate::db::status::{AttendanceStatus, EnrolmentStatus};
use crate::db::DbConn;
use crate::error::AppError;
use crate::services::participants::{issue_link, CONSENT_VERSION};
use crate::services::schedule;

pub const COHORTS_PER_FACILITATOR: usize = 20;

/// What stays the same from round to round.
pub struct Writer<'a> {
    /// Curricula with their imported version ids.
    pub curricula: Vec<(&'a Curriculum, i64)>,
    pub facilitators: Vec<i64>,
    pub demo_user: Option<i64>,
    pub today: NaiveDate,
    pub at: NaiveDateTime,
    pub sizes: Vec<usize>,
    /// Highest scale participant and cohort ids read back so far.
    pub last_participant: i64,
    pub last_cohort: i64,
    pub report: ScaleReport,
}

impl Writer<'_> {
    /// Cohort `index`, derived from the index alone (and today).
    pub fn plan(&self, index: usize, first_participant: usize) -> Result<CohortPlan, AppError> {
        let i = index as u64;
        let pick = |salt: u64, len: usize| (mix(i, salt) % len as u64) as usize;
        let curriculum_index = index % self.curricula.len();
        let curriculum = self.curricula[curriculum_index].0;
        let time_zone = TIME_ZONES[pick(1, TIME_ZONES.len())];
        let (meeting_time, part) = SLOTS[pick(2, SLOTS.len())];
        let weekday = pick(3, WEEKDAYS.len());
        // Weeks since the first meeting: -2 (starts in a fortnight) to 9
        // (finished weeks ago). The printed first cohort is part-way.
        let weeks = if index == 0 {
            3
        } else {
            pick(4, 12) as i64 - 2
        };
        let today = self.today.weekday().num_days_from_monday() as usize;
        let back = ((today + 7 - weekday) % 7) as i64;
        let first = self.today - Duration::days(back) - Duration::weeks(weeks);
        let time = NaiveTime::parse_from_str(meeting_time, "%H:%M")
            .map_err(|e| AppError::caused("reading a clock time", e))?;
        let tz = schedule::parse_time_zone(time_zone)?;
        let sessions = u32::try_from(curriculum.sessions.len())
            .map_err(|e| AppError::caused("a count out of range", e))?;
        let meetings: Vec<PlannedMeeting> = schedule::weekly(tz, first, time, sessions, 7, &[])
            .into_iter()
            .map(|p| PlannedMeeting {
                session_number: p.session_number as i32,
                starts_at: p.starts_at_utc,
                minutes: curriculum
                    .session(p.session_number)
                    .map_or(curriculum.session_minutes, |s| s.minutes)
                    as i32,
                schedule_note: p.resolution,
            })
            .collect();
        let opens = meetings.first().map_or(self.at, |m| m.starts_at);
        let facilitator = index / COHORTS_PER_FACILITATOR;
        let others = self.facilitators.len();
        Ok(CohortPlan {
            index,
            title: format!(
                "{TITLE_PREFIX}{}: {} {part} Parents",
                index + 1,
                WEEKDAYS[weekday]
            ),
            curriculum: curriculum_index,
            time_zone,
            meeting_time,
            lead: self.facilitators[facilitator],
            co: (index % 4 == 1 && others > 1)
                .then(|| self.facilitators[(facilitator + 1) % others]),
            created_at: (opens - Duration::days(28)).min(self.at),
            meetings,
            first_participant,
            size: self.sizes[index],
        })
    }

    pub fn write(&mut self, conn: &mut DbConn, plans: &[CohortPlan]) -> Result<(), AppError> {
        let cohort_ids = self.insert_cohorts(conn, plans)?;
        let meeting_ids = self.insert_meetings(conn, plans, &cohort_ids)?;
        let (people, participant_ids) = self.insert_people(conn, plans)?;
        let members = self.insert_enrolments(conn, plans, &cohort_ids, &participant_ids)?;
        self.insert_activity(conn, &members, &meeting_ids)?;
        if self.report.cohort_id == 0 {
            let first = members
                .iter()
                .find(|m| m.withdrawn.is_none())
                .ok_or_else(|| missing("active parent"))?;
            self.report.cohort_id = first.cohort_id;
            self.report.cohort_title = first.plan.title.clone();
            self.report.parent_name = people[first.who - plans[0].first_participant].name.clone();
            self.report.parent_token = issue_link(conn, first.enrolment_id)?;
        }
        Ok(())
    }

    fn insert_cohorts(
        &mut self,
        conn: &mut DbConn,
        plans: &[CohortPlan],
    ) -> Result<Vec<i64>, AppError> {
        let online: Vec<String> = plans
            .iter()
            .map(|p| format!("https://meet.example/scale-{}", p.index + 1))
            .collect();
        let rows: Vec<CohortRow> = plans
            .iter()
            .zip(&online)
            .map(|(p, url)| {
                let in_person = p.index % 3 != 2;
                CohortRow {
                    curriculum_version_id: self.curricula[p.curriculum].1,
                    title: &p.title,
                    time_zone: p.time_zone,
                    location: in_person.then(|| PLACES[p.index % PLACES.len()]),
                    online_url: (!in_person).then_some(url.as_str()),
                    capacity: Some(if p.index % 2 == 0 { 14 } else { 16 }),
                    language: "en",
                    // No reminders, recaps or nudges to made-up addresses.
                    follow_ups_paused: true,
                    created_by: Some(p.lead),
                    created_at: p.created_at,
                    updated_at: p.created_at,
                    meeting_time: p.meeting_time,
                    cadence_days: 7,
                }
            })
            .collect();
        insert_all(conn, Rows::Cohorts(&rows))?;
        let ids = bulk::cohort_ids(conn, self.last_cohort, TITLE_PREFIX)?;
        let cohort_ids: Vec<i64> = plans
            .iter()
            .map(|p| ids.get(&p.title).copied().ok_or_else(|| missing("cohort")))
            .collect::<Result<_, _>>()?;
        self.last_cohort = cohort_ids.iter().copied().fold(self.last_cohort, i64::max);
        self.report.cohorts += plans.len();

        let mut team = Vec::new();
        for (p, &cohort_id) in plans.iter().zip(&cohort_ids) {
            let demo = self.demo_user.filter(|_| p.index == 0);
            let lead = std::iter::once((p.lead, "lead"));
            let co = p.co.into_iter().chain(demo).map(|u| (u, "co"));
            for (user_id, role) in lead.chain(co.filter(|(u, _)| *u != p.lead)) {
                team.push(FacilitatorRow {
                    cohort_id,
                    user_id,
                    role,
                    added_at: p.created_at,
                });
            }
        }
        insert_all(conn, Rows::Facilitators(&team))?;
        Ok(cohort_ids)
    }

    fn insert_meetings(
        &mut self,
        conn: &mut DbConn,
        plans: &[CohortPlan],
        cohort_ids: &[i64],
    ) -> Result<HashMap<(i64, i32), i64>, AppError> {
        let rows: Vec<MeetingRow> = plans
            .iter()
            .zip(cohort_ids)
            .flat_map(|(p, &cohort_id)| {
                p.meetings.iter().map(move |m| MeetingRow {
                    cohort_id,
                    session_number: m.session_number,
                    starts_at: m.starts_at,
                    minutes: m.minutes,
                    schedule_note: m.schedule_note.as_deref(),
                    created_at: p.created_at,
                    updated_at: p.created_at,
                })
            })
            .collect();
        self.report.meetings += insert_all(conn, Rows::Meetings(&rows))?;
        bulk::meeting_ids(conn, cohort_ids)
    }

    fn insert_people(
        &mut self,
        conn: &mut DbConn,
        plans: &[CohortPlan],
    ) -> Result<(Vec<Person>, Vec<i64>), AppError> {
        let people: Vec<Person> = plans
            .iter()
            .flat_map(|p| (0..p.size).map(move |j| Person::new(p.first_participant + j)))
            .collect();
        let at = self.at;
        let rows: Vec<ParticipantRow> = people
            .iter()
            .map(|person| ParticipantRow {
                email: &person.email,
                name: &person.name,
                preferred_name: person.preferred,
                phone: person.phone.as_deref(),
                created_at: at,
                updated_at: at,
            })
            .collect();
        self.report.participants += insert_all(conn, Rows::Participants(&rows))?;
        let ids = bulk::participant_ids(conn, self.last_participant, EMAIL_DOMAIN)?;
        let participant_ids: Vec<i64> = people
            .iter()
            .map(|p| ids.get(&p.email).copied().ok_or_else(|| missing("parent")))
            .collect::<Result<_, _>>()?;
        self.last_participant = participant_ids
            .iter()
            .copied()
            .fold(self.last_participant, i64::max);
        Ok((people, participant_ids))
    }

    /// Everyone active, but about one group in two lost a parent after
    /// its second meeting; parents of started groups have given consent.
    fn insert_enrolments<'p>(
        &mut self,
        conn: &mut DbConn,
        plans: &'p [CohortPlan],
        cohort_ids: &[i64],
        participant_ids: &[i64],
    ) -> Result<Vec<Member<'p>>, AppError> {
        let at = self.at;
        let mut rows = Vec::new();
        let mut members = Vec::new();
        for (p, &cohort_id) in plans.iter().zip(cohort_ids) {
            let held: Vec<NaiveDateTime> = p
                .meetings
                .iter()
                .map(|m| m.starts_at)
                .filter(|s| *s <= at)
                .collect();
            let withdraws = p.size > 1 && mix(p.index as u64, 6).is_multiple_of(2);
            for j in 0..p.size {
                let who = p.first_participant + j;
                let enrolled = (p.created_at + Duration::days((j % 10) as i64)).min(at);
                let withdrawn = (withdraws && j + 1 == p.size).then(|| {
                    let after = held.get(1).or(held.first()).copied();
                    after
                        .map_or(enrolled + Duration::days(5), |t| t + Duration::days(2))
                        .min(at)
                });
                let consented = match held.first() {
                    Some(first) => Some(*first + Duration::hours(1)),
                    None => (j % 2 == 0).then(|| enrolled + Duration::days(1)),
                }
                .map(|t| t.min(at));
                rows.push(EnrolmentRow {
                    cohort_id,
                    participant_id: participant_ids[who - plans[0].first_participant],
                    status: if withdrawn.is_some() {
                        EnrolmentStatus::Withdrawn.as_str()
                    } else {
                        EnrolmentStatus::Active.as_str()
                    },
                    source: "demo",
                    consent_version: consented.map(|_| CONSENT_VERSION),
                    consented_at: consented,
                    enrolled_at: enrolled,
                    withdrawn_at: withdrawn,
                    created_at: enrolled,
                    updated_at: withdrawn.unwrap_or(enrolled),
                });
                members.push(Member {
                    plan: p,
                    cohort_id,
                    enrolment_id: 0,
                    who,
                    withdrawn,
                });
            }
        }
        insert_all(conn, Rows::Enrolments(&rows))?;
        let ids = bulk::enrolment_ids(conn, cohort_ids)?;
        for (member, row) in members.iter_mut().zip(&rows) {
            member.enrolment_id = *ids
                .get(&row.participant_id)
                .ok_or_else(|| missing("enrolment"))?;
        }
        Ok(members)
    }

    /// Attendance at every meeting held (while enrolled), and reflections.
    fn insert_activity(
        &mut self,
        conn: &mut DbConn,
        members: &[Member],
        meeting_ids: &HashMap<(i64, i32), i64>,
    ) -> Result<(), AppError> {
        let at = self.at;
        let mut marks = Vec::new();
        let mut notes = Vec::new();
        for m in members {
            let who = m.who as u64;
            let mut present = Vec::new();
            for (mi, meeting) in m.plan.meetings.iter().enumerate() {
                if meeting.starts_at > at || m.withdrawn.is_some_and(|w| meeting.starts_at > w) {
                    continue;
                }
                let meeting_id = *meeting_ids
                    .get(&(m.cohort_id, meeting.session_number))
                    .ok_or_else(|| missing("meeting"))?;
                let status = match mix(who, 100 + mi as u64) % 20 {
                    0 | 1 => AttendanceStatus::Absent,
                    2 => AttendanceStatus::Excused,
                    _ => AttendanceStatus::Present,
                };
                if status == AttendanceStatus::Present {
                    present.push(mi);
                }
                let ends = meeting.starts_at + Duration::minutes(i64::from(meeting.minutes));
                marks.push(AttendanceRow {
                    meeting_id,
                    enrolment_id: m.enrolment_id,
                    status: status.as_str(),
                    recorded_by: m.plan.lead,
                    recorded_at: ends.min(at),
                });
            }
            if m.withdrawn.is_none() {
                let curriculum = self.curricula[m.plan.curriculum].0;
                notes.extend(reflections_of(m, curriculum, &present, at)?);
            }
        }
        self.report.attendance += insert_all(conn, Rows::Attendance(&marks))?;
        self.report.reflections += insert_all(conn, Rows::Reflections(&notes))?;
        Ok(())
    }
}

pub fn missing(what: &str) -> AppError {
    AppError::internal(format!("a scale {what} was not found after its insert"))
}
