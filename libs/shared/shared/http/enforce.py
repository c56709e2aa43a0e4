"""What an ApiRouter route declares, done at request time, in the order the contract
tests guard:

1. its access (shared.http.access): 401 before 403, before anything reads the request;
2. ``path=``: its path parameters (a model of ``match_info`` or a function of the request);
3. ``checks=``: refusals that come before the inputs (a per-account throttle, a header);
4. ``query=`` then ``body=``: parsed and validated (422 ``validation_error`` naming the
   fields; a body must be a JSON object); when 2-4 refuse the request, the route's
   ``input_refused`` (if any) runs first and may raise its own refusal instead;
5. the handler, given the typed values as keyword arguments ``path``, ``query``, ``body``;
6. its answer shaped by ``response=``: the handler returns the data (a dict or a model)
   and the route answers it as the model describes it with the declared status; a
   ``Reply`` adds headers or another status; a ready ``web.StreamResponse`` (an event
   stream, a replayed idempotent answer) goes out as it is. Data that does not fit the
   declared model is our bug: a 500, never a 422 blaming the client."""
from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError

from shared.errors import AppError
from shared.http.problems import json_response
from shared.http.requests import parse_body, parse_query, validate
from shared.http.statuses import STATUSES_KEY

if TYPE_CHECKING:
    from shared.http.openapi import Operation

Handler = Callable[..., Awaitable[Any]]
# A refusal run before the inputs are read: raises an AppError, or returns.
Check = Callable[[web.Request], Awaitable[None]]
# A route's path parameters: a model of match_info, or a function reading them.
PathParser = type[BaseModel] | Callable[[web.Request], Any]


@dataclass(frozen=True)
class Reply:
    """A handler's answer with what the declaration cannot say: headers (Location,
    Cache-Control) or a status other than the declared one."""
    data: Any = None
    headers: Mapping[str, str] | None = None
    status: int | None = None


class ResponseMismatch(RuntimeError):
    """A handler's data does not fit its route's declared ``response=`` model."""


def inputs_of(op: Operation) -> tuple[str, ...]:
    """The keyword arguments the route gives its handler; a handler that cannot take
    one of them stops the import (a declaration the handler would silently ignore)."""
    names = tuple(name for name, declared in (("path", op.path_parser), ("query", op.query), ("body", op.body))
                  if declared is not None)
    params = inspect.signature(op.handler).parameters
    missing = [n for n in names if n not in params]
    if missing:
        raise TypeError(f"{op.method} {op.path}: {op.handler.__qualname__} does not take {', '.join(missing)}")
    return names


def enforcing(op: Operation) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The aiohttp handler of a declaration: inputs in, the handler, the answer out (its
    access is applied around it by shared.http.access)."""
    names = inputs_of(op)
    shape = answer_shaper(op.response)

    async def run(request: web.Request) -> web.StreamResponse:
        request[STATUSES_KEY] = op.statuses   # how the middleware answers its refusals
        try:
            kwargs = await read_inputs(op, names, request)
        except (AppError, web.HTTPClientError):
            if op.input_refused is not None:
                await op.input_refused(request)
            raise
        result = await op.handler(request, **kwargs)
        return respond(op, shape, result)

    run.__name__ = op.handler.__name__
    run.__qualname__ = op.handler.__qualname__
    run.__doc__ = op.handler.__doc__
    return run


async def read_inputs(op: Operation, names: tuple[str, ...], request: web.Request) -> dict[str, Any]:
    """The handler's keyword arguments, after the route's checks: a refusal raised."""
    kwargs: dict[str, Any] = {}
    # inputs_of() let a handler take path/query/body only when the route declares them.
    if "path" in names:
        assert op.path_parser is not None
        kwargs["path"] = parse_path(request, op.path_parser)
    for check in op.checks:
        await check(request)
    if "query" in names:
        assert op.query is not None
        kwargs["query"] = parse_query(request, op.query)
    if "body" in names:
        assert op.body is not None
        kwargs["body"] = await parse_body(request, op.body)
    return kwargs


def parse_path(request: web.Request, parser: PathParser) -> Any:
    if isinstance(parser, type) and issubclass(parser, BaseModel):
        return validate(parser, dict(request.match_info))
    return cast(Callable[[web.Request], Any], parser)(request)


def answer_shaper(response: Any) -> Callable[[Any], Any] | None:
    """Data -> the JSON-ready value the declared model makes of it (fields it does not
    declare dropped, each value checked), or None for a route declaring no answer body."""
    if response is None:
        return None
    if isinstance(response, type) and issubclass(response, BaseModel):
        def shape_model(data: Any) -> Any:
            return response.model_validate(data).model_dump(mode="python")
        return shape_model
    adapter = TypeAdapter(response)

    def shape_other(data: Any) -> Any:
        return adapter.dump_python(adapter.validate_python(data), mode="python")
    return shape_other


def shaped(model: Any, data: Any) -> Any:
    """``data`` as ``model`` describes it: for what a route sends other than its answer
    (the events of a stream)."""
    shape = answer_shaper(model)
    assert shape is not None
    return shape(data)


def respond(op: Operation, shape: Callable[[Any], Any] | None, result: Any) -> web.StreamResponse:
    if isinstance(result, web.StreamResponse):
        return result
    reply = result if isinstance(result, Reply) else Reply(result)
    status = reply.status or op.status
    headers = dict(reply.headers or {})
    if shape is None:
        if reply.data is not None:
            raise ResponseMismatch(f"{op.method} {op.path} declares no answer body but its handler gave one")
        return web.Response(status=status, headers=headers)
    try:
        data = shape(reply.data)
    except ValidationError as exc:
        raise ResponseMismatch(f"{op.method} {op.path}: the answer does not fit {op.response!r}: "
                               + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                           for e in exc.errors(include_url=False, include_input=False))) from None
    return json_response(data, status=status, headers=headers or None)

