"""A batch's drafts split into statements (draft_store.rounds): a booking's text at most once
a statement, a capped message after the earlier messages of its phone and before the later
ones; everything else in the first statement."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from notifier.adapters.booking_texts import TextToKeep
from notifier.adapters.draft_store import Draft, rounds
from notifier.adapters.message_store import NewMessage

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)


def draft(phone: str, booking: str, *, kind: str | None = "allocated", capped: bool = False) -> Draft:
    msg = NewMessage(event_id=uuid.uuid4(), event_type="booking.x", template="booking.x", booking_id=booking,
                     phone=phone, body="【制卡中心】", sensitive=False, resend=False, correlation_id=None)
    text = (TextToKeep(booking_id=booking, kind=kind, template="booking.x", phone=phone, body="【制卡中心】",
                       event_id=msg.event_id, occurred_at=NOW) if kind else None)
    return Draft(msg, text=text, capped=capped)


def test_a_burst_of_allocations_is_one_statement_even_with_shared_phones():
    drafts = [draft(f"1380000000{i % 3}", f"bk-{i}") for i in range(16)]
    assert rounds(drafts) == [list(range(16))]


def test_a_booking_text_is_kept_once_a_statement_in_order():
    drafts = [draft("p1", "bk-1"), draft("p2", "bk-2"), draft("p1", "bk-1"), draft("p1", "bk-1", kind="confirmed"),
              draft("p3", "bk-1")]
    assert rounds(drafts) == [[0, 1, 3], [2], [4]]


def test_a_capped_message_comes_after_its_phones_earlier_ones_and_before_its_later_ones():
    drafts = [draft("p1", "bk-1"), draft("p1", "bk-2", kind=None, capped=True), draft("p2", "bk-3", capped=True),
              draft("p1", "bk-4"), draft("p1", "bk-5", kind="confirmed", capped=True), draft("p2", "bk-6")]
    assert rounds(drafts) == [[0, 2], [1, 5], [3], [4]]


def test_no_drafts_no_statement():
    assert rounds([]) == []
