"""What every use case needs from the running service: the database, the clock, the
centers, the cached working calendars, booking's metrics and the producer name events go
out under (``shared.app.ServiceContext``). Built once per app by ``booking.bootstrap``."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from shared.app import ServiceContext
from shared.consumer import Delivery
from shared.events import Cause
from shared.unit_of_work import UnitOfWork

from booking.adapters.official_package import ChineseCalendarPackage, load_supplement
from booking.metrics import BookingMetrics
from booking.settings import BookingSettings
from booking.service.calendar_cache import CalendarCache
from booking.service.centers import Centers
from booking.service.outgoing_events import integration_events


@dataclass
class BookingContext(ServiceContext):
    # One per app: it registers the app's own metrics on the runtime's registry.
    centers: Centers = field(init=False)
    metrics: BookingMetrics = field(init=False)
    calendars: CalendarCache = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        self.centers = Centers(s.center_configs(), s.default_center)
        supplement = load_supplement(s.test_package_supplement) if s.app_env == "test" else {}
        self.calendars = CalendarCache(s.calendar_cache_seconds, package=ChineseCalendarPackage(supplement))
        self.metrics = BookingMetrics(self.runtime.metrics.registry)

    @property
    def settings(self) -> BookingSettings:
        return cast(BookingSettings, self.runtime.settings)   # booking's bootstrap built it with these

    def unit_of_work(self, *, transaction: bool = True, now: datetime | None = None) -> UnitOfWork:
        """What a use case opens: the bookings it tracks have their events mapped and
        written to the outbox on commit (``transaction=False``: one statement takes them).
        ``now``: the unit's instant when the caller has one already (a scheduler's pass)."""
        return UnitOfWork(self.db, self.clock, self.producer, translate=integration_events,
                          transaction=transaction, now=now)

    def unit_within(self, delivery: Delivery, now: datetime) -> UnitOfWork:
        """The same inside a consumer's inbox transaction, caused by the handled event."""
        return UnitOfWork.within(delivery.conn, self.clock, delivery.producer, cause=Cause.of(delivery.envelope),
                                 translate=integration_events, now=now)
