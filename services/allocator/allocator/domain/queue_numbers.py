"""Queue numbers (排队号): the period's prefix and the place in its queue."""
from __future__ import annotations


def queue_number(prefix: str, position: int) -> str:
    """``A001`` for the first of the period; past 999 it simply grows (``A1000``)
    rather than wrapping, so numbers stay unique within the period."""
    return f"{prefix}{position:03d}"
