//! Ids that travel together get their own types, so a cohort id cannot be
//! passed where a meeting id belongs (`page(conn, user, meeting, cohort)`
//! does not compile). They are plain `i64`s inside (`.0`); paths and forms
//! read them transparently.

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// `cohorts.id`: a group.
    CohortId
);
id_type!(
    /// `meetings.id`.
    MeetingId
);
id_type!(
    /// `enrolments.id`: one parent's place in one group.
    EnrolmentId
);
id_type!(
    /// `reflections.id`.
    ReflectionId
);
id_type!(
    /// `outbox_messages.id`: an email.
    MessageId
);
id_type!(
    /// `users.id`: a facilitator or administrator account.
    UserId
);
id_type!(
    /// `roster_imports.id`: an uploaded spreadsheet waiting to be confirmed.
    ImportId
);
id_type!(
    /// `participants.id`: a parent, who may be in more than one group.
    ParticipantId
);
