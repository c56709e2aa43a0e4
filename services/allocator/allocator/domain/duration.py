"""Estimated handling time of one booking at the desk."""
from __future__ import annotations

from allocator.domain.policy import AllocationPolicy
from allocator.domain.snapshot import Booking


def handling_minutes(booking: Booking, policy: AllocationPolicy) -> int:
    """A fixed step per enterprise plus each business type's weight for its count,
    never less than the policy's minimum."""
    weights = policy.type_weights
    total = 0
    for line in booking.enterprises:
        total += policy.enterprise_minutes
        for business in line.businesses:
            total += weights[business.type].minutes(business.count)
    return max(total, policy.min_booking_minutes)
