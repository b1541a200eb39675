ALTER TABLE access_tokens DROP COLUMN meeting_id;
