"""The hall display (大屏): tokens staff create for a screen, and the board the screen
opens with one. The token comes in ``Authorization: Display <token>`` or, where no
header can be sent (EventSource), in ``?token=`` (the gateway's access log writes the
path without the query)."""
from __future__ import annotations

from aiohttp import web

from shared.http.auth import principal_of
from shared.http.openapi import TOKEN_ERRORS, ApiRouter

from booking.domain.errors import DisplayTokenInvalid, DisplayTokenNotFound
from booking.service import calling, display_tokens as tokens
from booking.api.context import DESK, TAG, context_of
from booking.api.models import BoardView, CenterQuery, DisplayBoardQuery, DisplayTokenBody, DisplayTokenCreated, DisplayTokenPage

TOKEN_ID = {"id": {"description": "a display token's id", "schema": {"type": "string", "format": "uuid"},
                   "example": "7a1e2b3c-4d5e-4f60-8a9b-0c1d2e3f4a5b"}}
api = ApiRouter(TAG, path_params=TOKEN_ID)
SCHEME = "display "


@api.post("/api/v1/display-tokens",
          description=("Creates a token for a hall display screen of the center. The token is in this answer only "
                       "(only its SHA-256 is kept) and lives 30 days; open the display as "
                       "/display.html#token=<token>."),
          summary="Create a hall display token (shown once; lives 30 days)",
          body=DisplayTokenBody, response=DisplayTokenCreated, status=201, roles=DESK, errors=TOKEN_ERRORS)
async def create_token(request: web.Request, body: DisplayTokenBody) -> dict:
    staff = principal_of(request)
    return await tokens.create(context_of(request), staff.user_id, body.center, body.name)


@api.get("/api/v1/display-tokens",
         description="The center's display tokens neither revoked nor expired, oldest first, without the tokens.",
         summary="The center's live display tokens (without the tokens)",
         query=CenterQuery, response=DisplayTokenPage, roles=DESK, errors=TOKEN_ERRORS)
async def list_tokens(request: web.Request, query: CenterQuery) -> dict:
    return await tokens.list_tokens(context_of(request), query.center)


@api.delete("/api/v1/display-tokens/{id}", summary="Revoke a display token (its open streams close)",
            description=("Revokes a display token: the board refuses it at once and the streams opened with it "
                         "close."),
            status=204, roles=DESK, errors=[*TOKEN_ERRORS, DisplayTokenNotFound])
async def revoke_token(request: web.Request) -> None:
    await tokens.revoke(context_of(request), request.match_info["id"])


@api.get("/api/v1/display/board",
         summary="The hall board: number served per desk, last calls, waiting per period (display token)",
         description=("The hall display's board, opened with a display token (no user account): "
                      "Authorization: Display <token>, or ?token=<token> where no header can be sent. Numbers "
                      "and desks only, never names, phones or booking ids. An unknown, revoked or expired token "
                      "is a 401 display.invalid_token."),
         query=DisplayBoardQuery, response=BoardView, public=True, errors=[DisplayTokenInvalid])
async def display_board(request: web.Request, query: DisplayBoardQuery) -> dict:
    ctx = context_of(request)
    found = await tokens.authenticate(ctx, display_token(request, query))
    return await calling.board(ctx, found["center"])


def display_token(request: web.Request, query: DisplayBoardQuery) -> str | None:
    """The display token of the header, else of the query (for the streams too)."""
    header = request.headers.get("Authorization", "")
    if header[:len(SCHEME)].lower() == SCHEME:
        return header[len(SCHEME):].strip()
    return query.token
