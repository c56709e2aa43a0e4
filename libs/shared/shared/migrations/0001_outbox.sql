-- Integration events waiting for the relay; written in the same transaction as the state change.
CREATE TABLE outbox (
    seq            bigserial PRIMARY KEY,
    id             uuid NOT NULL UNIQUE,
    type           text NOT NULL,
    routing_key    text NOT NULL,
    envelope       jsonb NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    sent_at        timestamptz,
    attempts       integer NOT NULL DEFAULT 0,
    last_error     text
);
-- The relay only ever looks at unsent rows, oldest first.
CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at IS NULL;
