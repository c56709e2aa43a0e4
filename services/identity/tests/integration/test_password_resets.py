"""POST /api/v1/password-resets: a reset_password SMS code sets a new password and ends
every session of the user."""
from __future__ import annotations

from datetime import timedelta

NEW_PASSWORD = "Another-Long-Secret-42"


async def reset(api, phone: str, code: str, new_password: str = NEW_PASSWORD):
    return await api.client.post("/api/v1/password-resets",
                                 json={"phone": phone, "sms_code": code, "new_password": new_password})


async def test_a_reset_sets_the_password_and_revokes_every_refresh_token(api):
    acc = await api.account()
    second = await (await api.login(acc.username, acc.password)).json()
    await api.move_clock(timedelta(minutes=1, seconds=1))
    code = await api.new_code(acc.phone, "reset_password")
    r = await reset(api, acc.phone, code)
    assert r.status == 204
    assert (await api.login(acc.username, acc.password)).status == 401
    assert (await api.login(acc.username, NEW_PASSWORD)).status == 200
    for token in (acc.tokens["refresh_token"], second["refresh_token"]):
        assert (await api.refresh(token)).status == 401
    # The code was used: a replay is refused.
    r = await reset(api, acc.phone, code, "Yet-Another-Secret-77")
    assert r.status == 422 and (await r.json())["code"] == "sms.code_invalid"


async def test_a_wrong_or_foreign_code_is_refused(api):
    acc = await api.account(logged_in=False)
    await api.move_clock(timedelta(minutes=1, seconds=1))
    login_code = await api.new_code(acc.phone, "login")
    r = await reset(api, acc.phone, login_code)
    assert r.status == 422 and (await r.json())["code"] == "sms.code_invalid"
    assert (await api.login(acc.username, acc.password)).status == 200


async def test_a_weak_new_password_is_refused_and_the_code_stays_usable(api):
    acc = await api.account(logged_in=False)
    await api.move_clock(timedelta(minutes=1, seconds=1))
    code = await api.new_code(acc.phone, "reset_password")
    for weak in ("short", "password1", acc.username + "!!"):
        r = await reset(api, acc.phone, code, weak)
        assert r.status == 422 and (await r.json())["code"] == "user.password_weak", weak
    assert (await reset(api, acc.phone, code)).status == 204


async def test_a_reset_lifts_the_login_lock(api):
    acc = await api.account(logged_in=False)
    for _ in range(5):
        await api.login(acc.username, "wrong-password-1")
    assert (await api.login(acc.username, acc.password)).status == 429
    await api.move_clock(timedelta(minutes=1, seconds=1))
    assert (await reset(api, acc.phone, await api.new_code(acc.phone, "reset_password"))).status == 204
    assert (await api.login(acc.username, NEW_PASSWORD)).status == 200
