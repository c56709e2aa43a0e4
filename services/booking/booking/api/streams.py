"""The live streams (issue 18, text/event-stream): the hall display's calls, and an agent's
place in the queue. Both answer a refusal as problem+json before the stream opens; once
open, an event goes out per call heard by this process's hub (booking.streams)."""
from __future__ import annotations

import asyncio
import base64

import asyncpg
import orjson
from aiohttp import web
from shared.http.auth import principal_of
from shared.http.enforce import shaped
from shared.http.openapi import TOKEN_ERRORS, ApiRouter
from shared.http.sse import EventStream, StreamClosed
from shared.logging import get_logger

from booking.streams import hub_of, sources
from booking.streams.hub import Subscriber
from booking.api.context import PATH_PARAMS, TAG, context_of
from booking.api.display import display_token
from booking.api.models import BoardView, DisplayBoardQuery, PlaceView

log = get_logger(__name__)
api = ApiRouter(TAG, path_params=PATH_PARAMS)
# A database that fails while a stream is open (the pool busy, a dropped connection): the
# stream ends and the client reconnects. Anything else is logged with its trace.
STREAM_FAILURES = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


@api.get("/api/v1/display/stream",
         summary="The hall display's live calls (Server-Sent Events, display token)",
         description=("A text/event-stream for the hall display, opened with a display token as the board is "
                      "(?token=<token>: EventSource sends no header; or Authorization: Display <token>). Events: "
                      "`board` (data: a BoardView, id: its last_event_id) first and after any resync; `call` "
                      "(data: {seq, desk, queue_number, kind, called_at}, id: seq) for each call, recall and skip "
                      "at the token's center, from whichever replica made it; a `: hb` comment every 15 s. "
                      "Reconnecting with Last-Event-ID replays the calls missed while the process still holds "
                      "them (its last 200), else sends the board again. Revoking the token ends its streams; "
                      "a refused token is a 401 display.invalid_token before any stream opens."),
         query=DisplayBoardQuery, public=True, errors=[(401, "display.invalid_token")],
         events=("board", "call"))
async def display_stream(request: web.Request, query: DisplayBoardQuery) -> web.StreamResponse:
    ctx = context_of(request)
    # Authorization: Display <token>, or ?token= (EventSource sends no header; the gateway
    # logs the path only).
    token = await sources.authenticate(ctx, display_token(request, query))
    center = token["center"]
    hub = hub_of(request)
    async with EventStream(request) as stream:
        # Subscribed and replayed with no await between: no call falls in the gap or comes twice.
        sub = hub.subscribe(center, token_id=str(token["id"]))
        missed = hub.replay_after(center, request.headers.get("Last-Event-ID"))
        stream.on_close(sub.close)
        try:
            if missed is None:
                floor = await send_board(stream, ctx, center)
            else:
                floor = -1
                for call in missed:
                    await stream.send("call", call, call["seq"])
            while (item := await sub.get()) is not None:
                kind, call = item
                if kind == "call" and call["seq"] > floor:
                    await stream.send("call", call, call["seq"])
                elif kind == "resync":
                    floor = await send_board(stream, ctx, center)
        except StreamClosed:
            pass
        except STREAM_FAILURES as exc:
            # The answer has begun: no problem document now. The client reconnects and resyncs.
            log.warning("stream_failed", route="display", error=type(exc).__name__)
        except Exception:
            log.exception("stream_error", route="display")
        finally:
            sub.close()
    return stream.response


async def send_board(stream: EventStream, ctx, center: str) -> int:
    """Send the board; calls up to its last_event_id are in it (and are not sent again)."""
    board = shaped(BoardView, await sources.board(ctx, center))
    last = int(board.get("last_event_id") or 0)
    await stream.send("board", board, last)
    return last


@api.get("/api/v1/bookings/{id}/place/stream",
         summary="The booking's place in its desk queue, live (Server-Sent Events)",
         description=("A text/event-stream of the booking's place: `place` (data: a PlaceView, as GET "
                      "/api/v1/bookings/{id}/place answers) first and after every call at its center (several at "
                      "once give one), and a `: hb` comment every 15 s. The stream ends when the access token "
                      "expires: the client reconnects with a fresh one. Bearer token in the Authorization header "
                      "(the web client reads it with fetch()). The booking's agent, staff and administrators; "
                      "another agent's booking is a 404 booking.not_found before any stream opens."),
         roles=(), errors=[*TOKEN_ERRORS, (404, "booking.not_found")], events=("place",))
async def place_stream(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    principal = principal_of(request)
    booking_id = request.match_info["id"]
    view = await sources.place(ctx, principal, booking_id)      # 404 before the stream opens
    center = await sources.center_of(ctx, booking_id)
    async with EventStream(request) as stream:
        sub = hub_of(request).subscribe(center)
        stream.on_close(sub.close)
        # Not beyond its access token: a signed-out agent stops hearing; the client comes
        # back with a fresh token.
        ends = asyncio.get_running_loop().call_later(
            max(token_expiry(request) - ctx.clock.now().timestamp(), 0.0), stream.close)
        stream.on_close(ends.cancel)
        try:
            await stream.send("place", shaped(PlaceView, view))
            while await next_change(sub):
                await stream.send("place", shaped(PlaceView, await sources.place(ctx, principal, booking_id)))
        except StreamClosed:
            pass
        except STREAM_FAILURES as exc:
            log.warning("stream_failed", route="place", error=type(exc).__name__)
        except Exception:
            log.exception("stream_error", route="place")
        finally:
            sub.close()
    return stream.response


def token_expiry(request: web.Request) -> float:
    """The ``exp`` of the request's bearer token (its signature already checked by the route's
    access: shared.http.access)."""
    token = request.headers["Authorization"].partition(" ")[2].strip()
    payload = token.split(".")[1]
    return float(orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"])


async def next_change(sub: Subscriber) -> bool:
    """Wait for a call (or a resync); several queued meanwhile make one new place, not one each."""
    if await sub.get() is None:
        return False
    await asyncio.sleep(0)
    sub.pending()
    return sub.reason is None
