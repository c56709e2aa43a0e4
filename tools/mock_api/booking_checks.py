"""The booking domain's own input checks, so that the mock refuses a booking or an
enterprise code as the booking service does (same code, detail, fields and members): the
checks of ``Booking.create`` in its order (every shape error at once, then the period, then
enterprise by enterprise the code and the business types), the organisation-code check, and
the bookable-date refusals of ``release.ensure_bookable`` reproduced over the fake's calendar
(the real ones need the service's database). They raise the domain's errors (AppError);
the fake's middleware answers them as problem+json.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any


def check_new_booking(body: dict[str, Any], center_id: str, periods: list[str]) -> None:
    from booking.api.booking_request import booking_request
    from booking.domain.booking import _enterprise_line
    from booking.domain.errors import PeriodUnknown, ValidationFailed

    # The edge's parse (booking.api.booking_request), then Booking.create's rules.
    asked = booking_request(period=body.get("period"), contact_name=body.get("contact_name"),
                            contact_phone=body.get("contact_phone"), enterprises=body.get("enterprises"))
    if asked.shape_errors:
        raise ValidationFailed(list(asked.shape_errors))
    period = asked.period
    if period not in periods:
        raise PeriodUnknown(f"center {center_id} has no period {period!r} (periods: {', '.join(periods)})")
    for i, item in enumerate(asked.enterprises):
        _enterprise_line(i, item)


def org_code(raw: str) -> str:
    """The stored 9-character code of a 9-character code or an 18-character credit code;
    enterprise.code_invalid as the booking service words it otherwise."""
    from booking.domain.org_codes import normalize_org_code

    return normalize_org_code(raw)


def check_bookable(day: date, today: date, bookable: list[str], release_working_days: int) -> None:
    from booking.domain.errors import DateNotBookable

    if day < today:
        raise DateNotBookable(f"{day} is in the past", reason="past")
    if day == today:
        raise DateNotBookable(f"{day} is today: same-day business is never booked", reason="today")
    if day.weekday() >= 5:
        raise DateNotBookable(f"{day} is not a working day", reason="not_working_day")
    if day.isoformat() not in bookable:
        opens, back = day, 0
        while back < release_working_days:       # that many working days before the date
            opens -= timedelta(days=1)
            back += opens.weekday() < 5
        raise DateNotBookable(f"{day} is beyond the booking horizon of {release_working_days} working days; "
                              f"it opens on {opens}", reason="beyond_horizon", opens_on=opens.isoformat())
