ALTER TABLE meetings DROP COLUMN cancelled_at;
