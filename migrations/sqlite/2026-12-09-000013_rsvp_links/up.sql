-- An RSVP link names one meeting as well as the parent: "I'll be there"
-- and "I can't come this time" are access tokens of their own purposes
-- that end when that meeting starts. (No REFERENCES: SQLite cannot drop
-- a column that has one, and the down migration must run.)
ALTER TABLE access_tokens ADD COLUMN meeting_id BIGINT;
