"""Builders for the allocator's unit tests: snapshots as the event carries them (plain
dicts), and a policy whose durations are easy to reckon with."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from allocator.domain import AllocationPolicy, DaySnapshot

SHANGHAI = timezone(timedelta(hours=8))
OPENED = datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI)  # bookings open for the day
AM = {"code": "AM", "start": "09:00", "end": "11:30", "queue_prefix": "A"}
PM = {"code": "PM", "start": "13:30", "end": "17:00", "queue_prefix": "B"}


def booking(booking_id: str, *, period: str = "AM", second: int = 0, lines: int = 1,
            businesses: list[dict] | None = None) -> dict:
    """A booking created ``second`` seconds after opening, with ``lines`` enterprises
    each carrying ``businesses`` (one reader purchase by default)."""
    return {
        "id": booking_id,
        "period": period,
        "created_at": (OPENED + timedelta(seconds=second)).isoformat(),
        "enterprises": [{"org_code": f"{booking_id[:6]:0>6}{n:02d}X",
                         "businesses": businesses or [{"type": "BUY_READER"}]}
                        for n in range(lines)],
    }


def day(*bookings: dict, periods: list[dict] | None = None) -> DaySnapshot:
    return DaySnapshot.from_dict({"center": "qingdao", "date": "2026-12-01",
                                  "periods": periods or [AM, PM], "bookings": list(bookings)})


def ten_minutes_a_line(desks: int = 1, segment_minutes: int = 30) -> AllocationPolicy:
    """Every enterprise line takes exactly 10 minutes, whatever its business types."""
    return AllocationPolicy(desks=desks, segment_minutes=segment_minutes,
                            enterprise_minutes=10, min_booking_minutes=1,
                            type_weights={code: 0 for code in _ALL_TYPES})


_ALL_TYPES = ("PRE_ENTRY", "NEW_CARD", "CHANGE_INFO", "RENEW_UNLOCK", "DECLARANT_CARD",
              "OPERATOR_CARD", "REISSUE_CARD", "BUY_READER")


@pytest.fixture
def build():
    """The builders, as one fixture (test modules cannot import conftest under
    --import-mode=importlib)."""
    return SimpleNamespace(booking=booking, day=day, policy=ten_minutes_a_line, AM=AM, PM=PM)
