"""A notifier process (``python -m notifier``) killed with SIGKILL in the middle of a burst
loses nothing once restarted: every event's message is delivered exactly once by ref.
Its log never holds a verification code or a full phone number."""
from __future__ import annotations

import asyncio
import re
import signal
import uuid
from pathlib import Path

from testsupport.notifier import events as ev
from testsupport.generators import new_phone
from testsupport.notifier.harness import wait_until
from testsupport.notifier.process import NotifierProcess

BOOKINGS, CODES = 360, 40
MAX_IN_FLIGHT = 8


def notifier_process(env, log_path: Path) -> NotifierProcess:
    return NotifierProcess(
        database_url=env.database_url, amqp_url=env.amqp_url, sms_url=env.fake.url, log_path=log_path,
        db_schema=env.schema, max_in_flight=MAX_IN_FLIGHT, provider_rate_per_second=0, lease_seconds=2,
        provider_timeout_seconds=1, pending_grace_seconds=1, sweep_interval_seconds=0.2,
        retry_base_seconds=0.05, retry_cap_seconds=0.2)


async def test_a_process_killed_mid_burst_loses_nothing_and_sends_nothing_twice(notifier_env, tmp_path):
    env = notifier_env
    env.fake.state.set_delay(0.05)      # each call takes a while: the kill lands mid-burst
    log_path = tmp_path / "notifier.log"
    first = notifier_process(env, log_path)
    second = notifier_process(env, log_path)
    try:
        first.start()
        await first.wait_consuming()
        phones = [new_phone() for _ in range(BOOKINGS + CODES)]
        codes = [f"{700000 + i:06d}" for i in range(CODES)]
        envelopes = ([ev.confirmed(f"bk-{uuid.uuid4().hex[:12]}", p) for p in phones[:BOOKINGS]]
                     + [ev.verification_code(p, c) for p, c in zip(phones[BOOKINGS:], codes)])
        await asyncio.gather(*(env.publish(e) for e in envelopes))
        assert await wait_until(lambda: len(env.fake.state.messages) >= 60, timeout=30)
        first.stop(signal.SIGKILL)
        assert len(env.fake.state.messages) < len(envelopes)      # killed with work left

        second.start()
        await second.wait_consuming()
        rows = await env.wait_final(len(envelopes), timeout=40)
    finally:
        first.stop(signal.SIGKILL)
        second.stop(signal.SIGTERM)

    assert len(rows) == len(envelopes) and {r["status"] for r in rows} == {"delivered"}
    assert {r["event_id"] for r in rows} == {e.id for e in envelopes}      # one message per event
    refs = {str(r["id"]) for r in rows}
    assert sorted(m.ref for m in env.fake.state.messages) == sorted(refs)  # each delivered exactly once
    calls = env.calls_by_ref()
    assert set(calls) == refs
    repeated = [ref for ref, n in calls.items() if n > 1]
    # Only the calls the kill cut off were made again: each one's first attempt is the one
    # the kill left unfinished (marked lost when the message was claimed again). Those are
    # the calls in flight (MAX_IN_FLIGHT) and the answered ones whose outcome was being
    # stored (at most MAX_IN_FLIGHT more: the permit is given back when the provider answers).
    lost = {str(r["message_id"]) for r in await env.fetch(
        "SELECT message_id FROM message_attempts WHERE outcome = 'lost'")}
    assert set(repeated) <= lost
    assert len(lost) <= 2 * MAX_IN_FLIGHT
    # The codes went out, yet neither they nor a full phone number reached the log.
    assert {c for c in codes if any(c in m.text for m in env.fake.state.messages)} == set(codes)
    log = log_path.read_text()
    assert "sms_attempt" in log
    # (As a token of its own: six digits also turn up inside message ids and timestamps.)
    assert not [c for c in codes if re.search(rf"(?<![0-9A-Fa-f.]){c}(?![0-9A-Fa-f])", log)]
    assert not [p for p in phones if p in log]
    stored = await env.fetch("SELECT body FROM messages WHERE sensitive")
    assert len(stored) == CODES and not [c for c in codes if any(c in r["body"] for r in stored)]
