//! Demo data, so a newcomer sees a living app: a facilitator, a cohort
//! part-way through its course, parents, attendance and reflections.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};

use crate::crypto::hash_password;
use crate::crypto::new_readable_password;
use crate::curriculum::{Curriculum, Library};
use crate::db::ids::{EnrolmentId, MeetingId};
use crate::db::models::Audit;
use crate::db::models::{
    attendance::Attendance, AttendanceStatus, Cohort, CurriculumVersion, Enrolment, Meeting,
    NewCohort, NewEnrolment, NewMeeting, NewParticipant, NewReflection, NewUser, Participant,
    Reflection, User,
};
use crate::db::status::{EnrolmentStatus, ReflectionStatus};
use crate::db::{now, write_tx, DbConn};
use crate::error::AppError;
use crate::services::schedule;

pub const DEMO_EMAIL: &str = "demo@attune.local";
pub const DEMO_COHORT_TITLE: &str = "Tuesday Evening Parents (demo)";
const DEMO_TIME_ZONE: &str = "America/New_York";
const PREFERRED_CURRICULUM: &str = "secure-base";

#[derive(Debug)]
pub struct DemoReport {
    pub email: String,
    pub password: String,
    pub cohort_id: i64,
    pub cohort_title: String,
    /// False when the demo cohort was already there (only the password was
    /// renewed).
    pub created: bool,
    pub participants: usize,
    pub meetings: usize,
    /// A demo parent's name and a fresh personal link token, so a newcomer
    /// can see the parent's side too.
    pub parent: Option<(String, String)>,
}

/// A new personal link for the first active demo parent.
fn parent_link(conn: &mut DbConn, cohort_id: i64) -> Result<Option<(String, String)>, AppError> {
    let Some(first) = Enrolment::for_cohort(conn, cohort_id)?
        .into_iter()
        .find(|e| e.status == EnrolmentStatus::Active)
    else {
        return Ok(None);
    };
    let name = Participant::find(conn, first.participant_id)?.name;
    let token = crate::services::participants::issue_link(conn, first.id)?;
    Ok(Some((name, token)))
}

const PARENTS: [(&str, Option<&str>); 10] = [
    ("Maya Okafor", Some("Maya")),
    ("Daniel Reyes", None),
    ("Priya Natarajan", None),
    ("Sam Whitfield", Some("Sammy")),
    ("Leila Haddad", None),
    ("Tom Kowalski", None),
    ("Grace Mensah", None),
    ("Hannah Lindqvist", None),
    ("Jorge Alvarez", None),
    ("Aiko Tanaka", None),
];

const ANSWERS: [&str; 6] = [
    "On Thursday my daughter came to show me a drawing while I was cooking. I stopped and looked, and she beamed. It took ten seconds.",
    "Bedtime was hard again. I noticed I was rushing her because I was tired, not because she was being difficult.",
    "I tried sitting on the floor while he played. He kept bringing me things, like he was checking I was still there.",
    "We had a rough morning and I snapped about shoes. After school I told him I was sorry I shouted, and he hugged me.",
    "I noticed my shoulders go up to my ears when the kids argue. Just noticing it helped a bit.",
    "Honestly it was a hard week and I didn't manage much. But I read the handout twice.",
];

/// Creates the demo facilitator (or renews its password) and, the first
/// time, the demo cohort. `today` anchors the schedule so the cohort is
/// part-way through.
pub fn seed(
    conn: &mut DbConn,
    library: &Library,
    today: NaiveDate,
) -> Result<DemoReport, AppError> {
    let curriculum = library
        .get(PREFERRED_CURRICULUM)
        .or_else(|| library.all().into_iter().next())
        .ok_or_else(|| AppError::validation("There are no curricula to build a demo cohort from."))?
        .clone();
    let password = new_readable_password()?;
    let hash = hash_password(&password)?;

    write_tx(conn, |conn| {
        let at = now();
        let user = demo_account(conn, &hash, at)?;
        let report = |conn: &mut DbConn, cohort: Cohort, created: bool| {
            Ok(DemoReport {
                email: DEMO_EMAIL.into(),
                password: password.clone(),
                cohort_id: cohort.id,
                participants: Enrolment::for_cohort(conn, cohort.id)?
                    .iter()
                    .filter(|e| e.status != EnrolmentStatus::Waitlisted)
                    .count(),
                meetings: Meeting::for_cohort(conn, cohort.id)?.len(),
                parent: parent_link(conn, cohort.id)?,
                cohort_title: cohort.title,
                created,
            })
        };
        if let Some(cohort) = Cohort::find_by_title(conn, user.id, DEMO_COHORT_TITLE)? {
            return report(conn, cohort, false);
        }
        let cohort = demo_cohort(conn, &curriculum, &user, today, at)?;
        let meetings = Meeting::for_cohort(conn, cohort.id)?;
        let enrolments = demo_parents(conn, cohort.id, at)?;
        demo_attendance_and_reflections(conn, &curriculum, &user, &meetings, &enrolments)?;
        demo_rsvps(conn, &meetings, &enrolments, at)?;
        demo_keeping_in_touch(conn, &user, &meetings, &enrolments)?;
        demo_waiting_list(conn, cohort.id, at)?;
        crate::services::support::seed_sample(conn)?;
        Audit::system()
            .did("demo.seed")
            .on("cohort", cohort.id)
            .in_cohort(cohort.id)
            .at(at)
            .record(conn)?;
        report(conn, cohort, true)
    })
}

/// The demo facilitator (an administrator), with a new password each run.
fn demo_account(conn: &mut DbConn, hash: &str, at: NaiveDateTime) -> Result<User, AppError> {
    Ok(match User::find_by_email(conn, DEMO_EMAIL)? {
        Some(u) => {
            User::set_password_hash(conn, u.id, hash)?;
            u
        }
        None => User::insert(
            conn,
            &NewUser {
                email: DEMO_EMAIL,
                name: "Dana Demo",
                password_hash: hash,
                is_admin: true,
                created_at: at,
                updated_at: at,
            },
        )?,
    })
}

/// The demo group, part-way through: its first meeting was on the
/// Tuesday three weeks before this week's.
fn demo_cohort(
    conn: &mut DbConn,
    curriculum: &Curriculum,
    user: &User,
    today: NaiveDate,
    at: NaiveDateTime,
) -> Result<Cohort, AppError> {
    let (version, _) = CurriculumVersion::import(conn, curriculum)?;
    let cohort = Cohort::insert(
        conn,
        &NewCohort {
            curriculum_version_id: version.id,
            title: DEMO_COHORT_TITLE,
            time_zone: DEMO_TIME_ZONE,
            location: Some("Riverside Community Centre, Room 2"),
            online_url: None,
            capacity: Some(14),
            language: "en",
            created_by: Some(user.id),
            created_at: at,
            updated_at: at,
            meeting_time: "18:30",
            cadence_days: 7,
        },
        user.id,
    )?;
    let tz = schedule::parse_time_zone(DEMO_TIME_ZONE)?;
    let back_to_tuesday = i64::from((today.weekday().num_days_from_monday() + 7 - 1) % 7);
    let first = today - Duration::days(back_to_tuesday) - Duration::weeks(3);
    let time = NaiveTime::from_hms_opt(18, 30, 0).unwrap_or_default();
    let sessions = u32::try_from(curriculum.sessions.len())
        .map_err(|e| AppError::caused("a count out of range", e))?;
    let new_meetings: Vec<NewMeeting> = schedule::weekly(tz, first, time, sessions, 7, &[])
        .iter()
        .map(|p| NewMeeting {
            cohort_id: cohort.id,
            session_number: p.session_number as i32,
            starts_at: p.starts_at_utc,
            minutes: curriculum
                .session(p.session_number)
                .map(|s| s.minutes as i32)
                .unwrap_or(curriculum.session_minutes as i32),
            is_makeup: false,
            schedule_note: p.resolution.clone(),
            created_at: at,
            updated_at: at,
        })
        .collect();
    Meeting::insert_many(conn, &new_meetings)?;
    Ok(cohort)
}

/// The demo parents; the tenth has left the group.
fn demo_parents(
    conn: &mut DbConn,
    cohort_id: i64,
    at: NaiveDateTime,
) -> Result<Vec<Enrolment>, AppError> {
    let mut enrolments = Vec::new();
    for (i, (name, preferred)) in PARENTS.iter().enumerate() {
        let email = format!("{}@example.org", name.to_lowercase().replace(' ', "."));
        let participant = Participant::find_or_insert(
            conn,
            &NewParticipant {
                email: Some(&email),
                name,
                preferred_name: *preferred,
                phone: None,
                created_at: at,
                updated_at: at,
            },
        )?;
        enrolments.push(Enrolment::insert(
            conn,
            &NewEnrolment {
                cohort_id,
                participant_id: participant.id,
                status: if i == 9 {
                    EnrolmentStatus::Withdrawn.as_str()
                } else {
                    EnrolmentStatus::Active.as_str()
                },
                source: "demo",
                enrolled_at: at,
                created_at: at,
                updated_at: at,
            },
        )?);
    }
    Ok(enrolments)
}

/// A believable pattern at the meetings held so far: most come, a few miss
/// one, and most who came sent a reflection two days later (one parent
/// keeps theirs to themselves).
fn demo_attendance_and_reflections(
    conn: &mut DbConn,
    curriculum: &Curriculum,
    user: &User,
    meetings: &[Meeting],
    enrolments: &[Enrolment],
) -> Result<(), AppError> {
    let now_utc = now();
    for (m_index, meeting) in meetings.iter().enumerate() {
        if meeting.starts_at > now_utc {
            continue;
        }
        for (e_index, enrolment) in enrolments.iter().enumerate() {
            if enrolment.status != EnrolmentStatus::Active {
                continue;
            }
            let status = match (m_index * 3 + e_index * 7) % 11 {
                0 => AttendanceStatus::Absent,
                1 => AttendanceStatus::Excused,
                _ => AttendanceStatus::Present,
            };
            Attendance::record(
                conn,
                MeetingId(meeting.id),
                EnrolmentId(enrolment.id),
                status,
                Some(user.id),
            )?;
            if status == AttendanceStatus::Present && (e_index + m_index) % 3 != 2 {
                demo_reflection(conn, curriculum, meeting, enrolment, e_index, m_index)?;
            }
        }
    }
    Ok(())
}

fn demo_reflection(
    conn: &mut DbConn,
    curriculum: &Curriculum,
    meeting: &Meeting,
    enrolment: &Enrolment,
    e_index: usize,
    m_index: usize,
) -> Result<(), AppError> {
    let prompts = curriculum
        .session(meeting.session_number as u32)
        .map(|s| s.reflection_prompts.len())
        .unwrap_or(2);
    let answers: Vec<&str> = (0..prompts)
        .map(|p| match p {
            0 => ANSWERS[(e_index + m_index) % ANSWERS.len()],
            1 => ANSWERS[(e_index * 2 + m_index + 1) % ANSWERS.len()],
            _ => "",
        })
        .collect();
    let answers =
        serde_json::to_string(&answers).map_err(|e| AppError::caused("writing JSON", e))?;
    let submitted = meeting.starts_at + Duration::days(2);
    Reflection::insert(
        conn,
        &NewReflection {
            enrolment_id: enrolment.id,
            session_number: meeting.session_number,
            answers: &answers,
            visibility: if e_index == 4 {
                "only_me"
            } else {
                "facilitators"
            },
            status: ReflectionStatus::Submitted.as_str(),
            submitted_at: Some(submitted),
            created_at: submitted,
            updated_at: submitted,
        },
    )?;
    Ok(())
}

/// The next meeting's answers: four parents are coming, one sent
/// apologies with a reason and a note, the rest have not said yet.
fn demo_rsvps(
    conn: &mut DbConn,
    meetings: &[Meeting],
    enrolments: &[Enrolment],
    at: NaiveDateTime,
) -> Result<(), AppError> {
    use crate::db::models::rsvp::{NewRsvp, Rsvp};
    use crate::db::status::{ApologyReason, MeetingStatus, RsvpAnswer};
    let Some(next) = meetings
        .iter()
        .find(|m| m.status != MeetingStatus::Cancelled && m.starts_at > at)
    else {
        return Ok(());
    };
    let active: Vec<&Enrolment> = enrolments
        .iter()
        .filter(|e| e.status == EnrolmentStatus::Active)
        .collect();
    for (i, e) in active.iter().enumerate().take(6) {
        let sorry = i == 5;
        Rsvp::save(
            conn,
            &NewRsvp {
                meeting_id: next.id,
                enrolment_id: e.id,
                answer: if sorry {
                    RsvpAnswer::Apologies
                } else {
                    RsvpAnswer::Coming
                },
                reason: sorry.then_some(ApologyReason::Childcare),
                note: if sorry {
                    Some("My sitter cancelled, so I'll stay home with the kids. I'll read the handout.")
                } else if i == 2 {
                    Some("I may be ten minutes late from work.")
                } else {
                    None
                },
                via: if i % 2 == 0 {
                    crate::services::rsvps::VIA_LINK
                } else {
                    crate::services::rsvps::VIA_HOME
                },
                answered_at: at,
            },
        )?;
    }
    Ok(())
}

/// Keeping in touch, as the demo group shows it: Daniel missed the first
/// meeting, read its handout and sent his reflection, and is marked caught
/// up; Priya missed the last two meetings, and the facilitators have an
/// alert to call her.
fn demo_keeping_in_touch(
    conn: &mut DbConn,
    user: &User,
    meetings: &[Meeting],
    enrolments: &[Enrolment],
) -> Result<(), AppError> {
    use crate::db::models::absence_alert::{AbsenceAlert, NewAlert};
    let at = now();
    let held: Vec<&Meeting> = meetings.iter().filter(|m| m.starts_at <= at).collect();
    let (Some(daniel), Some(priya), Some(first)) =
        (enrolments.get(1), enrolments.get(2), held.first())
    else {
        return Ok(());
    };
    let absent = AttendanceStatus::Absent;
    Attendance::record(
        conn,
        MeetingId(first.id),
        EnrolmentId(daniel.id),
        absent,
        Some(user.id),
    )?;
    crate::db::models::handout_read::HandoutRead::record(
        conn,
        daniel.id,
        first.session_number,
        first.starts_at + Duration::days(1),
    )?;
    Attendance::set_caught_up(
        conn,
        MeetingId(first.id),
        EnrolmentId(daniel.id),
        Some(user.id),
        first.starts_at + Duration::days(3),
    )?;
    let [.., before, last] = held.as_slice() else {
        return Ok(());
    };
    for m in [before, last] {
        Attendance::record(
            conn,
            MeetingId(m.id),
            EnrolmentId(priya.id),
            absent,
            Some(user.id),
        )?;
    }
    let marks = Attendance::for_enrolment(conn, EnrolmentId(priya.id))?;
    let run = crate::services::absence::missed_run(meetings, &marks, last);
    AbsenceAlert::insert(
        conn,
        NewAlert {
            cohort_id: last.cohort_id,
            enrolment_id: priya.id,
            meeting_id: last.id,
            missed_in_row: run.len() as i32,
            created_at: last.starts_at + Duration::hours(3),
        },
    )?;
    Ok(())
}

const WAITING: [&str; 3] = ["Rosa Delgado", "Kwame Asante", "Nadia Petrova"];

/// The demo group is full, with three people on its waiting list: the
/// first has an open offer (holding the one place left), the other two
/// wait their turn. No email goes: demo addresses are made up.
fn demo_waiting_list(conn: &mut DbConn, cohort_id: i64, at: NaiveDateTime) -> Result<(), AppError> {
    use crate::db::models::waitlist_offer::WaitlistOffer;
    let active = Enrolment::count_active(conn, cohort_id)?;
    let hours = 48;
    let places =
        i32::try_from(active + 1).map_err(|e| AppError::caused("a count out of range", e))?;
    Cohort::set_places(conn, cohort_id, Some(places), hours)?;
    for (i, name) in WAITING.iter().enumerate() {
        let email = format!("{}@example.org", name.to_lowercase().replace(' ', "."));
        let participant = Participant::find_or_insert(
            conn,
            &NewParticipant {
                email: Some(&email),
                name,
                preferred_name: None,
                phone: None,
                created_at: at,
                updated_at: at,
            },
        )?;
        let joined = at - Duration::days(6 - i as i64);
        let enrolment = Enrolment::insert(
            conn,
            &NewEnrolment {
                cohort_id,
                participant_id: participant.id,
                status: EnrolmentStatus::Waitlisted.as_str(),
                source: "demo",
                enrolled_at: joined,
                created_at: joined,
                updated_at: joined,
            },
        )?;
        if i == 0 {
            let offered = at - Duration::hours(5);
            WaitlistOffer::insert(
                conn,
                cohort_id,
                enrolment.id,
                offered,
                offered + Duration::hours(hours.into()),
            )?;
            Audit::system()
                .did("waitlist.offer")
                .on_enrolment(enrolment.id)
                .in_cohort(cohort_id)
                .at(offered)
                .record(conn)?;
        }
    }
    Ok(())
}
