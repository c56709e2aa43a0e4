"""Small time helpers: the domain never reads a clock, it is handed ``now``."""
from __future__ import annotations

import math
from datetime import datetime, timedelta


def require_aware(now: datetime) -> datetime:
    """Refuse naive datetimes: ``timestamp()`` would silently read them as local time."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("a timezone-aware datetime is required")
    return now


def seconds_until(moment: datetime, now: datetime) -> int:
    """Whole seconds from ``now`` to ``moment``, rounded up and at least 1 (a Retry-After)."""
    return max(1, math.ceil((moment - now) / timedelta(seconds=1)))
