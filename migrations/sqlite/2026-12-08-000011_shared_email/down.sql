-- Back to one person per address; refused (and nothing changed) while two
-- parents share one.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE participants_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    email TEXT UNIQUE,
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
COMMIT;
PRAGMA foreign_keys = ON;
