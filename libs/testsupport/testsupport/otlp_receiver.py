"""A small OTLP/HTTP trace receiver for tests and benchmarks: ``POST /v1/traces`` with an
``ExportTraceServiceRequest`` (protobuf, as the SDK's exporter sends it), decoded with
opentelemetry-proto and kept as ``ReceivedSpan``s, or only counted (``keep=False``, a
collector that costs the services what a real one would and nothing more)."""
from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (ExportTraceServiceRequest,
                                                                        ExportTraceServiceResponse)


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    name: str
    kind: int            # opentelemetry.proto Span.SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer
    trace_id: str
    span_id: str
    parent_span_id: str
    attributes: dict


@dataclass
class OtlpReceiver:
    keep: bool = True
    spans: list[ReceivedSpan] = field(default_factory=list)
    count: int = 0
    url: str = ""

    def trace(self, trace_id: str) -> list[ReceivedSpan]:
        return [s for s in self.spans if s.trace_id == trace_id]

    async def _export(self, request: web.Request) -> web.Response:
        body = await request.read()
        if request.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        req = ExportTraceServiceRequest.FromString(body)
        for rs in req.resource_spans:
            service = next((a.value.string_value for a in rs.resource.attributes if a.key == "service.name"), "")
            for ss in rs.scope_spans:
                self.count += len(ss.spans)
                if not self.keep:
                    continue
                for sp in ss.spans:
                    self.spans.append(ReceivedSpan(
                        service=service, name=sp.name, kind=sp.kind, trace_id=sp.trace_id.hex(),
                        span_id=sp.span_id.hex(), parent_span_id=sp.parent_span_id.hex(),
                        attributes={a.key: _value(a.value) for a in sp.attributes}))
        return web.Response(body=ExportTraceServiceResponse().SerializeToString(),
                            content_type="application/x-protobuf")


def _value(v):
    kind = v.WhichOneof("value")
    return getattr(v, kind) if kind in ("string_value", "int_value", "bool_value", "double_value") else str(v)


@asynccontextmanager
async def run_otlp_receiver(*, keep: bool = True, host: str = "127.0.0.1") -> AsyncIterator[OtlpReceiver]:
    """Serve the receiver on a free port; ``receiver.url`` is the OTEL_EXPORTER_OTLP_ENDPOINT."""
    receiver = OtlpReceiver(keep=keep)
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/v1/traces", receiver._export)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # a started site has its server
    receiver.url = f"http://{host}:{port}"
    try:
        yield receiver
    finally:
        await runner.cleanup()


async def wait_for_spans(receiver: OtlpReceiver, predicate, timeout: float = 20.0) -> bool:
    """Until ``predicate(receiver)`` holds (exports arrive in batches, every few hundred ms)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if predicate(receiver):
            return True
        await asyncio.sleep(0.2)
    return bool(predicate(receiver))
