"""OpenTelemetry for every service, set up in one place (``configure_tracing``, called by
``shared.app.create_base_app``), and the W3C trace context carried across every hop:
HTTP headers (nginx starts or passes ``traceparent``), the event envelope's ``traceparent``
/ ``tracestate`` (stored with the outbox row, so the relay publishes later in the request's
trace), the AMQP headers, the notifier's pending messages and the SMS provider call.

Two modes, chosen per process by the environment:

- ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``..._TRACES_ENDPOINT``) set: the SDK's tracer
  provider with a batch OTLP/HTTP exporter, and the instrumentation packages for aiohttp
  (server and client), asyncpg and aio-pika. The SDK's own variables apply
  (``OTEL_BSP_*``, ``OTEL_TRACES_SAMPLER``...).
- unset: no SDK, no instrumentation, nothing exported. The context is still carried (it is
  a header read and a string written per hop), so log lines keep the trace id nginx
  started and an SRE can still join gateway and service logs on it.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind

TRACER_NAME = "cardcenter"
ENDPOINT_VARS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
# Probes and scrapes are not traced: they are many and say nothing about a booking.
DEFAULT_EXCLUDED_URLS = "/healthz,/readyz,/metrics"

_enabled: bool | None = None
tracer = trace.get_tracer(TRACER_NAME)


def tracing_wanted(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(env.get(name, "").strip() for name in ENDPOINT_VARS)


def configure_tracing(service: str, *, exporter: Any = None) -> bool:
    """Once per process (later calls return the first answer). ``exporter``: a test's own
    ``SpanExporter`` (e.g. ``InMemorySpanExporter``) instead of OTLP. Returns whether
    spans are recorded."""
    global _enabled
    if _enabled is not None:
        return _enabled
    if exporter is None and not tracing_wanted():
        _enabled = False
        return False
    # Imported here: a process without an endpoint never loads the SDK.
    from shared.tracing_sdk import install_sdk
    install_sdk(service, exporter=exporter, excluded_urls=DEFAULT_EXCLUDED_URLS)
    _enabled = True
    return True


# --- carriers ----------------------------------------------------------------------------
def current_carrier() -> dict[str, str]:
    """``{"traceparent": ..., "tracestate": ...}`` of the current span; empty without one."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def events_carry_trace_context(env: Mapping[str, str] | None = None) -> bool:
    """``EVENTS_TRACE_CONTEXT=false``: events are written without the envelope's trace fields,
    for the one rolling upgrade from a release whose consumers reject unknown envelope
    fields (docs/operations.md, "Tracing"); the trace then stops at the outbox."""
    env = os.environ if env is None else env
    return env.get("EVENTS_TRACE_CONTEXT", "true").strip().lower() != "false"


_EVENTS_CARRY = events_carry_trace_context()


def current_trace_fields() -> dict[str, str | None]:
    """The envelope's two fields for the current span (None when there is no trace)."""
    if not _EVENTS_CARRY:
        return {"traceparent": None, "tracestate": None}
    carrier = current_carrier()
    return {"traceparent": carrier.get("traceparent"), "tracestate": carrier.get("tracestate")}


def current_traceparent() -> str | None:
    return current_carrier().get("traceparent")


def context_of(traceparent: str | None, tracestate: str | None = None) -> otel_context.Context | None:
    """The remote context a stored ``traceparent`` names; None when absent or invalid."""
    if not traceparent:
        return None
    carrier = {"traceparent": traceparent}
    if tracestate:
        carrier["tracestate"] = tracestate
    ctx = propagate.extract(carrier)
    return ctx if trace.get_current_span(ctx).get_span_context().is_valid else None


def context_of_headers(headers: Mapping[str, Any] | None) -> otel_context.Context | None:
    if not headers:
        return None
    tp = headers.get("traceparent")
    ts = headers.get("tracestate")
    return context_of(tp.decode() if isinstance(tp, bytes) else tp, ts.decode() if isinstance(ts, bytes) else ts)


def incoming_context(headers: Mapping[str, Any] | None, envelope: Any) -> otel_context.Context | None:
    """Where a consumed event's span goes: under the aio-pika instrumentation's receive
    span when there is one (it read the headers), else the headers', else the envelope's."""
    if has_current_span():
        return None
    return context_of_headers(headers) or context_of(getattr(envelope, "traceparent", None),
                                                     getattr(envelope, "tracestate", None))


def has_current_span() -> bool:
    return trace.get_current_span().get_span_context().is_valid


@contextlib.contextmanager
def continued(parent: otel_context.Context | None, name: str, *, kind: SpanKind = SpanKind.INTERNAL,
              attributes: Mapping[str, Any] | None = None) -> Iterator[None]:
    """A span ``name`` under ``parent`` (a context restored from a row, an envelope or
    headers), current inside the block. Without the SDK no span is made but ``parent`` is
    still current, so what the block writes or sends carries the same trace on. With no
    ``parent`` the span starts under whatever is current (or as a new trace)."""
    token = otel_context.attach(parent) if parent is not None else None
    try:
        if not _enabled:
            # No SDK: the API's span would only wrap the parent's context again (a non-
            # recording span of the same ids), at a cost on every event (issue 20).
            yield
            return
        with tracer.start_as_current_span(name, kind=kind, attributes=attributes):
            yield
    finally:
        if token is not None:
            otel_context.detach(token)


def trace_id_of_current() -> str | None:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else None


# --- HTTP server -------------------------------------------------------------------------
@web.middleware
async def _carry_trace_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Without the SDK: the caller's ``traceparent`` (nginx's) becomes the current context,
    so log lines and the events the request writes carry its trace id. A header read."""
    ctx = context_of_headers(request.headers)
    if ctx is None:
        return await handler(request)
    token = otel_context.attach(ctx)
    try:
        return await handler(request)
    finally:
        otel_context.detach(token)


def server_middlewares(service: str) -> list[Middleware]:
    """Set tracing up for this process, and the middlewares an application puts first:
    none with the SDK (its instrumentation adds its own to every ``web.Application``)."""
    return [] if configure_tracing(service) else [_carry_trace_context]
