-- pathways PostgresStore schema, migration 6: the agency of a refused actor (None: none given).
ALTER TABLE access_log ADD COLUMN agency text;
