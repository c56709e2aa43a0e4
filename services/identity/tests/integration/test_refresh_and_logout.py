"""POST /api/v1/sessions/refresh (rotation, reuse detection) and DELETE /sessions/current."""
from __future__ import annotations

import asyncio
from datetime import timedelta


async def test_a_refresh_gives_a_new_pair_and_the_old_refresh_token_stops_working(api):
    acc = await api.account()
    r = await api.refresh(acc.tokens["refresh_token"])
    assert r.status == 200 and r.headers["Cache-Control"] == "no-store"
    pair = await r.json()
    assert pair["refresh_token"] != acc.tokens["refresh_token"] and pair["token_type"] == "Bearer"
    assert pair["user"]["id"] == acc.id
    assert (await api.me(pair["access_token"])).status == 200
    r = await api.refresh(acc.tokens["refresh_token"])
    assert r.status == 401 and (await r.json())["code"] == "auth.invalid_token"


async def test_reusing_an_old_refresh_token_revokes_the_whole_family(api):
    acc = await api.account()
    first = acc.tokens["refresh_token"]
    second = (await (await api.refresh(first)).json())["refresh_token"]
    third = (await (await api.refresh(second)).json())["refresh_token"]
    # Someone replays the first token (it was stolen): refused, and the session dies.
    assert (await api.refresh(first)).status == 401
    assert (await api.refresh(third)).status == 401
    # Other sessions of the user live on.
    other = await (await api.login(acc.username, acc.password)).json()
    assert (await api.refresh(other["refresh_token"])).status == 200


async def test_concurrent_refreshes_with_one_token_let_one_through(api):
    acc = await api.account()
    answers = await asyncio.gather(*(api.refresh(acc.tokens["refresh_token"]) for _ in range(5)))
    assert sorted(r.status for r in answers) == [200, 401, 401, 401, 401]


async def test_refresh_tokens_are_stored_hashed_and_unknown_ones_refused(api):
    acc = await api.account()
    async with api.db.connection() as conn:
        stored = await conn.fetch("SELECT token_hash FROM refresh_tokens WHERE user_id = $1", acc.id)
    assert stored and all(acc.tokens["refresh_token"] not in r["token_hash"] for r in stored)
    assert (await api.refresh("made-up-token")).status == 401
    r = await api.client.post("/api/v1/sessions/refresh", json={})
    assert r.status == 422


async def test_a_refresh_token_expires(api):
    acc = await api.account()
    await api.move_clock(timedelta(days=30, seconds=1))
    r = await api.refresh(acc.tokens["refresh_token"])
    assert r.status == 401 and (await r.json())["code"] == "auth.token_expired"


async def test_logout_revokes_the_sessions_refresh_token_only(api):
    acc = await api.account()
    other = await (await api.login(acc.username, acc.password)).json()
    rotated = await (await api.refresh(acc.tokens["refresh_token"])).json()
    r = await api.client.delete("/api/v1/sessions/current",
                                headers={"Authorization": f"Bearer {rotated['access_token']}"})
    assert r.status == 204
    assert (await api.refresh(rotated["refresh_token"])).status == 401
    assert (await api.refresh(other["refresh_token"])).status == 200
    assert (await api.client.delete("/api/v1/sessions/current")).status == 401
