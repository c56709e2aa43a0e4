"""Notifier service settings: the shared ones, plus its own under the ``NOTIFIER_`` prefix."""
from __future__ import annotations

import os
import socket
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings, database_url_field, shared


class NotifierSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore", populate_by_name=True)

    service_name: str = "notifier"
    database_url: str = database_url_field("notifier")
    port: int = 8004
    db_schema: str = "notifier"
    # Its share of PostgreSQL per replica: this pool + 1 (the relay's LISTEN connection).
    # 6 covers a process at the provider's rate (docs/operations.md, "Connection budget").
    db_pool_max: int = Field(6, ge=2)

    sms_provider: Literal["log", "http"] = shared("SMS_PROVIDER", "log")
    sms_http_url: str | None = shared("SMS_HTTP_URL", None)

    # Provider calls in flight per process (with a shared rate, counted from the claim:
    # waiting for the rate slot included). Up to twice as many messages are held (claimed,
    # outcome not stored): without a shared rate, the next calls are claimed ahead.
    max_in_flight: int = Field(16, ge=1)
    # The SMS queue's deliveries in hand (prefetch 32) stored this many per transaction, with
    # one inbox insert (shared/consumer_batch.py); 1: one transaction per event. Half the
    # prefetch, so a batch is gathered while the one before it commits.
    consume_batch_size: int = Field(16, ge=1)
    consume_batch_wait_ms: float = Field(2.0, ge=0)
    # A batch's messages recorded together: their phones' locks in one statement, their rows
    # in one statement (consumers/sms_events.py batch_handler); false: one event at a time
    # within the batch's transaction (the paired benchmark's baseline).
    consume_batch_handler: bool = True
    # The sends' outcomes that end within the wait, stored this many per statement (one
    # commit and one relay wake-up: service/outcome_recorder.py); 1: one statement each.
    outcome_batch_size: int = Field(16, ge=1)
    outcome_batch_wait_ms: float = Field(2.0, ge=0)
    # Provider calls per second shared by every replica (enforced in PostgreSQL); 0: no limit.
    provider_rate_per_second: float = Field(50.0, ge=0)
    # A process claims only the messages whose rate slot starts within this many seconds;
    # the rest stay pending in the table, claimable by any replica and seen by the autoscaler.
    claim_horizon_seconds: float = Field(1.0, gt=0)
    provider_timeout_seconds: float = Field(5.0, gt=0)
    # Exponential backoff with full jitter: wait <= min(cap, base * 2**(attempt-1)).
    retry_base_seconds: float = Field(1.0, gt=0)
    retry_cap_seconds: float = Field(60.0, gt=0)
    retry_max_attempts: int = Field(6, ge=1)
    # A claimed message belongs to its sender this long; renewed right before the provider
    # call, so it must outlast one call (the provider timeout) with room to spare.
    lease_seconds: float = Field(30.0, gt=0)
    sweep_interval_seconds: float = Field(1.0, gt=0)
    # How long a recorded message is left to its own process's after-commit send before
    # any replica's sweeper may take it (a busy process leaves it to them at once).
    pending_grace_seconds: float = Field(0.5, ge=0)
    # How often each process reads the backlog gauges (notifier_sms_pending_messages, ...)
    # from the database.
    backlog_refresh_seconds: float = Field(5.0, gt=0)
    # How long notifier.sms.dead keeps a message: a dead-lettered verification_code.requested
    # holds its code in clear (useless after 5 minutes, but no secret is kept for ever);
    # three days leave a weekend to look at a dead booking SMS (alert: DeadLetterQueueNotEmpty).
    sms_dead_ttl_hours: float = Field(72.0, gt=0, le=24 * 30)
    # Dates in the texts are the center's local dates.
    center_timezone: str = "Asia/Shanghai"
    # Booking SMS an agent's action causes (confirmed, cancelled, resend) per contact phone
    # in any 24 hours; past it they are not sent (service/phone_cap.py). 0: no cap.
    booking_sms_per_phone_per_day: int = Field(20, ge=0)

    @property
    def db_application_name(self) -> str:
        """One name per process (the pod's host name and the pid), so pg_stat_activity
        shows each replica's share of the connections."""
        return f"{self.service_name} {socket.gethostname()} {os.getpid()}"[:63]

    @model_validator(mode="after")
    def _check(self) -> "NotifierSettings":
        if self.sms_provider == "http" and not self.sms_http_url:
            raise ValueError("SMS_PROVIDER=http needs SMS_HTTP_URL")
        if self.lease_seconds <= self.provider_timeout_seconds:
            raise ValueError("NOTIFIER_LEASE_SECONDS must exceed NOTIFIER_PROVIDER_TIMEOUT_SECONDS")
        if self.retry_cap_seconds < self.retry_base_seconds:
            raise ValueError("NOTIFIER_RETRY_CAP_SECONDS must be >= NOTIFIER_RETRY_BASE_SECONDS")
        return self
