"""A realistic example of every event's ``data``, by (type, version): the events catalogue
(shared.event_catalogue) shows them, and tests/contract/test_asyncapi_document.py checks
that each one validates against its model and that no registered event lacks one.

Invented people and companies only (phones in the 138-0013-8xxx test range); the
organisation codes carry valid check characters, as the domain demands."""
from __future__ import annotations

from typing import Any

from shared.contracts import allocator, booking, identity, notifier

_BOOKING_ID = "0b6f3c1e-8a49-4c52-9d7c-3f1f2b6f8a10"
_AGENT_ID = "5d1c2a77-3e0b-4f6a-9a51-2c7f0e9d4b13"
_CUTOFF_ID = "c2f4e6a8-1b3d-4f5a-8c7e-9d0b2a4c6e81"
_RUN_ID = "7a9c1e3f-5b7d-4e1f-a3c5-e7f9b1d3f5a7"
_LINES = [
    {"org_code": "MA3C12346", "name": "青岛海润进出口有限公司", "status": "active",
     "businesses": [{"type": "NEW_CARD", "count": None}, {"type": "OPERATOR_CARD", "count": 2}]},
    {"org_code": "913702007", "name": "青岛港联国际物流有限公司", "status": "active",
     "businesses": [{"type": "RENEW_UNLOCK", "count": 1}]},
]

EXAMPLES: dict[tuple[str, int], dict[str, Any]] = {
    (identity.VERIFICATION_CODE_REQUESTED, 1): {
        "request_id": "3e7d9b1f-2c4a-4e6b-8d0f-1a3c5e7b9d2f", "phone": "13800138000",
        "purpose": "register", "code": "482913", "expires_at": "2026-12-07T09:05:00+08:00",
        "ttl_seconds": 300},
    (identity.USER_REGISTERED, 1): {
        "user_id": _AGENT_ID, "username": "zhangwei", "name": "张伟", "phone": "13800138000",
        "email": "zhangwei@example.com", "org_code": "MA3C12346", "roles": ["agent"],
        "registered_at": "2026-12-07T09:02:11+08:00"},
    (identity.CARD_BOUND, 1): {
        "user_id": _AGENT_ID, "phone": "13800138000", "card_tail": "7A3F",
        "bound_at": "2026-12-07T09:20:45+08:00"},
    (booking.BOOKING_CONFIRMED, 1): {
        "booking_id": _BOOKING_ID, "agent_id": _AGENT_ID, "center": "qingdao", "date": "2026-12-09",
        "period": "AM", "contact_name": "张伟", "contact_phone": "13800138000", "enterprises": _LINES,
        "created_at": "2026-12-07T10:15:30+08:00"},
    (booking.BOOKING_CANCELLED, 1): {
        "booking_id": _BOOKING_ID, "agent_id": _AGENT_ID, "center": "qingdao", "date": "2026-12-09",
        "period": "AM", "contact_phone": "13800138000", "org_codes": ["913702007"], "whole": False,
        "booking_cancelled": False, "cancelled_at": "2026-12-08T11:40:02+08:00"},
    (booking.BOOKING_ALLOCATED, 1): {
        "booking_id": _BOOKING_ID, "agent_id": _AGENT_ID, "center": "qingdao", "date": "2026-12-09",
        "period": "AM", "contact_phone": "13800138000", "desk": 3, "start": "09:30", "end": "10:00",
        "queue_number": "A012"},
    (booking.SMS_RESEND_REQUESTED, 1): {
        "booking_id": _BOOKING_ID, "agent_id": _AGENT_ID, "contact_phone": "13800138000",
        "requested_at": "2026-12-08T16:05:12+08:00", "status": "allocated", "date": "2026-12-09",
        "period": "AM", "enterprise_count": 2,
        "allocation": {"desk": 3, "start": "09:30", "end": "10:00", "queue_number": "A012"}},
    (booking.BOOKING_NO_SHOW, 1): {
        "booking_id": _BOOKING_ID, "agent_id": _AGENT_ID, "center": "qingdao", "date": "2026-12-09",
        "late": False},
    (booking.BOOKING_SUSPENDED, 1): {
        "agent_id": _AGENT_ID, "phone": "13800138000", "suspended_until": "2027-01-09T00:00:00+08:00",
        "reason": "too_many_no_shows", "count": 3},
    (booking.BOOKING_CALLED, 1): {
        "call_id": "4e8a2c6f-0b1d-4f3a-9c5e-7a1b3d5f7e92", "seq": 1207, "booking_id": _BOOKING_ID,
        "center": "qingdao", "date": "2026-12-09", "desk": 2, "queue_number": "A003", "period": "AM",
        "kind": "call", "clerk_id": "8b2d4f6a-1c3e-4a5b-9d7f-0e2a4c6b8d13",
        "called_at": "2026-12-09T09:41:07+08:00"},
    (booking.BOOKING_QUEUE_NEAR, 1): {
        "booking_id": _BOOKING_ID, "agent_id": _AGENT_ID, "center": "qingdao", "date": "2026-12-09",
        "desk": 2, "queue_number": "A007", "contact_phone": "13800138000", "ahead": 3,
        "at": "2026-12-09T09:41:07+08:00"},
    (booking.ALLOCATION_REQUESTED, 2): {
        "center": "qingdao", "date": "2026-12-09", "cutoff_id": _CUTOFF_ID,
        "closed_at": "2026-12-08T15:00:00+08:00", "booking_count": 1,
        "snapshot_path": f"/internal/cutoff-snapshots/{_CUTOFF_ID}",
        "snapshot_sha256": "3b5d7f9a1c3e5a7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b",
        "snapshot_bytes": 412},
    (allocator.ALLOCATION_COMPLETED, 1): {
        "center": "qingdao", "date": "2026-12-09", "cutoff_id": _CUTOFF_ID, "run_id": _RUN_ID,
        "snapshot_fingerprint": "9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a1c3e5b7d9f1a3c5e7b9d2f",
        "changed": True,
        "assignments": [{"booking_id": _BOOKING_ID, "period": "AM", "desk": 3, "start": "09:30",
                         "end": "10:00", "queue_number": "A012", "overflow": False}],
        "overflow_count": 0, "completed_at": "2026-12-08T15:00:04+08:00"},
    (notifier.NOTIFICATION_DELIVERED, 1): {
        "message_id": "e1a3c5e7-9b1d-4f3a-8c5e-7a9b1c3d5e7f", "booking_id": _BOOKING_ID,
        "kind": "booking.allocated", "delivered_at": "2026-12-08T15:00:09+08:00",
        "provider_id": "SMS20261208150009001"},
    (notifier.NOTIFICATION_FAILED, 1): {
        "message_id": "f2b4d6f8-0a2c-4e6a-9b1d-3f5a7c9e1b3d", "booking_id": _BOOKING_ID,
        "kind": "booking.confirmed", "reason": "provider answered 400: invalid number",
        "attempts": 5, "failed_at": "2026-12-07T10:20:31+08:00"},
}
