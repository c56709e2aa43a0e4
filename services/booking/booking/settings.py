"""Booking service settings: the shared ones, plus its own under the ``BOOKING_`` prefix.

Centers are settings (domain.md: "Both numbers (2 working days, 15:00) and the time zone
are per-center settings"). ``BOOKING_CENTERS`` is a JSON list of center definitions; each
field left out takes the value of the default center ``qingdao``, which always exists
(a definition with ``"id": "qingdao"`` replaces its defaults).
"""
from __future__ import annotations

from datetime import time

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings, database_url_field, shared

from booking.domain.center import QINGDAO, CenterConfig, Period


class PeriodSpec(BaseModel):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,15}$")
    start: time
    end: time
    queue_prefix: str = Field(pattern=r"^[A-Z]$")


_QINGDAO_PERIODS = [PeriodSpec(code=p.code, start=p.start, end=p.end, queue_prefix=p.queue_prefix)
                    for p in QINGDAO.periods]


class CenterSpec(BaseModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    timezone: str = QINGDAO.timezone
    periods: list[PeriodSpec] = Field(default_factory=lambda: list(_QINGDAO_PERIODS))
    desks: int = QINGDAO.desks
    segment_minutes: int = QINGDAO.segment_minutes
    default_capacity: int = QINGDAO.default_capacity
    release_working_days: int = QINGDAO.release_working_days
    cutoff_time: time = QINGDAO.cutoff_time
    closing_time: time = QINGDAO.closing_time
    late_minutes: int = QINGDAO.late_minutes

    def config(self) -> CenterConfig:
        # CenterConfig checks the rest (unique codes, a real time zone) when built.
        return CenterConfig(
            id=self.id, timezone=self.timezone,
            periods=tuple(Period(p.code, p.start, p.end, p.queue_prefix) for p in self.periods),
            desks=self.desks, segment_minutes=self.segment_minutes,
            default_capacity=self.default_capacity, release_working_days=self.release_working_days,
            cutoff_time=self.cutoff_time, closing_time=self.closing_time, late_minutes=self.late_minutes)


class BookingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BOOKING_", extra="ignore", populate_by_name=True)

    service_name: str = "booking"
    database_url: str = database_url_field("booking")
    port: int = 8002
    db_schema: str = "booking"
    # The release rush: at most 8 writes in flight per process, the rest queue before the
    # pool (shared.http.admission; BOOKING_ADMISSION_LIMIT, 0 turns it off).
    admission_limit: int = Field(8, ge=0)

    default_center: str = "qingdao"
    centers: list[CenterSpec] = []
    # How long an Idempotency-Key answers with its first answer; after that it is free again.
    idempotency_ttl_hours: int = 24
    # Per-account throttles (429 booking.rate_limited / enterprise.rate_limited): at most
    # this many creations per account in a fixed window; 0 turns one off.
    throttle_bookings_max: int = Field(60, ge=0)
    throttle_bookings_window_seconds: int = Field(3600, ge=1)
    throttle_enterprises_max: int = Field(60, ge=0)
    throttle_enterprises_window_seconds: int = Field(3600, ge=1)
    # GET /api/v1/calendar: the longest range one request may ask for.
    calendar_max_days: int = 62
    # How long a replica keeps a center's calendar overrides before reading them again (a
    # change made through this replica is seen at once; 0: read them every time).
    calendar_cache_seconds: float = Field(1.0, ge=0, le=60)
    # The cutoff scheduler (closing dates at their cutoff, the closing sweep). Every replica
    # runs it; the database picks one winner. It also wakes at once when a test moves the
    # clock, so the interval only bounds how late a real cutoff can be noticed.
    scheduler_enabled: bool = True
    scheduler_interval: float = Field(1.0, gt=0, le=60)
    # Test environment only (APP_ENV=test): a JSON file of years in the holiday package's
    # shape, {"2027": {"holidays": [...], "workdays": [...]}}, that behave as if the
    # installed chinese_calendar release carried them (a later release taking over a year).
    test_package_supplement: str | None = None
    # Bookings turned into no-shows per transaction by the closing sweep.
    sweep_batch_size: int = Field(100, ge=1, le=10_000)
    # The services' token for booking's internal routes (the allocator fetching a cutoff's
    # snapshot; shared.http.service_token). Unset: those routes refuse every call.
    internal_api_token: SecretStr | None = shared("INTERNAL_API_TOKEN", None)

    @model_validator(mode="after")
    def _centers_are_usable(self) -> BookingSettings:
        ids = [c.id for c in self.centers]
        if len(set(ids)) != len(ids):
            raise ValueError("BOOKING_CENTERS: each center id once")
        for spec in self.centers:
            try:
                spec.config()
            except (ValueError, KeyError) as exc:   # ZoneInfoNotFoundError is a KeyError
                raise ValueError(f"BOOKING_CENTERS: center {spec.id!r}: {exc}") from None
        if self.app_env == "prod" and self.internal_api_token is None:
            raise ValueError("INTERNAL_API_TOKEN is required with APP_ENV=prod (the allocator fetches snapshots)")
        if self.default_center not in {QINGDAO.id, *ids}:
            raise ValueError(f"BOOKING_DEFAULT_CENTER {self.default_center!r} is not a defined center")
        return self

    def center_configs(self) -> list[CenterConfig]:
        defined = {spec.id: spec.config() for spec in self.centers}
        return [defined.pop(QINGDAO.id, QINGDAO), *defined.values()]
