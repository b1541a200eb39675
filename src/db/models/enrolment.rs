use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::ids::{CohortId, EnrolmentId, ParticipantId};
use crate::db::schema::{enrolments, participants};
pub use crate::db::status::EnrolmentStatus;
use crate::db::DbConn;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = enrolments)]
pub struct Enrolment {
    pub id: i64,
    pub cohort_id: i64,
    pub participant_id: i64,
    #[diesel(deserialize_as = String)]
    pub status: EnrolmentStatus,
    pub source: String,
    pub notes: Option<String>,
    pub consent_version: Option<String>,
    pub consented_at: Option<NaiveDateTime>,
    pub unsubscribed_at: Option<NaiveDateTime>,
    pub enrolled_at: NaiveDateTime,
    pub withdrawn_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = enrolments)]
pub struct NewEnrolment<'a> {
    pub cohort_id: i64,
    pub participant_id: i64,
    pub status: &'a str,
    pub source: &'a str,
    pub enrolled_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// See [`Enrolment::mail_standing`].
#[derive(Debug, Clone, Queryable)]
pub struct MailStanding {
    #[diesel(deserialize_as = String)]
    pub status: EnrolmentStatus,
    pub unsubscribed_at: Option<NaiveDateTime>,
    pub erased_at: Option<NaiveDateTime>,
}

/// A parent in a group, by the names to show.
#[derive(Debug, Clone, Queryable)]
pub struct NamedEnrolment {
    pub enrolment_id: i64,
    pub name: String,
    pub preferred_name: Option<String>,
}

impl NamedEnrolment {
    /// "Ana Ruiz (Annie)" when she likes another name, else "Ana Ruiz".
    pub fn shown_name(&self) -> String {
        match &self.preferred_name {
            Some(p) if !p.trim().is_empty() && *p != self.name => format!("{} ({p})", self.name),
            _ => self.name.clone(),
        }
    }
}

impl Enrolment {
    pub fn insert(conn: &mut DbConn, new: &NewEnrolment<'_>) -> Result<Enrolment, AppError> {
        diesel::insert_into(enrolments::table)
            .values(new)
            .execute(conn)?;
        Ok(enrolments::table
            .filter(enrolments::cohort_id.eq(new.cohort_id))
            .filter(enrolments::participant_id.eq(new.participant_id))
            .select(Enrolment::as_select())
            .first(conn)?)
    }

    /// The parents in a group now, by name (then enrolment), with the
    /// names they like to be called: a roll, a sign-in sheet, a packet.
    pub fn active_names(
        conn: &mut DbConn,
        cohort_id: i64,
    ) -> Result<Vec<NamedEnrolment>, AppError> {
        Ok(enrolments::table
            .inner_join(participants::table)
            .filter(enrolments::cohort_id.eq(cohort_id))
            .filter(enrolments::status.eq(EnrolmentStatus::Active.as_str()))
            .filter(participants::erased_at.is_null())
            .order((participants::name.asc(), enrolments::id.asc()))
            .select((
                enrolments::id,
                participants::name,
                participants::preferred_name,
            ))
            .load::<NamedEnrolment>(conn)?)
    }

    /// Records that the parent agreed to `version` of what we keep.
    pub fn set_consent(
        conn: &mut DbConn,
        id: i64,
        version: &str,
        at: NaiveDateTime,
    ) -> Result<(), AppError> {
        diesel::update(enrolments::table.find(id))
            .set((
                enrolments::consent_version.eq(Some(version)),
                enrolments::consented_at.eq(Some(at)),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// The active enrolments of the (not erased) parent with this address,
    /// newest first.
    pub fn active_for_email(
        conn: &mut DbConn,
        email: &str,
    ) -> Result<Vec<(Enrolment, crate::db::models::Participant)>, AppError> {
        use crate::db::models::Participant;
        Ok(enrolments::table
            .inner_join(participants::table)
            .filter(participants::email.eq(email))
            .filter(participants::erased_at.is_null())
            .filter(enrolments::status.eq(EnrolmentStatus::Active.as_str()))
            .order((enrolments::enrolled_at.desc(), enrolments::id.desc()))
            .select((Enrolment::as_select(), Participant::as_select()))
            .load(conn)?)
    }

    /// Stops follow-up emails; false if they were stopped already.
    pub fn unsubscribe(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> Result<bool, AppError> {
        let n = diesel::update(
            enrolments::table
                .find(id)
                .filter(enrolments::unsubscribed_at.is_null()),
        )
        .set(enrolments::unsubscribed_at.eq(Some(at)))
        .execute(conn)?;
        Ok(n == 1)
    }

    /// Turns follow-up emails back on.
    pub fn resubscribe(conn: &mut DbConn, id: i64) -> Result<(), AppError> {
        diesel::update(enrolments::table.find(id))
            .set(enrolments::unsubscribed_at.eq(None::<NaiveDateTime>))
            .execute(conn)?;
        Ok(())
    }

    /// How many parents are in the group now.
    pub fn count_active(conn: &mut DbConn, cohort_id: i64) -> Result<i64, AppError> {
        Ok(enrolments::table
            .filter(enrolments::cohort_id.eq(cohort_id))
            .filter(enrolments::status.eq(EnrolmentStatus::Active.as_str()))
            .count()
            .get_result(conn)?)
    }

    /// Whether a parent can still be emailed: their place, whether they
    /// stopped emails, whether they erased their details.
    pub fn mail_standing(conn: &mut DbConn, id: i64) -> Result<Option<MailStanding>, AppError> {
        Ok(enrolments::table
            .inner_join(participants::table)
            .filter(enrolments::id.eq(id))
            .select((
                enrolments::status,
                enrolments::unsubscribed_at,
                participants::erased_at,
            ))
            .load::<MailStanding>(conn)?
            .into_iter()
            .next())
    }

    /// Every enrolment id of a group, whatever its status.
    pub fn ids_in_cohort(conn: &mut DbConn, cohort_id: i64) -> Result<Vec<i64>, AppError> {
        Ok(enrolments::table
            .filter(enrolments::cohort_id.eq(cohort_id))
            .select(enrolments::id)
            .load(conn)?)
    }

    pub fn find(conn: &mut DbConn, id: i64) -> Result<Option<Enrolment>, AppError> {
        Ok(enrolments::table
            .find(id)
            .select(Enrolment::as_select())
            .load(conn)?
            .into_iter()
            .next())
    }

    pub fn for_cohort(conn: &mut DbConn, cohort_id: i64) -> Result<Vec<Enrolment>, AppError> {
        Ok(enrolments::table
            .filter(enrolments::cohort_id.eq(cohort_id))
            .order(enrolments::id.asc())
            .select(Enrolment::as_select())
            .load(conn)?)
    }
}

impl Enrolment {
    pub fn find_in_cohort(
        conn: &mut DbConn,
        cohort_id: CohortId,
        enrolment_id: EnrolmentId,
    ) -> Result<Enrolment, AppError> {
        let (cohort_id, enrolment_id) = (cohort_id.0, enrolment_id.0);
        enrolments::table
            .find(enrolment_id)
            .filter(enrolments::cohort_id.eq(cohort_id))
            .select(Enrolment::as_select())
            .load(conn)?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::not_found("We couldn't find that parent in this group."))
    }

    pub fn find_for(
        conn: &mut DbConn,
        cohort_id: CohortId,
        participant_id: ParticipantId,
    ) -> Result<Option<Enrolment>, AppError> {
        let (cohort_id, participant_id) = (cohort_id.0, participant_id.0);
        Ok(enrolments::table
            .filter(enrolments::cohort_id.eq(cohort_id))
            .filter(enrolments::participant_id.eq(participant_id))
            .select(Enrolment::as_select())
            .load(conn)?
            .into_iter()
            .next())
    }

    pub fn set_status(conn: &mut DbConn, id: i64, status: EnrolmentStatus) -> Result<(), AppError> {
        let at = crate::db::now();
        let withdrawn_at = (status == EnrolmentStatus::Withdrawn).then_some(at);
        diesel::update(enrolments::table.find(id))
            .set((
                enrolments::status.eq(status.as_str()),
                enrolments::withdrawn_at.eq(withdrawn_at),
                enrolments::updated_at.eq(at),
            ))
            .execute(conn)?;
        Ok(())
    }

    pub fn set_notes(conn: &mut DbConn, id: i64, notes: Option<&str>) -> Result<(), AppError> {
        diesel::update(enrolments::table.find(id))
            .set(enrolments::notes.eq(notes))
            .execute(conn)?;
        Ok(())
    }
}
