"""argon2id password hashes (argon2-cffi), with parameters that tests can make cheap."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from identity.domain.password_policy import normalize_password


@dataclass(frozen=True)
class Argon2Params:
    # argon2-cffi's defaults: RFC 9106's second recommended option (t=3, 64 MiB, p=4).
    time_cost: int = 3
    memory_cost: int = 65536  # KiB
    parallelism: int = 4
    hash_len: int = 32
    salt_len: int = 16


# For unit tests only: the smallest parameters argon2 accepts.
CHEAP_PARAMS = Argon2Params(time_cost=1, memory_cost=8, parallelism=1, hash_len=16, salt_len=8)


class PasswordHashing:
    """hash / verify / needs_rehash over argon2id; passwords are NFKC-normalised first."""

    def __init__(self, params: Argon2Params = Argon2Params()) -> None:
        self.params = params
        self._hasher = PasswordHasher(
            time_cost=params.time_cost, memory_cost=params.memory_cost,
            parallelism=params.parallelism, hash_len=params.hash_len,
            salt_len=params.salt_len, type=Type.ID,
        )

    def hash(self, password: str) -> str:
        return self._hasher.hash(normalize_password(password))

    def verify(self, password_hash: str, password: str) -> bool:
        """True only for the right password; a wrong one or a damaged hash is just False."""
        try:
            return self._hasher.verify(password_hash, normalize_password(password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """After a successful login: True when the hash was made with other parameters."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except (InvalidHashError, ValueError):
            return True

    @cached_property
    def _dummy_hash(self) -> str:
        return self.hash("not-a-real-password-only-for-timing")

    def verify_nothing(self, password: str) -> bool:
        """Spend the time of one verification when the username does not exist.

        Without it a login for an unknown username answers measurably faster, which tells
        an attacker which usernames exist. Always False.
        """
        self.verify(self._dummy_hash, password)
        return False
