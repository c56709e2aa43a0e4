"""The enterprise directory and each agent's list (信息维护)."""
from __future__ import annotations

import uuid

from shared.contracts.identity import USER_REGISTERED, UserRegistered


async def test_an_enterprise_registered_by_credit_code_is_stored_as_its_org_code(service, org_codes,
                                                                                credit_code, refused):
    [code] = org_codes()
    r = await service.client.post("/api/v1/enterprises", headers=service.agent(),
                                  json={"code": credit_code(code), "name": "青岛甲贸易有限公司"})
    assert r.status == 201
    assert await r.json() == {"org_code": code, "name": "青岛甲贸易有限公司"}
    # The same enterprise again, in its printed 9-char form: it exists already.
    again = await service.client.post("/api/v1/enterprises", headers=service.agent(),
                                      json={"code": f"{code[:8]}-{code[8]}", "name": "另一个名字"})
    assert (await refused(again, 409))["code"] == "enterprise.exists"


async def test_codes_with_a_wrong_check_character_are_refused(service, org_codes, credit_code, refused):
    [code] = org_codes()
    wrong_org = code[:8] + ("1" if code[8] != "1" else "2")
    uscc = credit_code(code)
    wrong_uscc = uscc[:17] + ("1" if uscc[17] != "1" else "2")
    for bad in (wrong_org, wrong_uscc, "12345"):
        r = await service.client.post("/api/v1/enterprises", headers=service.agent(),
                                      json={"code": bad, "name": "甲公司"})
        assert (await refused(r, 422))["code"] == "enterprise.code_invalid", bad
        r = await service.client.post("/api/v1/me/enterprises", headers=service.agent(),
                                      json={"code": bad, "name": "甲公司"})
        assert (await refused(r, 422))["code"] == "enterprise.code_invalid", bad


async def test_registering_needs_a_signed_in_user_and_a_name(service, org_codes, refused):
    [code] = org_codes()
    r = await service.client.post("/api/v1/enterprises", json={"code": code, "name": "甲公司"})
    await refused(r, 401)
    r = await service.client.post("/api/v1/enterprises", headers=service.agent(), json={"code": code, "name": " "})
    assert (await refused(r, 422))["code"] == "validation_error"


async def test_look_up_by_code_prefix_or_name_part_gives_at_most_20(service, org_codes, refused):
    marker = uuid.uuid4().hex[:6]                    # a name part no other test uses
    codes = sorted(org_codes(25))
    for i, code in enumerate(codes):
        r = await service.client.post("/api/v1/enterprises", headers=service.agent(),
                                      json={"code": code, "name": f"青岛{marker}物流{i:02d}有限公司"})
        assert r.status == 201
    r = await service.client.get("/api/v1/enterprises", params={"q": f"{marker}物流"})
    found = (await r.json())["items"]
    assert len(found) == 20 and all(marker in e["name"] for e in found)

    r = await service.client.get("/api/v1/enterprises", params={"q": codes[3][:8]})
    assert {"org_code": codes[3], "name": f"青岛{marker}物流03有限公司"} in (await r.json())["items"]
    r = await service.client.get("/api/v1/enterprises", params={"q": codes[3].lower()})   # typed in lower case
    assert (await r.json())["items"][0]["org_code"] == codes[3]

    r = await service.client.get("/api/v1/enterprises", params={"q": "青"})
    assert (await refused(r, 422))["code"] == "validation_error"


async def test_a_name_part_of_two_chinese_characters_is_found(service, org_codes):
    [code] = org_codes()
    rare = "䶮䶵"   # two characters no other test's names contain
    await service.client.post("/api/v1/enterprises", headers=service.agent(),
                              json={"code": code, "name": f"青岛{rare}有限公司"})
    r = await service.client.get("/api/v1/enterprises", params={"q": rare})
    assert (await r.json())["items"] == [{"org_code": code, "name": f"青岛{rare}有限公司"}]


async def test_an_agent_keeps_their_own_list(service, org_codes, refused):
    agent = service.agent()
    first, second = org_codes(2)
    for code, name in ((first, "甲公司"), (second, "乙公司")):
        r = await service.client.post("/api/v1/me/enterprises", headers=agent, json={"code": code, "name": name})
        assert r.status == 201
    r = await service.client.post("/api/v1/me/enterprises", headers=agent, json={"code": first, "name": "甲公司"})
    assert (await refused(r, 409))["code"] == "enterprise.already_added"

    r = await service.client.get("/api/v1/me/enterprises", headers=agent)
    assert [(e["org_code"], e["name"]) for e in (await r.json())["items"]] == [(first, "甲公司"), (second, "乙公司")]
    # Another agent's list is their own.
    r = await service.client.get("/api/v1/me/enterprises", headers=service.agent())
    assert (await r.json())["items"] == []

    r = await service.client.delete(f"/api/v1/me/enterprises/{first}", headers=agent)
    assert r.status == 204
    r = await service.client.get("/api/v1/me/enterprises", headers=agent)
    assert [e["org_code"] for e in (await r.json())["items"]] == [second]
    # An enterprise first added to a list joins the directory for everyone.
    r = await service.client.get("/api/v1/enterprises", params={"q": second})
    assert (await r.json())["items"] == [{"org_code": second, "name": "乙公司"}]


async def test_a_booked_line_is_named_as_in_the_agents_list(service, org_codes):
    agent = service.agent()
    [code] = org_codes()
    await service.client.post("/api/v1/me/enterprises", headers=agent, json={"code": code, "name": "甲公司"})
    booking = await service.booked(agent, codes=[code])
    assert booking["enterprises"][0]["name"] == "甲公司"


async def test_user_registered_with_a_known_org_code_adds_it_to_the_agents_list(service, org_codes, eventually):
    known, unknown = org_codes(2)
    await service.client.post("/api/v1/enterprises", headers=service.agent(), json={"code": known, "name": "丙公司"})
    with_known, with_unknown = str(uuid.uuid4()), str(uuid.uuid4())
    for user_id, code in ((with_known, known), (with_unknown, unknown)):
        await service.publish(USER_REGISTERED, UserRegistered(
            user_id=user_id, username=f"u{user_id[:8]}", name="李四", phone="13912345678",
            org_code=code, registered_at=service.now), producer="identity")

    async def listed():
        r = await service.client.get("/api/v1/me/enterprises", headers=service.headers(with_known))
        return (await r.json())["items"]
    assert [(e["org_code"], e["name"]) for e in await eventually(listed)] == [(known, "丙公司")]

    async def phone_of(user_id):
        async with service.db.connection() as conn:
            return await conn.fetchval("SELECT phone FROM agents WHERE id = $1", user_id)
    assert await eventually(lambda: phone_of(with_unknown)) == "13912345678"
    # An org code the directory does not know is not added.
    r = await service.client.get("/api/v1/me/enterprises", headers=service.headers(with_unknown))
    assert (await r.json())["items"] == []
