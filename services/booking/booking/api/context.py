"""What booking's handlers read from the running app, and what every route declaration
shares. The routes are declared at module level (``ApiRouter``), so that their OpenAPI
operations can be collected without a runtime; a handler finds the app's one
BookingContext (which owns the app's metrics) through ``request.app`` (set by
``booking.app.create_app``)."""
from __future__ import annotations

from aiohttp import web

from ..service.context import BookingContext

# The app's use-case context: for the handlers, and for tests and tools that drive use
# cases directly (re-exported by booking.app).
CONTEXT_KEY = web.AppKey("booking_context", BookingContext)

# The OpenAPI tag of every booking operation.
TAG = "booking"
# Besides 401 auth.unauthorized (no token), which the ApiRouter adds for signed-in routes:
# what the token check itself answers (shared.http.auth).
TOKEN_ERRORS = ((401, "auth.invalid_token"), (401, "auth.token_expired"))
ADMIN = ("admin",)
DESK = ("staff", "admin")


def context_of(request: web.Request) -> BookingContext:
    return request.app[CONTEXT_KEY]
