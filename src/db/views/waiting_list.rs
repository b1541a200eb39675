//! What a group's waiting list reads: the people waiting, in the order
//! they joined, with any offer each has had, and how many places are
//! taken.
//!
//! Indexes it relies on: `enrolments (cohort_id, status)`,
//! `waitlist_offers (enrolment_id)` (unique), `waitlist_offers (cohort_id)`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{enrolments, participants, waitlist_offers};
use crate::db::status::{EnrolmentStatus, OfferStatus};
use crate::db::DbConn;
use crate::error::AppError;

/// Someone on the waiting list, and the offer they had, if any.
#[derive(Debug, Clone, Queryable)]
pub struct WaitingRow {
    pub enrolment_id: i64,
    pub name: String,
    pub preferred_name: Option<String>,
    pub email: Option<String>,
    pub enrolled_at: NaiveDateTime,
    pub offer_id: Option<i64>,
    pub offer_status: Option<String>,
    pub offer_expires_at: Option<NaiveDateTime>,
}

impl WaitingRow {
    pub fn offer(&self) -> Option<OfferStatus> {
        self.offer_status.as_deref().and_then(OfferStatus::parse)
    }
}

/// A group's waiting list, first come first.
pub fn waiting(conn: &mut DbConn, cohort_id: i64) -> Result<Vec<WaitingRow>, AppError> {
    Ok(enrolments::table
        .inner_join(participants::table)
        .left_join(waitlist_offers::table)
        .filter(enrolments::cohort_id.eq(cohort_id))
        .filter(enrolments::status.eq(EnrolmentStatus::Waitlisted.as_str()))
        .filter(participants::erased_at.is_null())
        .order((enrolments::enrolled_at.asc(), enrolments::id.asc()))
        .select((
            enrolments::id,
            participants::name,
            participants::preferred_name,
            participants::email,
            enrolments::enrolled_at,
            waitlist_offers::id.nullable(),
            waitlist_offers::status.nullable(),
            waitlist_offers::expires_at.nullable(),
        ))
        .load(conn)?)
}

/// Places taken: parents in the group and offers still open.
#[derive(Debug, Clone, Copy)]
pub struct Taken {
    pub active: i64,
    pub open_offers: i64,
}

pub fn taken(conn: &mut DbConn, cohort_id: i64) -> Result<Taken, AppError> {
    let active = enrolments::table
        .filter(enrolments::cohort_id.eq(cohort_id))
        .filter(enrolments::status.eq(EnrolmentStatus::Active.as_str()))
        .count()
        .get_result(conn)?;
    let open_offers = waitlist_offers::table
        .inner_join(enrolments::table)
        .filter(waitlist_offers::cohort_id.eq(cohort_id))
        .filter(waitlist_offers::status.eq(OfferStatus::Open.as_str()))
        .filter(enrolments::status.eq(EnrolmentStatus::Waitlisted.as_str()))
        .count()
        .get_result(conn)?;
    Ok(Taken {
        active,
        open_offers,
    })
}
