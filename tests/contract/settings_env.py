"""The environment each service's settings class reads, for the contract tests that check
what deployments give the services (docker-compose.yml, deploy/k8s).

Not a test module. The tests run with --import-mode=importlib and this folder is no
package, so load it by path:

    spec = importlib.util.spec_from_file_location("contract_settings_env", Path(__file__).with_name("settings_env.py"))
"""
from __future__ import annotations

from pydantic import AliasChoices, AliasPath
from pydantic_settings import BaseSettings

from allocator.settings import AllocatorSettings
from booking.settings import BookingSettings
from identity.settings import IdentitySettings
from notifier.settings import NotifierSettings

SETTINGS: dict[str, type[BaseSettings]] = {
    "identity": IdentitySettings,
    "booking": BookingSettings,
    "allocator": AllocatorSettings,
    "notifier": NotifierSettings,
}


def accepted_env_names(cls: type[BaseSettings]) -> set[str]:
    """The environment variables a pydantic-settings class reads (upper-cased): the field
    name with the class's env_prefix, or the names of the field's validation alias."""
    prefix = cls.model_config.get("env_prefix", "") or ""
    names: set[str] = set()
    for field_name, field in cls.model_fields.items():
        alias = field.validation_alias
        if alias is None:
            names.add(f"{prefix}{field_name}".upper())
            continue
        choices = alias.choices if isinstance(alias, AliasChoices) else [alias]
        for choice in choices:
            if isinstance(choice, AliasPath):
                choice = choice.path[0]
            names.add(str(choice).upper())
    return names


def env_prefix(name: str) -> str:
    return SETTINGS[name].model_config.get("env_prefix", "") or ""


def default_port(name: str) -> int:
    return SETTINGS[name].model_fields["port"].default
