-- Follow-up emails: which ones a cohort sends and when, a personal note for
-- each meeting's recap, and indexes for cancelling what is queued for a
-- meeting or a parent.
ALTER TABLE cohorts ADD COLUMN send_welcome BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE cohorts ADD COLUMN send_reminder BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE cohorts ADD COLUMN send_recap BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE cohorts ADD COLUMN send_nudge BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE cohorts ADD COLUMN reminder_hours_before INTEGER NOT NULL DEFAULT 24;
ALTER TABLE cohorts ADD COLUMN recap_hours_after INTEGER NOT NULL DEFAULT 3;
ALTER TABLE cohorts ADD COLUMN nudge_hours_after INTEGER NOT NULL DEFAULT 72;
ALTER TABLE meetings ADD COLUMN recap_note TEXT;
CREATE INDEX outbox_messages_meeting_id ON outbox_messages(meeting_id);
CREATE INDEX outbox_messages_enrolment_id ON outbox_messages(enrolment_id);
