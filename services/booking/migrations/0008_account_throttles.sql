-- Per-account throttles (booking creation, enterprise creation): one counter per account,
-- action and fixed window, shared by every replica. Old windows are removed by the next
-- hit of the same account and action.
CREATE TABLE account_throttles (
    agent_id      text NOT NULL,
    action        text NOT NULL,
    window_start  timestamptz NOT NULL,
    hits          integer NOT NULL,
    PRIMARY KEY (agent_id, action, window_start)
);
