"""The SMS queue's batches recorded by the batch handler (consumers/sms_events.py): a burst is
stored with one statement a batch instead of one an event, and every guarantee of the
one-event path holds inside a batch: an allocation sent once per change of its text, a
phone's cap, one message per event, a template error dead-lettering only its own event,
each SMS in the trace of its own event, the log lines naming their event."""
from __future__ import annotations

import json
import logging
import uuid

import pytest
import structlog
from opentelemetry import context as otel_context
from opentelemetry import propagate

from shared.app import RUNTIME_KEY
from shared.logging import configure_logging
from testsupport.generators import new_phone
from testsupport.notifier import events as ev
from testsupport.notifier.harness import wait_until

# A batch closes when full: a test publishes exactly as many events, well within the wait.
WHOLE = dict(consume_batch_wait_ms=3000, provider_rate_per_second=0)


def booking() -> str:
    return f"bk-{uuid.uuid4().hex[:10]}"


async def publish_in_trace(env, envelope) -> str:
    """Publish under a trace of its own; its trace id."""
    trace_id = uuid.uuid4().hex
    token = otel_context.attach(propagate.extract({"traceparent": f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"}))
    try:
        await env.publish(envelope)
    finally:
        otel_context.detach(token)
    return trace_id


async def batches(env, *envelopes) -> int:
    """In how many transactions the consumer stored these events."""
    return await env.fetchval("SELECT count(DISTINCT xmin::text) FROM inbox WHERE event_id = ANY($1::uuid[])",
                              [e.id for e in envelopes])


@pytest.mark.parametrize("batch_handler", [True, False])
async def test_a_burst_of_allocations_is_stored_a_statement_per_batch(notifier_env, batch_handler):
    env = notifier_env
    await env.start(consume_batch_size=8, consume_batch_wait_ms=300, provider_rate_per_second=0,
                    consume_batch_handler=batch_handler)
    events = [ev.allocated(booking(), new_phone()) for _ in range(32)]
    traces = {e.data["contact_phone"]: await publish_in_trace(env, e) for e in events}
    rows = await env.wait_final(32, timeout=30)

    assert {r["status"] for r in rows} == {"delivered"}
    assert sorted(env.calls_by_ref().values()) == [1] * 32
    # Each kept text was inserted (never updated since) by a statement: (transaction, command).
    statements = await env.fetchval("SELECT count(DISTINCT (xmin::text, cmin::text)) FROM booking_texts")
    if batch_handler:
        assert statements <= 12, statements       # a statement per batch (some alone under load)
    else:
        assert statements == 32                   # one statement per event, as before
    # Every SMS continues the trace of its own event, batched or not.
    assert {r["phone"]: r["traceparent"].split("-")[1] for r in rows} == traces


async def test_repeats_of_an_allocation_in_one_batch_and_across_batches_send_once_per_change(notifier_env):
    env = notifier_env
    await env.start(consume_batch_size=6, **WHOLE)
    bk, phone, marker = booking(), new_phone(), new_phone()
    first = ev.allocated(bk, phone, queue_number="A003")
    batch = [first, ev.allocated(bk, phone, queue_number="A003"), first,     # a re-run, and the same event again
             ev.allocated(bk, phone, queue_number="A004"), ev.allocated(bk, phone, queue_number="A004"),
             ev.allocated(booking(), marker)]
    await env.publish(*batch)
    await env.wait_final(1, phone=marker)
    await env.wait_final(2, phone=phone)
    assert await batches(env, *batch) == 1
    # The next batch: the same assignment again sends nothing, a changed one does.
    marker = new_phone()
    later = [ev.allocated(bk, phone, queue_number="A004"), ev.allocated(bk, phone, queue_number="A005"),
             ev.allocated(bk, phone, queue_number="A005"), ev.allocated(booking(), marker)]
    await env.publish(*later)
    await env.wait_final(1, phone=marker)
    await env.wait_final(3, phone=phone)
    assert await batches(env, *later) == 1
    texts = [m.text for m in env.fake.state.messages_for(phone=phone)]
    assert len(texts) == 3 and ["A003" in t for t in texts] == [True, False, False]
    assert "A004" in texts[1] and "A005" in texts[2]
    assert len(await env.messages(phone=phone)) == 3


async def test_a_phone_at_its_cap_gets_no_more_capped_sms_from_one_batch(notifier_env, capsys):
    env = notifier_env
    configure_logging("notifier", "INFO")
    try:
        await env.start(consume_batch_size=5, booking_sms_per_phone_per_day=2, **WHOLE)
        phone, other = new_phone(), new_phone()
        over = ev.cancelled(booking(), phone)
        batch = [ev.confirmed(booking(), phone), ev.confirmed(booking(), phone), over,
                 ev.confirmed(booking(), other), ev.confirmed(booking(), phone)]
        await env.publish(*batch)
        await env.wait_final(1, phone=other)
        await env.wait_final(2, phone=phone)
        assert await wait_until(lambda: env.fetchval("SELECT count(*) = 5 FROM inbox"))
        out = capsys.readouterr().out
    finally:
        structlog.reset_defaults()
        logging.getLogger().handlers.clear()
    assert await batches(env, *batch) == 1
    assert len(await env.messages(phone=phone)) == 2
    assert len(env.fake.state.messages_for(phone=phone)) == 2
    # The log lines name their event (no message's logging context in a batch), phone masked.
    capped = [json.loads(line) for line in out.splitlines() if "booking_sms_cap_reached" in line]
    assert {c["event_id"] for c in capped} == {str(over.id), str(batch[-1].id)}
    assert {c["correlation_id"] for c in capped} == {over.correlation_id, batch[-1].correlation_id}
    assert {c["booking_id"] for c in capped} == {over.data["booking_id"], batch[-1].data["booking_id"]}
    assert phone not in out and {c["phone"] for c in capped} == {f"{phone[:3]}****{phone[-4:]}"}


async def test_a_template_error_in_a_batch_dead_letters_only_its_event(notifier_env):
    env = notifier_env
    client = await env.start(consume_batch_size=4, **WHOLE)
    consumed = client.app[RUNTIME_KEY].metrics.events_consumed
    good = [new_phone() for _ in range(3)]
    bad_phone = new_phone()
    bad = ev.allocated(booking(), bad_phone, start="9h30")          # the contract lets it through
    await env.publish(ev.allocated(booking(), good[0]), bad, ev.allocated(booking(), good[1]),
                      ev.confirmed(booking(), good[2]))
    assert await wait_until(lambda: consumed.labels("notifier.sms", "dead")._value.get() >= 1)
    for phone in good:                                              # the batch redone one by one
        await env.wait_final(1, phone=phone)
    assert consumed.labels("notifier.sms", "retried")._value.get() == 0
    assert await env.messages(phone=bad_phone) == []
    assert sorted(env.calls_by_ref().values()) == [1] * 3
    assert [c.phone for c in env.fake.state.calls if c.phone == bad_phone] == []
    assert await env.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", bad.id) == 0
