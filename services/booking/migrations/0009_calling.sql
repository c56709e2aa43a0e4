-- 叫号 (issue 18): desk shifts, the calls of the day, hall display tokens and the
-- "three ahead" SMS record. Expand only: new tables, and new nullable (or defaulted)
-- columns on bookings, so the previous release keeps working on this schema.

-- A clerk at a desk for the day. One open shift per desk and one per clerk: taking
-- another desk ends the clerk's previous shift in the same transaction.
CREATE TABLE desk_shifts (
    id          uuid PRIMARY KEY,
    center      text NOT NULL,
    day         date NOT NULL,
    desk        integer NOT NULL CHECK (desk > 0),
    clerk_id    text NOT NULL,
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz
);
CREATE UNIQUE INDEX desk_shifts_one_open_per_desk ON desk_shifts (center, day, desk) WHERE ended_at IS NULL;
CREATE UNIQUE INDEX desk_shifts_one_open_per_clerk ON desk_shifts (clerk_id) WHERE ended_at IS NULL;

-- Every call, recall and skip (kind). A call or recall is "open" until it is closed:
-- completed, skipped, or replaced by a recall. seq orders them for the display streams
-- (Last-Event-ID) and is what pg_notify('booking_calls') carries.
CREATE TABLE booking_calls (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id            uuid NOT NULL UNIQUE,
    booking_id    uuid NOT NULL REFERENCES bookings (id),
    center        text NOT NULL,
    day           date NOT NULL,
    desk          integer NOT NULL CHECK (desk > 0),
    queue_number  text NOT NULL,
    period        text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('call', 'recall', 'skip')),
    clerk_id      text NOT NULL,
    at            timestamptz NOT NULL,
    closed_at     timestamptz,
    outcome       text CHECK (outcome IN ('completed', 'skipped', 'recalled')),
    CONSTRAINT booking_calls_closed_with_outcome CHECK ((closed_at IS NULL) = (outcome IS NULL))
);
-- The database guarantee of "two desks never take the same booking": one open call per
-- booking, one per desk. A transaction that lost a race fails here even if the lock missed it.
CREATE UNIQUE INDEX booking_calls_one_open_per_booking ON booking_calls (booking_id) WHERE closed_at IS NULL;
CREATE UNIQUE INDEX booking_calls_one_open_per_desk ON booking_calls (center, day, desk) WHERE closed_at IS NULL;
CREATE INDEX booking_calls_center_day ON booking_calls (center, day, seq);
CREATE INDEX booking_calls_booking ON booking_calls (booking_id, seq);

-- The waiting line on bookings: call_open is what the pick re-checks on the row it locks
-- (a subquery would not be re-evaluated after a concurrent commit); requeue_key is the
-- place a skip gave it (null: its queue number's place); called_at/called_desk: last call.
ALTER TABLE bookings ADD COLUMN call_open boolean NOT NULL DEFAULT false;
ALTER TABLE bookings ADD COLUMN requeue_key numeric;
ALTER TABLE bookings ADD COLUMN called_at timestamptz;
ALTER TABLE bookings ADD COLUMN called_desk integer;
CREATE INDEX bookings_waiting ON bookings (center, day, desk) WHERE status = 'checked_in';

-- Hall display tokens: only the sha256 of the token is kept (it is shown once).
CREATE TABLE display_tokens (
    id          uuid PRIMARY KEY,
    center      text NOT NULL,
    name        text NOT NULL,
    token_hash  text NOT NULL UNIQUE,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX display_tokens_center ON display_tokens (center, created_at);

-- booking.queue_near goes out once per booking: the primary key is the "once".
CREATE TABLE booking_queue_near (
    booking_id  uuid PRIMARY KEY REFERENCES bookings (id),
    ahead       integer NOT NULL,
    at          timestamptz NOT NULL
);
