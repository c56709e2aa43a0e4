"""What booking's handlers read from the running app, and what every route declaration
shares. The routes are declared at module level (``ApiRouter``), so that their OpenAPI
operations can be collected without a runtime; a handler finds the app's one
BookingContext (which owns the app's metrics) through ``request.app`` (set by
``booking.app.create_app``)."""
from __future__ import annotations

from aiohttp import web

from shared.http.formats import ORG_OR_CREDIT_CODE

from booking.service.context import BookingContext

# The app's use-case context: for the handlers, and for tests and tools that drive use
# cases directly (re-exported by booking.app).
CONTEXT_KEY = web.AppKey("booking_context", BookingContext)

# The OpenAPI tag of every booking operation.
TAG = "booking"
ADMIN = ("admin",)
# Every path parameter of booking's routes, as the OpenAPI document describes it (the
# handlers check them: a bad one is a 422 validation_error, an unknown one a 404).
PATH_PARAMS = {
    "id": {"description": "the booking's id", "schema": {"type": "string", "format": "uuid"},
           "example": "0b6f1c52-3d4e-4f80-9a1b-2c3d4e5f6a7b"},
    "org_code": {"description": "an enterprise's organisation code (组织机构代码, 9 characters) or unified social "
                                "credit code (统一社会信用代码, 18)",
                 "schema": {"type": "string", **{k: v for k, v in ORG_OR_CREDIT_CODE.items() if k != "examples"}},
                 "example": "MA1K4LXL8"},
    "center": {"description": "a center's id (GET /api/v1/centers)", "schema": {"type": "string"},
               "example": "qingdao"},
    "date": {"description": "a date (YYYY-MM-DD, the center's calendar)",
             "schema": {"type": "string", "format": "date"}, "example": "2027-03-15"},
    "user_id": {"description": "an agent's account id", "schema": {"type": "string", "format": "uuid"},
                "example": "5f0c6b1e-8a4d-4c2b-9e3f-1a2b3c4d5e6f"},
    "year": {"description": "a year (2000-2100)", "schema": {"type": "string", "pattern": "^[0-9]{4}$"},
             "example": "2027"},
}
DESK = ("staff", "admin")


def context_of(request: web.Request) -> BookingContext:
    return request.app[CONTEXT_KEY]
