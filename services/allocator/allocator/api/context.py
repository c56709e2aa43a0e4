"""How the allocator's handlers find the app's one AllocatorContext: through ``request.app``
(set by ``allocator.bootstrap.wire``). The routes are declared at module level, so that
their OpenAPI operations can be collected without a runtime."""
from __future__ import annotations

from aiohttp import web

from allocator.service.context import AllocatorContext

CONTEXT_KEY = web.AppKey("allocator_context", AllocatorContext)


def context_of(request: web.Request) -> AllocatorContext:
    return request.app[CONTEXT_KEY]
