"""The centers this process serves, from its settings, looked up by id."""
from __future__ import annotations

from collections.abc import Iterable

from booking.domain.center import CenterConfig
from booking.domain.errors import ValidationFailed


class Centers:
    def __init__(self, configs: Iterable[CenterConfig], default: str) -> None:
        self._by_id = {c.id: c for c in configs}
        if default not in self._by_id:
            raise ValueError(f"default center {default!r} is not defined")
        self.default = default

    def get(self, center_id: str | None, field: str = "center") -> CenterConfig:
        """The center named ``center_id`` (the default one when None), or a 422 naming
        ``field``: an unknown center is bad input, like any other."""
        found = self._by_id.get(center_id or self.default)
        if found is None:
            raise ValidationFailed([{"field": field, "message": f"unknown center {center_id!r}"}])
        return found

    def __contains__(self, center_id: object) -> bool:
        return center_id in self._by_id

    def __iter__(self):
        return iter(self._by_id.values())
