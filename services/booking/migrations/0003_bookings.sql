-- Bookings and their enterprise lines. The one-per-period and one-per-date rules are
-- partial unique indexes over what is not cancelled, so two racing requests cannot both
-- win; the service maps their violations to api.md's 409 codes by index name.

CREATE TABLE bookings (
    id               uuid PRIMARY KEY,
    agent_id         text NOT NULL,
    center           text NOT NULL,
    day              date NOT NULL,
    period           text NOT NULL,
    contact_name     text NOT NULL,
    contact_phone    text NOT NULL CHECK (contact_phone ~ '^1[3-9][0-9]{9}$'),
    status           text NOT NULL CHECK (status IN
                     ('confirmed', 'allocated', 'checked_in', 'completed', 'no_show', 'cancelled')),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    sms_status       text NOT NULL DEFAULT 'pending'
                     CHECK (sms_status IN ('pending', 'delivered', 'failed')),
    sms_resend_used  boolean NOT NULL DEFAULT false,
    -- The allocation (filled from allocation.completed, next issue): all or nothing.
    desk             integer CHECK (desk > 0),
    segment_start    time,
    segment_end      time,
    queue_number     text,
    allocated_at     timestamptz,
    checked_in_at    timestamptz,
    CONSTRAINT bookings_allocation_complete CHECK (
        (desk IS NULL) = (segment_start IS NULL) AND (desk IS NULL) = (segment_end IS NULL)
        AND (desk IS NULL) = (queue_number IS NULL)),
    -- Lines carry (center, day) for their own unique index; this keeps them in step.
    CONSTRAINT bookings_id_center_day UNIQUE (id, center, day)
);

CREATE UNIQUE INDEX bookings_one_per_agent_period
    ON bookings (center, day, period, agent_id) WHERE status <> 'cancelled';
CREATE UNIQUE INDEX bookings_one_per_phone_period
    ON bookings (center, day, period, contact_phone) WHERE status <> 'cancelled';
-- An agent's list, keyset-paginated on (day, created_at, id).
CREATE INDEX bookings_agent_listing ON bookings (agent_id, day, created_at, id);
-- A day's bookings: statistics, and the cutoff's snapshot (next issue).
CREATE INDEX bookings_center_day ON bookings (center, day, period);

CREATE TABLE booking_lines (
    booking_id    uuid NOT NULL,
    position      smallint NOT NULL CHECK (position >= 0),
    org_code      text COLLATE "C" NOT NULL CHECK (org_code ~ '^[0-9A-Z]{8}[0-9X]$'),
    name          text NOT NULL DEFAULT '',
    businesses    jsonb NOT NULL CHECK (jsonb_typeof(businesses) = 'array'),
    status        text NOT NULL CHECK (status IN ('active', 'cancelled')),
    center        text NOT NULL,
    day           date NOT NULL,
    cancelled_at  timestamptz,
    PRIMARY KEY (booking_id, org_code),
    UNIQUE (booking_id, position),
    FOREIGN KEY (booking_id, center, day) REFERENCES bookings (id, center, day)
);

CREATE UNIQUE INDEX booking_lines_one_per_enterprise_day
    ON booking_lines (center, day, org_code) WHERE status = 'active';

-- POST /api/v1/bookings with Idempotency-Key: written in the booking's transaction, so
-- a key and what it created commit (or vanish) together. Keys are per agent.
CREATE TABLE idempotency_keys (
    agent_id      text NOT NULL,
    key           text NOT NULL,
    request_hash  text NOT NULL,
    status        integer,
    content_type  text,
    body          json,          -- json, not jsonb: keeps the first answer's key order for the replay
    booking_id    uuid,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (agent_id, key)
);
