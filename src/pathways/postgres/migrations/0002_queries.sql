-- pathways PostgresStore schema, migration 2: what list() filters by besides step and overdue.
ALTER TABLE cases
    ADD COLUMN closed boolean NOT NULL DEFAULT false,
    ADD COLUMN unmet_at timestamptz,
    ADD COLUMN agency text;
CREATE INDEX cases_pathway ON cases (pathway, id);
CREATE INDEX cases_unmet ON cases (unmet_at) WHERE unmet_at IS NOT NULL;
CREATE INDEX cases_agency ON cases (agency, id);
