"""Routes deny by default, through nginx (issue 16): the notifier started with its route
declarations altered (tests/security/route_variants.py) behind its own gateway. Removing a
role from a route's declaration refuses that role at once, with no handler edited; a route
declared without an access level does not let the service start at all.

Each variant runs in its own database and vhost (so its sender and consumer touch nothing
of the shared system) and verifies tokens against the shared system's identity."""
from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path

import aiohttp

from testsupport.fixtures import free_port
from testsupport.infra import create_test_database, create_test_vhost, delete_test_vhost, drop_test_database
from testsupport.system import REPO, ServiceProcess
from testsupport.waiting import ProcessExited, until_answers

VARIANTS = Path(__file__).with_name("route_variants.py")
PATH = "/api/v1/notifications?limit=5"


@asynccontextmanager
async def notifier_variant(system, infra_urls, workdir: Path, variant: str):
    database_url = await create_test_database(infra_urls[0])
    amqp_url, vhost = create_test_vhost(infra_urls[1])
    port = free_port()
    env = dict(system.env_used, DATABASE_URL=database_url, AMQP_URL=amqp_url, NOTIFIER_PORT=str(port))
    notifier = ServiceProcess(f"notifier-{variant}", port, env, workdir / f"notifier-{variant}.log")
    gateway = None
    try:
        subprocess.run([sys.executable, "-m", "notifier", "migrate"], env=env, check=True, cwd=REPO,
                       capture_output=True, timeout=120)
        notifier.start([sys.executable, str(VARIANTS), variant])
        run_dir = workdir / f"gateway-{variant}"
        genv = dict(env, GATEWAY_PORT=str(free_port()), GATEWAY_RUN_DIR=str(run_dir))
        subprocess.run([sys.executable, str(REPO / "deploy/gateway/render.py"), "--out", str(run_dir)],
                       env=genv, check=True, capture_output=True, cwd=REPO)
        gateway = ServiceProcess("gateway", int(genv["GATEWAY_PORT"]), genv, workdir / f"gateway-{variant}.log")
        gateway.start([shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(run_dir),
                       "-c", str(run_dir / "nginx.conf"), "-g", "daemon off;"])
        yield notifier, gateway
    finally:
        for proc in (gateway, notifier):
            if proc is not None:
                proc.stop()
        delete_test_vhost(vhost)
        await drop_test_database(database_url)


async def ready_or_exited(proc: ServiceProcess, timeout: float = 40.0) -> bool:
    """True once the process answers /readyz, False once it has exited."""
    try:
        await until_answers(f"{proc.url}/readyz", proc.proc, timeout=timeout, what=proc.name,
                            log=lambda: proc.log_path.read_text()[-2000:])
    except ProcessExited:
        return False
    return True


async def status_through(gateway: ServiceProcess, token: str | None, path: str = PATH) -> tuple[int, dict | None]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as s:
        for _ in range(50):     # nginx may still be binding its port
            try:
                async with s.get(gateway.url + path, headers=headers) as r:
                    return r.status, await r.json(content_type=None) if r.content_length else None
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
    raise AssertionError("the variant's gateway never answered")


def token(mint, *roles: str) -> str:
    return mint.agent(datetime.now(timezone.utc), roles=roles).tokens["access_token"]


async def test_as_declared_staff_and_admin_read_the_sms_log_and_others_are_refused_in_order(
        system, infra_urls, mint, tmp_path):
    async with notifier_variant(system, infra_urls, tmp_path, "as-declared") as (notifier, gateway):
        assert await ready_or_exited(notifier)
        assert (await status_through(gateway, token(mint, "agent", "staff")))[0] == 200
        assert (await status_through(gateway, token(mint, "agent", "admin")))[0] == 200
        status, problem = await status_through(gateway, None)
        assert (status, problem["code"]) == (401, "auth.unauthorized")
        status, problem = await status_through(gateway, token(mint, "agent"))
        assert (status, problem["code"]) == (403, "auth.forbidden")
        # 401 and 403 come before the query is validated (422 only for the allowed).
        bad = "/api/v1/notifications?limit=0"
        assert (await status_through(gateway, None, bad))[0] == 401
        assert (await status_through(gateway, token(mint, "agent"), bad))[0] == 403
        assert (await status_through(gateway, token(mint, "agent", "staff"), bad))[0] == 422


async def test_removing_a_role_from_the_declaration_refuses_that_role(system, infra_urls, mint, tmp_path):
    async with notifier_variant(system, infra_urls, tmp_path, "admin-only") as (notifier, gateway):
        assert await ready_or_exited(notifier)
        status, problem = await status_through(gateway, token(mint, "agent", "staff"))
        assert (status, problem["code"]) == (403, "auth.forbidden")
        assert (await status_through(gateway, token(mint, "agent", "admin")))[0] == 200


async def test_a_route_declared_without_access_keeps_the_service_from_starting(system, infra_urls, mint, tmp_path):
    async with notifier_variant(system, infra_urls, tmp_path, "undeclared") as (notifier, gateway):
        assert not await ready_or_exited(notifier), "the notifier started with an undeclared route"
        assert notifier.proc.returncode != 0
        log = notifier.log_path.read_text()
        assert "GET /api/v1/notifications/export" in log and "declares no access" in log
        # The whole notifier is down, not just the forgotten route: the gateway says so.
        status, _ = await status_through(gateway, token(mint, "agent", "admin"))
        assert status in (502, 503, 504)
