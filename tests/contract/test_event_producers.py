"""The producers table (shared.contracts.producers) against the services: what each binds
its queues to is what its broker user may read, and every type it consumes has producers."""
from __future__ import annotations

import pytest

from shared.contracts.producers import ALLOWED_PRODUCERS, CONSUMED


def bindings() -> dict[str, set[str]]:
    from allocator.consumers import requests
    from booking.consumers import allocation_events, identity_events, notification_events
    from notifier.consumers import sms_events
    return {"identity": set(),
            "booking": {*allocation_events.BINDINGS, *identity_events.BINDINGS, *notification_events.BINDINGS},
            "allocator": {requests.ALLOCATION_REQUESTED},
            "notifier": set(sms_events.BINDINGS)}


@pytest.mark.parametrize("service", list(CONSUMED))
def test_what_a_service_binds_is_what_its_user_may_read(service):
    assert bindings()[service] == set(CONSUMED[service])
    assert all(ALLOWED_PRODUCERS.get(t) for t in CONSUMED[service])
