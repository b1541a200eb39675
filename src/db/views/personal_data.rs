//! Everything attune holds about one parent, across their groups (the
//! "your information" copy), and erasing it: both follow the registry of
//! personal data in `services/privacy.rs` (`PERSONAL_DATA`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::web_session::WebSession;
use crate::db::schema::{
    absence_alerts, access_tokens, attendance, checkins, cohorts, enrolments, handout_reads,
    meetings, outbox_messages, participants, reflections, roster_imports,
};
use crate::db::status::{AttendanceStatus, EnrolmentStatus, ReflectionStatus};
use crate::db::DbConn;
use crate::error::AppError;

/// One group a parent was in.
#[derive(Debug, Clone, Queryable)]
pub struct GroupRow {
    pub enrolment_id: i64,
    pub group: String,
    #[diesel(deserialize_as = String)]
    pub status: EnrolmentStatus,
    pub enrolled_at: NaiveDateTime,
    pub consent_version: Option<String>,
    pub consented_at: Option<NaiveDateTime>,
    pub curriculum_version_id: i64,
    pub time_zone: String,
}

/// One attendance mark, with its meeting.
#[derive(Debug, Clone, Queryable)]
pub struct MarkRow {
    pub session_number: i32,
    pub starts_at: NaiveDateTime,
    #[diesel(deserialize_as = String)]
    pub status: AttendanceStatus,
}

/// One reflection, as its writer may see it.
#[derive(Debug, Clone, Queryable)]
pub struct ReflectionRow {
    pub session_number: i32,
    pub answers: String,
    #[diesel(deserialize_as = String)]
    pub status: ReflectionStatus,
    pub visibility: String,
    pub facilitator_reply: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
}

/// One answer for a meeting ("I'll be there" / "I can't come").
#[derive(Debug, Clone, Queryable)]
pub struct AnswerRow {
    pub session_number: i32,
    pub starts_at: NaiveDateTime,
    #[diesel(deserialize_as = String)]
    pub answer: crate::db::status::RsvpAnswer,
    pub reason: Option<String>,
    pub note: Option<String>,
}

/// One group and what the parent left in it.
#[derive(Debug, Clone)]
pub struct GroupData {
    pub group: GroupRow,
    pub marks: Vec<MarkRow>,
    pub reflections: Vec<ReflectionRow>,
    /// (phase, answers as JSON)
    pub checkins: Vec<(String, String)>,
    pub answers: Vec<AnswerRow>,
}

/// Every group of participant `participant_id`, oldest first.
pub fn personal_data(conn: &mut DbConn, participant_id: i64) -> Result<Vec<GroupData>, AppError> {
    let groups = enrolments::table
        .inner_join(cohorts::table)
        .filter(enrolments::participant_id.eq(participant_id))
        .order(enrolments::id)
        .select((
            enrolments::id,
            cohorts::title,
            enrolments::status,
            enrolments::enrolled_at,
            enrolments::consent_version,
            enrolments::consented_at,
            cohorts::curriculum_version_id,
            cohorts::time_zone,
        ))
        .load::<GroupRow>(conn)?;
    groups
        .into_iter()
        .map(|group| {
            let eid = group.enrolment_id;
            Ok(GroupData {
                answers: crate::db::schema::rsvps::table
                    .inner_join(meetings::table)
                    .filter(crate::db::schema::rsvps::enrolment_id.eq(eid))
                    .order(meetings::starts_at)
                    .select((
                        meetings::session_number,
                        meetings::starts_at,
                        crate::db::schema::rsvps::answer,
                        crate::db::schema::rsvps::reason,
                        crate::db::schema::rsvps::note,
                    ))
                    .load::<AnswerRow>(conn)?,
                marks: attendance::table
                    .inner_join(meetings::table)
                    .filter(attendance::enrolment_id.eq(eid))
                    .order(meetings::starts_at)
                    .select((
                        meetings::session_number,
                        meetings::starts_at,
                        attendance::status,
                    ))
                    .load::<MarkRow>(conn)?,
                reflections: reflections::table
                    .filter(reflections::enrolment_id.eq(eid))
                    .order(reflections::session_number)
                    .select((
                        reflections::session_number,
                        reflections::answers,
                        reflections::status,
                        reflections::visibility,
                        reflections::facilitator_reply,
                        reflections::submitted_at,
                    ))
                    .load::<ReflectionRow>(conn)?,
                checkins: checkins::table
                    .filter(checkins::enrolment_id.eq(eid))
                    .order(checkins::id)
                    .select((checkins::phase, checkins::answers))
                    .load(conn)?,
                group,
            })
        })
        .collect()
}

/// Erases participant `pid` everywhere: what they wrote, their links,
/// their queued emails and open sessions, the uploaded files of their
/// groups; their places are kept as "Deleted parent", withdrawn. Returns
/// (enrolment, cohort) of each place, for the audit log.
pub fn erase_participant(
    conn: &mut DbConn,
    pid: i64,
    at: NaiveDateTime,
) -> Result<Vec<(i64, i64)>, AppError> {
    let theirs: Vec<(i64, i64)> = enrolments::table
        .filter(enrolments::participant_id.eq(pid))
        .select((enrolments::id, enrolments::cohort_id))
        .load(conn)?;
    let eids: Vec<i64> = theirs.iter().map(|e| e.0).collect();
    let cids: Vec<i64> = theirs.iter().map(|e| e.1).collect();
    diesel::delete(reflections::table.filter(reflections::enrolment_id.eq_any(&eids)))
        .execute(conn)?;
    diesel::delete(checkins::table.filter(checkins::enrolment_id.eq_any(&eids))).execute(conn)?;
    crate::db::models::rsvp::Rsvp::delete_for_enrolments(conn, &eids)?;
    diesel::delete(absence_alerts::table.filter(absence_alerts::enrolment_id.eq_any(&eids)))
        .execute(conn)?;
    diesel::delete(handout_reads::table.filter(handout_reads::enrolment_id.eq_any(&eids)))
        .execute(conn)?;
    forget_contact(conn, &eids)?;
    forget_agency_records(conn, &eids)?;
    diesel::delete(access_tokens::table.filter(access_tokens::enrolment_id.eq_any(&eids)))
        .execute(conn)?;
    diesel::delete(outbox_messages::table.filter(outbox_messages::enrolment_id.eq_any(&eids)))
        .execute(conn)?;
    diesel::delete(roster_imports::table.filter(roster_imports::cohort_id.eq_any(&cids)))
        .execute(conn)?;
    for eid in &eids {
        WebSession::delete_for_enrolment(conn, *eid)?;
    }
    diesel::update(enrolments::table.filter(enrolments::id.eq_any(&eids)))
        .set((
            enrolments::notes.eq(None::<String>),
            enrolments::status.eq(EnrolmentStatus::Withdrawn.as_str()),
            enrolments::withdrawn_at.eq(Some(at)),
            enrolments::unsubscribed_at.eq(Some(at)),
        ))
        .execute(conn)?;
    diesel::update(participants::table.find(pid))
        .set((
            participants::name.eq("Deleted parent"),
            participants::email.eq(None::<String>),
            participants::phone.eq(None::<String>),
            participants::preferred_name.eq(None::<String>),
            participants::text_consent_at.eq(None::<NaiveDateTime>),
            participants::text_consent_wording.eq(None::<String>),
            participants::erased_at.eq(Some(at)),
            participants::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(theirs)
}

/// Their intake form, their answers to measures and their certificates
/// (a deleted certificate's code reads "not valid").
fn forget_agency_records(conn: &mut DbConn, eids: &[i64]) -> Result<(), AppError> {
    use crate::db::schema::{certificates, intakes, measure_answers};
    diesel::delete(intakes::table.filter(intakes::enrolment_id.eq_any(eids))).execute(conn)?;
    diesel::delete(measure_answers::table.filter(measure_answers::enrolment_id.eq_any(eids)))
        .execute(conn)?;
    diesel::delete(certificates::table.filter(certificates::enrolment_id.eq_any(eids)))
        .execute(conn)?;
    Ok(())
}

/// Their message choices and places offered from a waiting list.
fn forget_contact(conn: &mut DbConn, eids: &[i64]) -> Result<(), AppError> {
    use crate::db::schema::{contact_preferences, waitlist_offers};
    diesel::delete(
        contact_preferences::table.filter(contact_preferences::enrolment_id.eq_any(eids)),
    )
    .execute(conn)?;
    diesel::delete(waitlist_offers::table.filter(waitlist_offers::enrolment_id.eq_any(eids)))
        .execute(conn)?;
    Ok(())
}
