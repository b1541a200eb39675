-- Back to one person per address; refused while two parents share one.
DROP INDEX participants_email;
ALTER TABLE participants ADD CONSTRAINT participants_email_key UNIQUE (email);
