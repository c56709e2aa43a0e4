"""The SMS provider call carries the W3C trace context of the send (tracing on or off), so
the provider's side of an SMS joins its booking's trace; without one it sends none."""
from __future__ import annotations

import aiohttp
from opentelemetry import context as otel_context
from opentelemetry import propagate

from notifier.adapters.http_provider import HttpSmsProvider
from testsupport.notifier.fake_provider import run_fake_provider

PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


async def test_the_provider_gets_the_senders_traceparent():
    async with run_fake_provider() as fake, aiohttp.ClientSession() as session:
        provider = HttpSmsProvider(fake.url, session=session, timeout=2.0)
        await provider.send("13800000000", "您好", "outside")
        token = otel_context.attach(propagate.extract({"traceparent": PARENT}))
        try:
            await provider.send("13800000000", "您好", "inside")
        finally:
            otel_context.detach(token)
    calls = {c.ref: c.traceparent for c in fake.state.calls}
    assert calls == {"outside": None, "inside": PARENT}
