"""Estimated handling time: enterprises, business types and counts, and their settings."""
from __future__ import annotations

import pytest

from allocator.domain import (BUSINESS_TYPES, DEFAULT_TYPE_WEIGHTS, AllocationPolicy,
                              InvalidPolicy, TypeWeight, allocate, handling_minutes)


def minutes(build, businesses, lines=1, policy=None):
    snapshot = build.day(build.booking("x", lines=lines, businesses=businesses))
    return handling_minutes(snapshot.bookings[0], policy or AllocationPolicy())


def test_default_weights_cover_every_business_type():
    assert set(DEFAULT_TYPE_WEIGHTS) == set(BUSINESS_TYPES) and len(BUSINESS_TYPES) == 8
    assert set(AllocationPolicy().type_weights) == set(BUSINESS_TYPES)


def test_a_line_costs_its_enterprise_step_plus_each_type_for_its_count(build):
    # 3 per enterprise; RENEW_UNLOCK 3 for the first card and 2 per further card.
    assert minutes(build, [{"type": "RENEW_UNLOCK", "count": 1}]) == 3 + 3
    assert minutes(build, [{"type": "RENEW_UNLOCK", "count": 4}]) == 3 + 3 + 3 * 2
    assert minutes(build, [{"type": "RENEW_UNLOCK", "count": 4}, {"type": "BUY_READER"}]) == 14
    assert minutes(build, [{"type": "NEW_CARD"}], lines=3) == 3 * (3 + 15)


def test_the_minimum_duration_applies_to_tiny_bookings(build):
    assert minutes(build, [{"type": "BUY_READER"}]) == 5  # 3 + 2, raised to the minimum
    assert minutes(build, [{"type": "BUY_READER"}],
                   policy=AllocationPolicy(min_booking_minutes=12)) == 12


def test_weights_from_settings_change_durations_and_so_the_schedule(build):
    snapshot = build.day(build.booking("a", second=1, businesses=[{"type": "NEW_CARD"}]),
                         build.booking("b", second=2))
    slow_cards = AllocationPolicy.from_dict({"desks": 1, "type_weights": {"NEW_CARD": 42}})

    b_default = allocate(snapshot, AllocationPolicy(desks=1)).by_booking()["b"]
    b_slow = allocate(snapshot, slow_cards).by_booking()["b"]

    assert b_default.estimated_start.strftime("%H:%M") == "09:18"  # 3 + 15
    assert b_slow.estimated_start.strftime("%H:%M") == "09:45"     # 3 + 42
    assert (b_slow.segment_start.strftime("%H:%M"), b_slow.queue_number) == ("09:30", "A002")


def test_policy_settings_merge_over_the_defaults():
    policy = AllocationPolicy.from_dict({
        "desks": 6, "segment_minutes": 20, "enterprise_minutes": 0,
        "type_weights": {"BUY_READER": 1, "REISSUE_CARD": {"first": 9, "each_more": 7}}})

    assert (policy.desks, policy.segment_minutes, policy.enterprise_minutes) == (6, 20, 0)
    assert policy.type_weights["BUY_READER"] == TypeWeight(1, 0)
    assert policy.type_weights["REISSUE_CARD"].minutes(3) == 9 + 2 * 7
    assert policy.type_weights["NEW_CARD"] == DEFAULT_TYPE_WEIGHTS["NEW_CARD"]
    assert AllocationPolicy.from_dict(policy.to_dict()) == policy
    assert policy.fingerprint() != AllocationPolicy().fingerprint()
    assert AllocationPolicy.from_dict({}).fingerprint() == AllocationPolicy().fingerprint()


@pytest.mark.parametrize("settings", [
    {"desks": 0}, {"desks": True}, {"segment_minutes": 0}, {"enterprise_minutes": -1},
    {"min_booking_minutes": 0}, {"type_weights": {"NEW_CARD": -5}},
    {"type_weights": {"LAMINATE": 5}}, {"type_weights": {"NEW_CARD": {"per_card": 1}}},
    {"type_weights": {"NEW_CARD": 2.5}}, {"desk_count": 4},
])
def test_bad_settings_are_refused(settings):
    with pytest.raises(InvalidPolicy):
        AllocationPolicy.from_dict(settings)
