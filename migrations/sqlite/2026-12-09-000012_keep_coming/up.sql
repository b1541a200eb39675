-- Issue 17, keep parents coming: RSVPs and apologies, "caught up",
-- absence alerts, waiting-list offers, text messages and per-kind
-- choices. One migration so the pieces built beside each other share it.

-- A parent's answer for one meeting (from a reminder's link, a text or
-- their home page). One row per parent and meeting; changing their mind
-- updates it.
CREATE TABLE rsvps (
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    enrolment_id BIGINT NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
    answer TEXT NOT NULL,
    reason TEXT,
    note TEXT,
    via TEXT NOT NULL,
    answered_at TIMESTAMP NOT NULL,
    PRIMARY KEY (meeting_id, enrolment_id)
);
CREATE INDEX rsvps_enrolment_id ON rsvps(enrolment_id);

-- "Caught up" is stored apart from attended: a parent who missed a
-- meeting, read its handout and sent the catch-up reflection.
ALTER TABLE attendance ADD COLUMN caught_up_at TIMESTAMP;
-- (No REFERENCES: SQLite cannot drop a column that has one, and the
-- down migration must run.)
ALTER TABLE attendance ADD COLUMN caught_up_by BIGINT;

-- Per-cohort settings: the "we missed you" message (on/off, local time
-- next morning), how many missed meetings in a row raise an alert, how
-- long a waiting-list offer stays open, and the country phone numbers
-- are read in when typed without +.
ALTER TABLE cohorts ADD COLUMN send_missed_you BOOLEAN NOT NULL DEFAULT 1;
ALTER TABLE cohorts ADD COLUMN missed_you_at TEXT NOT NULL DEFAULT '09:00';
ALTER TABLE cohorts ADD COLUMN absence_alert_after INTEGER NOT NULL DEFAULT 2;
ALTER TABLE cohorts ADD COLUMN offer_hours INTEGER NOT NULL DEFAULT 48;
ALTER TABLE cohorts ADD COLUMN phone_country TEXT;

-- One alert to the facilitators when a parent has missed N meetings in
-- a row (the meeting that made it N), with the "called them" note.
CREATE TABLE absence_alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    cohort_id BIGINT NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
    enrolment_id BIGINT NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    missed_in_row INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    called_note TEXT,
    called_at TIMESTAMP,
    called_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    UNIQUE (enrolment_id, meeting_id)
);
CREATE INDEX absence_alerts_cohort_id ON absence_alerts(cohort_id);

-- A place offered to someone on the waiting list. Nobody is offered
-- twice (UNIQUE enrolment_id); the accept link is an access token.
CREATE TABLE waitlist_offers (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    cohort_id BIGINT NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
    enrolment_id BIGINT NOT NULL UNIQUE REFERENCES enrolments(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    offered_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    answered_at TIMESTAMP
);
CREATE INDEX waitlist_offers_cohort_id ON waitlist_offers(cohort_id);

-- Messages travel by email or text through the one outbox.
ALTER TABLE outbox_messages ADD COLUMN channel TEXT NOT NULL DEFAULT 'by_email';

-- Texting needs its own consent (when, and the words agreed to); STOP
-- stops every text to the person at once.
ALTER TABLE participants ADD COLUMN text_consent_at TIMESTAMP;
ALTER TABLE participants ADD COLUMN text_consent_wording TEXT;
ALTER TABLE participants ADD COLUMN texts_stopped_at TIMESTAMP;

-- A parent's choice per kind of message: email, text, both or none.
-- No row means the kind's default (email).
CREATE TABLE contact_preferences (
    enrolment_id BIGINT NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    choice TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (enrolment_id, kind)
);
