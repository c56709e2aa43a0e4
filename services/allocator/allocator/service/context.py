"""What the allocator's consumer needs from the running service: the shared runtime
(``shared.app.ServiceContext``: the pool, the clock, the producer name) and every center's
allocation policy, built (and checked) once from the settings. Built once per app by
``allocator.bootstrap``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from shared.app import ServiceContext

from allocator.adapters.booking_snapshots import BookingSnapshots
from allocator.settings import AllocatorSettings, PolicyBook


@dataclass
class AllocatorContext(ServiceContext):
    policies: PolicyBook
    snapshots: BookingSnapshots    # the frozen days, fetched from booking (the claim check)

    @property
    def settings(self) -> AllocatorSettings:
        return cast(AllocatorSettings, self.runtime.settings)   # the allocator's bootstrap built it with these
