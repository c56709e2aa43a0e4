-- Administrators' calendar overrides, capacity per (center, date, period), and the
-- per-date cutoff record the cutoff scheduler (next issue) fills in.

CREATE TABLE calendar_overrides (
    center   text NOT NULL,
    day      date NOT NULL,
    working  boolean NOT NULL,
    note     text NOT NULL DEFAULT '',
    set_by   text,
    set_at   timestamptz NOT NULL,
    PRIMARY KEY (center, day)
);

-- One counter row per (center, date, period), created on first use with the center's
-- default capacity. Bookings take lines with a conditional UPDATE (booked + n <= capacity)
-- so concurrent requests serialise on this row; the CHECK is the last line of defence.
CREATE TABLE capacity (
    center      text NOT NULL,
    day         date NOT NULL,
    period      text NOT NULL,
    capacity    integer NOT NULL CHECK (capacity >= 0),
    booked      integer NOT NULL DEFAULT 0 CHECK (booked >= 0),
    updated_at  timestamptz,
    updated_by  text,
    PRIMARY KEY (center, day, period),
    CONSTRAINT capacity_not_exceeded CHECK (booked <= capacity)
);

-- Exactly one row per (center, service date): several scheduler replicas race to close a
-- date and the unique constraint picks one. Absent row = open.
CREATE TABLE cutoffs (
    id                    uuid PRIMARY KEY,
    center                text NOT NULL,
    day                   date NOT NULL,
    status                text NOT NULL DEFAULT 'open'
                          CHECK (status IN ('open', 'closed', 'allocated')),
    closed_at             timestamptz,
    closed_by             text,          -- an administrator, or NULL for the scheduler
    allocated_at          timestamptz,
    run_id                text,
    snapshot_fingerprint  text,
    CONSTRAINT cutoffs_one_per_date UNIQUE (center, day),
    CHECK (status = 'open' OR closed_at IS NOT NULL),
    CHECK (status <> 'allocated' OR allocated_at IS NOT NULL)
);
