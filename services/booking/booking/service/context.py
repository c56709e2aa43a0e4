"""What every use case needs from the running service: the database, the clock, the
centers, the cached working calendars, booking's metrics and the producer name events go
out under (``shared.app.ServiceContext``). Built once per app by ``booking.bootstrap``."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from shared.app import ServiceContext

from ..adapters.official_package import ChineseCalendarPackage, load_supplement
from ..metrics import BookingMetrics
from ..settings import BookingSettings
from .calendar_cache import CalendarCache
from .centers import Centers


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
