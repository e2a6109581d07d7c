-- pathways PostgresStore schema, migration 1: cases, their tracks, their append-only history.
CREATE TABLE cases (
    id          text COLLATE "C" PRIMARY KEY,
    pathway     text NOT NULL,
    version     text NOT NULL,
    step        text NOT NULL,
    data        text NOT NULL,
    snapshot    text NOT NULL,
    row_version integer NOT NULL,
    overdue_at  timestamptz
);
CREATE INDEX cases_step ON cases (pathway, step);
CREATE INDEX cases_overdue ON cases (overdue_at);

CREATE TABLE history (
    case_id text NOT NULL REFERENCES cases (id),
    seq     integer NOT NULL,
    entry   text NOT NULL,
    hash    text NOT NULL,
    PRIMARY KEY (case_id, seq)
);

-- One row per track of a case that has several (SPEC 7.1); cases.step then lists them all.
CREATE TABLE tracks (
    case_id text NOT NULL REFERENCES cases (id),
    track   integer NOT NULL,
    step    text NOT NULL,
    PRIMARY KEY (case_id, track)
);
CREATE INDEX tracks_step ON tracks (step);

CREATE FUNCTION pathways_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'history is append-only';
END
$$;
CREATE TRIGGER history_no_update_or_delete BEFORE UPDATE OR DELETE ON history
    FOR EACH ROW EXECUTE FUNCTION pathways_history_append_only();
CREATE TRIGGER history_no_truncate BEFORE TRUNCATE ON history
    FOR EACH STATEMENT EXECUTE FUNCTION pathways_history_append_only();
