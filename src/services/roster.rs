//! Who is in a cohort: adding parents (one person however many times they
//! are added), withdrawing and re-admitting them.

use serde::{Deserialize, Serialize};

use crate::db::ids::{CohortId, EnrolmentId, ParticipantId};
use crate::db::models::Audit;
use crate::db::models::{
    Enrolment, NewEnrolment, NewParticipant, OutboxMessage, Participant, User,
};
use crate::db::status::EnrolmentStatus;
use crate::db::{now, write_tx, DbConn};
use crate::error::{AppError, FieldErrors};
use crate::mail::Composer;
use crate::services::{follow_ups, forms, users};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ParticipantForm {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub preferred_name: String,
    pub notes: String,
}

/// A checked participant.
#[derive(Debug, Clone, PartialEq)]
pub struct ParticipantInput {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub preferred_name: Option<String>,
    pub notes: Option<String>,
}

pub fn check(form: &ParticipantForm) -> Result<ParticipantInput, AppError> {
    let mut e = FieldErrors::default();
    let name = forms::required_line(&mut e, "name", &form.name, 120, "the parent's name");
    let email = match form.email.trim() {
        "" => None,
        raw => match users::normalise_email(raw) {
            Ok(email) => Some(email),
            Err(_) => {
                e.add("email", "That doesn't look like an email address.");
                None
            }
        },
    };
    let phone = forms::optional_line(&mut e, "phone", &form.phone, 40);
    if let Some(p) = &phone {
        if !p
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
        {
            e.add("phone", crate::mail::phone::format_help(None));
        }
    }
    let preferred_name = forms::optional_line(&mut e, "preferred_name", &form.preferred_name, 60);
    let notes = forms::optional_text(&mut e, "notes", &form.notes, 2000);
    e.check()?;
    Ok(ParticipantInput {
        name,
        email,
        phone,
        preferred_name,
        notes,
    })
}

/// Puts a checked parent's phone in E.164, read in `country` when typed
/// without `+`. A number that can't be read is the field error naming the
/// format to type.
pub fn normalise_phone(
    input: &mut ParticipantInput,
    country: Option<&str>,
) -> Result<(), AppError> {
    let Some(typed) = input.phone.as_deref() else {
        return Ok(());
    };
    match crate::mail::phone::to_e164(typed, country) {
        Ok(n) => {
            input.phone = Some(n);
            Ok(())
        }
        Err(e) => {
            let mut errors = FieldErrors::default();
            errors.add("phone", e.0);
            Err(AppError::Invalid(errors))
        }
    }
}

/// [`normalise_phone`] in the group's phone country.
pub fn normalise_phone_for(
    conn: &mut DbConn,
    cohort: &crate::db::models::Cohort,
    input: &mut ParticipantInput,
) -> Result<(), AppError> {
    let country = crate::services::texts::phone_country(conn, cohort)?;
    normalise_phone(input, country.as_deref())
}

/// What adding someone did.
#[derive(Debug, PartialEq, Eq)]
pub enum Added {
    New,
    /// They had withdrawn and are back.
    Readmitted,
}

/// Adds a parent to the cohort. A parent with the same email anywhere in
/// attune is the same person (of the same name, where two share it); adding someone already in the cohort is a
/// conflict, and someone who withdrew is re-admitted.
pub fn add(
    conn: &mut DbConn,
    mail: &Composer,
    user: &User,
    cohort_id: i64,
    input: &ParticipantInput,
    source: &str,
) -> Result<(Enrolment, Added), AppError> {
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    let mut input = input.clone();
    normalise_phone_for(conn, &cohort, &mut input)?;
    let input = &input;
    write_tx(conn, |conn| {
        let added = add_in_tx(conn, Some(user), cohort.id, input, source)?;
        follow_ups::queue_welcome(conn, mail, added.0.id, now())?;
        Ok(added)
    })
}

/// How an added parent is matched with someone attune knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SamePerson {
    /// The same email is the same person (by hand, by invite link).
    Email,
    /// The same email and name: a spreadsheet may list a couple sharing
    /// one address as two rows, and they are two parents.
    EmailAndName,
}

/// The shared core of adding by hand and by invite link.
pub fn add_in_tx(
    conn: &mut DbConn,
    actor: Option<&User>,
    cohort_id: i64,
    input: &ParticipantInput,
    source: &str,
) -> Result<(Enrolment, Added), AppError> {
    add_person_in_tx(conn, actor, cohort_id, input, source, SamePerson::Email)
}

/// [`add_in_tx`], matching people as `same` says.
pub fn add_person_in_tx(
    conn: &mut DbConn,
    actor: Option<&User>,
    cohort_id: i64,
    input: &ParticipantInput,
    source: &str,
    same: SamePerson,
) -> Result<(Enrolment, Added), AppError> {
    let at = now();
    let new = NewParticipant {
        email: input.email.as_deref(),
        name: &input.name,
        preferred_name: input.preferred_name.as_deref(),
        phone: input.phone.as_deref(),
        created_at: at,
        updated_at: at,
    };
    let participant = match same {
        SamePerson::Email => Participant::find_or_insert(conn, &new)?,
        SamePerson::EmailAndName => Participant::find_or_insert_named(conn, &new)?,
    };
    let (enrolment, added) =
        match Enrolment::find_for(conn, CohortId(cohort_id), ParticipantId(participant.id))? {
            Some(e) if e.status == EnrolmentStatus::Withdrawn => {
                Enrolment::set_status(conn, e.id, EnrolmentStatus::Active)?;
                (
                    Enrolment::find_in_cohort(conn, CohortId(cohort_id), EnrolmentId(e.id))?,
                    Added::Readmitted,
                )
            }
            Some(_) => {
                return Err(AppError::Conflict(format!(
                    "{} is already in this group.",
                    participant.name
                )))
            }
            None => (
                Enrolment::insert(
                    conn,
                    &NewEnrolment {
                        cohort_id,
                        participant_id: participant.id,
                        status: EnrolmentStatus::Active.as_str(),
                        source,
                        enrolled_at: at,
                        created_at: at,
                        updated_at: at,
                    },
                )?,
                Added::New,
            ),
        };
    if input.notes.is_some() {
        Enrolment::set_notes(conn, enrolment.id, input.notes.as_deref())?;
    }
    Audit::actor(
        if actor.is_some() {
            "user"
        } else {
            "participant"
        },
        actor.map(|u| u.id),
    )
    .did(if added == Added::New {
        "enrolment.add"
    } else {
        "enrolment.readmit"
    })
    .on_enrolment(enrolment.id)
    .in_cohort(cohort_id)
    .detail(Some(source))
    .at(at)
    .record(conn)?;
    Ok((enrolment, added))
}

/// Withdraws (`active = false`) or re-admits a parent.
pub fn set_active(
    conn: &mut DbConn,
    mail: &Composer,
    user: &User,
    cohort_id: CohortId,
    enrolment_id: EnrolmentId,
    active: bool,
) -> Result<String, AppError> {
    let (cohort, enrolment) =
        crate::services::access::find_visible_enrolment(conn, user, cohort_id, enrolment_id)?;
    write_tx(conn, |conn| {
        Enrolment::set_status(
            conn,
            enrolment.id,
            if active {
                EnrolmentStatus::Active
            } else {
                EnrolmentStatus::Withdrawn
            },
        )?;
        if active {
            // A parent admitted from the waiting list hears now.
            follow_ups::queue_welcome(conn, mail, enrolment.id, now())?;
        } else {
            OutboxMessage::cancel_for_enrolment(conn, enrolment.id, "They left the group.", now())?;
        }
        // Their own open offer is taken back; a place they left goes to
        // the first person waiting.
        crate::services::waitlist::place_changed(conn, mail, (cohort.id, enrolment.id), user)?;
        Audit::by_user(user.id)
            .did(if active {
                "enrolment.readmit"
            } else {
                "enrolment.withdraw"
            })
            .on_enrolment(enrolment.id)
            .in_cohort(cohort.id)
            .record(conn)?;
        let name = Participant::find(conn, enrolment.participant_id)?.name;
        Ok(name)
    })
}
