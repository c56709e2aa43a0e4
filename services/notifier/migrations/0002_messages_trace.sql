-- The W3C trace context of the event that asked for the message: the send (whichever
-- replica's sweeper makes it, however much later) and its outcome event continue that trace.
ALTER TABLE messages ADD COLUMN traceparent text;
