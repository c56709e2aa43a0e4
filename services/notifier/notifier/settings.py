"""Notifier service settings: the shared ones, plus its own under the ``NOTIFIER_`` prefix."""
from __future__ import annotations

from typing import Literal

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings, shared  # noqa: F401


class NotifierSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore", populate_by_name=True)

    service_name: str = "notifier"
    port: int = 8004
    db_schema: str = "notifier"

    sms_provider: Literal["log", "http"] = shared("SMS_PROVIDER", "log")
    sms_http_url: str | None = shared("SMS_HTTP_URL", None)
