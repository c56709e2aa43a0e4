-- Identity's tables (the pool's search_path puts them in the identity schema).

-- Agents, staff and admins. Usernames are stored lower-cased by the domain, so the plain
-- unique index makes them unique case-insensitively. The index names are what the
-- repository maps a unique violation to (409 user.username_taken / user.phone_taken).
CREATE TABLE users (
    id                  uuid PRIMARY KEY,
    username            text NOT NULL,
    name                text NOT NULL,
    phone               text NOT NULL,
    email               text,
    org_code            text,
    password_hash       text NOT NULL,
    roles               text[] NOT NULL DEFAULT '{agent}',
    created_at          timestamptz NOT NULL,
    password_changed_at timestamptz
);
CREATE UNIQUE INDEX users_username_key ON users (username);
CREATE UNIQUE INDEX users_phone_key ON users (phone);

-- SMS verification codes, only as a keyed hash. Every row is also one send: the rate
-- limits count rows per phone and per client IP, so all replicas share them.
CREATE TABLE verification_codes (
    id          uuid PRIMARY KEY,
    seq         bigint GENERATED ALWAYS AS IDENTITY,   -- "the latest code" = insertion order
    phone       text NOT NULL,
    purpose     text NOT NULL CHECK (purpose IN ('register', 'login', 'reset_password')),
    code_hash   text NOT NULL,
    client_ip   text,                                  -- the IP's rate key (IPv6: its /64)
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    wrong_tries integer NOT NULL DEFAULT 0,
    used_at     timestamptz,
    burnt_at    timestamptz
);
CREATE INDEX verification_codes_phone ON verification_codes (phone, created_at);
CREATE INDEX verification_codes_latest ON verification_codes (phone, purpose, seq);
CREATE INDEX verification_codes_ip ON verification_codes (client_ip, created_at) WHERE client_ip IS NOT NULL;

-- Failed logins per login identifier (username:<u> or phone:<p>), whether the user exists or not.
CREATE TABLE login_failures (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login_key text NOT NULL,
    failed_at timestamptz NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (login_key, failed_at);

-- Rotating refresh tokens, by SHA-256 of the value; a family is one login session.
CREATE TABLE refresh_tokens (
    token_hash text PRIMARY KEY,
    family_id  uuid NOT NULL,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issued_at  timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    rotated_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id) WHERE revoked_at IS NULL;

-- A card number is bound once (409 card.already_bound): the primary key says so.
CREATE TABLE card_bindings (
    card_no     text PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    algorithm   text NOT NULL,
    public_key  text NOT NULL,
    fingerprint text NOT NULL,
    bound_at    timestamptz NOT NULL
);
CREATE INDEX card_bindings_user ON card_bindings (user_id);

-- One-use nonces for card login.
CREATE TABLE card_challenges (
    id         uuid PRIMARY KEY,
    card_no    text NOT NULL,
    nonce      text NOT NULL,
    issued_at  timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX card_challenges_expiry ON card_challenges (expires_at);

-- Secrets made on first start and shared by every replica: the token signing key (PEM)
-- and the SMS code HMAC key. The first replica's INSERT wins; the others read it back.
CREATE TABLE server_secrets (
    name       text PRIMARY KEY,
    value      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
