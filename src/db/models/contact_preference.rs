//! `contact_preferences`: a parent's choice, per kind of message, of
//! email, text, both or none. No row means email (`ContactChoice::EmailOnly`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::contact_preferences;
pub use crate::db::status::ContactChoice;
use crate::db::DbConn;
use crate::error::AppError;

/// The kinds a parent chooses for, with the words their page shows.
pub const CHOOSABLE_KINDS: [(&str, &str); 5] = [
    ("reminder", "Reminders before each meeting"),
    ("recap", "Notes after each meeting"),
    ("missed_you", "A note when you miss a meeting"),
    ("reflection_reply", "When a facilitator replies to you"),
    ("nudge", "A nudge to write your reflection"),
];

/// Kinds that are news about a meeting the parent must not miss: they go
/// by email as always and also by text to a parent who can be texted.
pub const ALSO_TEXTED_KINDS: [&str; 5] = [
    "meeting_cancelled",
    "meeting_moved",
    "meeting_restored",
    "group_message",
    "waitlist_offer",
];

/// Whether a parent chooses how `kind` reaches them.
pub fn is_choosable(kind: &str) -> bool {
    CHOOSABLE_KINDS.iter().any(|(k, _)| *k == kind)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = contact_preferences)]
pub struct ContactPreference {
    pub enrolment_id: i64,
    pub kind: String,
    #[diesel(deserialize_as = String)]
    pub choice: ContactChoice,
    pub updated_at: NaiveDateTime,
}

impl ContactPreference {
    /// Every choice a parent made in one group.
    pub fn for_enrolment(
        conn: &mut DbConn,
        enrolment_id: i64,
    ) -> Result<Vec<ContactPreference>, AppError> {
        Ok(contact_preferences::table
            .filter(contact_preferences::enrolment_id.eq(enrolment_id))
            .order(contact_preferences::kind.asc())
            .select(ContactPreference::as_select())
            .load(conn)?)
    }

    /// Their choice for one kind, if they made one.
    pub fn choice(
        conn: &mut DbConn,
        enrolment_id: i64,
        kind: &str,
    ) -> Result<Option<ContactChoice>, AppError> {
        Ok(contact_preferences::table
            .find((enrolment_id, kind))
            .select(ContactPreference::as_select())
            .load(conn)?
            .into_iter()
            .next()
            .map(|p| p.choice))
    }

    /// Sets (or replaces) their choice for one kind.
    pub fn set(
        conn: &mut DbConn,
        enrolment_id: i64,
        kind: &str,
        choice: ContactChoice,
        at: NaiveDateTime,
    ) -> Result<(), AppError> {
        diesel::delete(contact_preferences::table.find((enrolment_id, kind))).execute(conn)?;
        diesel::insert_into(contact_preferences::table)
            .values((
                contact_preferences::enrolment_id.eq(enrolment_id),
                contact_preferences::kind.eq(kind),
                contact_preferences::choice.eq(choice.as_str()),
                contact_preferences::updated_at.eq(at),
            ))
            .execute(conn)?;
        Ok(())
    }
}
