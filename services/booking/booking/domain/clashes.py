"""One booking per agent and per contact phone in a (date, period), and one booking per
enterprise and date (api.md: duplicate_period, enterprise_already_booked).

The service layer passes the other live bookings of the same center and date; database
unique constraints should back this up against two requests racing.
"""
from __future__ import annotations

from collections.abc import Iterable

from booking.domain.booking import Booking
from booking.domain.errors import DuplicatePeriod, EnterpriseAlreadyBooked


def ensure_no_clash(candidate: Booking, others: Iterable[Booking]) -> None:
    """DuplicatePeriod, then EnterpriseAlreadyBooked, if ``candidate`` collides with any
    active booking among ``others`` (cancelled ones and cancelled lines do not count)."""
    same_day = [b for b in others
                if b.id != candidate.id and not b.is_cancelled
                and b.center == candidate.center and b.date == candidate.date]
    for other in same_day:
        if other.period != candidate.period:
            continue
        if other.agent_id == candidate.agent_id:
            raise DuplicatePeriod(
                f"you already have booking {other.id} for {candidate.date} {candidate.period}",
                booking_id=other.id)
        if other.contact_phone == candidate.contact_phone:
            # The other booking is someone else's: do not tell who, nor its id.
            raise DuplicatePeriod(
                f"phone {candidate.contact_phone} is already on a booking for "
                f"{candidate.date} {candidate.period}")
    wanted = {line.org_code for line in candidate.active_lines}
    for other in same_day:
        taken = wanted.intersection(line.org_code for line in other.active_lines)
        if taken:
            raise EnterpriseAlreadyBooked(
                f"already booked on {candidate.date}: {', '.join(sorted(taken))}",
                org_codes=sorted(taken))
