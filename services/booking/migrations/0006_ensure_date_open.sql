-- Refuse a booking whose date was closed while it waited for its capacity row.
--
-- A booking is written in one statement whose last step takes its period's capacity row
-- (booking.adapters.new_bookings); closing a date locks the date's capacity rows, marks the
-- date closed, snapshots its bookings and commits. Once the booking holds the row it must
-- see a close that committed meanwhile, but a subquery in that statement reads the
-- statement's snapshot, taken before the wait. A VOLATILE function takes a fresh snapshot
-- for each query it runs: called from the capacity upsert's RETURNING, it sees the close
-- and fails the whole statement, as a check violation named 'date_open'.
CREATE FUNCTION ensure_date_open(p_center text, p_day date) RETURNS boolean
    LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM cutoffs WHERE center = p_center AND day = p_day AND status <> 'open') THEN
        RAISE EXCEPTION '% has been closed for bookings', p_day
            USING ERRCODE = 'check_violation', CONSTRAINT = 'date_open';
    END IF;
    RETURN true;
END
$$;
