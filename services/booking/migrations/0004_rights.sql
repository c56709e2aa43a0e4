-- Booking rights (预约权限): penalty counters and suspensions, one row per agent that has
-- ever been counted; updates lock the row so concurrent cancellations count exactly.

CREATE TABLE booking_rights (
    agent_id         text PRIMARY KEY,
    no_shows         integer NOT NULL DEFAULT 0 CHECK (no_shows >= 0),
    cancellations    integer NOT NULL DEFAULT 0 CHECK (cancellations >= 0),
    suspended_until  timestamptz,
    reason           text CHECK (reason IN ('too_many_no_shows', 'too_many_cancellations')),
    updated_at       timestamptz
);

-- Every change to an agent's rights: who, when, why, before and after. Append-only.
CREATE TABLE rights_audit (
    id          bigserial PRIMARY KEY,
    agent_id    text NOT NULL,
    at          timestamptz NOT NULL,
    change      text NOT NULL
                CHECK (change IN ('cancellation_counted', 'no_show_counted', 'suspended', 'lifted')),
    actor       text,            -- the administrator or agent whose request it was; NULL: the system
    note        text NOT NULL DEFAULT '',
    request_id  text,
    before      jsonb NOT NULL,
    after       jsonb NOT NULL
);
CREATE INDEX rights_audit_agent ON rights_audit (agent_id, at);
