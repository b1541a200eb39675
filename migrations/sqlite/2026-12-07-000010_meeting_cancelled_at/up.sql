-- When a meeting was cancelled: restoring it brings back what that
-- cancellation stopped (its reminders), and nothing older.
ALTER TABLE meetings ADD COLUMN cancelled_at TIMESTAMP;
