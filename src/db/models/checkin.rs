//! A parent's check-in answers (start and end of a course), as JSON.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{checkins, enrolments};
use crate::db::DbConn;
use crate::error::AppError;

/// One stored check-in.
#[derive(Debug, Clone, Queryable)]
pub struct CheckinRow {
    pub enrolment_id: i64,
    /// "pre" or "post".
    pub phase: String,
    /// JSON array of the answers, 1 to 5 each.
    pub answers: String,
}

pub struct Checkin;

impl Checkin {
    /// The answers a parent gave for `phase`, if any.
    pub fn answers(
        conn: &mut DbConn,
        enrolment_id: i64,
        phase: &str,
    ) -> Result<Option<String>, AppError> {
        Ok(checkins::table
            .filter(checkins::enrolment_id.eq(enrolment_id))
            .filter(checkins::phase.eq(phase))
            .select(checkins::answers)
            .load(conn)?
            .into_iter()
            .next())
    }

    /// Saves (or replaces) a parent's answers for `phase`.
    pub fn save(
        conn: &mut DbConn,
        enrolment_id: i64,
        phase: &str,
        answers: &str,
        at: NaiveDateTime,
    ) -> Result<(), AppError> {
        let upsert = diesel::insert_into(checkins::table)
            .values((
                checkins::enrolment_id.eq(enrolment_id),
                checkins::phase.eq(phase),
                checkins::answers.eq(answers),
                checkins::created_at.eq(at),
                checkins::updated_at.eq(at),
            ))
            .on_conflict((checkins::enrolment_id, checkins::phase))
            .do_update()
            .set((checkins::answers.eq(answers), checkins::updated_at.eq(at)));
        crate::on_backend!(conn, |c| upsert.execute(c))?;
        Ok(())
    }

    /// Every check-in of a group's parents.
    pub fn for_cohort(conn: &mut DbConn, cohort_id: i64) -> Result<Vec<CheckinRow>, AppError> {
        Ok(checkins::table
            .inner_join(enrolments::table)
            .filter(enrolments::cohort_id.eq(cohort_id))
            .select((checkins::enrolment_id, checkins::phase, checkins::answers))
            .load::<CheckinRow>(conn)?)
    }

    /// Every check-in of these groups' parents, with each one's group.
    pub fn for_cohorts(
        conn: &mut DbConn,
        cohort_ids: &[i64],
    ) -> Result<Vec<(i64, CheckinRow)>, AppError> {
        let mut out = Vec::new();
        for chunk in cohort_ids.chunks(500) {
            let rows: Vec<(i64, i64, String, String)> = checkins::table
                .inner_join(enrolments::table)
                .filter(enrolments::cohort_id.eq_any(chunk))
                .select((
                    enrolments::cohort_id,
                    checkins::enrolment_id,
                    checkins::phase,
                    checkins::answers,
                ))
                .load(conn)?;
            out.extend(rows.into_iter().map(|(c, enrolment_id, phase, answers)| {
                (
                    c,
                    CheckinRow {
                        enrolment_id,
                        phase,
                        answers,
                    },
                )
            }));
        }
        Ok(out)
    }
}
