use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{cohorts, enrolments, waitlist_offers};
use crate::db::status::EnrolmentStatus;
pub use crate::db::status::OfferStatus;
use crate::db::DbConn;
use crate::error::AppError;

/// A place offered to someone on a group's waiting list. One per
/// enrolment, ever (UNIQUE `enrolment_id`): nobody is offered twice.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = waitlist_offers)]
pub struct WaitlistOffer {
    pub id: i64,
    pub cohort_id: i64,
    pub enrolment_id: i64,
    #[diesel(deserialize_as = String)]
    pub status: OfferStatus,
    pub offered_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub answered_at: Option<NaiveDateTime>,
}

impl WaitlistOffer {
    /// Holds the group's row until the transaction ends, so two servers
    /// counting its free places cannot both fill the same one. SQLite's
    /// `BEGIN IMMEDIATE` (every `write_tx`) already lets one writer in.
    pub fn lock_cohort(conn: &mut DbConn, cohort_id: i64) -> Result<(), AppError> {
        if let DbConn::Postgres(c) = conn {
            cohorts::table
                .find(cohort_id)
                .select(cohorts::id)
                .for_update()
                .load::<i64>(c)?;
        }
        Ok(())
    }

    /// Records an open offer; `None` if this enrolment was offered before.
    pub fn insert(
        conn: &mut DbConn,
        cohort_id: i64,
        enrolment_id: i64,
        at: NaiveDateTime,
        expires_at: NaiveDateTime,
    ) -> Result<Option<WaitlistOffer>, AppError> {
        let insert = diesel::insert_into(waitlist_offers::table)
            .values((
                waitlist_offers::cohort_id.eq(cohort_id),
                waitlist_offers::enrolment_id.eq(enrolment_id),
                waitlist_offers::status.eq(OfferStatus::Open.as_str()),
                waitlist_offers::offered_at.eq(at),
                waitlist_offers::expires_at.eq(expires_at),
            ))
            .on_conflict_do_nothing();
        let added = crate::on_backend!(conn, |c| insert.execute(c))?;
        if added == 0 {
            return Ok(None);
        }
        Self::for_enrolment(conn, enrolment_id)
    }

    pub fn find(conn: &mut DbConn, id: i64) -> Result<Option<WaitlistOffer>, AppError> {
        Ok(waitlist_offers::table
            .find(id)
            .select(WaitlistOffer::as_select())
            .load(conn)?
            .into_iter()
            .next())
    }

    pub fn for_enrolment(
        conn: &mut DbConn,
        enrolment_id: i64,
    ) -> Result<Option<WaitlistOffer>, AppError> {
        Ok(waitlist_offers::table
            .filter(waitlist_offers::enrolment_id.eq(enrolment_id))
            .select(WaitlistOffer::as_select())
            .load(conn)?
            .into_iter()
            .next())
    }

    /// A group's offers, in the order they were made.
    pub fn for_cohort(conn: &mut DbConn, cohort_id: i64) -> Result<Vec<WaitlistOffer>, AppError> {
        Ok(waitlist_offers::table
            .filter(waitlist_offers::cohort_id.eq(cohort_id))
            .order(waitlist_offers::id.asc())
            .select(WaitlistOffer::as_select())
            .load(conn)?)
    }

    /// Open offers whose time is up, across every group.
    pub fn lapsing(conn: &mut DbConn, now: NaiveDateTime) -> Result<Vec<WaitlistOffer>, AppError> {
        Ok(waitlist_offers::table
            .filter(waitlist_offers::status.eq(OfferStatus::Open.as_str()))
            .filter(waitlist_offers::expires_at.le(now))
            .order(waitlist_offers::id.asc())
            .select(WaitlistOffer::as_select())
            .load(conn)?)
    }

    /// Moves an offer on from `Open` only; false if it was no longer open
    /// (answered, lapsed or taken back by someone else meanwhile).
    pub fn close(
        conn: &mut DbConn,
        id: i64,
        status: OfferStatus,
        at: NaiveDateTime,
    ) -> Result<bool, AppError> {
        let answered = matches!(status, OfferStatus::Accepted | OfferStatus::Declined);
        let changed = diesel::update(
            waitlist_offers::table
                .find(id)
                .filter(waitlist_offers::status.eq(OfferStatus::Open.as_str())),
        )
        .set((
            waitlist_offers::status.eq(status.as_str()),
            waitlist_offers::answered_at.eq(answered.then_some(at)),
        ))
        .execute(conn)?;
        Ok(changed == 1)
    }

    /// Groups with someone on the waiting list who has never been
    /// offered a place (where a free place may be waiting for them).
    pub fn cohorts_with_unoffered(conn: &mut DbConn) -> Result<Vec<i64>, AppError> {
        let offered = waitlist_offers::table.select(waitlist_offers::enrolment_id);
        Ok(enrolments::table
            .filter(enrolments::status.eq(EnrolmentStatus::Waitlisted.as_str()))
            .filter(enrolments::id.ne_all(offered))
            .select(enrolments::cohort_id)
            .distinct()
            .order(enrolments::cohort_id.asc())
            .load(conn)?)
    }
}
