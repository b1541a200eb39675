-- A CSV file between its preview and the facilitator's "yes, add them".
CREATE TABLE roster_imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    cohort_id INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    content BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
