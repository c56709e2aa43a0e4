"""Handling segments (办理时间段): fixed-length slices of a period, counted from the
period's start, the last one cut at the period's end so a segment never leaves it."""
from __future__ import annotations


def period_segments(period_start: int, period_end: int,
                    segment_minutes: int) -> list[tuple[int, int]]:
    """Every segment of the period as (start, end) minutes, in order."""
    return [(s, min(s + segment_minutes, period_end))
            for s in range(period_start, period_end, segment_minutes)]


def segment_index(minute: int, period_start: int, segment_minutes: int) -> int:
    """Which of :func:`period_segments` holds ``minute`` (a minute inside the period)."""
    return (minute - period_start) // segment_minutes
