"""What the allocator's consumer needs from the running service: the shared runtime
(``shared.app.ServiceContext``: the pool, the clock, the producer name) and every center's
allocation policy, built (and checked) once from the settings. Built once per app by
``allocator.bootstrap``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from shared.app import ServiceContext
from shared.consumer import Delivery
from shared.events import Cause
from shared.unit_of_work import UnitOfWork

from allocator.adapters.booking_snapshots import BookingSnapshots
from allocator.settings import AllocatorSettings, PolicyBook


@dataclass
class AllocatorContext(ServiceContext):
    policies: PolicyBook
    snapshots: BookingSnapshots    # the frozen days, fetched from booking (the claim check)

    @property
    def settings(self) -> AllocatorSettings:
        return cast(AllocatorSettings, self.runtime.settings)   # the allocator's bootstrap built it with these

    def unit_of_work(self, *, isolation: str = "read_committed") -> UnitOfWork:
        """What a use case opens (the schedule's read: one snapshot, ``repeatable_read``)."""
        return UnitOfWork(self.db, self.clock, self.producer, isolation=isolation)

    def unit_within(self, delivery: Delivery) -> UnitOfWork:
        """The same inside the consumer's inbox transaction, caused by the handled event."""
        return UnitOfWork.within(delivery.conn, self.clock, delivery.producer, cause=Cause.of(delivery.envelope))
