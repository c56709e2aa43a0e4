-- Every SMS the notifier sends. The id is the provider ref: a repeat carries the same one.
CREATE TABLE messages (
    id               uuid PRIMARY KEY,
    event_id         uuid NOT NULL,              -- the event that asked for it
    event_type       text NOT NULL,
    template         text NOT NULL,              -- e.g. booking.allocated, verification_code.login
    booking_id       text,
    phone            text NOT NULL,
    body             text NOT NULL,              -- a verification code is masked once final
    sensitive        boolean NOT NULL DEFAULT false,
    resend           boolean NOT NULL DEFAULT false,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sending', 'retry', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    -- pending: when a sweeper may take it; retry: when the next attempt is due.
    next_attempt_at  timestamptz,
    lease_until      timestamptz,                -- sending: the claim holds until then
    provider         text,
    provider_id      text,
    last_error       text,                       -- a short reason, never the text
    correlation_id   text,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    delivered_at     timestamptz,
    failed_at        timestamptz,
    -- One message per event and template, whatever redelivers the event.
    CONSTRAINT messages_once_per_event UNIQUE (event_id, template)
);
-- The sweeper's two questions: what is due, and whose lease has expired.
CREATE INDEX messages_due ON messages (next_attempt_at) WHERE status IN ('pending', 'retry');
CREATE INDEX messages_leased ON messages (lease_until) WHERE status = 'sending';
-- The SMS log, newest first, by booking or phone.
CREATE INDEX messages_newest ON messages (created_at DESC, id DESC);
CREATE INDEX messages_by_booking ON messages (booking_id, created_at DESC) WHERE booking_id IS NOT NULL;
CREATE INDEX messages_by_phone ON messages (phone, created_at DESC);

-- Every provider call, recorded before it is made (a crash mid-call leaves it unfinished).
CREATE TABLE message_attempts (
    message_id   uuid NOT NULL REFERENCES messages (id),
    attempt      integer NOT NULL,
    provider     text NOT NULL,
    sender       text NOT NULL,                  -- host:pid:instance of the process that called
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    outcome      text CHECK (outcome IN ('delivered', 'retry', 'failed', 'lost')),
    status_code  integer,
    reason       text,
    provider_id  text,
    PRIMARY KEY (message_id, attempt)
);

-- Per booking, the latest confirmation and allocation texts: what a resend sends again.
CREATE TABLE booking_texts (
    booking_id   text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('confirmed', 'allocated')),
    template     text NOT NULL,
    phone        text NOT NULL,
    body         text NOT NULL,
    event_id     uuid NOT NULL,
    occurred_at  timestamptz NOT NULL,           -- the newer event wins, whatever the order
    PRIMARY KEY (booking_id, kind)
);

-- The provider's shared rate limit: the next free call slot, taken atomically by every
-- replica (one UPDATE each), so the limit holds for the whole fleet.
CREATE TABLE provider_rate (
    provider     text PRIMARY KEY,
    next_slot    timestamptz NOT NULL
);
