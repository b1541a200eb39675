-- Core tables for the whole product. Times are UTC, written by the app
-- (no database defaults, so both backends store the same thing).
CREATE TABLE app_settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin BOOLEAN NOT NULL DEFAULT 0,
    disabled_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE web_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    -- NULL until someone signs in (the sign-in form has a session too).
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    data TEXT NOT NULL DEFAULT '{}',
    ip TEXT,
    user_agent TEXT,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    -- idle expiry, pushed forward on use; the absolute one never moves
    expires_at TIMESTAMP NOT NULL,
    absolute_expires_at TIMESTAMP NOT NULL
);
CREATE INDEX web_sessions_user_id ON web_sessions(user_id);

CREATE TABLE curriculum_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    slug TEXT NOT NULL,
    version TEXT NOT NULL,
    content_hash TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    session_count INTEGER NOT NULL,
    document TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL
);
CREATE INDEX curriculum_versions_slug ON curriculum_versions(slug);

CREATE TABLE cohorts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    curriculum_version_id INTEGER NOT NULL REFERENCES curriculum_versions(id),
    title TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    location TEXT,
    online_url TEXT,
    capacity INTEGER,
    language TEXT NOT NULL DEFAULT 'en',
    status TEXT NOT NULL DEFAULT 'active',
    follow_ups_paused BOOLEAN NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX cohorts_curriculum_version_id ON cohorts(curriculum_version_id);

CREATE TABLE cohort_facilitators (
    cohort_id INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL DEFAULT 'lead',
    added_at TIMESTAMP NOT NULL,
    PRIMARY KEY (cohort_id, user_id)
);
CREATE INDEX cohort_facilitators_user_id ON cohort_facilitators(user_id);

CREATE TABLE meetings (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    cohort_id INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
    session_number INTEGER NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    minutes INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'scheduled',
    is_makeup BOOLEAN NOT NULL DEFAULT 0,
    location TEXT,
    facilitator_note TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX meetings_cohort_starts ON meetings(cohort_id, starts_at);
CREATE INDEX meetings_starts_at ON meetings(starts_at);

CREATE TABLE participants (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    email TEXT UNIQUE,
    name TEXT NOT NULL,
    preferred_name TEXT,
    phone TEXT,
    erased_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE enrolments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    cohort_id INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'active',
    source TEXT NOT NULL DEFAULT 'manual',
    notes TEXT,
    consent_version TEXT,
    consented_at TIMESTAMP,
    unsubscribed_at TIMESTAMP,
    enrolled_at TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (cohort_id, participant_id)
);
CREATE INDEX enrolments_participant_id ON enrolments(participant_id);

CREATE TABLE attendance (
    meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    enrolment_id INTEGER NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    recorded_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (meeting_id, enrolment_id)
);
CREATE INDEX attendance_enrolment_id ON attendance(enrolment_id);

CREATE TABLE reflections (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    enrolment_id INTEGER NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
    session_number INTEGER NOT NULL,
    answers TEXT NOT NULL,
    visibility TEXT NOT NULL DEFAULT 'facilitators',
    status TEXT NOT NULL DEFAULT 'draft',
    facilitator_reply TEXT,
    replied_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    replied_at TIMESTAMP,
    submitted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (enrolment_id, session_number)
);

CREATE TABLE access_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    purpose TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    enrolment_id INTEGER REFERENCES enrolments(id) ON DELETE CASCADE,
    cohort_id INTEGER REFERENCES cohorts(id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX access_tokens_enrolment_id ON access_tokens(enrolment_id);

CREATE TABLE outbox_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    to_address TEXT NOT NULL,
    to_name TEXT,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT,
    headers TEXT NOT NULL DEFAULT '{}',
    message_id TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    leased_until TIMESTAMP,
    lease_owner TEXT,
    last_error TEXT,
    sent_at TIMESTAMP,
    cohort_id INTEGER REFERENCES cohorts(id) ON DELETE SET NULL,
    enrolment_id INTEGER REFERENCES enrolments(id) ON DELETE SET NULL,
    meeting_id INTEGER REFERENCES meetings(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX outbox_messages_due ON outbox_messages(status, next_attempt_at);
CREATE INDEX outbox_messages_cohort_id ON outbox_messages(cohort_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id INTEGER,
    action TEXT NOT NULL,
    subject_kind TEXT,
    subject_id INTEGER,
    cohort_id INTEGER,
    ip TEXT,
    detail TEXT
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_subject ON audit_log(subject_kind, subject_id);
