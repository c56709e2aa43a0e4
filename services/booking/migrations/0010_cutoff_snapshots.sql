-- The frozen day of every allocation request (issue 19, a claim check): written in the
-- cutoff's transaction, served to the allocator by GET /internal/cutoff-snapshots/{id};
-- allocation.requested only names it. Expand only: a new table.
CREATE TABLE cutoff_snapshots (
    cutoff_id   uuid PRIMARY KEY,      -- cutoffs.request_id, allocation.requested's cutoff_id
    center      text NOT NULL,
    day         date NOT NULL,
    bookings    integer NOT NULL CHECK (bookings >= 0),
    sha256      text NOT NULL,         -- hex SHA-256 of document, as the event says
    document    bytea NOT NULL,        -- shared.contracts.booking's snapshot document (NDJSON)
    created_at  timestamptz NOT NULL
);
-- The retention sweep (kept 14 days after the close, then deleted).
CREATE INDEX cutoff_snapshots_created ON cutoff_snapshots (created_at);
