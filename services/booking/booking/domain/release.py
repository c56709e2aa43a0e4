"""When a service date can be booked: the release horizon (提前N个工作日) and the daily
cutoff (15点截止), both per center.

On day D (the center's local date) the candidate dates are the next
``release_working_days`` working days after D; a candidate whose cutoff has passed is
closed. The cutoff for service date S is ``cutoff_time`` on the last working day before S;
at that very instant the date is closed (the allocation for S starts then).
"""
from __future__ import annotations

from datetime import date, datetime

from booking.domain.center import CenterConfig
from booking.domain.errors import DateNotBookable
from booking.domain.working_calendar import WorkingCalendar


def cutoff_at(center: CenterConfig, calendar: WorkingCalendar, service_date: date) -> datetime:
    """The instant after which nobody can book or cancel for ``service_date``."""
    return center.at(calendar.previous_working_day(service_date), center.cutoff_time)


def cutoff_passed(center: CenterConfig, calendar: WorkingCalendar, service_date: date,
                  now: datetime) -> bool:
    return now >= cutoff_at(center, calendar, service_date)


def bookable_dates(center: CenterConfig, calendar: WorkingCalendar, now: datetime) -> list[date]:
    today = center.local_date(now)
    candidates = calendar.next_working_days(today, center.release_working_days)
    return [d for d in candidates if not cutoff_passed(center, calendar, d, now)]


def release_opens_on(center: CenterConfig, calendar: WorkingCalendar, service_date: date) -> date:
    """The first day D (at 00:00 local) on which ``service_date`` is inside the horizon:
    the N-th working day before it, N being release_working_days."""
    day = service_date
    for _ in range(center.release_working_days):
        day = calendar.previous_working_day(day)
    return day


def ensure_open(service_date: date, closed_at: datetime | None) -> None:
    """DateNotBookable (reason ``closed``) once the date has been closed: at its cutoff by
    the scheduler, or earlier by an administrator."""
    if closed_at is not None:
        raise closed_refusal(service_date)


def closed_refusal(service_date: date) -> DateNotBookable:
    return DateNotBookable(f"{service_date} has been closed for bookings", reason="closed")


def ensure_bookable(center: CenterConfig, calendar: WorkingCalendar, service_date: date,
                    now: datetime) -> None:
    """DateNotBookable, with a ``reason`` member the frontend can switch on, unless
    ``service_date`` can be booked at ``now``."""
    today = center.local_date(now)
    if service_date < today:
        raise DateNotBookable(f"{service_date} is in the past", reason="past")
    if service_date == today:
        raise DateNotBookable(f"{service_date} is today: same-day business is never booked",
                              reason="today")
    if not calendar.confirmed(service_date):
        # The year's official schedule is neither in the package nor loaded: its holidays
        # are unknown, so none of its days is released (docs/operations.md, December).
        raise DateNotBookable(f"the official calendar of {service_date.year} is not confirmed yet",
                              reason="calendar_unconfirmed")
    if not calendar.is_working(service_date):
        raise DateNotBookable(f"{service_date} is not a working day", reason="not_working_day")
    if service_date not in calendar.next_working_days(today, center.release_working_days):
        opens = release_opens_on(center, calendar, service_date)
        raise DateNotBookable(
            f"{service_date} is beyond the booking horizon of {center.release_working_days} "
            f"working days; it opens on {opens}", reason="beyond_horizon",
            opens_on=opens.isoformat())
    closed_at = cutoff_at(center, calendar, service_date)
    if now >= closed_at:
        raise DateNotBookable(f"bookings for {service_date} closed at {closed_at.isoformat()}",
                              reason="cutoff_passed")
