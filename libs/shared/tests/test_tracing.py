"""Tracing with no endpoint configured (every test process): nothing is installed, yet the
W3C context still travels through the envelope, the outbox relay, the AMQP headers and the
consumer, and log lines carry its trace id. The recorded spans across every process are
tests/e2e/test_tracing.py's."""
from __future__ import annotations

import json

import structlog

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from pydantic import BaseModel

from shared import tracing
from shared.consumer import Consumer, Delivery, QueueSpec
from shared.events import Envelope, event_model, make_envelope
from shared.logging import configure_logging, get_logger
from shared.outbox import OutboxRelay, add_event
from testsupport.messaging import bound_queue, bus, database, drain, wait_for

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


@event_model("test.trace.checked", 1)
class Checked(BaseModel):
    n: int


def _true_when(items: list):
    async def check() -> bool:
        return bool(items)
    return check


class remote_parent:
    """The context nginx's traceparent makes current in a request (without the SDK)."""

    def __enter__(self):
        self.token = otel_context.attach(propagate.extract({"traceparent": PARENT}))

    def __exit__(self, *exc):
        otel_context.detach(self.token)


def test_an_endpoint_is_what_turns_recording_on():
    assert not tracing.tracing_wanted({})
    assert tracing.tracing_wanted({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"})
    assert tracing.tracing_wanted({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"})
    assert not tracing.tracing_wanted({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x", "OTEL_SDK_DISABLED": "true"})


def test_without_an_endpoint_no_sdk_is_installed(monkeypatch):
    for name in tracing.ENDPOINT_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(tracing, "_enabled", None)
    assert tracing.configure_tracing("test") is False
    assert tracing.server_middlewares("test") == [tracing._carry_trace_context]
    assert type(trace.get_tracer_provider()).__name__ == "ProxyTracerProvider"   # the API's default, no SDK


def test_the_envelope_carries_the_current_trace_and_stays_as_it_was_without_one():
    bare = make_envelope("test.trace.checked", {"n": 1}, producer="t")
    assert "traceparent" not in json.loads(bare.model_dump_json())   # old readers see the same JSON
    with remote_parent():
        env = make_envelope("test.trace.checked", {"n": 1}, producer="t")
    assert env.traceparent.split("-")[1] == TRACE_ID
    assert Envelope.model_validate_json(env.model_dump_json()).traceparent == env.traceparent


def test_events_can_be_written_without_the_trace_fields_for_an_upgrade(monkeypatch):
    assert tracing.events_carry_trace_context({}) and tracing.events_carry_trace_context({"EVENTS_TRACE_CONTEXT": "1"})
    assert not tracing.events_carry_trace_context({"EVENTS_TRACE_CONTEXT": "false"})
    monkeypatch.setattr(tracing, "_EVENTS_CARRY", False)
    with remote_parent():
        env = make_envelope("test.trace.checked", {"n": 1}, producer="t")
    assert "traceparent" not in json.loads(env.model_dump_json())


def test_log_lines_carry_the_trace_id(capsys):
    configure_logging("booking", "INFO")
    try:
        log = get_logger("t")
        log.info("outside")
        with remote_parent():
            log.info("inside")
        lines = capsys.readouterr().out.strip().splitlines()[-2:]
    finally:
        structlog.reset_defaults()
    outside, inside = (json.loads(line) for line in lines)
    assert outside["trace_id"] is None and inside["trace_id"] == TRACE_ID


async def test_the_trace_goes_through_the_outbox_the_broker_and_the_consumer(database_url, amqp_url):
    async with database(database_url, "trace_hops") as db, bus(amqp_url) as b:
        probe = await bound_queue(b, "test.trace.checked")
        seen: list[tuple[str | None, str | None]] = []

        async def handler(d: Delivery) -> None:
            # what the handler runs in, and what an event it writes would carry on
            seen.append((tracing.trace_id_of_current(),
                         make_envelope("test.trace.checked", {"n": 2}, producer="t").traceparent))

        consumer = Consumer(QueueSpec("trace.hops", ("test.trace.checked",), handler), db=db, bus=b, producer="t")
        relay = OutboxRelay(db, b, database_url, poll_interval=0.2)
        await consumer.start()
        relay.start()
        try:
            with remote_parent():   # the request that writes the event...
                async with db.transaction() as conn:
                    await add_event(conn, make_envelope("test.trace.checked", {"n": 1}, producer="t"))
            # ...has ended: the relay publishes later, in a task of its own
            [msg] = await drain(probe, 1)
            assert await wait_for(_true_when(seen))
        finally:
            await relay.stop()
            await consumer.stop()
        assert msg.headers["traceparent"].split("-")[1] == TRACE_ID
        assert json.loads(msg.body)["traceparent"].split("-")[1] == TRACE_ID
        trace_id, carried_on = seen[0]
        assert trace_id == TRACE_ID and carried_on.split("-")[1] == TRACE_ID
