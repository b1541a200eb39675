DROP TABLE handout_reads;
