-- Personal links end: each says how it reached the parent (emailed links
-- are kept to a few live ones), and links made before now without an end
-- get one, 90 days after their group's last meeting (or from today).
ALTER TABLE access_tokens ADD COLUMN channel TEXT;
UPDATE access_tokens
SET expires_at = GREATEST(
    (now() AT TIME ZONE 'UTC') + INTERVAL '7 days',
    COALESCE(
        (SELECT MAX(m.starts_at) FROM meetings m JOIN enrolments e ON e.cohort_id = m.cohort_id
         WHERE e.id = access_tokens.enrolment_id AND m.status <> 'cancelled'),
        now() AT TIME ZONE 'UTC') + INTERVAL '90 days')
WHERE purpose = 'participant' AND expires_at IS NULL;
