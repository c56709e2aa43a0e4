-- Issue 16: step-up for card binding, throttles, lockout per (identifier, address),
-- absolute session lifetime.

-- A code of its own for binding a card (the proof besides the password).
ALTER TABLE verification_codes DROP CONSTRAINT verification_codes_purpose_check;
ALTER TABLE verification_codes ADD CONSTRAINT verification_codes_purpose_check
    CHECK (purpose IN ('register', 'login', 'reset_password', 'bind_card'));
-- Each purpose has its own per-phone budget: ten login codes do not block a reset.
CREATE INDEX verification_codes_purpose_sends ON verification_codes (phone, purpose, created_at);

-- Failures are counted per (identifier, address): an attacker elsewhere does not lock the
-- owner out. '' is "address unknown" (a direct call without one).
ALTER TABLE login_failures ADD COLUMN client_key text NOT NULL DEFAULT '';
CREATE INDEX login_failures_key_client ON login_failures (login_key, client_key, failed_at);

-- Addresses an identifier logged in from: they skip the global per-identifier slowdown.
CREATE TABLE login_known_addresses (
    login_key     text NOT NULL,
    client_key    text NOT NULL,
    last_login_at timestamptz NOT NULL,
    PRIMARY KEY (login_key, client_key)
);

-- Fixed-window request counters shared by every replica: one row per (budget, key, window).
CREATE TABLE throttle_counters (
    budget       text NOT NULL,
    key          text NOT NULL,
    span_seconds integer NOT NULL,
    window_start timestamptz NOT NULL,
    hits         integer NOT NULL,
    PRIMARY KEY (budget, key, span_seconds, window_start)
);
CREATE INDEX throttle_counters_start ON throttle_counters (window_start);

-- When the session (refresh-token family) began: refused after the absolute lifetime,
-- however often it was refreshed.
ALTER TABLE refresh_tokens ADD COLUMN session_started_at timestamptz;
UPDATE refresh_tokens t SET session_started_at =
    (SELECT min(issued_at) FROM refresh_tokens f WHERE f.family_id = t.family_id);
ALTER TABLE refresh_tokens ALTER COLUMN session_started_at SET NOT NULL;
