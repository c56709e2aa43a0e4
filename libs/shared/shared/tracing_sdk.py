"""The SDK side of ``shared.tracing``, imported only when spans are to be recorded: the
tracer provider (service name as the resource, a sampler that keeps background noise out,
phone numbers masked in span attributes), the batch OTLP/HTTP exporter, and the
instrumentation packages for aiohttp server and client, aio-pika, and asyncpg (with
``TRACING_DB_QUERIES=true``)."""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace import sampling
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, Decision, ParentBased, Sampler, SamplingResult
from opentelemetry.trace import Link, SpanKind
from opentelemetry.util.types import Attributes

from shared.logging import mask_phones

# Attributes the aiohttp instrumentations fill from a URL: a query string may hold a phone
# (GET /api/v1/notifications?phone=...), which must not reach the tracing backend.
URL_ATTRIBUTES = ("http.target", "http.url", "url.full", "url.query", "url.path")


# What asyncpg's instrumentation names the transaction statements after: spans that say
# nothing the query spans beside them do not, a fifth of a booking's spans.
TRANSACTION_CONTROL = frozenset({"BEGIN", "BEGIN;", "COMMIT", "COMMIT;", "ROLLBACK", "ROLLBACK;",
                                 "SAVEPOINT", "RELEASE", "START"})


class CardcenterSampler(Sampler):
    """Drops what costs without telling: transaction-control statements, and database
    queries or outgoing calls that no request, event or cutoff started (the relay's polls,
    sweepers, JWKS refreshes). Every other span is ``inner``'s decision: every trace (the
    default, following the caller's sampled flag), or ``OTEL_TRACES_SAMPLER``'s."""

    def __init__(self, inner: Sampler) -> None:
        self.inner = inner

    def should_sample(self, parent_context: Context | None, trace_id: int, name: str,
                      kind: SpanKind | None = None, attributes: Attributes = None,
                      links: Sequence[Link] | None = None, trace_state: Any = None) -> SamplingResult:
        if kind is SpanKind.CLIENT and (name in TRANSACTION_CONTROL
                                        or not trace.get_current_span(parent_context).get_span_context().is_valid):
            return SamplingResult(Decision.DROP)
        return self.inner.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return f"CardcenterSampler({self.inner.get_description()})"


class MaskPhonesInUrls(SpanProcessor):
    """Runs as a span starts, when the instrumentations have set the URL attributes."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        attrs = span.attributes or {}
        for key in URL_ATTRIBUTES:
            value = attrs.get(key)
            if isinstance(value, str):
                masked = mask_phones(value)
                if masked != value:
                    span.set_attribute(key, masked)


def db_query_spans() -> bool:
    """``TRACING_DB_QUERIES=true``: a span for every PostgreSQL query too. Off by default: at
    some fifteen queries a booking they were most of tracing's cost (benchmarks/README.md,
    "Tracing cost"); turn them on while chasing a slow query."""
    return os.environ.get("TRACING_DB_QUERIES", "").strip().lower() == "true"


def install_sdk(service: str, *, exporter: Any = None, excluded_urls: str = "") -> TracerProvider:
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        exporter = OTLPSpanExporter()   # endpoint, headers, timeout from OTEL_EXPORTER_OTLP_*
    # OTEL_TRACES_SAMPLER wins when set: e.g. ``traceidratio`` with OTEL_TRACES_SAMPLER_ARG=0.1
    # keeps one trace in ten, the same ones in every service (the decision is the trace id's).
    inner = sampling._get_from_env_or_default() if os.environ.get("OTEL_TRACES_SAMPLER") else ParentBased(ALWAYS_ON)
    provider = TracerProvider(resource=Resource.create({"service.name": service}), sampler=CardcenterSampler(inner))
    provider.add_span_processor(MaskPhonesInUrls())
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)

    os.environ.setdefault("OTEL_PYTHON_AIOHTTP_SERVER_EXCLUDED_URLS", excluded_urls)
    from opentelemetry.instrumentation.aio_pika import AioPikaInstrumentor
    from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
    from opentelemetry.instrumentation.aiohttp_server import AioHttpServerInstrumentor
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    # The server instrumentation swaps aiohttp.web.Application for a subclass that puts
    # its middleware first: this runs before create_base_app builds the application.
    AioHttpServerInstrumentor().instrument(tracer_provider=provider)
    AioHttpClientInstrumentor().instrument(tracer_provider=provider)
    if db_query_spans():
        AsyncPGInstrumentor().instrument(tracer_provider=provider)  # type: ignore[no-untyped-call]  # its __init__ is unannotated
    AioPikaInstrumentor().instrument(tracer_provider=provider)
    return provider
