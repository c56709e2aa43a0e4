"""Settings every service reads. Unprefixed names are shared by the whole suite (one
environment drives every process); anything service-specific carries its service's
prefix, set by the subclass's ``model_config``."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, AwareDatetime, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/cardcenter"


def database_url_field(service: str) -> Any:
    """``<SERVICE>_DATABASE_URL`` (the service's own role, docs/operations.md) when set, else
    ``DATABASE_URL`` (one role for every service: a single-user development setup)."""
    return Field(DEFAULT_DATABASE_URL,
                 validation_alias=AliasChoices(f"{service.upper()}_DATABASE_URL", "DATABASE_URL"))


def shared(name: str, default: Any, **kw: Any) -> Any:
    """A field read from an unprefixed variable (the same in every service)."""
    return Field(default, validation_alias=AliasChoices(name), **kw)


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service_name: str = "service"
    database_url: str = shared("DATABASE_URL", DEFAULT_DATABASE_URL)
    amqp_url: str = shared("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    app_env: Literal["dev", "test", "prod"] = shared("APP_ENV", "dev")
    log_level: str = shared("LOG_LEVEL", "INFO")
    # uvloop (the default) or asyncio's own loop: shared.event_loop.
    event_loop: Literal["uvloop", "asyncio"] = shared("EVENT_LOOP", "uvloop")
    jwks_url: str = shared("JWKS_URL", "http://127.0.0.1:8001/.well-known/jwks.json")
    # The exchange every service publishes to and binds its queues on.
    events_exchange: str = shared("EVENTS_EXCHANGE", "cardcenter.events")
    # Test mode only: the instant the service clock starts at, so a process restarted in
    # the middle of a test with a moved clock comes back at the others' time instead of
    # running its first scheduler pass, consumers and leases on the real date.
    test_clock_start: AwareDatetime | None = shared("TEST_CLOCK_START", None)
    # Trusted events (docs/security.md "Events"): a consumer refuses an event whose AMQP
    # user_id is not BROKER_USER_PREFIX + the envelope's producer; EVENTS_FORWARDERS are the
    # operator users whose replays (shared.ops.replay_dead) are believed; the per-message cap.
    events_verify_publisher: bool = shared("EVENTS_VERIFY_PUBLISHER", True)
    broker_user_prefix: str = shared("BROKER_USER_PREFIX", "")
    events_forwarders: list[str] = shared("EVENTS_FORWARDERS", [])
    max_message_bytes: int = shared("EVENTS_MAX_MESSAGE_BYTES", 16 * 1024 * 1024)

    host: str = "127.0.0.1"
    port: int = 8000
    db_schema: str = "public"
    db_pool_min: int = 2
    db_pool_max: int = 10
    db_acquire_timeout: float = 5.0
    # Writes in flight per process before the next waits (shared.http.admission; 0: no
    # gate, the default; booking sets 8). Below the pool's size: a write may take two.
    admission_limit: int = Field(0, ge=0)
    db_command_timeout: float = 30.0
    publish_timeout: float = 5.0
    # Consumers: how many times a failing handler is tried, and the delays between tries.
    consumer_max_attempts: int = 5
    consumer_retry_delays_ms: list[int] = [1000, 5000, 30000]
    consumer_prefetch: int = 32
    # Outbox relay: polling fallback when no NOTIFY arrives, and batch size.
    outbox_poll_interval: float = 2.0
    outbox_batch_size: int = 200
    # Event types whose outbox rows are deleted as soon as the broker confirmed them.
    outbox_purge_types: list[str] = []
    # Run migrations when the process starts (safe with replicas: advisory lock).
    migrate_on_start: bool = True

    @property
    def is_test(self) -> bool:
        return self.app_env == "test"

    @property
    def db_application_name(self) -> str:
        """What pg_stat_activity shows for this process's pool (a service may name each process)."""
        return self.service_name
