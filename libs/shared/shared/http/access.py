"""Routes deny by default: every handler an app serves carries its declared access, and an
app with a route that carries none does not start.

- ``enforced(handler, roles)``: the handler behind ``authenticate`` (401 without a valid
  token, 403 without one of ``roles``; ``()`` is any signed-in user). The check runs before
  the handler reads its body, path or query, so 401 comes before 403 before 404/422.
- ``public_handler(handler)``: marks a handler anyone may call (login, JWKS, health).
- ``refuse_undeclared_routes``: an ``on_startup`` hook: a route whose handler is neither
  (added with a bare ``web.get``, or an ApiRouter declaration without access) stops the
  start with the routes named.

ApiRouter (shared.http.openapi) applies the first two from each route's declaration."""
from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from shared.http.auth import authenticate

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ACCESS_ATTR = "__route_access__"


class Undeclared:
    """The default of ``ApiRouter.route(roles=...)``: no access said, the route is refused."""
    def __repr__(self) -> str:
        return "UNDECLARED"


UNDECLARED = Undeclared()


@dataclass(frozen=True)
class Access:
    public: bool
    roles: tuple[str, ...] = ()    # with public=False: () is any signed-in user

    def describe(self) -> str:
        if self.public:
            return "public"
        return "roles:" + ",".join(sorted(self.roles)) if self.roles else "signed-in"


def public_handler(handler: Handler) -> Handler:
    setattr(handler, ACCESS_ATTR, Access(public=True))
    return handler


def enforced(handler: Handler, roles: tuple[str, ...]) -> Handler:
    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        await authenticate(request, *roles)
        return await handler(request)
    setattr(guarded, ACCESS_ATTR, Access(public=False, roles=tuple(roles)))
    return guarded


def route_access(app: web.Application) -> dict[tuple[str, str], Access | None]:
    """(method, path) -> the access its handler enforces, None when it declares none."""
    table: dict[tuple[str, str], Access | None] = {}
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else "?"
        table[(route.method, path)] = getattr(route.handler, ACCESS_ATTR, None)
    return table


def undeclared_routes(app: web.Application) -> list[str]:
    return sorted(f"{m} {p}" for (m, p), access in route_access(app).items() if access is None)


async def refuse_undeclared_routes(app: web.Application) -> None:
    missing = undeclared_routes(app)
    if missing:
        raise RuntimeError("routes without a declared access (deny by default): " + ", ".join(missing))
