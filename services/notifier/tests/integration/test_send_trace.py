"""Each SMS is sent in the trace of the event that asked for it, also when it waits in the
table and a sweeper sends it later (one in flight here, so most do): the provider gets that
traceparent and the notification event carries it on."""
from __future__ import annotations

import uuid

from opentelemetry import context as otel_context
from opentelemetry import propagate

from testsupport.notifier import events as ev
from testsupport.generators import new_phone
from testsupport.notifier.harness import received


async def test_every_sms_continues_the_trace_of_its_event(notifier_env):
    env = notifier_env
    await env.start(max_in_flight=1)
    env.fake.state.set_delay(0.2)
    probe = await env.probe("notification.*")
    traces: dict[str, str] = {}   # phone -> trace id of the event that asked for its SMS
    for _ in range(3):
        trace_id = uuid.uuid4().hex
        token = otel_context.attach(propagate.extract({"traceparent": f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"}))
        try:
            phone = new_phone()
            await env.publish(ev.confirmed(f"bk-{uuid.uuid4().hex[:10]}", phone))
        finally:
            otel_context.detach(token)
        traces[phone] = trace_id
    await env.wait_final(3)
    sent = {c.phone: c.traceparent.split("-")[1] for c in env.fake.state.calls if c.status == 200}
    assert sent == traces
    events = await received(probe, 3)
    by_phone = {m["phone"]: e["traceparent"].split("-")[1]
                for m in (await env.messages()) for e in events if e["data"]["message_id"] == str(m["id"])}
    assert by_phone == traces
