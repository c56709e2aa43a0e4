"""Booking service settings: the shared ones, plus its own under the ``BOOKING_`` prefix."""
from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings, shared  # noqa: F401


class BookingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BOOKING_", extra="ignore", populate_by_name=True)

    service_name: str = "booking"
    port: int = 8002
    db_schema: str = "booking"

    default_center: str = "qingdao"
