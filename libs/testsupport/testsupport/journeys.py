"""What the end-to-end suites do through the gateway, in a person's words: register with
the code the SMS brought, sign in, book, move time. Everything goes through nginx, except
moving the clock (each service's own ``/_test/clock``) and reading the fake SMS inbox."""
from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp

from testsupport.generators import new_phone
from testsupport.harness import put_clock
from testsupport.system import REPO, System

PASSWORD = "Zx9!card-center"


@dataclass
class Agent:
    username: str
    phone: str
    password: str = PASSWORD
    name: str = "张三"
    user_id: str = ""
    tokens: dict[str, Any] = field(default_factory=dict)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens['access_token']}"}


class Gateway:
    """An HTTP client of the gateway plus the test-only levers."""

    def __init__(self, system: System, http: aiohttp.ClientSession, sms) -> None:
        self.system = system
        self.http = http
        self.sms = sms          # testsupport.notifier.fake_provider.FakeProviderState
        self.url = system.gateway_url
        self.people: list[Agent] = []   # signed in again whenever the clock moves

    async def call(self, method: str, path: str, *, agent: Agent | None = None, json: Any = None,
                   headers: dict[str, str] | None = None, expect: int | None = None) -> tuple[int, Any]:
        h = dict(headers or {})
        if agent is not None:
            h.update(agent.auth)
        async with self.http.request(method, self.url + path, json=json, headers=h) as r:
            body = await r.json(content_type=None) if r.content_length != 0 else None
            if expect is not None:
                assert r.status == expect, (method, path, r.status, body)
            return r.status, body

    # --- time -------------------------------------------------------------------------
    async def set_clock(self, instant: datetime | None, *, services: tuple[str, ...] | None = None) -> None:
        """Move every service's clock (or only ``services``') to ``instant``."""
        for name, sp in self.system.services.items():
            if services is None or name in services:
                await put_clock(self.http, instant, sp.url)
        # Access tokens live 15 minutes of the moved clock: clients refresh them, as a web
        # client would (the refresh route has no gateway rate limit; the login route has).
        for agent in self.people:
            _, agent.tokens = await self.call("POST", "/api/v1/sessions/refresh", expect=200,
                                              json={"refresh_token": agent.tokens["refresh_token"]})

    # --- SMS ----------------------------------------------------------------------------
    async def wait_sms(self, phone: str, contains: str = "", *, count: int = 1, timeout: float = 30) -> list:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = [m for m in self.sms.messages_for(phone) if contains in m.text]
            if len(found) >= count or loop.time() > deadline:
                return found
            await asyncio.sleep(0.1)

    async def code_for(self, phone: str, purpose: str = "register") -> str:
        before = len(self.sms.messages_for(phone))
        await self.call("POST", "/api/v1/sms-codes", json={"phone": phone, "purpose": purpose}, expect=202)
        msgs = await self.wait_sms(phone, count=before + 1)
        assert len(msgs) > before, f"no SMS code reached {phone}"
        code = self.sms.latest_code(phone)
        assert code is not None
        return code

    # --- people -------------------------------------------------------------------------
    async def register(self, *, org: str | None = None) -> Agent:
        agent = Agent(username=f"a{uuid.uuid4().hex[:10]}", phone=new_phone())
        code = await self.code_for(agent.phone)
        body = {"phone": agent.phone, "sms_code": code, "username": agent.username,
                "password": agent.password, "name": agent.name}
        if org:
            body["org_code"] = org
        _, user = await self.call("POST", "/api/v1/users", json=body, expect=201)
        agent.user_id = user["id"]
        await self.login(agent)
        self.people.append(agent)
        return agent

    async def login(self, agent: Agent) -> None:
        _, agent.tokens = await self.call("POST", "/api/v1/sessions", expect=200,
                                          json={"username": agent.username, "password": agent.password})

    async def operator(self, role: str) -> Agent:
        """A staff or admin account, made by the operator command as ops would."""
        agent = Agent(username=f"{role}{uuid.uuid4().hex[:8]}", phone=new_phone(), name="窗口")
        env = self.system.env_used
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "identity", "create-user", "--username", agent.username, "--name", agent.name,
            "--phone", agent.phone, "--role", role, env=env, cwd=REPO,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = await proc.communicate(agent.password.encode() + b"\n")
        with open(self.system.workdir / "create-user.log", "ab") as log:   # read by the log scan
            log.write(out + err)
        assert proc.returncode == 0, err.decode()[-500:]
        await self.login(agent)
        self.people.append(agent)
        return agent


class TokenMint:
    """Tokens for many simulated people at once, signed with the key identity itself signs
    with (handed to identity as ``IDENTITY_SIGNING_KEY_FILE``): load and fault tests need
    hundreds of agents, more than the SMS-code rate limits let one address register."""

    def __init__(self, key_file) -> None:
        from identity.domain.signing_keys import SigningKey
        self.key = SigningKey.generate()
        key_file.write_text(self.key.private_pem())
        self.key_file = str(key_file)

    def agent(self, now: datetime, roles=("agent",), *, phone: str | None = None) -> Agent:
        from datetime import timedelta

        from identity.domain.access_tokens import issue_access_token
        user_id = str(uuid.uuid4())
        token = issue_access_token(self.key, sub=user_id, roles=roles, name="压力测试", now=now,
                                   ttl=timedelta(days=30))
        return Agent(username=user_id[:12], phone=phone or new_phone(), user_id=user_id,
                     tokens={"access_token": token})
