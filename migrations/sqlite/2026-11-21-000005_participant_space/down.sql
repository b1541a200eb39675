ALTER TABLE cohorts DROP COLUMN reflection_editing;
ALTER TABLE reflections DROP COLUMN first_read_at;
DROP INDEX web_sessions_enrolment_id;
ALTER TABLE web_sessions DROP COLUMN enrolment_id;
