"""Identity service settings: the shared ones, plus its own under the ``IDENTITY_`` prefix."""
from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings, shared  # noqa: F401


class IdentitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_", extra="ignore", populate_by_name=True)

    service_name: str = "identity"
    port: int = 8001
    db_schema: str = "identity"

    # Signing key: created on first start and kept in the schema, unless a PEM file is named.
    signing_key_file: str | None = None
    access_token_ttl: int = 900
    refresh_token_ttl: int = 30 * 24 * 3600
