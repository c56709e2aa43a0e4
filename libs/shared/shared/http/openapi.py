"""OpenAPI 3.1 from the routes themselves: a handler is registered once, with the pydantic
models of its body, query and answer, its access and the error codes it may answer, and
both the aiohttp route and its OpenAPI operation come from that one declaration.

Access is declared, enforced and documented in one place (shared.http.access): every route
says ``public=True``, ``roles=()`` (any signed-in user) or ``roles=(...)``; the route
``routes()`` gives checks it before the handler runs, and a route that declares nothing
stops ``routes()`` (so the service does not start)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web
from pydantic import BaseModel, TypeAdapter

from .access import UNDECLARED, Undeclared, enforced, public_handler

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
REF = "#/components/schemas/{model}"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: Any = None                 # a model, list[Model], or None for no body
    status: int = 200
    roles: tuple[str, ...] | None | Undeclared = UNDECLARED  # None: public; (): any signed-in user
    errors: tuple[tuple[int, str], ...] = ()
    headers: tuple[str, ...] = ()         # request headers worth documenting (Idempotency-Key)
    events: tuple[str, ...] = ()          # a text/event-stream answer: the event names it sends


@dataclass
class ApiRouter:
    """Collects a service's operations; ``routes()`` gives aiohttp, ``operations`` OpenAPI."""
    tag: str
    operations: list[Operation] = field(default_factory=list)

    def route(self, method: str, path: str, *, summary: str, body=None, query=None, response=None,
              status: int = 200, roles: Sequence[str] | Undeclared = UNDECLARED, public: bool = False,
              errors: Iterable[tuple[int, str]] = (), headers: Sequence[str] = (), events: Sequence[str] = ()):
        """``public=True``: anyone; ``roles=()``: any signed-in user; ``roles=("admin",)``:
        a signed-in user with one of them. Neither: the route is refused at start.
        ``events=("board", "call")``: the answer is a Server-Sent Events stream sending them."""
        if public and not isinstance(roles, Undeclared):
            raise ValueError(f"{method} {path}: public=True and roles= both declared")
        access = None if public else (roles if isinstance(roles, Undeclared) else tuple(roles))

        def register(handler: Handler) -> Handler:
            self.operations.append(Operation(
                method.upper(), path, handler, summary, self.tag, body, query, response, status,
                access, tuple(errors), tuple(headers), tuple(events)))
            return handler
        return register

    def get(self, path: str, **kw):
        return self.route("GET", path, **kw)

    def post(self, path: str, **kw):
        return self.route("POST", path, **kw)

    def put(self, path: str, **kw):
        return self.route("PUT", path, **kw)

    def delete(self, path: str, **kw):
        return self.route("DELETE", path, **kw)

    def routes(self) -> list[web.RouteDef]:
        """The aiohttp routes, each behind the check of its declared access."""
        return [web.route(op.method, op.path, guarded(op)) for op in self.operations]


def guarded(op: Operation) -> Handler:
    if isinstance(op.roles, Undeclared):
        raise RuntimeError(f"{op.method} {op.path} ({op.handler.__qualname__}) declares no access: "
                           "say public=True, roles=() or roles=(...) on its ApiRouter declaration")
    return public_handler(op.handler) if op.roles is None else enforced(op.handler, op.roles)


PROBLEM_SCHEMA = {
    "type": "object", "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "code": {"type": "string"}, "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "message": {"type": "string"}}}},
    },
}


def _schema(annotation: Any, components: dict[str, Any]) -> dict[str, Any]:
    schema = TypeAdapter(annotation).json_schema(ref_template=REF, mode="serialization")
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = sub
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and "$ref" not in schema:
        components[annotation.__name__] = schema
        return {"$ref": REF.format(model=annotation.__name__)}
    return schema


def _input_schema(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=REF, mode="validation")
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = sub
    components[model.__name__] = schema
    return {"$ref": REF.format(model=model.__name__)}


def _path_params(path: str) -> list[dict[str, Any]]:
    params = []
    for part in path.split("/"):
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1].split(":")[0]
            params.append({"name": name, "in": "path", "required": True, "schema": {"type": "string"}})
    return params


def _query_params(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(mode="validation")
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required, "schema": prop}
            for name, prop in schema.get("properties", {}).items()]


def build_spec(operations: Iterable[Operation], *, title: str, version: str = "1.0.0",
               description: str = "") -> dict[str, Any]:
    components: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        if isinstance(op.roles, Undeclared):
            raise RuntimeError(f"{op.method} {op.path} declares no access")
        item: dict[str, Any] = {"summary": op.summary, "tags": [op.tag],
                                "operationId": f"{op.method.lower()}_{op.handler.__name__}"}
        params = _path_params(op.path) + (_query_params(op.query) if op.query else [])
        params += [{"name": h, "in": "header", "required": False, "schema": {"type": "string"}}
                   for h in op.headers]
        if params:
            item["parameters"] = params
        if op.body is not None:
            item["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": _input_schema(op.body, components)}}}
        responses: dict[str, Any] = {}
        ok: dict[str, Any] = {"description": "OK"}
        if op.events:
            # OpenAPI 3.1 has no schema for an event stream's items: the event names are
            # listed (x-events); each event's data is the JSON of the model named in the summary.
            ok["description"] = "A Server-Sent Events stream; events: " + ", ".join(op.events)
            ok["content"] = {"text/event-stream": {"schema": {"type": "string"}}}
            ok["x-events"] = list(op.events)
        elif op.response is not None:
            ok["content"] = {"application/json": {"schema": _schema(op.response, components)}}
        responses[str(op.status)] = ok
        problem = {"application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}}
        errors: dict[int, list[str]] = {}
        if op.body is not None or op.query is not None or "{" in op.path:
            errors.setdefault(422, []).append("validation_error")
        if op.roles is not None:
            errors.setdefault(401, []).append("auth.unauthorized")
            if op.roles:
                errors.setdefault(403, []).append("auth.forbidden")
        for status, code in op.errors:
            errors.setdefault(status, []).append(code)
        for status, codes in sorted(errors.items()):
            responses[str(status)] = {"description": "codes: " + ", ".join(sorted(set(codes))),
                                      "content": problem, "x-codes": sorted(set(codes))}
        item["responses"] = responses
        if op.roles is not None:
            item["security"] = [{"bearer": []}]
            if op.roles:
                item["x-roles"] = list(op.roles)
        paths.setdefault(op.path, {})[op.method.lower()] = item
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(components.items())),
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
    }


def merge_specs(specs: Iterable[dict[str, Any]], *, title: str, version: str = "1.0.0",
                description: str = "") -> dict[str, Any]:
    """One document over several services; a schema name used twice with different
    contents is an error, not a silent overwrite."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for spec in specs:
        for path, item in spec["paths"].items():
            paths.setdefault(path, {}).update(item)
        for name, schema in spec["components"]["schemas"].items():
            if name in schemas and schemas[name] != schema:
                raise ValueError(f"schema {name} differs between services")
            schemas[name] = schema
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items())),
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
    }


def spec_routes(spec: dict[str, Any]) -> list[web.RouteDef]:
    """GET /openapi.json: a service's own document on its own port. Not part of the public
    API (not in the document, not routed by the gateway, which serves the merged one)."""
    body = orjson.dumps(spec)

    @public_handler
    async def get_openapi(_request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    return [web.get("/openapi.json", get_openapi)]
