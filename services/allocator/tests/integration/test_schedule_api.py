"""GET /api/v1/allocations/{center}/{date}: who may read it, and what bad input answers."""
from __future__ import annotations


async def test_only_staff_and_admins_read_schedules_and_bad_input_is_a_problem(allocator, kit, token_factory):
    center, day = "t-api", "2026-12-08"
    env = kit.envelope(kit.snapshot(center, day, [kit.booking("x1")]))
    await allocator.publish(env)
    await allocator.probe.completed(env.id)
    path = f"/api/v1/allocations/{center}/{day}"
    get = allocator.client.get

    r = await get(path, headers=token_factory.headers(roles=("agent",)))
    assert r.status == 403 and (await r.json())["code"] == "auth.forbidden"
    r = await get(path)
    assert r.status == 401
    r = await get(path, headers=token_factory.headers(roles=("agent", "staff")))
    assert r.status == 200

    staff = token_factory.headers(roles=("staff",))
    r = await get(f"/api/v1/allocations/{center}/2026-12-09", headers=staff)
    assert r.status == 404
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert (await r.json())["code"] == "allocation.not_found"
    r = await get(f"/api/v1/allocations/nowhere/{day}", headers=staff)
    assert r.status == 404 and (await r.json())["code"] == "allocation.not_found"

    for bad in ("2026-13-01", "tomorrow", "1764547200", "2026-12-1"):
        r = await get(f"/api/v1/allocations/{center}/{bad}", headers=staff)
        assert r.status == 422, bad
        body = await r.json()
        assert body["code"] == "validation_error" and [e["field"] for e in body["errors"]] == ["date"]
    # The agent is refused before the input is even looked at.
    r = await get(f"/api/v1/allocations/{center}/tomorrow", headers=token_factory.headers(roles=("agent",)))
    assert r.status == 403
