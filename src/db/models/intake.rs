//! A parent's intake form (`intakes`): children's ages, language, needs,
//! how they heard of the group, optional demographics.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::intakes;
use crate::db::DbConn;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = intakes)]
pub struct Intake {
    pub enrolment_id: i64,
    /// As checked when saved: whole years, comma-separated ("2, 5").
    pub children_ages: Option<String>,
    pub language: Option<String>,
    /// Space-separated `IntakeNeed` words.
    pub needs: String,
    pub access_note: Option<String>,
    pub heard_from: Option<String>,
    /// JSON object: question id to answer id (`intake/questions.toml`).
    pub demographics: String,
    /// An `IntakeBy` word.
    pub filled_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Intake {
    /// The intake forms of these parents' places (any that have one).
    pub fn for_enrolments(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<Intake>, AppError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            out.extend(
                intakes::table
                    .filter(intakes::enrolment_id.eq_any(chunk))
                    .select(Intake::as_select())
                    .load(conn)?,
            );
        }
        Ok(out)
    }
}
