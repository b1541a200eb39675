DROP TABLE meeting_segments;
ALTER TABLE meetings DROP COLUMN fidelity_note;
ALTER TABLE meetings DROP COLUMN schedule_note;
ALTER TABLE cohorts DROP COLUMN cadence_days;
ALTER TABLE cohorts DROP COLUMN meeting_time;
