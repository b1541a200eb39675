-- Two parents may share one email address (couples often do), so an
-- address no longer names one person.
ALTER TABLE participants DROP CONSTRAINT participants_email_key;
CREATE INDEX participants_email ON participants(email);
