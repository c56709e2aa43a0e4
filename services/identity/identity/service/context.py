"""What identity's use cases need besides the shared runtime (``shared.app.ServiceContext``:
the pool, the clock, the producer name): password hashing, the limits and policies built
from settings, and the server keys loaded at start. Built once per app by
``identity.bootstrap``."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from shared.app import Runtime, ServiceContext
from shared.http.auth import TokenVerifier
from shared.unit_of_work import UnitOfWork

from identity.domain.lockout import LockoutPolicy, SlowdownPolicy
from identity.domain.password_hashing import Argon2Params, PasswordHashing
from identity.domain.rate_limits import SmsLimits, Window
from identity.metrics import IdentityMetrics
from identity.service.budgets import Budgets
from identity.service.hash_slots import HashSlots
from identity.service.server_keys import ServerKeys
from identity.settings import IdentitySettings


@dataclass
class IdentityContext(ServiceContext):
    hashing: PasswordHashing
    sms_limits: SmsLimits
    lockout: LockoutPolicy
    metrics: IdentityMetrics
    budgets: Budgets
    slowdown: SlowdownPolicy = field(default_factory=SlowdownPolicy)
    keys: ServerKeys = field(default_factory=ServerKeys)
    hash_slots: HashSlots = field(default_factory=lambda: HashSlots(1, 5.0))

    @classmethod
    def build(cls, runtime: Runtime) -> "IdentityContext":
        s = cast(IdentitySettings, runtime.settings)
        return cls(
            runtime=runtime,
            hashing=PasswordHashing(Argon2Params(time_cost=s.argon2_time_cost, memory_cost=s.argon2_memory_cost,
                                                 parallelism=s.argon2_parallelism)),
            sms_limits=SmsLimits(per_ip=(Window(timedelta(hours=1), s.sms_ip_per_hour),
                                         Window(timedelta(days=1), s.sms_ip_per_day))),
            lockout=LockoutPolicy(max_failures=s.login_max_failures,
                                  window=timedelta(seconds=s.login_failure_window_seconds),
                                  lock_for=timedelta(seconds=s.login_lock_seconds)),
            metrics=IdentityMetrics(runtime.metrics.registry),
            budgets=Budgets.from_settings(s),
            slowdown=SlowdownPolicy(threshold=s.login_slowdown_threshold,
                                    window=timedelta(seconds=s.login_failure_window_seconds),
                                    interval=timedelta(seconds=s.login_slowdown_seconds),
                                    known_for=timedelta(days=s.login_known_address_days)),
            hash_slots=HashSlots(s.argon2_max_concurrent, s.argon2_wait_seconds))

    @property
    def settings(self) -> IdentitySettings:
        return cast(IdentitySettings, self.runtime.settings)   # identity's bootstrap built it with these

    def token_verifier(self) -> TokenVerifier:
        # identity's own routes verify tokens like every service, with the shared middleware,
        # but read the keys in-process instead of fetching its own JWKS over HTTP.
        return TokenVerifier(self.keys.jwks_source, self.clock.now)

    def now(self) -> datetime:
        """The service clock: tests move it with PUT /_test/clock."""
        return self.runtime.clock.now()

    def unit_of_work(self, *, now: datetime | None = None) -> UnitOfWork:
        """What a use case opens: its transaction; the events it adds go to the outbox on
        commit, at ``now`` (the service clock's, as the rows the use case writes). A unit
        without events writes no outbox row (no statement at all)."""
        return UnitOfWork(self.db, self.runtime.clock, self.producer, now=now)

    @property
    def access_ttl(self) -> timedelta:
        return timedelta(seconds=self.settings.access_token_ttl)

    @property
    def session_max_age(self) -> timedelta:
        return timedelta(seconds=self.settings.session_max_age)

    @property
    def refresh_ttl(self) -> timedelta:
        return timedelta(seconds=self.settings.refresh_token_ttl)

    # argon2 is CPU-bound for tens of milliseconds and holds argon2_memory_cost while it
    # runs: off the event loop, in one of a bounded number of threads (argon2-cffi releases
    # the GIL while hashing). An unknown username queues and spends exactly like a real one.
    async def hash_password(self, password: str) -> str:
        return await self.hash_slots.run(self.hashing.hash, password)

    async def verify_password(self, password_hash: str | None, password: str) -> bool:
        if password_hash is None:
            return await self.hash_slots.run(self.hashing.verify_nothing, password)
        return await self.hash_slots.run(self.hashing.verify, password_hash, password)
