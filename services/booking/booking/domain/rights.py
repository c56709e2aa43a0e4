"""An agent's booking rights (预约权限) and the two penalties that suspend them:

- the third no-show (more than two) suspends for six calendar months;
- the eleventh cancellation (more than ten, cumulative; cancelling the whole booking or
  one of its lines counts one each time) suspends for 15 days.

When a suspension starts, the counter that caused it restarts from zero. Decision: the
other counter is left alone; the two penalties are independent, and a suspension for
cancelling should not forgive earlier no-shows (nor the reverse).
A suspension blocks new bookings only. Every change is returned and recorded as a
RightsChanged event, which the service layer stores as an audit row.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from booking.domain.errors import Suspended
from booking.domain.events import RightsChange, RightsChanged, RightsSnapshot

MAX_NO_SHOWS = 2                   # "超过两次逾期不到"
NO_SHOW_SUSPENSION_MONTHS = 6      # "半年"
MAX_CANCELLATIONS = 10             # "累计取消预约10次以上"
CANCELLATION_SUSPENSION = timedelta(days=15)

REASON_NO_SHOWS = "too_many_no_shows"
REASON_CANCELLATIONS = "too_many_cancellations"


@dataclass(eq=False)
class BookingRights:
    agent_id: str
    no_shows: int = 0                      # since the last no-show suspension started
    cancellations: int = 0                 # since the last cancellation suspension started
    suspended_until: datetime | None = None  # kept after it runs out; see ``status``
    reason: str | None = None              # REASON_NO_SHOWS | REASON_CANCELLATIONS | None
    events: list[RightsChanged] = field(default_factory=list, repr=False)

    def is_suspended(self, now: datetime) -> bool:
        return self.suspended_until is not None and now < self.suspended_until

    def status(self, now: datetime) -> RightsSnapshot:
        """What the agent sees: a suspension that has run out shows as none."""
        if self.is_suspended(now):
            return self._snapshot()
        return RightsSnapshot(self.no_shows, self.cancellations, None, None)

    def ensure_can_book(self, now: datetime, zone: tzinfo | None = None) -> None:
        """``zone``: the center's; the refusal shows the end on its wall clock."""
        if self.is_suspended(now):
            assert self.suspended_until is not None
            raise Suspended(_local(self.suspended_until, zone), self.reason)

    def record_cancellations(self, n: int, now: datetime, note: str = "", zone: tzinfo | None = None) -> RightsChanged:
        """Count ``n`` cancellations (the service passes 1 per cancel request). ``zone``:
        the center's, in which the suspension's days are counted (wall clock)."""
        if n < 1:
            raise ValueError("count at least one cancellation")
        before = self._snapshot()
        self.cancellations += n
        change: RightsChange = "cancellation_counted"
        if self.cancellations > MAX_CANCELLATIONS:
            # Decision: any excess over ten is not carried into the next round.
            self._suspend(_local(now, zone) + CANCELLATION_SUSPENSION, REASON_CANCELLATIONS, now)
            self.cancellations = 0
            change = "suspended"
        return self._record(now, change, before, None, note)

    def record_no_show(self, now: datetime, note: str = "", zone: tzinfo | None = None) -> RightsChanged:
        """``zone``: the center's. Months are the center's calendar months: a suspension
        starting on 31 August (center time) ends on 28 February at the same local time,
        whatever date it is in UTC at that instant."""
        before = self._snapshot()
        self.no_shows += 1
        change: RightsChange = "no_show_counted"
        if self.no_shows > MAX_NO_SHOWS:
            self._suspend(add_months(_local(now, zone), NO_SHOW_SUSPENSION_MONTHS), REASON_NO_SHOWS, now)
            self.no_shows = 0
            change = "suspended"
        return self._record(now, change, before, None, note)

    def lift(self, now: datetime, actor: str | None = None, note: str = "") -> RightsChanged | None:
        """An administrator ends the suspension now; None when there is none to lift.
        The counters stay as they are (they were reset when the suspension started)."""
        if not self.is_suspended(now):
            return None
        before = self._snapshot()
        self.suspended_until = None
        self.reason = None
        return self._record(now, "lifted", before, actor, note)

    def _suspend(self, until: datetime, reason: str, now: datetime) -> None:
        # Two overlapping suspensions: the later end wins, with its reason; a new one
        # never shortens one already running.
        if self.suspended_until is not None and self.is_suspended(now) and self.suspended_until >= until:
            return
        self.suspended_until = until
        self.reason = reason

    def _snapshot(self) -> RightsSnapshot:
        return RightsSnapshot(self.no_shows, self.cancellations, self.suspended_until, self.reason)

    def _record(self, now: datetime, change: RightsChange, before: RightsSnapshot,
                actor: str | None, note: str) -> RightsChanged:
        event = RightsChanged(agent_id=self.agent_id, at=now, change=change, before=before,
                              after=self._snapshot(), actor=actor, note=note)
        self.events.append(event)
        return event


def _local(now: datetime, zone: tzinfo | None) -> datetime:
    return now.astimezone(zone) if zone is not None else now


def add_months(instant: datetime, months: int) -> datetime:
    """The same wall-clock time ``months`` calendar months later; the day is clamped to
    the month's end (31 August + 6 months = 28/29 February)."""
    month_index = instant.month - 1 + months
    year, month = instant.year + month_index // 12, month_index % 12 + 1
    day = min(instant.day, calendar.monthrange(year, month)[1])
    return instant.replace(year=year, month=month, day=day)
