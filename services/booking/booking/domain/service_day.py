"""When the scheduler acts on a service date: closing it at its cutoff, and turning its
leftover bookings into no-shows once the center has closed on that day.

A date is due for closing from its cutoff until the center closes on the date itself: a
cutoff missed while the service was down is caught up as long as the day can still be
served. After that, allocating it would only hand out segments that are over (and the
closing sweep would count everybody as a no-show for the service's own outage).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from booking.domain.center import CenterConfig
from booking.domain.release import cutoff_at
from booking.domain.working_calendar import WorkingCalendar


def closing_at(center: CenterConfig, day: date) -> datetime:
    """The instant the center closes on ``day``: who is still not checked in is a no-show."""
    return center.at(day, center.closing_time)


def last_closed_day(center: CenterConfig, now: datetime) -> date:
    """The latest service date whose closing time has passed at ``now``."""
    local = center.local(now)
    today = local.date()
    return today if local.time() >= center.closing_time else today - timedelta(days=1)


def due_for_closing(center: CenterConfig, calendar: WorkingCalendar, day: date, now: datetime) -> bool:
    """An open ``day`` the scheduler must close now: its cutoff has come, its day is not over.
    A day of an unconfirmed year is never closed (nor allocated, nor texted)."""
    return calendar.confirmed(day) and cutoff_at(center, calendar, day) <= now < closing_at(center, day)
