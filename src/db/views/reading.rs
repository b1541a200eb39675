//! What a facilitator reads: a group's sent reflections, for one session
//! or one parent, with each parent's name.
//!
//! Indexes it relies on: `reflections (enrolment_id, session_number)`,
//! `enrolments (cohort_id, status)`.

use diesel::prelude::*;

use crate::db::models::Reflection;
use crate::db::schema::{enrolments, participants, reflections};
use crate::db::status::ReflectionStatus;
use crate::db::DbConn;
use crate::error::AppError;

/// Which reflections to read.
#[derive(Debug, Clone, Copy)]
pub enum Which {
    Session(u32),
    Parent(i64),
}

/// A sent reflection and who wrote it.
#[derive(Debug, Clone)]
pub struct SentReflection {
    pub reflection: Reflection,
    pub parent_name: String,
}

/// A group's sent reflections, by session then parent name.
pub fn sent_reflections(
    conn: &mut DbConn,
    cohort_id: i64,
    which: Which,
) -> Result<Vec<SentReflection>, AppError> {
    let mut query = reflections::table
        .inner_join(enrolments::table.inner_join(participants::table))
        .filter(enrolments::cohort_id.eq(cohort_id))
        .filter(reflections::status.eq(ReflectionStatus::Submitted.as_str()))
        .into_boxed();
    query = match which {
        Which::Session(n) => query.filter(reflections::session_number.eq(n as i32)),
        Which::Parent(enrolment_id) => query.filter(reflections::enrolment_id.eq(enrolment_id)),
    };
    Ok(query
        .order((reflections::session_number.asc(), participants::name.asc()))
        .select((Reflection::as_select(), participants::name))
        .load::<(Reflection, String)>(conn)?
        .into_iter()
        .map(|(reflection, parent_name)| SentReflection {
            reflection,
            parent_name,
        })
        .collect())
}
