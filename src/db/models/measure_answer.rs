//! A parent's answers to one measure on one occasion (`measure_answers`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::measure_answers;
use crate::db::DbConn;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = measure_answers)]
pub struct MeasureAnswer {
    pub id: i64,
    pub enrolment_id: i64,
    /// The measure's slug (`measures/<slug>.toml`).
    pub measure: String,
    /// The content hash of the file the parent answered.
    pub measure_hash: String,
    /// A `MeasureOccasion` word.
    pub occasion: String,
    /// The session it followed (`after_meeting`); 0 otherwise.
    pub session_number: i32,
    /// JSON array: one value per item in the file's order (null if skipped).
    pub answers: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl MeasureAnswer {
    /// Every answer these parents' places gave, to any measure.
    pub fn for_enrolments(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<MeasureAnswer>, AppError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            out.extend(
                measure_answers::table
                    .filter(measure_answers::enrolment_id.eq_any(chunk))
                    .order(measure_answers::id.asc())
                    .select(MeasureAnswer::as_select())
                    .load(conn)?,
            );
        }
        Ok(out)
    }
}
