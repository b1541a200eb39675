-- Issue 18, the agency's view: sites, the coordinator role, intake,
-- answers to measures (files in measures/), and certificates that can be
-- checked. One migration so the pieces built beside each other share it.

-- The places groups meet. One organisation per installation; its name and
-- report settings live in app_settings.
CREATE TABLE sites (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    address TEXT,
    created_at TIMESTAMP NOT NULL
);
-- (No REFERENCES: SQLite cannot drop a column that has one, and the
-- down migration must run. The site is checked when it is set.)
ALTER TABLE cohorts ADD COLUMN site_id BIGINT;
-- The measures this group asks (slugs, space-separated); NULL means the
-- curriculum's own choice.
ALTER TABLE cohorts ADD COLUMN measures TEXT;

-- A coordinator sees every group's schedule, roster, attendance, fidelity
-- and reports, never reflection text or one parent's answers.
ALTER TABLE users ADD COLUMN is_coordinator BOOLEAN NOT NULL DEFAULT 0;

-- The short, optional form at enrolment. `needs` is space-separated
-- words (childcare transport interpreter access); `demographics` is a
-- JSON object of question id to answer id, from intake/questions.toml.
CREATE TABLE intakes (
    enrolment_id BIGINT PRIMARY KEY NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
    children_ages TEXT,
    language TEXT,
    needs TEXT NOT NULL DEFAULT '',
    access_note TEXT,
    heard_from TEXT,
    demographics TEXT NOT NULL DEFAULT '{}',
    filled_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- One parent's answers to one measure on one occasion (at the start, at
-- the end, or after a given session). `answers` is a JSON array, one
-- value per item in the file's order; `measure_hash` is the content hash
-- of the file they answered, so a score traces to its items.
CREATE TABLE measure_answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    enrolment_id BIGINT NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
    measure TEXT NOT NULL,
    measure_hash TEXT NOT NULL,
    occasion TEXT NOT NULL,
    session_number INTEGER NOT NULL DEFAULT 0,
    answers TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (enrolment_id, measure, occasion, session_number)
);
CREATE INDEX measure_answers_measure ON measure_answers(measure, occasion);

-- A certificate a parent was given: a short public code that /verify
-- checks, the figures it certifies as they were when it was issued, and
-- its revocation.
CREATE TABLE certificates (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    enrolment_id BIGINT NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
    code TEXT NOT NULL UNIQUE,
    sessions_attended INTEGER NOT NULL,
    caught_up INTEGER NOT NULL,
    minutes INTEGER NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    issued_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    revoked_at TIMESTAMP,
    revoked_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    revoked_reason TEXT
);
-- At most one certificate in force per parent and group.
CREATE UNIQUE INDEX certificates_in_force ON certificates(enrolment_id) WHERE revoked_at IS NULL;
