"""Handling segments (办理时间段): fixed-length slices of a period, counted from the
period's start, the last one cut at the period's end so a segment never leaves it."""
from __future__ import annotations


def segment_holding(minute: int, period_start: int, period_end: int,
                    segment_minutes: int) -> tuple[int, int]:
    """(start, end) in minutes of the segment that contains ``minute``.

    ``minute`` must lie in [period_start, period_end): callers send later starts to
    :func:`last_segment` instead.
    """
    start = period_start + (minute - period_start) // segment_minutes * segment_minutes
    return start, min(start + segment_minutes, period_end)


def last_segment(period_start: int, period_end: int, segment_minutes: int) -> tuple[int, int]:
    """The segment overflow bookings are sent to: the one holding the period's last minute."""
    return segment_holding(period_end - 1, period_start, period_end, segment_minutes)
