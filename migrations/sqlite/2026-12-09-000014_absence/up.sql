-- Issue 17, "caught up": a parent who missed a meeting and then read its
-- handout on their own page. Nothing else records that a handout was
-- read, so the first read of each session's handout is kept here (one
-- row per parent and session, never the times of later reads).
CREATE TABLE handout_reads (
    enrolment_id BIGINT NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
    session_number INTEGER NOT NULL,
    first_read_at TIMESTAMP NOT NULL,
    PRIMARY KEY (enrolment_id, session_number)
);
