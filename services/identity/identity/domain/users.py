"""The user entity and its roles."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Iterable

from identity.domain.errors import invalid_field


class Role(StrEnum):
    AGENT = "agent"
    STAFF = "staff"
    ADMIN = "admin"


def parse_roles(raw: Iterable[str]) -> frozenset[Role]:
    """Roles from storage or the operator command; every user is an agent (api.md)."""
    roles: set[Role] = {Role.AGENT}
    for value in raw:
        try:
            roles.add(Role(value))
        except ValueError:
            raise invalid_field("role", f"must be one of {', '.join(r.value for r in Role)}") from None
    return frozenset(roles)


@dataclass(frozen=True)
class User:
    id: str
    username: str
    name: str
    phone: str
    password_hash: str
    created_at: datetime
    email: str | None = None
    org_code: str | None = None
    roles: frozenset[Role] = field(default_factory=lambda: frozenset({Role.AGENT}))

    def sorted_roles(self) -> list[str]:
        """Roles in a stable order, as they go into tokens and answers."""
        order = list(Role)
        return [r.value for r in sorted(self.roles, key=order.index)]

    def public_view(self) -> dict[str, Any]:
        """What GET /api/v1/me and the login answer show: never the password hash."""
        return {
            "id": self.id,
            "username": self.username,
            "name": self.name,
            "phone": self.phone,
            "email": self.email,
            "roles": self.sorted_roles(),
        }
