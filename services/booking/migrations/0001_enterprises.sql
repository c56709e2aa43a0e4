-- The enterprise directory, the agents booking knows (fed by identity.user.registered)
-- and each agent's own list of enterprises.

-- Name look-up is "part of a name" (ILIKE '%q%'): only a trigram GIN index serves a
-- pattern with a leading wildcard. Queries of 3+ characters (including Chinese: trigrams
-- work on characters, not bytes) use it; 2-character ones have no trigram and scan, which
-- the directory's size (one city's card-holding companies, tens of thousands of rows)
-- and LIMIT 20 keep cheap. An extension exists once per database: it goes into public,
-- which is on every service's search_path, so another schema can use it too.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

CREATE TABLE enterprises (
    -- COLLATE "C": code-prefix look-ups are a plain range scan of the primary key
    -- (org_code >= 'AB' AND org_code <= 'ABZZZZZZZZZ'), whatever the database's locale.
    org_code    text COLLATE "C" PRIMARY KEY CHECK (org_code ~ '^[0-9A-Z]{8}[0-9X]$'),
    name        text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 200),
    created_by  text,
    created_at  timestamptz NOT NULL
);
CREATE INDEX enterprises_name_trgm ON enterprises USING gin (name gin_trgm_ops);

-- Booking's copy of identity's users: the phone goes into booking.suspended.
CREATE TABLE agents (
    id             text PRIMARY KEY,
    username       text,
    name           text NOT NULL,
    phone          text NOT NULL,
    registered_at  timestamptz,
    updated_at     timestamptz NOT NULL
);

-- No foreign key to agents: a signed-in agent may keep a list before their registration
-- event has arrived here.
CREATE TABLE agent_enterprises (
    agent_id  text NOT NULL,
    org_code  text COLLATE "C" NOT NULL REFERENCES enterprises (org_code),
    name      text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 200),
    added_at  timestamptz NOT NULL,
    PRIMARY KEY (agent_id, org_code)
);
