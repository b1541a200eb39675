use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::ids::{EnrolmentId, MeetingId};
use crate::db::schema::attendance;
pub use crate::db::status::AttendanceStatus;
use crate::db::DbConn;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = attendance)]
pub struct Attendance {
    pub meeting_id: i64,
    pub enrolment_id: i64,
    #[diesel(deserialize_as = String)]
    pub status: AttendanceStatus,
    pub recorded_by: Option<i64>,
    pub recorded_at: NaiveDateTime,
    /// Missed, then read the handout and sent the catch-up reflection:
    /// kept apart from "present".
    pub caught_up_at: Option<NaiveDateTime>,
    pub caught_up_by: Option<i64>,
}

impl Attendance {
    /// (enrolment, session number) of every "present" mark at a group's
    /// meetings that went ahead: a session counts once however many times
    /// it met.
    pub fn present_sessions(
        conn: &mut DbConn,
        cohort_id: i64,
    ) -> Result<std::collections::BTreeSet<(i64, i32)>, AppError> {
        use crate::db::schema::meetings;
        use crate::db::status::MeetingStatus;
        Ok(attendance::table
            .inner_join(meetings::table)
            .filter(meetings::cohort_id.eq(cohort_id))
            .filter(meetings::status.ne(MeetingStatus::Cancelled.as_str()))
            .filter(attendance::status.eq(AttendanceStatus::Present.as_str()))
            .select((attendance::enrolment_id, meetings::session_number))
            .load::<(i64, i32)>(conn)?
            .into_iter()
            .collect())
    }

    /// Records (or corrects) one participant's attendance at one meeting.
    pub fn record(
        conn: &mut DbConn,
        meeting_id: MeetingId,
        enrolment_id: EnrolmentId,
        status: AttendanceStatus,
        recorded_by: Option<i64>,
    ) -> Result<(), AppError> {
        let (meeting_id, enrolment_id) = (meeting_id.0, enrolment_id.0);
        let at = crate::db::now();
        let upsert = diesel::insert_into(attendance::table)
            .values((
                attendance::meeting_id.eq(meeting_id),
                attendance::enrolment_id.eq(enrolment_id),
                attendance::status.eq(status.as_str()),
                attendance::recorded_by.eq(recorded_by),
                attendance::recorded_at.eq(at),
            ))
            .on_conflict((attendance::meeting_id, attendance::enrolment_id))
            .do_update()
            .set((
                attendance::status.eq(status.as_str()),
                attendance::recorded_by.eq(recorded_by),
                attendance::recorded_at.eq(at),
            ));
        crate::on_backend!(conn, |c| upsert.execute(c))?;
        Ok(())
    }

    pub fn for_meeting(conn: &mut DbConn, meeting_id: i64) -> Result<Vec<Attendance>, AppError> {
        Ok(attendance::table
            .filter(attendance::meeting_id.eq(meeting_id))
            .select(Attendance::as_select())
            .load(conn)?)
    }

    /// One parent's marks, at every meeting of their group.
    pub fn for_enrolment(
        conn: &mut DbConn,
        enrolment_id: EnrolmentId,
    ) -> Result<Vec<Attendance>, AppError> {
        Ok(attendance::table
            .filter(attendance::enrolment_id.eq(enrolment_id.0))
            .select(Attendance::as_select())
            .load(conn)?)
    }

    /// Marks a missed meeting "caught up" (`by` the facilitator), or takes
    /// that back (`None`). Only a mark that is not "present" can be caught
    /// up; returns whether one changed.
    pub fn set_caught_up(
        conn: &mut DbConn,
        meeting_id: MeetingId,
        enrolment_id: EnrolmentId,
        by: Option<i64>,
        at: NaiveDateTime,
    ) -> Result<bool, AppError> {
        let row = attendance::table
            .filter(attendance::meeting_id.eq(meeting_id.0))
            .filter(attendance::enrolment_id.eq(enrolment_id.0))
            .filter(attendance::status.ne(AttendanceStatus::Present.as_str()));
        let n = match by {
            Some(user) => diesel::update(row.filter(attendance::caught_up_at.is_null()))
                .set((
                    attendance::caught_up_at.eq(Some(at)),
                    attendance::caught_up_by.eq(Some(user)),
                ))
                .execute(conn)?,
            None => diesel::update(row.filter(attendance::caught_up_at.is_not_null()))
                .set((
                    attendance::caught_up_at.eq(None::<NaiveDateTime>),
                    attendance::caught_up_by.eq(None::<i64>),
                ))
                .execute(conn)?,
        };
        Ok(n == 1)
    }

    /// (enrolment, session number) of every missed meeting marked caught
    /// up at a group's meetings that went ahead.
    pub fn caught_up_sessions(
        conn: &mut DbConn,
        cohort_id: i64,
    ) -> Result<std::collections::BTreeSet<(i64, i32)>, AppError> {
        use crate::db::schema::meetings;
        use crate::db::status::MeetingStatus;
        Ok(attendance::table
            .inner_join(meetings::table)
            .filter(meetings::cohort_id.eq(cohort_id))
            .filter(meetings::status.ne(MeetingStatus::Cancelled.as_str()))
            .filter(attendance::caught_up_at.is_not_null())
            .select((attendance::enrolment_id, meetings::session_number))
            .load::<(i64, i32)>(conn)?
            .into_iter()
            .collect())
    }
}
