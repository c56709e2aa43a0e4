import dataclasses

import pytest

from identity.domain.users import Role, User, parse_roles
from shared.errors import ValidationFailed


def make_user(now, **kw) -> User:
    fields = dict(id="u1", username="zhangsan", name="张三", phone="13800000000",
                  password_hash="$argon2id$secret", created_at=now)
    return User(**{**fields, **kw})


def test_every_user_is_an_agent():
    assert parse_roles([]) == {Role.AGENT}
    assert parse_roles(["staff"]) == {Role.AGENT, Role.STAFF}
    assert parse_roles(["admin", "agent"]) == {Role.AGENT, Role.ADMIN}


def test_unknown_roles_are_refused():
    with pytest.raises(ValidationFailed):
        parse_roles(["root"])


def test_public_view_never_shows_the_password_hash(now):
    user = make_user(now, roles=parse_roles(["admin", "staff"]), email="a@example.com")
    view = user.public_view()
    assert view == {"id": "u1", "username": "zhangsan", "name": "张三", "phone": "13800000000",
                    "email": "a@example.com", "roles": ["agent", "staff", "admin"]}
    assert "argon2" not in repr(view)


def test_a_user_value_cannot_be_changed_in_place(now):
    user = make_user(now)
    with pytest.raises(dataclasses.FrozenInstanceError):
        user.password_hash = "x"  # type: ignore[misc]  # on purpose: frozen
