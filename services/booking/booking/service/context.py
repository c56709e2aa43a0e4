"""What every use case needs from the running service: the database, the clock, the
centers, the cached working calendars, booking's metrics and the producer name events go
out under."""
from __future__ import annotations

from dataclasses import dataclass, field

from shared.app import Runtime

from ..adapters.official_package import ChineseCalendarPackage, load_supplement
from ..metrics import BookingMetrics
from ..settings import BookingSettings
from .calendar_cache import CalendarCache
from .centers import Centers


@dataclass
class BookingContext:
    # One per app: it registers the app's own metrics on the runtime's registry.
    runtime: Runtime
    centers: Centers = field(init=False)
    metrics: BookingMetrics = field(init=False)
    calendars: CalendarCache = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        self.centers = Centers(s.center_configs(), s.default_center)
        supplement = load_supplement(s.test_package_supplement) if s.app_env == "test" else {}
        self.calendars = CalendarCache(s.calendar_cache_seconds, package=ChineseCalendarPackage(supplement))
        self.metrics = BookingMetrics(self.runtime.metrics.registry)

    # The pool exists only once the app has started: read it through the runtime each time.
    @property
    def db(self):
        return self.runtime.db

    @property
    def clock(self):
        return self.runtime.clock

    @property
    def settings(self) -> BookingSettings:
        return self.runtime.settings  # type: ignore[return-value]  # create_app gives the runtime BookingSettings

    @property
    def producer(self) -> str:
        return self.runtime.settings.service_name
