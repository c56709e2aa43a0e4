-- The cutoff scheduler's bookkeeping on the per-date cutoff row, and an index for the
-- closing sweep.

-- Every allocation request (the scheduler's, or an administrator's run or re-run) gets a
-- fresh id, sent as allocation.requested's cutoff_id. Only the completion answering the
-- latest request is applied: an older one arriving late cannot undo a re-run.
ALTER TABLE cutoffs
    ADD COLUMN request_id    uuid,
    ADD COLUMN requested_at  timestamptz,
    ADD COLUMN requests      integer NOT NULL DEFAULT 0 CHECK (requests >= 0),
    ADD COLUMN snapshot_bookings integer CHECK (snapshot_bookings >= 0);

-- The closing sweep looks for bookings still 'allocated' on days that are over; without
-- this it would read a center's whole history on every tick.
CREATE INDEX bookings_still_allocated ON bookings (center, day) WHERE status = 'allocated';
