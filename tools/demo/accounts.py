"""The demo's accounts, found before made: the administrator and the clerk through the
operator command (as the README makes staff), the agents by registering with the SMS code
the fake provider received, then each agent's enterprises."""
from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from tools.demo.api import Api, DemoError
from tools.demo.cast import Person

REPO = Path(__file__).resolve().parents[2]
CODE_WAIT = 30      # seconds for a verification SMS to reach the fake provider


async def ensure_staff(api: Api, person: Person) -> bool:
    """Sign ``person`` (admin or clerk) in, making the account first when it is missing.
    True when it was made now."""
    if await api.login(person, ok=(200, 401)):
        return False
    # The password goes through standard input, never an argument (ps, shell history).
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "identity", "create-user", "--username", person.username, "--name", person.name,
        "--phone", person.phone, "--role", person.role, cwd=REPO,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, err = await proc.communicate(person.password.encode() + b"\n")
    if proc.returncode != 0:
        last = err.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
        raise DemoError(f"python -m identity create-user {person.username}: {last[0]} "
                        "(an account of that name with another password? DEMO_PASSWORD must match the first run)")
    await api.login(person)
    return True


async def known_agents(api: Api, admin: Person) -> set[str]:
    """Usernames of the demo agents the system already has (the admin's agent search)."""
    names, cursor = set(), None
    while True:
        params = {"q": "demo-agent", "limit": "100", **({"cursor": cursor} if cursor else {})}
        _, page = await api.call("GET", "/api/v1/admin/agents", person=admin, params=params)
        names.update(item["username"] for item in page["items"] if item.get("username"))
        cursor = page.get("next_cursor")
        if not cursor:
            return names


async def ensure_agent(api: Api, agent: Person, known: set[str]) -> bool:
    """Sign the agent in, registering it first (SMS code, then the form); True when made now."""
    if agent.username in known:
        await api.login(agent)
        return False
    code = await _fresh_code(api, agent)
    status, body = await api.call("POST", "/api/v1/users", person=agent, ok=(201, 409), json={
        "phone": agent.phone, "sms_code": code, "username": agent.username, "password": agent.password,
        "name": agent.name})
    if status == 409:   # made by a run the agent search did not see yet
        if not await api.login(agent, ok=(200, 401)):
            raise DemoError(f"{agent.username}: {body.get('code')}, and the demo password does not sign it in")
        return False
    await api.login(agent)
    return True


async def _fresh_code(api: Api, agent: Person) -> str:
    before = await api.latest_code(agent.phone)
    await api.call("POST", "/api/v1/sms-codes", person=agent, json={"phone": agent.phone, "purpose": "register"})
    loop = asyncio.get_running_loop()
    deadline = loop.time() + CODE_WAIT
    while loop.time() < deadline:
        latest = await api.latest_code(agent.phone)
        if latest and (before is None or latest["id"] != before["id"]):
            return latest["code"]
        await asyncio.sleep(0.2)
    raise DemoError(f"no verification SMS for {agent.username} reached {api.endpoints.sms_inbox} in {CODE_WAIT} s "
                    "(is scripts/run started without SMS_PROVIDER=log?)")


async def ensure_enterprises(api: Api, agent: Person) -> int:
    """Add the agent's missing enterprises to its list (and the directory); how many were added."""
    _, page = await api.call("GET", "/api/v1/me/enterprises", person=agent)
    have = {e["org_code"] for e in page["items"]}
    added = 0
    for code, name in agent.enterprises:
        if code not in have:
            status, _ = await api.call("POST", "/api/v1/me/enterprises", person=agent, ok=(201, 409),
                                       json={"code": code, "name": name})
            added += status == 201
    return added
