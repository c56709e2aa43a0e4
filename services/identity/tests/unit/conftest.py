"""Fixtures for the identity domain's unit tests: a fixed clock and cheap argon2."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from identity.domain.password_hashing import CHEAP_PARAMS, PasswordHashing

# A fixed instant; every test moves time explicitly from here.
T0 = datetime(2026, 12, 1, 8, 0, 0, tzinfo=timezone.utc)


@pytest.fixture
def now() -> datetime:
    return T0


@pytest.fixture(scope="session")
def hashing() -> PasswordHashing:
    return PasswordHashing(CHEAP_PARAMS)


@pytest.fixture
def code_secret() -> bytes:
    return b"unit-test-code-secret-0123456789"
