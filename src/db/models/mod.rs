//! One module per table: the row struct, its `New*` insert struct and its
//! queries.

pub mod absence_alert;
pub mod access_token;
pub mod app_setting;
pub mod attendance;
pub mod audit;
pub mod certificate;
pub mod checkin;
pub mod cohort;
pub mod contact_preference;
pub mod curriculum_version;
pub mod enrolment;
pub mod handout_read;
pub mod intake;
pub mod login_attempt;
pub mod measure_answer;
pub mod meeting;
pub mod meeting_segment;
pub mod outbox_message;
pub mod participant;
pub mod participant_texts;
pub mod reflection;
pub mod roster_import;
pub mod rsvp;
pub mod site;
pub mod support;
pub mod user;
pub mod waitlist_offer;
pub mod web_session;

pub use attendance::{Attendance, AttendanceStatus};
pub use audit::{Audit, NewAuditEntry};
pub use cohort::{Cohort, CohortStatus, NewCohort};
pub use curriculum_version::CurriculumVersion;
pub use enrolment::{Enrolment, EnrolmentStatus, NamedEnrolment, NewEnrolment};
pub use meeting::{Meeting, MeetingStatus, NewMeeting};
pub use outbox_message::{NewOutboxMessage, OutboxChannel, OutboxMessage, OutboxStatus};
pub use participant::{NewParticipant, Participant};
pub use reflection::{NewReflection, Reflection, ReflectionStatus, SavedAnswers};
pub use user::{NewUser, User};
