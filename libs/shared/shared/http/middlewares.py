"""The middlewares every service runs: request id and log context, metrics, and errors as
problem+json (no stack trace ever reaches a client)."""
from __future__ import annotations

import asyncio
import re
import time
import uuid

import asyncpg
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from pydantic import ValidationError

from shared.errors import AppError
from shared.logging import bind_context, clear_context, get_logger
from shared.metrics import ServiceMetrics
from shared.http.problems import problem
from shared.http.requests import field_errors
from shared.http.statuses import NONE, STATUSES_KEY, problem_of, status_of

log = get_logger(__name__)
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
REQUEST_ID_KEY = web.RequestKey("request_id", str)

HTTP_CODES = {400: "bad_request", 401: "auth.unauthorized", 403: "auth.forbidden", 404: "not_found",
              405: "method_not_allowed", 406: "not_acceptable", 408: "request.timeout",
              413: "request.too_large", 415: "unsupported_media_type", 429: "rate_limited"}


def request_id_of(request: web.Request) -> str:
    return request.get(REQUEST_ID_KEY) or "-"


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    given = request.headers.get("X-Request-ID", "")
    rid = given if REQUEST_ID.match(given) else uuid.uuid4().hex
    request[REQUEST_ID_KEY] = rid
    clear_context()
    bind_context(request_id=rid, correlation_id=rid)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers["X-Request-ID"] = rid
        raise
    response.headers["X-Request-ID"] = rid
    return response


def metrics_middleware(metrics: ServiceMetrics) -> Middleware:
    @web.middleware
    async def measure(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        except asyncio.CancelledError:
            # The client went away mid-answer (nginx's 499): not a server error.
            status = 499
            raise
        finally:
            info = request.match_info.route.resource
            route = info.canonical if info is not None else "unmatched"
            metrics.http_requests.labels(request.method, route, str(status)).inc()
            # A Server-Sent Events stream lasts as long as its client stays: its "latency"
            # would only burn the latency budget (BookingLatencyBudgetBurn) for nothing.
            if not response_is_stream(request):
                metrics.http_latency.labels(request.method, route).observe(time.perf_counter() - started)
    return measure


STREAM_KEY = web.RequestKey("event_stream", bool)


def response_is_stream(request: web.Request) -> bool:
    """Whether the handler answered with an event stream (shared.http.sse marks it)."""
    return bool(request.get(STREAM_KEY, False))


@web.middleware
async def problem_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except AppError as exc:
        # Its status by its kind, or as the route declares it (shared.http.statuses).
        statuses = request.get(STATUSES_KEY, NONE)
        if status_of(exc, statuses) >= 500:
            log.error("app_error", code=exc.code)
        return problem_of(exc, statuses)
    except ValidationError as exc:  # a model built inside a handler from client input
        return problem(422, "validation_error", "The request is not valid", errors=field_errors(exc))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = HTTP_CODES.get(exc.status, "http_error")
        headers = {k: v for k, v in exc.headers.items() if k.lower() in ("allow", "retry-after")}
        return problem(exc.status, code, exc.reason, headers=headers)
    except (TimeoutError, asyncpg.InterfaceError, asyncpg.InternalClientError,
            asyncpg.ConnectionDoesNotExistError, asyncpg.CannotConnectNowError, ConnectionError) as exc:
        # Overload (no pool connection in time) or a dropped database connection: the
        # request did nothing (its transaction rolled back); the client may try again.
        log.warning("service_unavailable", path=request.path, method=request.method, error=type(exc).__name__)
        return problem(503, "service.unavailable",
                       "The service is busy or reconnecting; try again shortly.",
                       headers={"Retry-After": "1"}, request_id=request_id_of(request))
    except Exception:
        log.exception("unhandled_error", path=request.path, method=request.method)
        return problem(500, "internal_error",
                       "Something went wrong on our side; quote the request id when you report it.",
                       request_id=request_id_of(request))
