"""OpenAPI 3.1 from the routes themselves: a handler is registered once, with the pydantic
models of its body, query and answer, its access and the error codes it may answer, and
both the aiohttp route and its OpenAPI operation come from that one declaration.

A route enforces what it declares: its access (shared.http.access: every route says
``public=True``, ``roles=()`` for any signed-in user or ``roles=(...)``; a route that
declares nothing stops ``routes()``, so the service does not start), its ``path=``,
``query=`` and ``body=`` (parsed and validated, handed to the handler as typed keyword
arguments) and its ``response=`` (the handler returns data, the route answers it as the
model describes it): shared.http.enforce, which also says the order of the refusals.

The document is meant to be complete (docs/openapi.md): each route gives a ``summary`` and a
``description``, every error it may answer (``errors=``: an AppError class, or ``(status,
code[, detail])``) and its path parameters; each answer declares ``X-Request-ID`` (and
``Retry-After`` on 429/503), each error status its codes with an example problem."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import orjson
from aiohttp import web
from pydantic import BaseModel, TypeAdapter

from shared.errors import AppError
from shared.http.access import UNDECLARED, Undeclared, enforced, public_handler
from shared.http.enforce import Check, PathParser, enforcing, inputs_of
from shared.http.statuses import NONE, Statuses, status_of

Handler = Callable[..., Awaitable[Any]]
REF = "#/components/schemas/{model}"
HEADER_REF = "#/components/headers/{name}"

# An error a route may answer: (status, code), (status, code, detail) or an AppError class
# (its status and code, its class title as the detail the client reads).
ErrorDecl = tuple[int, str] | tuple[int, str, str] | type[AppError]


@dataclass(frozen=True)
class ErrorDoc:
    status: int
    code: str
    detail: str | None = None


def error_doc(decl: ErrorDecl | ErrorDoc, statuses: Statuses = NONE) -> ErrorDoc:
    if isinstance(decl, ErrorDoc):
        return decl
    if isinstance(decl, type) and issubclass(decl, AppError):
        return ErrorDoc(status_of(decl, statuses), decl.code, decl.title)
    if isinstance(decl, tuple) and len(decl) in (2, 3):
        return ErrorDoc(int(decl[0]), str(decl[1]), decl[2] if len(decl) == 3 else None)
    raise TypeError(f"not an error declaration: {decl!r}")


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
    errors: tuple[ErrorDoc, ...] = ()
    headers: tuple[str, ...] = ()         # request headers worth documenting (Idempotency-Key)
    description: str = ""
    # path parameter name -> what OpenAPI says of it (description, schema, example)
    path_params: tuple[tuple[str, dict[str, Any]], ...] = ()
    response_headers: tuple[str, ...] = ()  # success-answer headers (Location), see HEADERS
    events: tuple[str, ...] = ()          # a text/event-stream answer: the event names it sends
    # Enforced, not documented (the path parameters are documented by path_params):
    path_parser: PathParser | None = None  # match_info -> the handler's ``path`` argument
    checks: tuple[Check, ...] = ()        # refusals before the inputs are read (shared.http.enforce)
    input_refused: Check | None = None     # run when its checks or inputs refuse a request (enforce)
    statuses: Statuses = field(default_factory=dict)   # the router's own statuses of some refusals


@dataclass
class ApiRouter:
    """Collects a service's operations; ``routes()`` gives aiohttp, ``operations`` OpenAPI."""
    tag: str
    operations: list[Operation] = field(default_factory=list)
    # What the service's path parameters are ({name: {description, schema, example}}), for
    # every route of the router; a route's own path_params= add to or replace them.
    path_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # Refusals answered with another status than their kind's (shared.http.statuses).
    statuses: Statuses = field(default_factory=dict)

    def route(self, method: str, path: str, *, summary: str, description: str = "", body: Any = None,
              query: Any = None, response: Any = None, status: int = 200, roles: Sequence[str] | Undeclared = UNDECLARED,
              public: bool = False, errors: Iterable[ErrorDecl | ErrorDoc] = (), headers: Sequence[str] = (),
              path_params: Mapping[str, Mapping[str, Any]] | None = None,
              response_headers: Sequence[str] = (), events: Sequence[str] = (),
              path_parser: PathParser | None = None, checks: Sequence[Check] = (),
              input_refused: Check | None = None) -> Callable[[Handler], Handler]:
        """``public=True``: anyone; ``roles=()``: any signed-in user; ``roles=("admin",)``:
        a signed-in user with one of them. Neither: the route is refused at start.
        ``errors``: what the handler may answer besides the ones every route of its kind
        gets (401/403 from its access, 422 validation_error from its inputs, 503
        service.unavailable); ``path_params``: {name: {description, schema, example}}.
        ``events=("board", "call")``: the answer is a Server-Sent Events stream sending them.
        ``path_parser``: a model of the path parameters, or a function of the request, whose value
        the handler gets as ``path``; ``checks``: async functions of the request run after
        the access and before the query and body are read (shared.http.enforce);
        ``input_refused``: an async function of the request run when its path, checks,
        query or body refuse it, before that refusal is answered (it may raise another:
        booking creation's per-account throttle counts such requests there)."""
        if public and not isinstance(roles, Undeclared):
            raise ValueError(f"{method} {path}: public=True and roles= both declared")
        access = None if public else (roles if isinstance(roles, Undeclared) else tuple(roles))
        params = tuple((name, dict(doc)) for name, doc in {**self.path_params, **(path_params or {})}.items()
                       if "{" + name + "}" in path or "{" + name + ":" in path)

        def register(handler: Handler) -> Handler:
            op = Operation(
                method.upper(), path, handler, summary, self.tag, body, query, response, status,
                access, tuple(error_doc(e, self.statuses) for e in errors), tuple(headers), description, params,
                tuple(response_headers), tuple(events), path_parser, tuple(checks), input_refused,
                self.statuses)
            inputs_of(op)  # a handler that cannot take its declared inputs stops the import
            self.operations.append(op)
            return handler
        return register

    def get(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("DELETE", path, **kw)

    def routes(self) -> list[web.RouteDef]:
        """The aiohttp routes, each enforcing its declaration (access, inputs, answer)."""
        return [web.route(op.method, op.path, guarded(op)) for op in self.operations]


def guarded(op: Operation) -> Handler:
    if isinstance(op.roles, Undeclared):
        raise RuntimeError(f"{op.method} {op.path} ({op.handler.__qualname__}) declares no access: "
                           "say public=True, roles=() or roles=(...) on its ApiRouter declaration")
    handler = enforcing(op)
    return public_handler(handler) if op.roles is None else enforced(handler, op.roles)


PROBLEM_SCHEMA = {
    "type": "object", "required": ["type", "title", "status", "code"],
    "description": "An error (RFC 9457 problem details). `type` is always `about:blank` and `title` the "
                   "HTTP status phrase; `code` is the stable machine code to branch on and `detail` says "
                   "in English what went wrong. Some codes add members (`errors`, `retry_after`, "
                   "`suspended_until`, `late_after`, `request_id`).",
    "properties": {
        "type": {"type": "string", "const": "about:blank", "description": "always about:blank"},
        "title": {"type": "string", "description": "the HTTP status phrase", "examples": ["Conflict"]},
        "status": {"type": "integer", "description": "the HTTP status", "examples": [409]},
        "code": {"type": "string", "description": "the stable error code (x-problem-codes of each response)",
                 "examples": ["booking.capacity_exhausted"]},
        "detail": {"type": "string", "description": "what went wrong, in English",
                   "examples": ["No capacity left for this date and period"]},
        "errors": {"type": "array", "description": "validation_error only: one entry per field",
                   "items": {"type": "object", "description": "one field that is not valid",
                             "properties": {
                                 "field": {"type": "string", "description": "dotted path of the field",
                                           "examples": ["enterprises[0].org_code"]},
                                 "message": {"type": "string", "description": "what is wrong, in English",
                                             "examples": ["String should have at most 32 characters"]}}}},
        "retry_after": {"type": "integer", "description": "429 from a service: seconds to wait (as Retry-After)"},
        "request_id": {"type": "string", "description": "500/503: the request's X-Request-ID, to quote"},
    },
    "examples": [{"type": "about:blank", "title": "Conflict", "status": 409, "code": "booking.capacity_exhausted",
                  "detail": "No capacity left for this date and period"}],
}

# Response headers every document declares once (components/headers) and refers to.
HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {"description": "The request's id (the client's own X-Request-ID when it is sane, else the "
                                    "gateway's 32 hex digits); quote it when reporting a problem.",
                     "schema": {"type": "string"}, "example": "4bf92f3577b34da6a3ce929d0e0e4736"},
    "Retry-After": {"description": "Seconds to wait before trying again.",
                    "schema": {"type": "integer", "minimum": 1}, "example": 30},
    "Location": {"description": "Where the created resource is read.", "schema": {"type": "string"},
                 "example": "/api/v1/me"},
}
# Request headers an operation may declare (headers=[...]), as the document describes them.
REQUEST_HEADERS: dict[str, dict[str, Any]] = {
    "Idempotency-Key": {"description": "Any 1-200 visible ASCII characters, new for each new request: sent again "
                                       "with the same body, the first answer is replayed instead of acting twice; "
                                       "with another body, 422 idempotency.key_reused.",
                        "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,200}$"},
                        "example": "3f8a2c9e-booking-20270315-am"},
}
# Answers every operation of a kind may give, whatever its handler declares.
SERVICE_UNAVAILABLE = ErrorDoc(503, "service.unavailable", "The service is busy or reconnecting; try again shortly.")
VALIDATION = ErrorDoc(422, "validation_error", "The request is not valid")
UNAUTHORIZED = ErrorDoc(401, "auth.unauthorized", "Sign in first: send Authorization: Bearer <access token>.")
FORBIDDEN = ErrorDoc(403, "auth.forbidden", "This needs another role.")
RETRY_STATUSES = {429, 503}
# Besides 401 auth.unauthorized (no token), which signed-in routes get: what the token check
# itself answers (shared.http.auth), for a route to declare.
TOKEN_ERRORS = (ErrorDoc(401, "auth.invalid_token", "The access token is not valid."),
                ErrorDoc(401, "auth.token_expired", "The access token has expired."))


def header_refs(*names: str) -> dict[str, Any]:
    return {name: {"$ref": HEADER_REF.format(name=name)} for name in names}


def phrase(status: int) -> str:
    return HTTPStatus(status).phrase


def problem_example(status: int, code: str, detail: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "about:blank", "title": phrase(status), "status": status, "code": code,
                            "detail": detail or phrase(status)}
    if code == "validation_error":
        body["errors"] = [{"field": "phone", "message": "String should match pattern '^1[3-9][0-9]{9}$'"}]
    return body


# The detail of the codes the shared library answers itself, for a route declaring them
# as a bare (status, code): the words shared.http.auth and the middlewares use.
SHARED_DETAILS = {
    "auth.invalid_token": "The access token is not valid.",
    "auth.token_expired": "The access token has expired.",
    "auth.unauthorized": "Sign in first: send Authorization: Bearer <access token>.",
    "auth.forbidden": "This needs another role.",
    "not_found": "Not found",
    "rate_limited": "Too many requests",
}


def problem_response(status: int, docs: Iterable[ErrorDoc]) -> dict[str, Any]:
    """One error status of an operation: its codes (x-codes), each with its detail
    (x-problem-codes; scripts/openapi.py adds the Chinese message) and an example."""
    by_code: dict[str, ErrorDoc] = {}
    docs = [d if d.detail else ErrorDoc(d.status, d.code, SHARED_DETAILS.get(d.code)) for d in docs]
    for doc in docs:
        if doc.code not in by_code or (by_code[doc.code].detail is None and doc.detail):
            by_code[doc.code] = doc
    codes = sorted(by_code)
    headers = header_refs("X-Request-ID", *(["Retry-After"] if status in RETRY_STATUSES else []))
    return {
        "description": f"{phrase(status)}: " + ", ".join(f"`{c}`" for c in codes),
        "headers": headers,
        "content": {"application/problem+json": {
            "schema": {"$ref": REF.format(model="Problem")},
            "examples": {c: {"summary": c, "value": problem_example(status, c, by_code[c].detail)}
                         for c in codes}}},
        "x-codes": codes,
        "x-problem-codes": [{"code": c, **({"detail": by_code[c].detail} if by_code[c].detail else {})}
                            for c in codes],
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


def _path_params(path: str, docs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    params = []
    for part in path.split("/"):
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1].split(":")[0]
            param = {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            param.update(docs.get(name, {}))
            params.append(param)
    return params


def _query_params(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(mode="validation")
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
        if "description" in prop:
            param["description"] = prop.pop("description")
        param["schema"] = prop
        params.append(param)
    return params


def _operation_id(op: Operation) -> str:
    return f"{op.method.lower()}_{op.handler.__name__}"


def build_spec(operations: Iterable[Operation], *, title: str, version: str = "1.0.0",
               description: str = "") -> dict[str, Any]:
    components: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        if isinstance(op.roles, Undeclared):
            raise RuntimeError(f"{op.method} {op.path} declares no access")
        item: dict[str, Any] = {"summary": op.summary, "tags": [op.tag], "operationId": _operation_id(op)}
        if op.description:
            item["description"] = op.description
        params = _path_params(op.path, dict(op.path_params)) + (_query_params(op.query) if op.query else [])
        params += [{"name": h, "in": "header", "required": False, "schema": {"type": "string"},
                    **REQUEST_HEADERS.get(h, {})} for h in op.headers]
        if params:
            item["parameters"] = params
        if op.body is not None:
            item["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": _input_schema(op.body, components)}}}
        responses: dict[str, Any] = {}
        ok: dict[str, Any] = {"description": phrase(op.status),
                              "headers": header_refs("X-Request-ID", *op.response_headers)}
        if op.events:
            # OpenAPI 3.1 has no schema for an event stream's items: the event names are
            # listed (x-events); each event's data is the JSON of the model named in the summary.
            ok["description"] = "A Server-Sent Events stream; events: " + ", ".join(op.events)
            ok["content"] = {"text/event-stream": {"schema": {"type": "string"}}}
            ok["x-events"] = list(op.events)
        elif op.response is not None:
            ok["content"] = {"application/json": {"schema": _schema(op.response, components)}}
        responses[str(op.status)] = ok
        errors: dict[int, list[ErrorDoc]] = {}
        if op.body is not None or op.query is not None or "{" in op.path:
            errors.setdefault(422, []).append(VALIDATION)
        if op.roles is not None:
            errors.setdefault(401, []).append(UNAUTHORIZED)
            if op.roles:
                errors.setdefault(403, []).append(FORBIDDEN)
        errors.setdefault(503, []).append(SERVICE_UNAVAILABLE)
        for doc in op.errors:
            errors.setdefault(doc.status, []).append(doc)
        for status, docs in sorted(errors.items()):
            responses[str(status)] = problem_response(status, docs)
        item["responses"] = responses
        if op.roles is not None:
            item["security"] = [{"bearer": []}]
            if op.roles:
                item["x-roles"] = list(op.roles)
        else:
            item["security"] = []
        paths.setdefault(op.path, {})[op.method.lower()] = item
    return document(paths, components, {}, title=title, version=version, description=description)


def document(paths: dict[str, Any], schemas: dict[str, Any], responses: dict[str, Any], *, title: str,
             version: str, description: str, tags: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items())),
                       "headers": dict(sorted(HEADERS.items())),
                       "securitySchemes": {"bearer": {
                           "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                           "description": "The access token of POST /api/v1/sessions (15 minutes)."}}},
    }
    if responses:
        doc["components"]["responses"] = dict(sorted(responses.items()))
    if tags is not None:
        doc["tags"] = tags
    return doc


def merge_specs(specs: Iterable[dict[str, Any]], *, title: str, version: str = "1.0.0",
                description: str = "", tags: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """One document over several services; a schema (or response) name used twice with
    different contents is an error, not a silent overwrite."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    responses: dict[str, Any] = {}
    for spec in specs:
        for path, item in spec["paths"].items():
            paths.setdefault(path, {}).update(item)
        for kind, into in (("schemas", schemas), ("responses", responses)):
            for name, schema in spec["components"].get(kind, {}).items():
                if name in into and into[name] != schema:
                    raise ValueError(f"{kind[:-1]} {name} differs between services")
                into[name] = schema
    return document(paths, schemas, responses, title=title, version=version, description=description, tags=tags)


@dataclass(frozen=True)
class ServiceDocument:
    """A service's own OpenAPI document, from its route declarations (no runtime needed),
    and GET /openapi.json serving it on the service's own port (the gateway serves the
    document merged over every service at GET /api/v1/openapi.json: scripts/openapi.py)."""
    title: str
    description: str
    operations: Callable[[], Iterable[Operation]]

    def spec(self) -> dict[str, Any]:
        return build_spec(self.operations(), title=self.title, description=self.description)

    def routes(self) -> list[web.RouteDef]:
        return spec_routes(self.spec())


def spec_routes(spec: dict[str, Any]) -> list[web.RouteDef]:
    """GET /openapi.json: a service's own document on its own port. Not part of the public
    API (not in the document, not routed by the gateway, which serves the merged one)."""
    body = orjson.dumps(spec)

    @public_handler
    async def get_openapi(_request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    return [web.get("/openapi.json", get_openapi)]
