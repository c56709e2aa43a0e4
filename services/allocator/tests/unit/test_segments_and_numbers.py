"""The small arithmetic the scheduler leans on."""
from __future__ import annotations

from allocator.domain.queue_numbers import queue_number
from allocator.domain.segments import period_segments, segment_index


def test_a_period_is_cut_into_fixed_segments_the_last_one_ending_with_it():
    # 13:30-16:45 in 30-minute segments, as minutes since midnight.
    segments = period_segments(810, 1005, 30)

    assert segments[0] == (810, 840) and segments[-1] == (990, 1005)
    assert len(segments) == 7
    assert all(end - start == 30 for start, end in segments[:-1])


def test_the_segment_index_is_counted_from_the_period_start():
    assert [segment_index(m, 540, 30) for m in (540, 569, 570, 689)] == [0, 0, 1, 4]


def test_queue_numbers_are_zero_padded_to_three_digits_and_then_grow():
    assert [queue_number("B", n) for n in (1, 42, 999, 1000, 12345)] == [
        "B001", "B042", "B999", "B1000", "B12345"]
