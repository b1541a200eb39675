DROP TABLE certificates;
DROP TABLE measure_answers;
DROP TABLE intakes;
ALTER TABLE users DROP COLUMN is_coordinator;
ALTER TABLE cohorts DROP COLUMN measures;
ALTER TABLE cohorts DROP COLUMN site_id;
DROP TABLE sites;
