"""The Booking aggregate: one agent's booking of one (center, date, period) for 1 to 10
enterprises, from confirmation through cancellation or the service day.

Rules that need other bookings or the database (capacity, one booking per period, one
booking per enterprise and date) live in capacity.py and clashes.py; rules that need the
clock and the calendar (bookable dates, cutoff instant) in release.py. The service layer
calls them before ``Booking.create`` and passes the cutoff instant to the cancel methods.
"""
from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from booking.domain.business_types import BusinessLine, BusinessRequest, business_lines
from booking.domain.center import CenterConfig
from booking.domain.errors import CutoffPassed, InvalidOrgCode, Late, LineNotFound, NotActive, NotLateYet, SmsResendUsed, ValidationFailed, WrongDay
from booking.domain.events import BookingAllocated, BookingCancelled, BookingCheckedIn, BookingCompleted, BookingConfirmed, BookingNoShow, Event, SmsResendRequested
from booking.domain.org_codes import normalize_org_code

MAX_ENTERPRISES = 10                      # "每次可预约1-10家"
MAX_CONTACT_NAME_LENGTH = 50              # decision: generous for Chinese names, bounded for SMS
PHONE_PATTERN = re.compile(r"1[3-9][0-9]{9}")  # [0-9], not \d: \d also matches other digits


class BookingStatus(enum.StrEnum):
    CONFIRMED = "confirmed"     # booked, date still open
    ALLOCATED = "allocated"     # the cutoff ran: desk, segment and queue number assigned
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class LineStatus(enum.StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class SmsStatus(enum.StrEnum):
    """What the agent sees of the booking's latest SMS ("短信是否送达")."""
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


# What the notifier's report of an SMS may replace: a delivery wins over an earlier failure
# (e.g. the resent SMS got through); decision: a failure never hides a delivery already
# seen, so a late or out-of-order failure report cannot make a delivered SMS look lost.
SMS_OUTCOME_REPLACES: Mapping[SmsStatus, frozenset[SmsStatus]] = {
    SmsStatus.DELIVERED: frozenset({SmsStatus.PENDING, SmsStatus.FAILED}),
    SmsStatus.FAILED: frozenset({SmsStatus.PENDING}),
}


def combined_sms_outcome(outcomes: Iterable[SmsStatus]) -> SmsStatus:
    """The one report that leaves the status where several reports of one booking leave it,
    applied one after the other in any order (under SMS_OUTCOME_REPLACES): a delivery if
    there is one (no failure replaces it), else a failure. A batch of reports then needs one
    change per booking."""
    return SmsStatus.DELIVERED if SmsStatus.DELIVERED in set(outcomes) else SmsStatus.FAILED


@dataclass(frozen=True)
class Allocation:
    desk: int
    start: time                 # the handling segment, inside the booking's period
    end: time
    queue_number: str           # e.g. "A012"


@dataclass(eq=False)
class EnterpriseLine:
    org_code: str               # always the normalised 9-char organisation code
    name: str
    businesses: tuple[BusinessLine, ...]
    status: LineStatus = LineStatus.ACTIVE

    @property
    def is_active(self) -> bool:
        return self.status is LineStatus.ACTIVE


@dataclass(frozen=True)
class EnterpriseRequest:
    """One enterprise asked in a booking, its shape already checked at the edge
    (api/booking_request.py); its code is checked here (InvalidOrgCode)."""
    org_code: str               # 9-char, 'XXXXXXXX-X' or 18-char credit code, as sent
    name: str                   # from the enterprise directory; "" when left out
    businesses: tuple[BusinessRequest, ...]


_Date = date   # Booking has a field named ``date``: inside the class that name is the field


@dataclass(eq=False)
class Booking:
    # The plain constructor rebuilds a stored booking without checks; new bookings come
    # from ``Booking.create``.
    id: str
    agent_id: str
    center: str
    date: date
    period: str
    contact_name: str
    contact_phone: str
    created_at: datetime
    lines: list[EnterpriseLine]
    status: BookingStatus = BookingStatus.CONFIRMED
    allocation: Allocation | None = None
    sms_resend_used: bool = False
    sms_status: SmsStatus = SmsStatus.PENDING
    events: list[Event] = field(default_factory=list, repr=False)

    # An entity: the same booking whatever its state.
    def __eq__(self, other: object) -> bool:
        return isinstance(other, Booking) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    # --- creation -------------------------------------------------------------------

    @classmethod
    def create(cls, *, id: str, agent_id: str, center: CenterConfig, date: _Date, period: str,
               contact_name: str, contact_phone: str, enterprises: Sequence[EnterpriseRequest],
               created_at: datetime, shape_errors: Sequence[dict[str, str]] = ()) -> Booking:
        """A new confirmed booking, or the first refusal in this order: ValidationFailed
        (``shape_errors``: every shape error the edge found in the request, reported
        here so that they keep their place among the refusals), PeriodUnknown, then
        enterprise by enterprise InvalidOrgCode, BusinessConflict, CountRequired."""
        if shape_errors:
            raise ValidationFailed(list(shape_errors))
        center.period(period)
        lines = [_enterprise_line(i, asked) for i, asked in enumerate(enterprises)]
        booking = cls(id=id, agent_id=agent_id, center=center.id, date=date, period=period,
                      contact_name=contact_name.strip(), contact_phone=contact_phone.strip(),
                      created_at=created_at, lines=lines)
        booking.events.append(BookingConfirmed(
            booking_id=id, agent_id=agent_id, center=center.id, date=date, period=period,
            contact_phone=booking.contact_phone, lines=len(lines)))
        return booking

    # --- reading --------------------------------------------------------------------

    @property
    def active_lines(self) -> list[EnterpriseLine]:
        return [line for line in self.lines if line.is_active]

    @property
    def active_line_count(self) -> int:
        """Capacity this booking holds, in enterprise lines."""
        return 0 if self.status is BookingStatus.CANCELLED else len(self.active_lines)

    @property
    def is_cancelled(self) -> bool:
        return self.status is BookingStatus.CANCELLED

    @property
    def sms_resend_available(self) -> bool:
        return not self.sms_resend_used

    def line(self, org_code: str) -> EnterpriseLine:
        """The line for an enterprise, given in any accepted code form, or LineNotFound."""
        try:
            code = normalize_org_code(org_code)
        except InvalidOrgCode:
            code = None
        for line in self.lines:
            if line.org_code == code:
                return line
        raise LineNotFound(f"booking {self.id} has no enterprise {org_code!r}")

    def name_lines(self, own: Mapping[str, str], directory: Mapping[str, str]) -> None:
        """Each line is named as in the agent's own list, else as in the directory, else as
        given in the request (the booking form sends codes only)."""
        for line in self.lines:
            line.name = own.get(line.org_code) or directory.get(line.org_code) or line.name

    # --- cancelling -----------------------------------------------------------------

    def cancel(self, now: datetime, cutoff_at: datetime) -> int:
        """Cancel the whole booking; returns the enterprise lines released to capacity."""
        if self.is_cancelled:
            raise NotActive(f"booking {self.id} is already cancelled")
        self._ensure_before_cutoff(now, cutoff_at)
        released = self.active_lines
        for line in released:
            line.status = LineStatus.CANCELLED
        self.status = BookingStatus.CANCELLED
        self._record_cancelled(released, whole=True, now=now)
        return len(released)

    def cancel_line(self, org_code: str, now: datetime, cutoff_at: datetime) -> int:
        """Cancel one enterprise; the booking goes with its last active line. Returns 1."""
        line = self.line(org_code)
        if self.is_cancelled or not line.is_active:
            raise NotActive(f"enterprise {line.org_code} of booking {self.id} is already cancelled")
        self._ensure_before_cutoff(now, cutoff_at)
        line.status = LineStatus.CANCELLED
        if not self.active_lines:
            self.status = BookingStatus.CANCELLED
        self._record_cancelled([line], whole=False, now=now)
        return 1

    def _ensure_before_cutoff(self, now: datetime, cutoff_at: datetime) -> None:
        # Any state past confirmed means the date was closed already (an admin may close
        # a date before its normal cutoff), whatever the clock says.
        if self.status is not BookingStatus.CONFIRMED:
            raise CutoffPassed(f"booking {self.id} is {self.status}: its date is closed")
        if now >= cutoff_at:
            raise CutoffPassed(f"changes for {self.date} closed at {cutoff_at.isoformat()}",
                               cutoff_at=cutoff_at.isoformat())

    def _record_cancelled(self, lines: list[EnterpriseLine], *, whole: bool, now: datetime) -> None:
        self.events.append(BookingCancelled(
            booking_id=self.id, agent_id=self.agent_id, center=self.center, date=self.date,
            period=self.period, contact_phone=self.contact_phone,
            org_codes=tuple(line.org_code for line in lines), whole=whole,
            booking_cancelled=self.is_cancelled, at=now))

    # --- allocation and the service day ---------------------------------------------

    def assign(self, allocation: Allocation) -> None:
        """Record the allocation. Re-running the allocation with the same result records
        nothing, so no second SMS goes out."""
        if self.status not in (BookingStatus.CONFIRMED, BookingStatus.ALLOCATED):
            raise NotActive(f"cannot allocate a {self.status} booking")
        if self.status is BookingStatus.ALLOCATED and allocation == self.allocation:
            return
        self.allocation = allocation
        self.status = BookingStatus.ALLOCATED
        self.events.append(BookingAllocated(
            booking_id=self.id, contact_phone=self.contact_phone, desk=allocation.desk,
            start=allocation.start.strftime("%H:%M"), end=allocation.end.strftime("%H:%M"),
            queue_number=allocation.queue_number))

    def check_in(self, now: datetime, center: CenterConfig) -> None:
        """Check in at the desk. Arriving early is fine (the clerk decides); more than
        ``late_minutes`` after the segment start is refused with Late, and the booking is
        then a no-show: the caller must save it before answering."""
        if self.status is not BookingStatus.ALLOCATED or self.allocation is None:
            raise NotActive(f"cannot check in a {self.status} booking")
        today = center.local_date(now)
        if today != self.date:
            raise WrongDay(f"booking {self.id} is for {self.date}, today is {today}",
                           booking_date=self.date.isoformat())
        segment_start = center.at(self.date, self.allocation.start)
        latest = segment_start + timedelta(minutes=center.late_minutes)
        # Decision: measured in whole minutes, as the desk's clock shows them: with a 09:00
        # segment, 09:10:59 is still "ten minutes after", 09:11 is later.
        if center.local(now).replace(second=0, microsecond=0) > latest:
            self.status = BookingStatus.NO_SHOW
            self.events.append(BookingNoShow(booking_id=self.id, agent_id=self.agent_id, late=True))
            raise Late(f"the segment started at {segment_start.strftime('%H:%M')}; check-in "
                       f"closed at {latest.strftime('%H:%M')}: the booking is now a no-show",
                       booking_status=str(self.status))
        self.status = BookingStatus.CHECKED_IN
        self.events.append(BookingCheckedIn(booking_id=self.id, at=now))

    def complete(self) -> None:
        if self.status is not BookingStatus.CHECKED_IN:
            raise NotActive(f"cannot complete a {self.status} booking: check it in first")
        self.status = BookingStatus.COMPLETED
        self.events.append(BookingCompleted(booking_id=self.id))

    def mark_no_show(self, today: _Date | None = None) -> None:
        """By the clerk (``today``: the center's date, as nobody can miss a day still to
        come), or by the system for bookings still allocated at closing time."""
        if self.status not in (BookingStatus.CONFIRMED, BookingStatus.ALLOCATED):
            raise NotActive(f"cannot mark a {self.status} booking as a no-show")
        if today is not None and today < self.date:
            raise WrongDay(f"booking {self.id} is for {self.date}, today is {today}",
                           booking_date=self.date.isoformat())
        self.status = BookingStatus.NO_SHOW
        self.events.append(BookingNoShow(booking_id=self.id, agent_id=self.agent_id, late=False))

    def mark_no_show_at_desk(self, now: datetime, center: CenterConfig) -> None:
        """The clerk marks a no-show (逾期): only once the agent is more than
        ``late_minutes`` late for the segment (the period's start while unallocated),
        counted in whole minutes as check-in counts them: with a 09:00 segment and 10
        minutes, 09:10 is refused (check-in still possible), 09:11 is accepted."""
        if self.status not in (BookingStatus.CONFIRMED, BookingStatus.ALLOCATED):
            raise NotActive(f"cannot mark a {self.status} booking as a no-show")
        today = center.local_date(now)
        if today == self.date:
            start = self.allocation.start if self.allocation else center.period(self.period).start
            late_after = center.at(self.date, start) + timedelta(minutes=center.late_minutes)
            if center.local(now).replace(second=0, microsecond=0) <= late_after:
                raise NotLateYet(f"the agent may still check in until {late_after.strftime('%H:%M')}",
                                 late_after=late_after.isoformat())
        self.mark_no_show(today)

    # --- SMS ------------------------------------------------------------------------

    def use_sms_resend(self) -> None:
        """"重发短信1次": the booking's latest SMS may be sent again once per booking, and
        only while it is still to be served (confirmed or allocated): a cancelled, missed or
        served booking has nothing to remind anyone of."""
        if self.status not in (BookingStatus.CONFIRMED, BookingStatus.ALLOCATED):
            raise NotActive(f"booking {self.id} is {self.status}: its SMS is not sent again")
        if self.sms_resend_used:
            raise SmsResendUsed(f"the SMS of booking {self.id} was already sent again")
        self.sms_resend_used = True
        self.sms_status = SmsStatus.PENDING   # a new SMS is on its way
        self.events.append(SmsResendRequested(booking_id=self.id, contact_phone=self.contact_phone))

    def sms_delivered(self) -> bool:
        """The notifier delivered an SMS of this booking; True when the status changed."""
        return self._sms_outcome(SmsStatus.DELIVERED)

    def sms_failed(self) -> bool:
        """The notifier gave up on an SMS of this booking; True when the status changed."""
        return self._sms_outcome(SmsStatus.FAILED)

    def _sms_outcome(self, outcome: SmsStatus) -> bool:
        if self.sms_status not in SMS_OUTCOME_REPLACES[outcome]:
            return False
        self.sms_status = outcome
        return True


# --- from a request to a line ------------------------------------------------------------

def _enterprise_line(i: int, asked: EnterpriseRequest) -> EnterpriseLine:
    try:
        code = normalize_org_code(asked.org_code)
    except InvalidOrgCode as error:
        raise InvalidOrgCode(error.detail, field=f"enterprises[{i}].org_code") from None
    businesses = business_lines(asked.businesses, f"enterprises[{i}].businesses")
    return EnterpriseLine(org_code=code, name=asked.name.strip(), businesses=businesses)
