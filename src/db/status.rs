//! Every status column as an enum: the only place a status is spelt as
//! text. Columns stay `TEXT` on both backends (the mapping is checked when
//! a row is read: an unknown word is an error, never a silent default), so
//! a misspelt status does not compile and a foreign one does not load.

/// Declares a status enum, its text for each variant, and the conversions
/// diesel and serde use.
macro_rules! text_status {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every status, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// The text stored in the column.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text ),+
                }
            }

            /// The status a column's text stands for, if any.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $( $text => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// How diesel reads the column (`deserialize_as = String`).
        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(text: String) -> Result<Self, String> {
                Self::parse(&text)
                    .ok_or_else(|| format!("{} is not a {}", text, stringify!($name)))
            }
        }

        /// How diesel writes the column (`serialize_as = String`).
        impl From<$name> for String {
            fn from(status: $name) -> String {
                status.as_str().to_string()
            }
        }

        /// Templates and JSON see the stored word.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

text_status! {
    /// `cohorts.status`.
    CohortStatus {
        Active => "active",
    }
}

text_status! {
    /// `meetings.status`.
    MeetingStatus {
        Scheduled => "scheduled",
        Cancelled => "cancelled",
    }
}

text_status! {
    /// `enrolments.status`.
    EnrolmentStatus {
        Active => "active",
        Withdrawn => "withdrawn",
        /// Joined through the invite link when the group was full.
        Waitlisted => "waitlisted",
    }
}

text_status! {
    /// `attendance.status`.
    AttendanceStatus {
        Present => "present",
        Absent => "absent",
        Excused => "excused",
    }
}

text_status! {
    /// `reflections.status`.
    ReflectionStatus {
        Draft => "draft",
        Submitted => "submitted",
    }
}

text_status! {
    /// `outbox_messages.status`.
    OutboxStatus {
        Queued => "queued",
        Sending => "sending",
        Sent => "sent",
        /// A transient failure: tried again at `next_attempt_at`.
        Failed => "failed",
        /// Given up: a permanent refusal, or too many transient ones.
        Dead => "dead",
        Cancelled => "cancelled",
    }
}

text_status! {
    /// `outbox_messages.channel`: how a message travels.
    OutboxChannel {
        Email => "by_email",
        /// A text message (SMS) through the configured gateway.
        Text => "by_text",
    }
}

text_status! {
    /// `rsvps.answer`: a parent's answer for one meeting.
    RsvpAnswer {
        /// "I'll be there".
        Coming => "coming",
        /// "I can't come this time".
        Apologies => "apologies",
    }
}

text_status! {
    /// `rsvps.reason`: why a parent can't come (the short list).
    ApologyReason {
        Ill => "ill",
        Work => "work",
        Childcare => "childcare",
        Transport => "transport",
        Other => "other",
    }
}

text_status! {
    /// `waitlist_offers.status`.
    OfferStatus {
        /// Sent; the accept link works until `expires_at`.
        Open => "open",
        Accepted => "accepted",
        Declined => "declined",
        /// Not answered in time.
        Lapsed => "lapsed",
        /// Taken back: the place went before they answered.
        Voided => "voided",
    }
}

text_status! {
    /// `contact_preferences.choice`: how a parent wants one kind of message.
    ContactChoice {
        EmailOnly => "email_only",
        TextOnly => "text_only",
        Both => "email_and_text",
        Nothing => "no_messages",
    }
}

text_status! {
    /// `intakes.needs`: what a parent said would help them come
    /// (space-separated words).
    IntakeNeed {
        Childcare => "childcare",
        Transport => "transport",
        Interpreter => "interpreter",
        /// Access needs (a ramp, large print, a hearing loop...).
        Access => "access_needs",
    }
}

text_status! {
    /// `intakes.filled_by`: who filled in the intake form.
    IntakeBy {
        /// The parent, on their own page.
        Parent => "by_the_parent",
        /// The facilitator, from a paper form.
        Paper => "on_paper",
    }
}

text_status! {
    /// `measure_answers.occasion`: when a measure was answered.
    MeasureOccasion {
        /// Before the course (until the second meeting starts).
        Start => "at_start",
        /// At the end (from the last meeting, for three weeks).
        End => "at_end",
        /// After one meeting (`session_number` says which).
        Meeting => "after_meeting",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T: Copy + PartialEq + std::fmt::Debug>(
        all: &[T],
        text: fn(T) -> &'static str,
        parse: fn(&str) -> Option<T>,
    ) {
        for s in all {
            assert_eq!(parse(text(*s)), Some(*s));
        }
        assert_eq!(parse("Cancelled "), None);
    }

    #[test]
    fn every_status_reads_back_as_itself() {
        round_trips(CohortStatus::ALL, CohortStatus::as_str, CohortStatus::parse);
        round_trips(
            MeetingStatus::ALL,
            MeetingStatus::as_str,
            MeetingStatus::parse,
        );
        round_trips(
            EnrolmentStatus::ALL,
            EnrolmentStatus::as_str,
            EnrolmentStatus::parse,
        );
        round_trips(
            AttendanceStatus::ALL,
            AttendanceStatus::as_str,
            AttendanceStatus::parse,
        );
        round_trips(
            ReflectionStatus::ALL,
            ReflectionStatus::as_str,
            ReflectionStatus::parse,
        );
        round_trips(OutboxStatus::ALL, OutboxStatus::as_str, OutboxStatus::parse);
        round_trips(
            OutboxChannel::ALL,
            OutboxChannel::as_str,
            OutboxChannel::parse,
        );
        round_trips(RsvpAnswer::ALL, RsvpAnswer::as_str, RsvpAnswer::parse);
        round_trips(
            ApologyReason::ALL,
            ApologyReason::as_str,
            ApologyReason::parse,
        );
        round_trips(OfferStatus::ALL, OfferStatus::as_str, OfferStatus::parse);
        round_trips(
            ContactChoice::ALL,
            ContactChoice::as_str,
            ContactChoice::parse,
        );
        round_trips(IntakeNeed::ALL, IntakeNeed::as_str, IntakeNeed::parse);
        round_trips(IntakeBy::ALL, IntakeBy::as_str, IntakeBy::parse);
        round_trips(
            MeasureOccasion::ALL,
            MeasureOccasion::as_str,
            MeasureOccasion::parse,
        );
        assert!(MeetingStatus::try_from("canceled".to_string()).is_err());
    }
}
