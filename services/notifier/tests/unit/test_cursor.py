"""The SMS log's cursor round-trips and refuses anything else with a 422."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from shared.errors import ValidationFailed
from notifier.service.list_notifications import decode_cursor, encode_cursor


def test_round_trip():
    when, mid = datetime(2026, 12, 1, 9, 30, 0, 123456, tzinfo=timezone.utc), uuid.uuid4()
    assert decode_cursor(encode_cursor(when, mid)) == (when, mid)


@pytest.mark.parametrize("bad", ["x", "bm90LWpzb24", encode_cursor(datetime.now(timezone.utc), uuid.uuid4())[:-3]])
def test_garbage_is_a_validation_error(bad):
    with pytest.raises(ValidationFailed):
        decode_cursor(bad)
