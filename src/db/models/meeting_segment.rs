use diesel::prelude::*;

use crate::db::ids::{MeetingId, UserId};
use crate::db::schema::meeting_segments;
use crate::db::{now, DbConn};
use crate::error::AppError;

/// Which agenda segments of a meeting were delivered (fidelity).
pub fn delivered(
    conn: &mut DbConn,
    meeting_ids: &[i64],
) -> Result<Vec<(i64, i32, bool)>, AppError> {
    Ok(meeting_segments::table
        .filter(meeting_segments::meeting_id.eq_any(meeting_ids))
        .select((
            meeting_segments::meeting_id,
            meeting_segments::segment_index,
            meeting_segments::delivered,
        ))
        .load(conn)?)
}

/// Replaces the checklist of one meeting.
pub fn replace(
    conn: &mut DbConn,
    meeting_id: MeetingId,
    ticks: &[bool],
    user_id: UserId,
) -> Result<(), AppError> {
    let (meeting_id, user_id) = (meeting_id.0, user_id.0);
    diesel::delete(meeting_segments::table.filter(meeting_segments::meeting_id.eq(meeting_id)))
        .execute(conn)?;
    let at = now();
    for (i, delivered) in ticks.iter().enumerate() {
        diesel::insert_into(meeting_segments::table)
            .values((
                meeting_segments::meeting_id.eq(meeting_id),
                meeting_segments::segment_index.eq(i as i32),
                meeting_segments::delivered.eq(*delivered),
                meeting_segments::recorded_by.eq(Some(user_id)),
                meeting_segments::recorded_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}
