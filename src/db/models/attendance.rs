use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::attendance;
use crate::db::DbConn;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = attendance)]
pub struct Attendance {
    pub meeting_id: i64,
    pub enrolment_id: i64,
    pub status: String,
    pub recorded_by: Option<i64>,
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttendanceStatus {
    Present,
    Absent,
    Excused,
}

impl AttendanceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Present => "present",
            Self::Absent => "absent",
            Self::Excused => "excused",
        }
    }
}

impl Attendance {
    /// Records (or corrects) one participant's attendance at one meeting.
    pub fn record(
        conn: &mut DbConn,
        meeting_id: i64,
        enrolment_id: i64,
        status: AttendanceStatus,
        recorded_by: Option<i64>,
    ) -> Result<(), AppError> {
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
}
