DROP TABLE roster_imports;
