"""The structlog processor that puts the current trace id on every log line (``null``
outside any trace: startup, background polls), so a service's lines join the gateway's
and the tracing backend's on one key. Registered in ``shared.logging``."""
from __future__ import annotations

from typing import Any

from opentelemetry import trace
from structlog.typing import EventDict


def add_trace_id(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    if "trace_id" not in event_dict:
        ctx = trace.get_current_span().get_span_context()
        event_dict["trace_id"] = format(ctx.trace_id, "032x") if ctx.is_valid else None
    return event_dict
