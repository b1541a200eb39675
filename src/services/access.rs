//! Who may see what, in one place every service uses: a facilitator's
//! groups and the parent whose session this is. It sits below the other
//! services, so they can all use it without importing each other.

use crate::curriculum::Curriculum;
use crate::db::ids::{CohortId, EnrolmentId, MeetingId, UserId};
use crate::db::models::{Cohort, CurriculumVersion, Enrolment, Meeting, Participant, User};
use crate::db::DbConn;
use crate::error::AppError;

/// One cohort, if `user` may see it. Anyone else gets "not found", so
/// cohort ids tell a stranger nothing.
pub fn find_visible(conn: &mut DbConn, user: &User, cohort_id: i64) -> Result<Cohort, AppError> {
    let cohort = Cohort::find(conn, cohort_id)?;
    let not_found = || AppError::not_found("We couldn't find that group.");
    let cohort = cohort.ok_or_else(not_found)?;
    if user.is_admin {
        return Ok(cohort);
    }
    if Cohort::is_facilitated_by(conn, CohortId(cohort_id), UserId(user.id))? {
        Ok(cohort)
    } else {
        crate::services::audit_denied(conn, user, "cohort", Some(cohort_id))?;
        Err(not_found())
    }
}

/// One cohort for work that shows no reflection text and no one parent's
/// answers (schedule, roster, attendance, fidelity, figures): its
/// facilitators, admins and the organisation's coordinators. Anyone else
/// gets "not found", like `find_visible`.
pub fn find_overseen(conn: &mut DbConn, user: &User, cohort_id: i64) -> Result<Cohort, AppError> {
    if user.is_coordinator && user.is_active() {
        return by_id(conn, cohort_id);
    }
    find_visible(conn, user, cohort_id)
}

/// Work across the organisation (reports, every group's schedule): admins
/// and coordinators; anyone else is refused (403) and the attempt audited.
pub fn require_coordinator(conn: &mut DbConn, user: &User, area: &str) -> Result<(), AppError> {
    if user.is_admin || user.is_coordinator {
        Ok(())
    } else {
        crate::services::audit_denied(conn, user, area, None)?;
        Err(AppError::Forbidden(
            "Only the organisation's coordinators can see this.".into(),
        ))
    }
}

/// A meeting of a group `user` may see; a meeting of any other group is
/// "not found", like the group.
pub fn find_visible_meeting(
    conn: &mut DbConn,
    user: &User,
    cohort_id: CohortId,
    meeting_id: MeetingId,
) -> Result<(Cohort, Meeting), AppError> {
    let cohort = find_visible(conn, user, cohort_id.0)?;
    let meeting = Meeting::find_in_cohort(conn, cohort_id, meeting_id)?;
    Ok((cohort, meeting))
}

/// A parent's place in a group `user` may see; one in any other group is
/// "not found", like the group.
pub fn find_visible_enrolment(
    conn: &mut DbConn,
    user: &User,
    cohort_id: CohortId,
    enrolment_id: EnrolmentId,
) -> Result<(Cohort, Enrolment), AppError> {
    let cohort = find_visible(conn, user, cohort_id.0)?;
    let enrolment = Enrolment::find_in_cohort(conn, cohort_id, enrolment_id)?;
    Ok((cohort, enrolment))
}

/// A cohort by id, for links that carry their own authority (an invite or
/// calendar token); never for facilitator pages, which use `find_visible`.
pub fn by_id(conn: &mut DbConn, id: i64) -> Result<Cohort, AppError> {
    Cohort::find(conn, id)?.ok_or_else(|| AppError::not_found("We couldn't find that group."))
}

/// Everything about the parent whose session this is.
pub struct Me {
    pub enrolment: Enrolment,
    pub participant: Participant,
    pub cohort: Cohort,
    pub curriculum: std::sync::Arc<Curriculum>,
}

pub fn me(conn: &mut DbConn, enrolment_id: i64) -> Result<Me, AppError> {
    let enrolment = Enrolment::find(conn, enrolment_id)?
        .ok_or_else(|| AppError::Unauthorized("Please open your personal link again.".into()))?;
    let participant = Participant::find(conn, enrolment.participant_id)?;
    if participant.erased_at.is_some() {
        return Err(AppError::Gone("This account has been deleted.".into()));
    }
    let cohort = by_id(conn, enrolment.cohort_id)?;
    let curriculum = CurriculumVersion::load_curriculum(conn, cohort.curriculum_version_id)?;
    Ok(Me {
        enrolment,
        participant,
        cohort,
        curriculum,
    })
}

/// Admin-only work: anyone else is refused (403, with `refusal`) and the
/// attempt is audited against `area`.
pub fn require_admin(
    conn: &mut DbConn,
    user: &User,
    area: &str,
    refusal: &str,
) -> Result<(), AppError> {
    if user.is_admin {
        Ok(())
    } else {
        crate::services::audit_denied(conn, user, area, None)?;
        Err(AppError::Forbidden(refusal.into()))
    }
}
