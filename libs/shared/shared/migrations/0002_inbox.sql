-- Events already handled, by consumer; written in the same transaction as the handler's effects.
CREATE TABLE inbox (
    event_id       uuid NOT NULL,
    consumer       text NOT NULL,
    event_type     text NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, consumer)
);
