use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::ids::{CohortId, MeetingId};
use crate::db::schema::meetings;
pub use crate::db::status::MeetingStatus;
use crate::db::DbConn;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = meetings)]
pub struct Meeting {
    pub id: i64,
    pub cohort_id: i64,
    pub session_number: i32,
    pub starts_at: NaiveDateTime,
    pub minutes: i32,
    #[diesel(deserialize_as = String)]
    pub status: MeetingStatus,
    pub is_makeup: bool,
    pub location: Option<String>,
    pub facilitator_note: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Why the time differs from the plan (a clock change), if it does.
    pub schedule_note: Option<String>,
    pub fidelity_note: Option<String>,
    /// A personal note the facilitators add to this meeting's recap email.
    pub recap_note: Option<String>,
    /// When it was cancelled, while it is.
    pub cancelled_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = meetings)]
pub struct NewMeeting {
    pub cohort_id: i64,
    pub session_number: i32,
    pub starts_at: NaiveDateTime,
    pub minutes: i32,
    pub is_makeup: bool,
    pub schedule_note: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Meeting {
    pub fn insert_many(conn: &mut DbConn, new: &[NewMeeting]) -> Result<(), AppError> {
        let insert = diesel::insert_into(meetings::table).values(new);
        crate::on_backend!(conn, |c| insert.execute(c))?;
        Ok(())
    }

    pub fn for_cohort(conn: &mut DbConn, cohort_id: i64) -> Result<Vec<Meeting>, AppError> {
        Ok(meetings::table
            .filter(meetings::cohort_id.eq(cohort_id))
            .order((meetings::starts_at.asc(), meetings::id.asc()))
            .select(Meeting::as_select())
            .load(conn)?)
    }
}

impl Meeting {
    /// When the last meeting (not cancelled) of an enrolment's group
    /// starts, if it has any.
    pub fn last_of_enrolments_group(
        conn: &mut DbConn,
        enrolment_id: i64,
    ) -> Result<Option<NaiveDateTime>, AppError> {
        use crate::db::schema::enrolments;
        Ok(meetings::table
            .inner_join(enrolments::table.on(enrolments::cohort_id.eq(meetings::cohort_id)))
            .filter(enrolments::id.eq(enrolment_id))
            .filter(meetings::status.ne(MeetingStatus::Cancelled.as_str()))
            .select(diesel::dsl::max(meetings::starts_at))
            .get_result(conn)?)
    }

    /// The facilitator's own words for a meeting's recap email.
    pub fn set_recap_note(
        conn: &mut DbConn,
        id: i64,
        note: Option<&str>,
        at: NaiveDateTime,
    ) -> Result<(), AppError> {
        diesel::update(meetings::table.find(id))
            .set((meetings::recap_note.eq(note), meetings::updated_at.eq(at)))
            .execute(conn)?;
        Ok(())
    }

    /// The meeting if it belongs to `cohort_id`; ids from another cohort
    /// are "not found".
    pub fn find_in_cohort(
        conn: &mut DbConn,
        cohort_id: CohortId,
        meeting_id: MeetingId,
    ) -> Result<Meeting, AppError> {
        let (cohort_id, meeting_id) = (cohort_id.0, meeting_id.0);
        meetings::table
            .find(meeting_id)
            .filter(meetings::cohort_id.eq(cohort_id))
            .select(Meeting::as_select())
            .load(conn)?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::not_found("We couldn't find that meeting in this group."))
    }

    pub fn reschedule(
        conn: &mut DbConn,
        id: i64,
        starts_at: NaiveDateTime,
        note: Option<&str>,
    ) -> Result<(), AppError> {
        diesel::update(meetings::table.find(id))
            .set((
                meetings::starts_at.eq(starts_at),
                meetings::schedule_note.eq(note),
                meetings::status.eq(MeetingStatus::Scheduled.as_str()),
                meetings::cancelled_at.eq(None::<NaiveDateTime>),
                meetings::updated_at.eq(crate::db::now()),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// Cancels or restores a meeting; `cancelled_at` records when it was
    /// cancelled (none once it is on again).
    pub fn set_status(
        conn: &mut DbConn,
        id: i64,
        status: MeetingStatus,
        at: NaiveDateTime,
    ) -> Result<(), AppError> {
        let cancelled_at = (status == MeetingStatus::Cancelled).then_some(at);
        diesel::update(meetings::table.find(id))
            .set((
                meetings::status.eq(status.as_str()),
                meetings::cancelled_at.eq(cancelled_at),
                meetings::updated_at.eq(at),
            ))
            .execute(conn)?;
        Ok(())
    }

    pub fn set_fidelity_note(
        conn: &mut DbConn,
        id: i64,
        note: Option<&str>,
    ) -> Result<(), AppError> {
        diesel::update(meetings::table.find(id))
            .set(meetings::fidelity_note.eq(note))
            .execute(conn)?;
        Ok(())
    }
}
