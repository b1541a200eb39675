DROP INDEX web_sessions_expires_at;
DROP TABLE login_attempts;
