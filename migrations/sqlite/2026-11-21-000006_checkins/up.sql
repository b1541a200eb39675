-- A parent's short self-check at the start and the end of a course.
CREATE TABLE checkins (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    enrolment_id INTEGER NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
    phase TEXT NOT NULL,
    answers TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (enrolment_id, phase)
);
