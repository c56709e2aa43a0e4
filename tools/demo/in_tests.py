"""How the suites try the demo (tests/e2e/test_demo_data.py, tests/browser/test_demo_login.py):
a system of its own started as the e2e tests start it, but with the gateway's and identity's
limits at their defaults (as scripts/run has them), its clock pinned, and scripts/demo run
against it as a user would run it."""
from __future__ import annotations

import asyncio
import re
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parents[2]
# The gateway's limits at their defaults (README "Configuration"): the suites' systems raise them.
GATEWAY_DEFAULTS = {"GATEWAY_SMS_RATE": "10r/m", "GATEWAY_SMS_BURST": "5", "GATEWAY_LOGIN_RATE": "30r/m",
                    "GATEWAY_LOGIN_BURST": "10", "GATEWAY_API_RATE": "20r/s", "GATEWAY_API_BURST": "100",
                    "GATEWAY_CONN_PER_ADDRESS": "20"}
LOGIN = re.compile(r"^\s+(admin|clerk|agent)\s+(\S+)\s+phone (\d{11})\s+password (\S+)\s+(\S+)", re.M)


def identity_defaults() -> dict[str, str]:
    """identity's request budgets at their defaults (the suites' systems raise them)."""
    from identity.settings import IdentitySettings
    from testsupport.system_fixtures import ROOMY_IDENTITY_BUDGETS
    fields = IdentitySettings.model_fields
    return {name: str(fields[name.removeprefix("IDENTITY_").lower()].default) for name in ROOMY_IDENTITY_BUDGETS}


@asynccontextmanager
async def demo_system(infra_urls, workdir, sms_provider, mint, now: datetime):
    """A fresh system (APP_ENV=test) at the default limits, every clock at ``now``."""
    from testsupport.system_fixtures import isolated_system
    async with isolated_system(infra_urls, workdir, sms_provider, mint, **GATEWAY_DEFAULTS,
                               **identity_defaults()) as system:
        await set_clocks(system, now)
        yield system


async def set_clocks(system, instant: datetime | None) -> None:
    async with aiohttp.ClientSession() as http:
        for sp in system.services.values():
            async with http.put(f"{sp.url}/_test/clock",
                                json={"now": instant.isoformat() if instant else None}) as r:
                assert r.status == 200, await r.text()


async def run_demo(system, sms_provider, timeout: float = 600) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of scripts/demo against ``system``."""
    env = dict(system.env_used, GATEWAY_URL=system.gateway_url,
               SMS_FAKE_URL=sms_provider.url.removesuffix("/sms"))
    proc = await asyncio.create_subprocess_exec(str(REPO / "scripts" / "demo"), env=env, cwd=REPO,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    return proc.returncode, out.decode(), err.decode()


def logins(stdout: str) -> list[dict]:
    """The printed logins: role, username, phone, password, name."""
    return [dict(zip(("role", "username", "phone", "password", "name"), m)) for m in LOGIN.findall(stdout)]


async def past_day_settled(system, admin: dict, day: str, timeout: float = 30) -> dict:
    """The past day's statuses once the closing sweep (after the demo put the clock back)
    has made its leftover booking a no-show."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with aiohttp.ClientSession() as http:
        async with http.post(system.gateway_url + "/api/v1/sessions",
                             json={"username": admin["username"], "password": admin["password"]}) as r:
            assert r.status == 200, await r.text()
            auth = {"Authorization": f"Bearer {(await r.json())['access_token']}"}
        while True:
            async with http.get(f"{system.gateway_url}/api/v1/admin/stats/qingdao/{day}", headers=auth) as r:
                statuses = {k: v for k, v in (await r.json())["statuses"].items() if v}
            if "allocated" not in statuses or loop.time() > deadline:
                return statuses
            await asyncio.sleep(0.2)
