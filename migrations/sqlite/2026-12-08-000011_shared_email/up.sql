-- Two parents may share one email address (couples often do), so an
-- address no longer names one person. SQLite cannot drop a column's
-- UNIQUE, so the table is rebuilt; foreign keys are off meanwhile, or
-- dropping the old table would take every enrolment with it.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE participants_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    email TEXT,
    name TEXT NOT NULL,
    preferred_name TEXT,
    phone TEXT,
    erased_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO participants_rebuilt (id, email, name, preferred_name, phone, erased_at, created_at, updated_at)
    SELECT id, email, name, preferred_name, phone, erased_at, created_at, updated_at FROM participants;
DROP TABLE participants;
ALTER TABLE participants_rebuilt RENAME TO participants;
CREATE INDEX participants_email ON participants(email);
COMMIT;
PRAGMA foreign_keys = ON;
