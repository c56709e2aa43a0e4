"""Identity service settings: the shared ones, plus its own under the ``IDENTITY_`` prefix."""
from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings, shared  # noqa: F401


class IdentitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_", extra="ignore", populate_by_name=True)

    service_name: str = "identity"
    port: int = 8001
    db_schema: str = "identity"

    # Signing key: created on first start and kept in the schema, unless a PEM file is named
    # (unencrypted PKCS#8, Ed25519 or P-256).
    signing_key_file: str | None = None
    access_token_ttl: int = 900
    refresh_token_ttl: int = 30 * 24 * 3600
    # A session (refresh-token family) ends this long after its login, however often it
    # was refreshed (each refresh restarts only the sliding refresh_token_ttl).
    session_max_age: int = Field(30 * 24 * 3600, gt=0)
    # A verification-code event carries the plain code: no copy stays in the outbox.
    outbox_purge_types: list[str] = ["identity.verification_code.requested"]

    # Key of the HMAC that SMS codes are stored under. Unset: created on first start and
    # kept in the schema, so every replica hashes alike.
    code_secret: SecretStr | None = None

    # argon2id cost (RFC 9106 second recommendation by default); tests make it cheap.
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 65536  # KiB
    argon2_parallelism: int = 4
    # Hashes computed at once in this process (each holds argon2_memory_cost KiB while it
    # runs): 1 keeps a replica near 70 MB + 64 MiB at any sign-in rate; more sign-ins wait
    # their turn, up to argon2_wait_seconds, then get 503 service.unavailable + Retry-After.
    argon2_max_concurrent: int = Field(1, ge=1)
    argon2_wait_seconds: float = Field(5.0, gt=0)

    # Peers whose X-Real-IP / X-Forwarded-For are believed, besides loopback (the local
    # nginx gateway): addresses or CIDR networks, e.g. ["10.0.0.0/8"].
    trusted_proxies: list[str] = []

    # SMS codes per client IP (the per-phone limits, 1/min 5/h 10/day, are api.md's).
    sms_ip_per_hour: int = 20
    sms_ip_per_day: int = 100

    # Login lockout: this many failures within the window lock the login for lock_seconds.
    login_max_failures: int = 5
    login_failure_window_seconds: int = 900
    login_lock_seconds: int = 900
    # Across all addresses: past this many failures in the window, one attempt per
    # login_slowdown_seconds (addresses the account logged in from lately skip it).
    login_slowdown_threshold: int = 20
    login_slowdown_seconds: int = 5
    login_known_address_days: int = 30

    # Request budgets (429 rate_limited + Retry-After), fixed windows, shared by replicas.
    # Per client address, checked before any argon2 hash (login, registration, reset, card proof):
    hash_per_address_per_minute: int = 60
    hash_per_address_per_hour: int = 600
    card_challenges_per_address_per_minute: int = 30
    card_challenges_per_address_per_hour: int = 300
    card_challenges_per_card_per_minute: int = 10
    registrations_per_address_per_hour: int = 30
    registrations_per_phone_per_hour: int = 10
    refreshes_per_address_per_minute: int = 300
    refreshes_per_user_per_minute: int = 30
