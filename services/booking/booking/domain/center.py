"""A service center's fixed settings: its periods, desks, time zone and the numbers the
calendar rules use (release horizon, cutoff, lateness)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cached_property
from zoneinfo import ZoneInfo

from booking.domain.errors import PeriodUnknown


@dataclass(frozen=True)
class Period:
    code: str           # "AM", "PM": what a booking names
    start: time
    end: time
    queue_prefix: str   # first letter of its queue numbers, e.g. "A012"

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError(f"period {self.code}: start must be before end")


@dataclass(frozen=True)
class CenterConfig:
    id: str
    timezone: str                     # IANA name; every date and time below is local to it
    periods: tuple[Period, ...]
    desks: int
    segment_minutes: int
    default_capacity: int             # enterprise lines per (date, period)
    release_working_days: int = 2     # "提前2个工作日"
    cutoff_time: time = time(15, 0)   # "15点截止", on the last working day before the date
    closing_time: time = time(17, 0)  # bookings not checked in by then are no-shows
    late_minutes: int = 10            # check-in refused after segment start + this

    def __post_init__(self) -> None:
        codes = [p.code for p in self.periods]
        prefixes = [p.queue_prefix for p in self.periods]
        if not codes:
            raise ValueError("a center needs at least one period")
        if len(set(codes)) != len(codes) or len(set(prefixes)) != len(prefixes):
            raise ValueError("period codes and queue prefixes must be unique")
        if self.desks < 1 or self.segment_minutes < 1 or self.default_capacity < 0:
            raise ValueError("desks and segment_minutes must be positive, capacity not negative")
        if self.release_working_days < 1 or self.late_minutes < 0:
            raise ValueError("release_working_days must be positive, late_minutes not negative")
        ZoneInfo(self.timezone)  # fail at start-up, not on the first booking

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def period(self, code: str) -> Period:
        for period in self.periods:
            if period.code == code:
                return period
        known = ", ".join(p.code for p in self.periods)
        raise PeriodUnknown(f"center {self.id} has no period {code!r} (periods: {known})")

    def local_date(self, now: datetime) -> date:
        """The center's calendar date at the instant ``now``."""
        return self.local(now).date()

    def local(self, now: datetime) -> datetime:
        if now.tzinfo is None:
            raise ValueError("instants must be timezone-aware")
        return now.astimezone(self.zone)

    def at(self, day: date, clock_time: time) -> datetime:
        """The instant of ``clock_time`` on ``day`` on the center's wall clock."""
        return datetime.combine(day, clock_time, tzinfo=self.zone)


QINGDAO = CenterConfig(
    id="qingdao",
    timezone="Asia/Shanghai",
    periods=(
        Period("AM", time(9, 0), time(11, 30), "A"),
        Period("PM", time(13, 30), time(17, 0), "B"),
    ),
    desks=4,
    segment_minutes=30,
    default_capacity=40,
)
