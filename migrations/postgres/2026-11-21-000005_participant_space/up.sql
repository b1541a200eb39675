-- A parent's session is tied to their enrolment, so revoking their links
-- ends it; reflections know when facilitators first read them; each cohort
-- says how long reflections stay editable.
ALTER TABLE web_sessions ADD COLUMN enrolment_id BIGINT REFERENCES enrolments(id) ON DELETE CASCADE;
CREATE INDEX web_sessions_enrolment_id ON web_sessions(enrolment_id);
ALTER TABLE reflections ADD COLUMN first_read_at TIMESTAMP;
ALTER TABLE cohorts ADD COLUMN reflection_editing TEXT NOT NULL DEFAULT 'until_next_meeting';
