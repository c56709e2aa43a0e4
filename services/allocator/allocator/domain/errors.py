"""Why an allocation cannot be computed at all.

A bad snapshot is a broken contract between booking and allocator (the consumer
dead-letters it); a bad policy is a configuration mistake. Neither is ever "fixed" by
silently dropping a booking, so both are loud.
"""
from __future__ import annotations

from shared.errors import Unprocessable


class InvalidSnapshot(Unprocessable):
    code = "allocation.snapshot_invalid"
    title = "The allocation snapshot is not valid"


class InvalidPolicy(Unprocessable):
    code = "allocation.policy_invalid"
    title = "The allocation policy is not valid"
