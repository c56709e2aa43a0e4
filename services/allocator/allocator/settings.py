"""Allocator service settings: the shared ones, plus its own under the ``ALLOCATOR_`` prefix.

The allocation policy (domain ``AllocationPolicy``) comes from settings:

| variable | default | what |
|---|---|---|
| ``ALLOCATOR_DESKS`` | 4 | desks (windows) working each period |
| ``ALLOCATOR_SEGMENT_MINUTES`` | 30 | length of the handling segment an agent is told |
| ``ALLOCATOR_ENTERPRISE_MINUTES`` | 3 | fixed step per enterprise line |
| ``ALLOCATOR_MIN_BOOKING_MINUTES`` | 5 | no booking takes less |
| ``ALLOCATOR_TYPE_WEIGHTS`` | ``{}`` | JSON, per business type: minutes, or ``{"first": m, "each_more": m}``; types left out keep the domain's defaults |
| ``ALLOCATOR_CENTERS`` | ``[]`` | JSON list of per-center overrides, e.g. ``[{"id": "qingdao", "desks": 6, "type_weights": {"NEW_CARD": 20}}]``; a field left out takes the value above (``type_weights`` merge type by type) |

Where the requested day comes from (``allocation.requested`` names it; booking serves it):

| variable | default | what |
|---|---|---|
| ``ALLOCATOR_BOOKING_URL`` | ``http://127.0.0.1:8002`` | booking's own address (not the gateway's: it does not route ``/internal/``) |
| ``INTERNAL_API_TOKEN`` | none (required with ``APP_ENV=prod``) | the services' token for internal routes (a Secret; never logged) |
| ``ALLOCATOR_SNAPSHOT_TIMEOUT`` | 30 | seconds for one fetch of a snapshot |
| ``ALLOCATOR_CONSUMER_MAX_ATTEMPTS``, ``ALLOCATOR_CONSUMER_RETRY_DELAYS_MS`` | 30, ``[1000, 5000, 30000, 60000]`` | a request booking cannot serve is tried again for ~25 minutes |

A center without an entry uses the default policy. Every policy is built (and checked) once,
when the settings are read: a bad value stops the process at start, not at the cutoff.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings, database_url_field, shared

from allocator.domain import AllocationPolicy, InvalidPolicy
from allocator.domain.policy import DEFAULT_DESKS, DEFAULT_ENTERPRISE_MINUTES, DEFAULT_MIN_BOOKING_MINUTES, DEFAULT_SEGMENT_MINUTES


class CenterPolicySpec(BaseModel):
    """One center's overrides; ``None`` means "as the default policy"."""
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    desks: int | None = None
    segment_minutes: int | None = None
    enterprise_minutes: int | None = None
    min_booking_minutes: int | None = None
    type_weights: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class PolicyBook:
    """The policy of every center, built once at start."""
    default: AllocationPolicy
    by_center: MappingProxyType

    def for_center(self, center: str) -> AllocationPolicy:
        return self.by_center.get(center, self.default)


class AllocatorSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ALLOCATOR_", extra="ignore", populate_by_name=True)

    service_name: str = "allocator"
    database_url: str = database_url_field("allocator")
    port: int = 8003
    db_schema: str = "allocator"
    booking_url: str = "http://127.0.0.1:8002"
    internal_api_token: SecretStr | None = shared("INTERNAL_API_TOKEN", None)
    snapshot_timeout: float = Field(30.0, gt=0)
    # Booking unreachable (a restart, an outage): a request's delivery is tried again for
    # ~25 minutes (1 s, 5 s, 30 s, then every minute) before it waits in .dead for a replay.
    consumer_max_attempts: int = Field(30, ge=1)
    consumer_retry_delays_ms: list[int] = [1000, 5000, 30000, 60000]

    desks: int = DEFAULT_DESKS
    segment_minutes: int = DEFAULT_SEGMENT_MINUTES
    enterprise_minutes: int = DEFAULT_ENTERPRISE_MINUTES
    min_booking_minutes: int = DEFAULT_MIN_BOOKING_MINUTES
    type_weights: dict[str, Any] = Field(default_factory=dict)
    centers: list[CenterPolicySpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _policies_are_valid(self) -> AllocatorSettings:
        ids = [c.id for c in self.centers]
        if len(set(ids)) != len(ids):
            raise ValueError("ALLOCATOR_CENTERS: each center id at most once")
        if self.app_env == "prod" and self.internal_api_token is None:
            raise ValueError("INTERNAL_API_TOKEN is required with APP_ENV=prod (snapshots are fetched from booking)")
        try:
            self.policies()
        except InvalidPolicy as exc:
            raise ValueError(f"allocation policy: {exc.detail}") from None
        return self

    def _default_dict(self) -> dict[str, Any]:
        return {"desks": self.desks, "segment_minutes": self.segment_minutes,
                "enterprise_minutes": self.enterprise_minutes,
                "min_booking_minutes": self.min_booking_minutes,
                "type_weights": dict(self.type_weights)}

    def policies(self) -> PolicyBook:
        base = self._default_dict()
        default = AllocationPolicy.from_dict(base)
        by_center: dict[str, AllocationPolicy] = {}
        for spec in self.centers:
            merged = dict(base)
            for key in ("desks", "segment_minutes", "enterprise_minutes", "min_booking_minutes"):
                value = getattr(spec, key)
                if value is not None:
                    merged[key] = value
            merged["type_weights"] = {**base["type_weights"], **spec.type_weights}
            try:
                by_center[spec.id] = AllocationPolicy.from_dict(merged)
            except InvalidPolicy as exc:
                raise InvalidPolicy(f"center {spec.id}: {exc.detail}") from None
        return PolicyBook(default, MappingProxyType(by_center))
