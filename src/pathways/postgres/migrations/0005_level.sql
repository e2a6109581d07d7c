-- pathways PostgresStore schema, migration 5: the confidentiality rank of a case's steps.
ALTER TABLE cases ADD COLUMN level integer NOT NULL DEFAULT 0;
