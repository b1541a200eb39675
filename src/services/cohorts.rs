//! Cohorts: who may see which, and what the facilitator's pages show.

use serde::Serialize;

use crate::db::ids::{CohortId, UserId};
use crate::db::models::Audit;
use crate::db::models::{Cohort, CurriculumVersion, User};
use crate::db::status::AttendanceStatus;
use crate::db::status::{EnrolmentStatus, MeetingStatus};
use crate::db::views::cohort_page::CohortPageRows;
use crate::db::views::{self, dashboard::DashMeeting, dashboard::DashboardRows};
use crate::db::{now, DbConn};
use crate::error::AppError;
use crate::services::schedule;

/// A cohort as a line on the dashboard.
#[derive(Debug, Serialize)]
pub struct CohortSummary {
    pub id: i64,
    pub title: String,
    pub curriculum_title: String,
    pub time_zone: String,
    pub participants: i64,
    pub meetings_done: i64,
    pub meetings_total: i64,
    pub next_meeting: Option<String>,
    pub next_session: Option<i32>,
    /// Present marks over possible visits at meetings held so far.
    pub attendance_rate: Option<u32>,
    /// Reflections parents shared with the facilitators since the last
    /// meeting began: this week's reading.
    pub new_reflections: usize,
    /// Answers for the next meeting: coming, apologies, no answer yet.
    pub next_rsvps: Option<NextRsvps>,
    /// Parents who missed meetings in a row, waiting for a call.
    pub to_call: i64,
}

/// The next meeting's answers, as counts.
#[derive(Debug, Serialize)]
pub struct NextRsvps {
    pub coming: i64,
    pub apologies: i64,
    pub no_answer: i64,
}

/// A meeting in the next two weeks, across all of one's groups.
#[derive(Debug, Serialize)]
pub struct UpcomingMeeting {
    pub cohort_id: i64,
    pub meeting_id: i64,
    pub cohort_title: String,
    pub session_number: i32,
    pub when: String,
    pub starts_at: chrono::NaiveDateTime,
}

#[derive(Debug, Serialize)]
pub struct Dashboard {
    pub cohorts: Vec<CohortSummary>,
    pub upcoming: Vec<UpcomingMeeting>,
    /// Meetings today (in each group's own time zone) that have not long
    /// ended: the roll, the plan and the sign-in sheet, one tap away.
    pub today: Vec<UpcomingMeeting>,
}

/// A meeting started this long ago still shows on today's card.
const TODAY_AFTER_START_HOURS: i64 = 6;

/// The cohorts `user` may see: those they facilitate, or all for admins.
pub fn visible_cohorts(conn: &mut DbConn, user: &User) -> Result<Vec<Cohort>, AppError> {
    views::dashboard::visible_cohorts(conn, user)
}

/// Dashboard lines for `user`'s cohorts and their meetings of the next two
/// weeks (the rows: `db::views::dashboard`).
pub fn dashboard(conn: &mut DbConn, user: &User) -> Result<Dashboard, AppError> {
    let at = now();
    let mut dash = summarise(views::dashboard::dashboard(conn, user, at)?, at);
    let ids: Vec<i64> = dash.cohorts.iter().map(|c| c.id).collect();
    let open = crate::services::absence::open_counts(conn, &ids)?;
    for c in &mut dash.cohorts {
        c.to_call = open.get(&c.id).copied().unwrap_or(0);
    }
    Ok(dash)
}

/// How far ahead "coming up" looks.
const UPCOMING_DAYS: i64 = 14;

/// The dashboard from its rows, as of `at`.
pub fn summarise(mut rows: DashboardRows, at: chrono::NaiveDateTime) -> Dashboard {
    let mut upcoming = Vec::new();
    let mut today = Vec::new();
    let cohorts = std::mem::take(&mut rows.cohorts);
    for c in &cohorts {
        todays_meetings(c, &rows, at, &mut today);
    }
    let summaries = cohorts
        .into_iter()
        .map(|c| summary(c, &rows, at, &mut upcoming))
        .collect();
    upcoming.sort_by_key(|m| m.starts_at);
    today.sort_by_key(|m| m.starts_at);
    Dashboard {
        cohorts: summaries,
        upcoming,
        today,
    }
}

/// A group's meetings on today's date in its own time zone, not cancelled
/// and not long over.
fn todays_meetings(
    c: &Cohort,
    rows: &DashboardRows,
    at: chrono::NaiveDateTime,
    today: &mut Vec<UpcomingMeeting>,
) {
    let Ok(tz) = schedule::parse_time_zone(&c.time_zone) else {
        return;
    };
    let local_today = schedule::to_local(tz, at).date();
    let since = at - chrono::Duration::hours(TODAY_AFTER_START_HOURS);
    for m in rows.meetings.get(&c.id).into_iter().flatten() {
        let on_today = schedule::to_local(tz, m.starts_at).date() == local_today;
        if m.status != MeetingStatus::Cancelled && on_today && m.starts_at >= since {
            today.push(UpcomingMeeting {
                cohort_id: c.id,
                meeting_id: m.id,
                cohort_title: c.title.clone(),
                session_number: m.session_number,
                when: schedule::format_local(tz, m.starts_at),
                starts_at: m.starts_at,
            });
        }
    }
}

/// One group's card, adding its meetings of the next two weeks to
/// `upcoming`. Cancelled meetings count for nothing; attendance is the
/// share of possible places (parents now x meetings held) that were
/// filled; "new" reflections are those shared since the last meeting.
fn summary(
    c: Cohort,
    rows: &DashboardRows,
    at: chrono::NaiveDateTime,
    upcoming: &mut Vec<UpcomingMeeting>,
) -> CohortSummary {
    let tz = schedule::parse_time_zone(&c.time_zone).ok();
    let mine: Vec<&DashMeeting> = rows
        .meetings
        .get(&c.id)
        .into_iter()
        .flatten()
        .filter(|m| m.status != MeetingStatus::Cancelled)
        .collect();
    let held: Vec<&&DashMeeting> = mine.iter().filter(|m| m.starts_at <= at).collect();
    let next = mine.iter().find(|m| m.starts_at > at);
    if let Some(tz) = tz {
        let until = at + chrono::Duration::days(UPCOMING_DAYS);
        for m in mine
            .iter()
            .filter(|m| m.starts_at > at && m.starts_at <= until)
        {
            upcoming.push(UpcomingMeeting {
                cohort_id: c.id,
                meeting_id: m.id,
                cohort_title: c.title.clone(),
                session_number: m.session_number,
                when: schedule::format_local(tz, m.starts_at),
                starts_at: m.starts_at,
            });
        }
    }
    let participants = rows.active_parents.get(&c.id).copied().unwrap_or(0);
    let possible = participants * held.len() as i64;
    let came = rows.present_marks.get(&c.id).copied().unwrap_or(0);
    let last_held = held.last().map(|m| m.starts_at);
    let new_reflections = rows.shared_reflections.get(&c.id).map_or(0, |whens| {
        whens
            .iter()
            .filter(|when| last_held.is_none_or(|l| when.is_some_and(|w| w >= l)))
            .count()
    });
    let next_rsvps = next.map(|m| {
        let (coming, apologies) = rows.rsvp_counts.get(&m.id).copied().unwrap_or((0, 0));
        NextRsvps {
            coming,
            apologies,
            no_answer: (participants - coming - apologies).max(0),
        }
    });
    CohortSummary {
        next_rsvps,
        attendance_rate: (possible > 0).then(|| (came * 100 / possible) as u32),
        new_reflections,
        to_call: 0,
        id: c.id,
        curriculum_title: rows
            .curriculum_titles
            .get(&c.curriculum_version_id)
            .cloned()
            .unwrap_or_default(),
        participants,
        meetings_done: held.len() as i64,
        meetings_total: mine.len() as i64,
        next_meeting: next.and_then(|m| tz.map(|tz| schedule::format_local(tz, m.starts_at))),
        next_session: next.map(|m| m.session_number),
        title: c.title,
        time_zone: c.time_zone,
    }
}

// ---------------------------------------------------------------------
// Creating a cohort

/// The new-cohort form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct CohortForm {
    pub curriculum: String,
    pub title: String,
    /// Chosen from the list (an IANA name), or typed (a city).
    pub time_zone: String,
    /// A city typed when the zone is not in the list; wins over the list.
    pub time_zone_city: String,
    pub first_date: String,
    pub start_time: String,
    pub cadence: String,
    /// Dates to skip, one per date field.
    pub skip_1: String,
    pub skip_2: String,
    pub skip_3: String,
    pub skip_4: String,
    pub skip_5: String,
    pub skip_6: String,
    pub location: String,
    pub online_url: String,
    pub capacity: String,
    pub language: String,
}

/// How many dates to skip the form offers.
pub const SKIP_FIELDS: usize = 6;

impl CohortForm {
    /// The skip-date fields by name, in order.
    pub fn skips(&self) -> [(&'static str, &str); SKIP_FIELDS] {
        [
            ("skip_1", &self.skip_1),
            ("skip_2", &self.skip_2),
            ("skip_3", &self.skip_3),
            ("skip_4", &self.skip_4),
            ("skip_5", &self.skip_5),
            ("skip_6", &self.skip_6),
        ]
    }
}

/// The languages a group can meet in, by code, in their own words.
pub const LANGUAGES: &[(&str, &str)] = &[
    ("en", "English"),
    ("es", "Español"),
    ("fr", "Français"),
    ("pt", "Português"),
    ("de", "Deutsch"),
    ("it", "Italiano"),
    ("pl", "Polski"),
    ("vi", "Tiếng Việt"),
    ("zh", "中文"),
    ("ar", "العربية"),
];

/// A language's name for a code ("es" -> "Español"); the code itself
/// when it is not one of ours.
pub fn language_name(code: &str) -> &str {
    LANGUAGES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, name)| name)
}

/// The empty form, with the facilitator's likely time zone chosen: the
/// zone of their latest group, else one their browser's language
/// suggests.
pub fn blank_form(
    conn: &mut DbConn,
    user: &User,
    accept_language: Option<&str>,
) -> Result<CohortForm, AppError> {
    let latest = Cohort::for_facilitator(conn, user.id)?
        .into_iter()
        .max_by_key(|c| (c.created_at, c.id));
    Ok(CohortForm {
        time_zone: crate::services::zones::likely(
            latest.as_ref().map(|c| c.time_zone.as_str()),
            accept_language,
        )
        .to_string(),
        start_time: "18:30".into(),
        language: "en".into(),
        cadence: "7".into(),
        ..Default::default()
    })
}

/// What the new-group form offers, with the typed form's choices marked.
#[derive(Debug, Serialize)]
pub struct FormChoices {
    pub curricula: Vec<CourseChoice>,
    pub zones: Vec<crate::services::zones::RegionChoice>,
    pub languages: Vec<LanguageChoice>,
    pub skips: Vec<SkipField>,
    pub fortnightly: bool,
}

#[derive(Debug, Serialize)]
pub struct CourseChoice {
    pub slug: String,
    pub title: String,
    pub sessions: String,
    pub minutes: u32,
    pub selected: bool,
}

#[derive(Debug, Serialize)]
pub struct LanguageChoice {
    pub code: String,
    pub name: String,
    pub selected: bool,
}

#[derive(Debug, Serialize)]
pub struct SkipField {
    pub name: &'static str,
    pub number: usize,
    pub value: String,
    pub error: Option<String>,
}

/// The form's lists: courses, zones, languages and skip-date fields.
pub fn form_choices(
    library: &crate::curriculum::Library,
    form: &CohortForm,
    errors: &crate::error::FieldErrors,
) -> FormChoices {
    let curricula = library
        .all()
        .into_iter()
        .map(|c| CourseChoice {
            slug: c.slug.clone(),
            title: c.title.clone(),
            sessions: crate::services::forms::count(c.sessions.len(), "session", "sessions"),
            minutes: c.session_minutes,
            selected: c.slug == form.curriculum,
        })
        .collect();
    let language = form.language.trim();
    let mut languages: Vec<LanguageChoice> = LANGUAGES
        .iter()
        .map(|(code, name)| LanguageChoice {
            code: code.to_string(),
            name: name.to_string(),
            selected: *code == language,
        })
        .collect();
    if !languages.iter().any(|l| l.selected) {
        languages[0].selected = true;
    }
    let skips = form
        .skips()
        .iter()
        .enumerate()
        .map(|(i, (name, value))| SkipField {
            name,
            number: i + 1,
            value: value.trim().to_string(),
            error: errors.0.get(*name).cloned(),
        })
        .collect();
    FormChoices {
        curricula,
        zones: crate::services::zones::picker(form.time_zone.trim()),
        languages,
        skips,
        fortnightly: form.cadence.trim() == "14",
    }
}

/// A checked plan for a cohort.
#[derive(Debug, Clone)]
pub struct CohortPlan {
    pub curriculum: std::sync::Arc<crate::curriculum::Curriculum>,
    pub title: String,
    pub tz: chrono_tz::Tz,
    pub first: chrono::NaiveDate,
    pub time: chrono::NaiveTime,
    pub cadence_days: u32,
    pub skip: Vec<chrono::NaiveDate>,
    pub location: Option<String>,
    pub online_url: Option<String>,
    pub capacity: Option<i32>,
    pub language: String,
}

impl CohortPlan {
    pub fn meetings(&self) -> Vec<schedule::PlannedMeeting> {
        schedule::weekly(
            self.tz,
            self.first,
            self.time,
            self.curriculum.sessions.len() as u32,
            self.cadence_days,
            &self.skip,
        )
    }
}

/// Checks every field and reports every mistake at once.
pub fn check_form(
    form: &CohortForm,
    library: &crate::curriculum::Library,
) -> Result<CohortPlan, AppError> {
    use crate::error::FieldErrors;
    use crate::services::forms;
    let mut e = FieldErrors::default();
    let curriculum = library.get(form.curriculum.trim()).cloned();
    if curriculum.is_none() {
        e.add("curriculum", "Please choose a course.");
    }
    let title = forms::required_line(&mut e, "title", &form.title, 120, "a name for the group");
    let tz = check_time_zone(&mut e, form);
    let first = forms::date(&mut e, "first_date", &form.first_date);
    let time = forms::time(&mut e, "start_time", &form.start_time);
    let cadence_days = match form.cadence.trim() {
        "" | "7" => 7,
        "14" => 14,
        _ => {
            e.add("cadence", "Please choose weekly or every two weeks.");
            7
        }
    };
    let skip = check_skips(&mut e, form, first, cadence_days);
    let location = forms::optional_line(&mut e, "location", &form.location, 300);
    let online_url = forms::optional_url(&mut e, "online_url", &form.online_url);
    let capacity = forms::optional_number(&mut e, "capacity", &form.capacity, 1, 500);
    let language = match form.language.trim() {
        "" => "en".to_string(),
        l if LANGUAGES.iter().any(|(code, _)| *code == l) => l.to_string(),
        _ => {
            e.add("language", "Please choose a language from the list.");
            "en".into()
        }
    };
    e.check()?;
    match (curriculum, tz, first, time) {
        (Some(curriculum), Some(tz), Some(first), Some(time)) => Ok(CohortPlan {
            curriculum,
            title,
            tz,
            first,
            time,
            cadence_days,
            skip,
            location,
            online_url,
            capacity,
            language,
        }),
        _ => Err(AppError::internal("checked form lacks a field")),
    }
}

/// The zone typed as a city (which wins) or chosen from the list; an
/// unknown one is named with the nearest we know.
fn check_time_zone(e: &mut crate::error::FieldErrors, form: &CohortForm) -> Option<chrono_tz::Tz> {
    use crate::services::zones;
    let (field, typed) = match form.time_zone_city.trim() {
        "" => ("time_zone", form.time_zone.trim()),
        city => ("time_zone_city", city),
    };
    if typed.is_empty() {
        e.add(field, "Please choose the group's time zone.");
        return None;
    }
    match zones::find(typed) {
        Ok(tz) => Some(tz),
        Err(missed) => {
            e.add(field, missed.message(typed));
            None
        }
    }
}

/// The dates to skip: each one a date the group would otherwise meet on
/// (on or after the first meeting, on its weekday and rhythm).
fn check_skips(
    e: &mut crate::error::FieldErrors,
    form: &CohortForm,
    first: Option<chrono::NaiveDate>,
    cadence_days: u32,
) -> Vec<chrono::NaiveDate> {
    let mut skip = Vec::new();
    for (field, value) in form.skips() {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let Some(date) = crate::services::forms::parse_date(value) else {
            let shown: String = value.chars().take(30).collect();
            e.add(
                field,
                format!("\"{shown}\" is not a date we can read. Please pick it from the calendar, or write it like 2026-12-24."),
            );
            continue;
        };
        match first.map(|first| skip_problem(date, first, cadence_days)) {
            Some(Some(problem)) => e.add(field, problem),
            _ if !skip.contains(&date) => skip.push(date),
            _ => {}
        }
    }
    skip
}

/// Why skipping `date` would change nothing, if it would not.
fn skip_problem(
    date: chrono::NaiveDate,
    first: chrono::NaiveDate,
    cadence_days: u32,
) -> Option<String> {
    let day = |d: chrono::NaiveDate| d.format("%a %-d %b %Y").to_string();
    if date < first {
        return Some(format!(
            "{} is before the first meeting ({}), so there is nothing to skip.",
            day(date),
            day(first)
        ));
    }
    if (date - first).num_days() % i64::from(cadence_days) != 0 {
        let rhythm = if cadence_days == 14 {
            "every other"
        } else {
            "every"
        };
        return Some(format!(
            "{} is not a meeting day: the group meets {rhythm} {}, from {}.",
            day(date),
            first.format("%A"),
            day(first)
        ));
    }
    None
}

/// Creates the cohort, pins its curriculum version, makes `user` its lead
/// facilitator and schedules one meeting per session.
pub fn create(conn: &mut DbConn, user: &User, plan: &CohortPlan) -> Result<Cohort, AppError> {
    use crate::db::models::{CurriculumVersion, Meeting, NewCohort, NewMeeting};
    crate::db::write_tx(conn, |conn| {
        let at = now();
        let (version, _) = CurriculumVersion::import(conn, &plan.curriculum)?;
        let meeting_time = plan.time.format("%H:%M").to_string();
        let cohort = Cohort::insert(
            conn,
            &NewCohort {
                curriculum_version_id: version.id,
                title: &plan.title,
                time_zone: plan.tz.name(),
                location: plan.location.as_deref(),
                online_url: plan.online_url.as_deref(),
                capacity: plan.capacity,
                language: &plan.language,
                created_by: Some(user.id),
                created_at: at,
                updated_at: at,
                meeting_time: &meeting_time,
                cadence_days: plan.cadence_days as i32,
            },
            user.id,
        )?;
        let meetings: Vec<NewMeeting> = plan
            .meetings()
            .into_iter()
            .map(|m| NewMeeting {
                cohort_id: cohort.id,
                session_number: m.session_number as i32,
                starts_at: m.starts_at_utc,
                minutes: plan
                    .curriculum
                    .session(m.session_number)
                    .map(|s| s.minutes)
                    .unwrap_or(plan.curriculum.session_minutes) as i32,
                is_makeup: false,
                schedule_note: m.resolution,
                created_at: at,
                updated_at: at,
            })
            .collect();
        Meeting::insert_many(conn, &meetings)?;
        Audit::by_user(user.id)
            .did("cohort.create")
            .on("cohort", cohort.id)
            .in_cohort(cohort.id)
            .at(at)
            .record(conn)?;
        Ok(cohort)
    })
}

// ---------------------------------------------------------------------
// The cohort page

#[derive(Debug, Serialize)]
pub struct CohortPage {
    pub id: i64,
    pub title: String,
    /// The group's follow-up emails are on hold.
    pub follow_ups_paused: bool,
    pub curriculum_title: String,
    pub curriculum_slug: String,
    /// Which version of the course the group runs, in words ("version
    /// 1.1.0 of 3 Nov 2026"): the course's number and the day this exact
    /// text was first used, never its content hash.
    pub version_label: String,
    pub time_zone: String,
    pub schedule: String,
    pub location: Option<String>,
    pub online_url: Option<String>,
    pub capacity: Option<i32>,
    pub active_count: usize,
    pub meetings: Vec<MeetingLine>,
    pub roster: Vec<RosterLine>,
    pub facilitators: Vec<FacilitatorLine>,
    pub attendance_rate: Option<u32>,
    /// Share of agenda segments ticked as delivered, over meetings with a
    /// checklist.
    pub fidelity_percent: Option<u32>,
    pub fidelity_meetings: usize,
    pub sessions: Vec<SessionChoice>,
    /// Meetings a parent needs for a certificate, unless the facilitator
    /// picks another number.
    pub certificate_minimum: u32,
    /// When the live invite link was made, if there is one.
    pub invite_since: Option<String>,
    pub calendar_since: Option<String>,
    pub waitlisted: usize,
    /// The group's country prints on US Letter (else A4).
    pub letter_paper: bool,
    /// Parents who missed meetings in a row, waiting for a call.
    pub to_call: Vec<crate::services::absence::AlertLine>,
}

#[derive(Debug, Serialize)]
pub struct SessionChoice {
    pub number: u32,
    pub title: String,
}

#[derive(Debug, Serialize)]
pub struct MeetingLine {
    pub id: i64,
    pub session_number: i32,
    pub session_title: String,
    pub when: String,
    pub ends: String,
    pub status: MeetingStatus,
    pub cancelled: bool,
    pub is_makeup: bool,
    pub is_past: bool,
    pub schedule_note: Option<String>,
    pub present: usize,
    pub recorded: bool,
}

#[derive(Debug, Serialize)]
pub struct RosterLine {
    pub enrolment_id: i64,
    pub name: String,
    pub preferred_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub status: EnrolmentStatus,
    pub active: bool,
    pub attended: usize,
    pub held: usize,
    /// Meetings held that they missed and then caught up on.
    pub caught_up: usize,
}

#[derive(Debug, Serialize)]
pub struct FacilitatorLine {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: String,
}

/// "version 1.1.0 of 3 Nov 2026": a course's version as facilitators
/// read it, dated by when this exact text was first stored.
pub fn version_label(
    conn: &mut DbConn,
    version_id: i64,
    version: &str,
) -> Result<String, AppError> {
    let stored = crate::db::models::CurriculumVersion::imported_at(conn, version_id)?;
    Ok(format!(
        "version {version} of {}",
        stored.format("%-d %b %Y")
    ))
}

/// Everything the cohort page shows (the rows: `db::views::cohort_page`).
pub fn page(conn: &mut DbConn, user: &User, cohort_id: i64) -> Result<CohortPage, AppError> {
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    let curriculum = CurriculumVersion::load_curriculum(conn, cohort.curriculum_version_id)?;
    let tz = schedule::parse_time_zone(&cohort.time_zone)?;
    let rows = views::cohort_page::cohort_page(
        conn,
        cohort.id,
        crate::services::invites::PURPOSE,
        crate::services::calendar::PURPOSE,
    )?;
    let meeting_ids: Vec<i64> = rows.meetings.iter().map(|m| m.id).collect();
    let fidelity = crate::services::meetings::fidelity_rollup(conn, &meeting_ids)?;
    let at = now();
    let held: Vec<i64> = rows
        .meetings
        .iter()
        .filter(|m| m.status != MeetingStatus::Cancelled && m.starts_at <= at)
        .map(|m| m.id)
        .collect();
    let meetings = meeting_lines(&rows, &curriculum, tz, at);
    let roster = roster_lines(&rows, &held);
    let active_count = roster.iter().filter(|r| r.active).count();
    let waitlisted = roster
        .iter()
        .filter(|r| r.status == EnrolmentStatus::Waitlisted)
        .count();
    let possible = active_count * held.len();
    let present: usize = roster.iter().filter(|r| r.active).map(|r| r.attended).sum();
    let since = |at: Option<chrono::NaiveDateTime>| at.map(|t| schedule::format_local(tz, t));
    Ok(CohortPage {
        to_call: crate::services::absence::open_alerts(conn, &cohort)?,
        id: cohort.id,
        follow_ups_paused: cohort.follow_ups_paused,
        title: cohort.title,
        curriculum_title: curriculum.title.clone(),
        curriculum_slug: curriculum.slug.clone(),
        version_label: version_label(conn, cohort.curriculum_version_id, &curriculum.version)?,
        schedule: describe_schedule(
            &cohort.meeting_time,
            cohort.cadence_days,
            tz,
            rows.meetings.first(),
        ),
        letter_paper: crate::services::zones::prints_on_letter(&cohort.time_zone),
        time_zone: cohort.time_zone,
        location: cohort.location,
        online_url: cohort.online_url,
        capacity: cohort.capacity,
        active_count,
        meetings,
        roster,
        facilitators: rows
            .facilitators
            .into_iter()
            .map(|f| FacilitatorLine {
                user_id: f.user_id,
                name: f.name,
                email: f.email,
                role: f.role,
            })
            .collect(),
        attendance_rate: (possible > 0).then(|| ((present * 100) / possible) as u32),
        fidelity_percent: fidelity.map(|(done, all, _)| ((done * 100) / all.max(1)) as u32),
        fidelity_meetings: fidelity.map(|(_, _, m)| m).unwrap_or(0),
        invite_since: since(rows.invite_since),
        calendar_since: since(rows.calendar_since),
        waitlisted,
        certificate_minimum: crate::services::print::default_certificate_minimum(
            curriculum.sessions.len(),
        ),
        sessions: curriculum
            .sessions
            .iter()
            .map(|s| SessionChoice {
                number: s.number,
                title: s.title.clone(),
            })
            .collect(),
    })
}

/// Each meeting with its local times, session title and how many came.
fn meeting_lines(
    rows: &CohortPageRows,
    curriculum: &crate::curriculum::Curriculum,
    tz: chrono_tz::Tz,
    at: chrono::NaiveDateTime,
) -> Vec<MeetingLine> {
    rows.meetings
        .iter()
        .map(|m| {
            let start = schedule::to_local(tz, m.starts_at);
            let end = start + chrono::Duration::minutes(i64::from(m.minutes));
            let marks = rows.marks.iter().filter(|k| k.meeting_id == m.id);
            MeetingLine {
                id: m.id,
                session_number: m.session_number,
                session_title: curriculum.session_title(m.session_number),
                when: schedule::format_local(tz, m.starts_at),
                ends: end.format("%H:%M").to_string(),
                cancelled: m.status == MeetingStatus::Cancelled,
                status: m.status,
                is_makeup: m.is_makeup,
                is_past: m.starts_at <= at,
                schedule_note: m.schedule_note.clone(),
                present: marks
                    .clone()
                    .filter(|k| k.status == AttendanceStatus::Present)
                    .count(),
                recorded: marks.count() > 0,
            }
        })
        .collect()
}

/// Each parent with how many of the meetings held so far they came to.
fn roster_lines(rows: &CohortPageRows, held: &[i64]) -> Vec<RosterLine> {
    rows.roster
        .iter()
        .map(|r| RosterLine {
            enrolment_id: r.enrolment_id,
            attended: rows
                .marks
                .iter()
                .filter(|k| {
                    k.enrolment_id == r.enrolment_id
                        && k.status == AttendanceStatus::Present
                        && held.contains(&k.meeting_id)
                })
                .count(),
            held: held.len(),
            caught_up: rows
                .marks
                .iter()
                .filter(|k| {
                    k.enrolment_id == r.enrolment_id && k.caught_up && held.contains(&k.meeting_id)
                })
                .count(),
            active: r.status == EnrolmentStatus::Active,
            status: r.status,
            name: r.name.clone(),
            preferred_name: r.preferred_name.clone(),
            email: r.email.clone(),
            phone: r.phone.clone(),
        })
        .collect()
}

/// "Tuesdays at 18:30, every week".
fn describe_schedule(
    time: &str,
    cadence_days: i32,
    tz: chrono_tz::Tz,
    first: Option<&crate::db::models::Meeting>,
) -> String {
    let day = first
        .map(|m| {
            schedule::to_local(tz, m.starts_at)
                .format("%As")
                .to_string()
        })
        .unwrap_or_else(|| "Meetings".into());
    let every = if cadence_days == 14 {
        "every two weeks"
    } else {
        "every week"
    };
    format!("{day} at {time}, {every}")
}

// ---------------------------------------------------------------------
// Co-facilitators

/// Adds an active account as co-facilitator of the cohort.
pub fn add_facilitator(
    conn: &mut DbConn,
    user: &User,
    cohort_id: i64,
    email: &str,
) -> Result<User, AppError> {
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    let email = crate::services::users::normalise_email(email)?;
    let other = User::find_by_email(conn, &email)?
        .filter(User::is_active)
        .ok_or_else(|| {
            AppError::validation(format!(
                "There is no facilitator account for {email}. An administrator can create one."
            ))
        })?;
    crate::db::write_tx(conn, |conn| {
        if Cohort::is_facilitated_by(conn, CohortId(cohort.id), UserId(other.id))? {
            return Err(AppError::Conflict(format!(
                "{} already facilitates this group.",
                other.name
            )));
        }
        Cohort::add_co_facilitator(conn, CohortId(cohort.id), UserId(other.id), now())?;
        Audit::by_user(user.id)
            .did("cohort.add_facilitator")
            .on("user", other.id)
            .in_cohort(cohort.id)
            .record(conn)?;
        Ok(other)
    })
}

/// Removes a co-facilitator (the lead stays).
pub fn remove_facilitator(
    conn: &mut DbConn,
    user: &User,
    cohort_id: CohortId,
    other_id: UserId,
) -> Result<(), AppError> {
    let (cohort_id, other_id) = (cohort_id.0, other_id.0);
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    crate::db::write_tx(conn, |conn| {
        let removed = Cohort::remove_co_facilitator(conn, CohortId(cohort.id), UserId(other_id))?;
        if !removed {
            return Err(AppError::not_found(
                "That person is not a co-facilitator of this group.",
            ));
        }
        Audit::by_user(user.id)
            .did("cohort.remove_facilitator")
            .on("user", other_id)
            .in_cohort(cohort.id)
            .record(conn)
    })
}
