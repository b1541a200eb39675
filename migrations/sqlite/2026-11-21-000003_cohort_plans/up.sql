-- How a cohort's meetings were planned, why a meeting's time differs from
-- the plan (clock changes), and the facilitator's fidelity checklist.
ALTER TABLE cohorts ADD COLUMN meeting_time TEXT NOT NULL DEFAULT '18:00';
ALTER TABLE cohorts ADD COLUMN cadence_days INTEGER NOT NULL DEFAULT 7;
ALTER TABLE meetings ADD COLUMN schedule_note TEXT;
ALTER TABLE meetings ADD COLUMN fidelity_note TEXT;

CREATE TABLE meeting_segments (
    meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    segment_index INTEGER NOT NULL,
    delivered BOOLEAN NOT NULL,
    recorded_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (meeting_id, segment_index)
);
