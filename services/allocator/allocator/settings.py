"""Allocator service settings: the shared ones, plus its own under the ``ALLOCATOR_`` prefix."""
from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings, shared  # noqa: F401


class AllocatorSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ALLOCATOR_", extra="ignore", populate_by_name=True)

    service_name: str = "allocator"
    port: int = 8003
    db_schema: str = "allocator"

