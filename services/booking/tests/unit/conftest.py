"""Builders shared by the booking domain tests. Fixtures (not importable helpers) because
pytest runs with --import-mode=importlib."""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from booking.api.booking_request import booking_request
from booking.domain.booking import Allocation, Booking
from booking.domain.center import QINGDAO
from testsupport.generators import new_org_code

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def codes() -> list[str]:
    """Twelve distinct valid 9-char organisation codes."""
    return [new_org_code(10_000_000 + i) for i in range(12)]


@pytest.fixture
def shanghai():
    return lambda *args: datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def new_booking(codes):
    """Booking.create with sensible defaults; keyword arguments override them."""
    def build(**overrides) -> Booking:
        fields = dict(
            id="b1", agent_id="agent-1", center=QINGDAO, date=date(2026, 12, 1), period="AM",
            contact_name="张三", contact_phone="13800000000",
            enterprises=[{"org_code": codes[0], "name": "甲公司",
                          "businesses": [{"type": "RENEW_UNLOCK", "count": 2}]}],
            created_at=datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI))
        fields.update(overrides)
        # As the api gives it: the body's fields typed at the edge, with its shape errors.
        asked = booking_request(**{k: fields.pop(k) for k in ("period", "contact_name", "contact_phone",
                                                            "enterprises")})
        return Booking.create(**fields, period=asked.period, contact_name=asked.contact_name,
                              contact_phone=asked.contact_phone, enterprises=asked.enterprises,
                              shape_errors=asked.shape_errors)
    return build


@pytest.fixture
def two_line_booking(new_booking, codes):
    booking = new_booking(enterprises=[
        {"org_code": codes[0], "businesses": [{"type": "NEW_CARD"}]},
        {"org_code": codes[1], "businesses": [{"type": "BUY_READER"}]},
    ])
    booking.events.clear()
    return booking


@pytest.fixture
def allocated_booking(new_booking):
    """A booking for Tuesday 2026-12-01, allocated desk 2, 09:30-10:00, A003."""
    booking = new_booking()
    booking.assign(Allocation(desk=2, start=time(9, 30), end=time(10, 0), queue_number="A003"))
    booking.events.clear()
    return booking
