-- One row per distinct allocation input: the same snapshot under the same policy for the
-- same (center, service date) is one stored run, however often it is requested.
CREATE TABLE allocation_runs (
    run_id                uuid PRIMARY KEY,            -- uuid5 of (center, date, fingerprints)
    center                text NOT NULL,
    service_date          date NOT NULL,
    cutoff_id             text NOT NULL,               -- of the request that first produced it
    request_event_id      uuid NOT NULL,
    closed_at             timestamptz NOT NULL,        -- when booking froze the snapshot
    snapshot_fingerprint  text NOT NULL,
    policy_fingerprint    text NOT NULL,
    schedule_fingerprint  text NOT NULL,
    booking_count         integer NOT NULL,
    overflow_count        integer NOT NULL,
    policy                jsonb NOT NULL,              -- the settings it ran under
    stats                 jsonb NOT NULL,              -- desks, segment, per period: bookings, overflow, desk ends
    created_at            timestamptz NOT NULL,
    CONSTRAINT allocation_runs_one_per_input
        UNIQUE (center, service_date, snapshot_fingerprint, policy_fingerprint)
);
CREATE INDEX allocation_runs_day ON allocation_runs (center, service_date, created_at);

-- The schedule in force per (center, service date): the newest run that gives it, when its
-- assignments last changed and how many rows that change wrote and removed.
CREATE TABLE schedules (
    center                text NOT NULL,
    service_date          date NOT NULL,
    run_id                uuid NOT NULL REFERENCES allocation_runs (run_id),
    schedule_fingerprint  text NOT NULL,
    applied_at            timestamptz NOT NULL,        -- the assignments last changed
    last_written          integer NOT NULL DEFAULT 0,  -- rows inserted or rewritten then
    last_removed          integer NOT NULL DEFAULT 0,  -- rows deleted then (bookings gone)
    PRIMARY KEY (center, service_date)
);

-- One row per booking of the current schedule. A new schedule rewrites only the rows that
-- differ; run_id names the run that last wrote the row.
CREATE TABLE assignments (
    center                text NOT NULL,
    service_date          date NOT NULL,
    booking_id            text NOT NULL,
    period                text NOT NULL,
    period_rank           smallint NOT NULL,           -- the period's place in the day (by start)
    position              integer NOT NULL,            -- place in the period's queue, from 1
    desk                  integer NOT NULL,
    queue_number          text NOT NULL,
    segment_start         time NOT NULL,
    segment_end           time NOT NULL,
    estimated_start       timestamp NOT NULL,          -- center-local wall time
    estimated_end         timestamp NOT NULL,
    overflow              boolean NOT NULL,
    -- The run that last wrote the row. Not a foreign key on purpose: 20,000 referential
    -- checks cost more than the rest of writing a busy day; the row and its run are written
    -- in one transaction, and runs are never deleted.
    run_id                uuid NOT NULL,
    PRIMARY KEY (center, service_date, booking_id),
    -- Deferred: rows move up a queue one by one when a booking ahead of them goes.
    CONSTRAINT assignments_queue_number_once
        UNIQUE (center, service_date, queue_number) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX assignments_queue_order ON assignments (center, service_date, period_rank, position);
