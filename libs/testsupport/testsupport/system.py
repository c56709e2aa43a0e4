"""Starts the whole system as separate processes, the way the local run does: the four
services (APP_ENV=test, fresh database and vhost, free ports) and nginx in front. Used by
the end-to-end, reliability and security suites."""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import aiohttp

from testsupport.fixtures import free_port
from testsupport.harness import read_clock
from testsupport.infra import create_service_roles
from testsupport.waiting import until_answers

REPO = Path(__file__).resolve().parents[3]
SERVICES = ("identity", "booking", "allocator", "notifier")


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, argv: list[str]) -> None:
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        log.close()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


@dataclass
class System:
    database_url: str
    amqp_url: str
    workdir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    gateway: ServiceProcess | None = None
    env_used: dict[str, str] = field(default_factory=dict)
    # Each service's own AMQP_URL (its broker user); the shared one when empty.
    service_amqp_urls: dict[str, str] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        assert self.gateway is not None
        return self.gateway.url

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
        env.update(DATABASE_URL=self.database_url, AMQP_URL=self.amqp_url, APP_ENV="test", LOG_LEVEL="INFO",
                   PYTHONUNBUFFERED="1")
        ports = {name: free_port() for name in SERVICES}
        for name, port in ports.items():
            env[f"{name.upper()}_PORT"] = str(port)
        env["JWKS_URL"] = f"http://127.0.0.1:{ports['identity']}/.well-known/jwks.json"
        # The allocator fetches each requested day from booking's internal route (issue 19).
        env["ALLOCATOR_BOOKING_URL"] = f"http://127.0.0.1:{ports['booking']}"
        env["INTERNAL_API_TOKEN"] = secrets.token_urlsafe(24)
        # Every test client connects from 127.0.0.1, so the gateway's per-address limits would
        # count the whole session as one client (the e2e journeys alone ask more than 10 SMS
        # codes a minute: refused by the gateway at its default, on main before issue 16 too).
        # Raised here; tests/contract/test_gateway_security.py checks every limit at its
        # default on a real nginx, and identity's own limits (per phone, per address) stay.
        # Nobody is a trusted proxy (no X-Forwarded-For believed) unless a test says so;
        # identity trusts loopback, i.e. this gateway.
        env.update(GATEWAY_SMS_RATE="600r/m", GATEWAY_SMS_BURST="100",
                   GATEWAY_LOGIN_RATE="600r/m", GATEWAY_LOGIN_BURST="100",
                   GATEWAY_API_RATE="1000r/s", GATEWAY_API_BURST="1000", GATEWAY_CONN_PER_ADDRESS="1000",
                   GATEWAY_STREAMS_PER_ADDRESS="1000",
                   GATEWAY_TRUSTED_PROXIES="")
        env.update(self.extra_env)
        return env

    async def start(self, timeout: float = 60.0) -> None:
        # Each service connects (and migrates) as its own role, as deployed; DATABASE_URL
        # stays the admin's, for tools and checks.
        role_urls = await create_service_roles(self.database_url)
        self.extra_env = {**{f"{name.upper()}_DATABASE_URL": url for name, url in role_urls.items()},
                          **self.extra_env}
        env = self.env_used = self.env()
        # Migrate first, once, as the local run does.
        for name in SERVICES:
            with open(self.workdir / f"{name}-migrate.log", "ab") as log:   # read by the log scan
                subprocess.run([sys.executable, "-m", name, "migrate"], env=env, check=True, cwd=REPO,
                               stdout=log, stderr=subprocess.STDOUT, timeout=120)
        for name in SERVICES:
            sp = ServiceProcess(name, int(env[f"{name.upper()}_PORT"]), self.service_env(name),
                                self.workdir / f"{name}.log")
            sp.start([sys.executable, "-m", name])
            self.services[name] = sp
        self.gateway = self._start_gateway(env)
        await self.wait_ready(timeout)

    def service_env(self, name: str) -> dict[str, str]:
        if name in self.service_amqp_urls:
            return dict(self.env_used, AMQP_URL=self.service_amqp_urls[name])
        return self.env_used

    def _start_gateway(self, env: dict[str, str]) -> ServiceProcess:
        run_dir = self.workdir / "gateway"
        genv = dict(env, GATEWAY_PORT=str(free_port()), GATEWAY_RUN_DIR=str(run_dir),
                    TZ="UTC")  # nginx logs in its process's zone; every launcher sets UTC
        subprocess.run([sys.executable, str(REPO / "deploy/gateway/render.py"), "--out", str(run_dir)],
                       env=genv, check=True, capture_output=True, cwd=REPO)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        gw = ServiceProcess("gateway", int(genv["GATEWAY_PORT"]), genv, self.workdir / "gateway.log")
        gw.start([nginx, "-p", str(run_dir), "-c", str(run_dir / "nginx.conf"), "-g", "daemon off;"])
        return gw

    async def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for sp in self.services.values():
            await until_answers(f"{sp.url}/readyz", sp.proc, timeout=deadline - time.monotonic(), what=sp.name,
                                log=lambda sp=sp: sp.log_path.read_text()[-2000:])
        if self.gateway is not None:
            # nginx too: one that could not bind its port says so here, not as a refused
            # connection in the first journey.
            gw = self.gateway
            await until_answers(f"{gw.url}/healthz", gw.proc, timeout=max(deadline - time.monotonic(), 5),
                                what="the gateway (nginx)", log=lambda: gw.log_path.read_text()[-2000:])

    def restart(self, name: str, sig: int = signal.SIGTERM, *, clock: datetime | None = None) -> None:
        """Stop ``name`` with ``sig`` and start it again; with ``clock`` (the instant the
        other services' moved clocks show) it comes back at that time, not the real one."""
        sp = self.services[name]
        sp.stop(sig)
        env = self.service_env(name)
        sp.env = dict(env, TEST_CLOCK_START=clock.isoformat()) if clock else env
        sp.start([sys.executable, "-m", name])

    async def clock_now(self, name: str = "identity") -> datetime:
        """What a running service's (possibly moved) clock shows now."""
        async with aiohttp.ClientSession() as s:
            return await read_clock(s, self.services[name].url)

    def stop(self) -> None:
        for sp in [*self.services.values(), *([self.gateway] if self.gateway else [])]:
            sp.stop()
