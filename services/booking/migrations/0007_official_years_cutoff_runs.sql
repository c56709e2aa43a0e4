-- Official schedules an administrator loaded, a year at a time (holidays and the 调休
-- weekend working days; every other day Monday-Friday). National: no center. A loaded
-- year wins over the holiday package until it is cleared.
CREATE TABLE official_years (
    year       integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    holidays   date[] NOT NULL,
    workdays   date[] NOT NULL,
    note       text NOT NULL DEFAULT '',
    loaded_by  text NOT NULL,
    loaded_at  timestamptz NOT NULL
);

-- Every run of a date's cutoff: by the scheduler (by NULL) or an administrator, with the
-- administrator's reason (a re-run should say why). Append-only.
CREATE TABLE cutoff_runs (
    id      bigserial PRIMARY KEY,
    center  text NOT NULL,
    day     date NOT NULL,
    at      timestamptz NOT NULL,
    by      text,
    reason  text NOT NULL DEFAULT '',
    rerun   boolean NOT NULL
);
CREATE INDEX cutoff_runs_day ON cutoff_runs (center, day, id);

-- Administrators search agents by username (prefix) or phone (whole, or its last digits).
CREATE INDEX agents_username_lower ON agents (lower(username) text_pattern_ops);
CREATE INDEX agents_phone ON agents (phone);
