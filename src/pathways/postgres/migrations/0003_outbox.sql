-- pathways PostgresStore schema, migration 3: messages written with a save, sent after it.
CREATE TABLE outbox (
    id         bigserial PRIMARY KEY,
    case_id    text NOT NULL REFERENCES cases (id),
    message    text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz
);
CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL;
