-- pathways PostgresStore schema, migration 4: refused accesses, append-only.
CREATE TABLE access_log (
    id      bigserial PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT now(),
    actor   text NOT NULL,
    role    text NOT NULL,
    case_id text,
    action  text NOT NULL,
    reason  text NOT NULL
);
CREATE FUNCTION pathways_access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only';
END
$$;
CREATE TRIGGER access_log_no_update_or_delete BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION pathways_access_log_append_only();
