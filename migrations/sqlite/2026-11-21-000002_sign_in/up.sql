-- Failed sign-ins, counted per account and per address to throttle guessing.
CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    key TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX login_attempts_key_at ON login_attempts(key, at);
CREATE INDEX web_sessions_expires_at ON web_sessions(expires_at);
