"""What the load benchmarks share: the machine description, the whole system started as
processes in a database and vhost of its own (testsupport.system.System), the levers a
benchmark needs (the test clock, an administrator, capacity, agents), access tokens minted
with identity's own key, an RSS/CPU sampler, and the load generator run as its own process.

Not a test helper: nothing here is imported by the services or their tests. The system
runs from whatever tree ``shared`` and ``booking`` import from (``run_all.py`` points
PYTHONPATH at a clean ``git archive HEAD`` copy); ``code_tree()`` says which one it was.
"""
from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg

HERE = Path(__file__).resolve().parent
DEFAULT_RESULTS = HERE / "results"
LOADGEN = HERE / "loadgen.py"
TZ = ZoneInfo("Asia/Shanghai")
# Monday 2026-12-07 10:00 in Qingdao: bookable then are Tuesday 12-08 and Wednesday 12-09
# (two working days ahead); Tuesday's cutoff is Monday 15:00.
MONDAY_10 = datetime(2026, 12, 7, 10, 0, tzinfo=TZ)
BOOK_DATES = ("2026-12-08", "2026-12-09")
PERIODS = ("AM", "PM")
PASSWORD = "Zx9!card-center-bench"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MIXES = ([{"type": "RENEW_UNLOCK", "count": 2}, {"type": "BUY_READER"}],
         [{"type": "NEW_CARD"}],
         [{"type": "CHANGE_INFO"}, {"type": "OPERATOR_CARD", "count": 1}])


# ---- where and on what ------------------------------------------------------------------

def loopback_only(url: str) -> str:
    host = urlsplit(url).hostname
    if host not in LOOPBACK:
        raise SystemExit(f"refusing a non-loopback server {host!r}: these benchmarks stay on this machine")
    return url


def loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def code_tree() -> dict[str, str]:
    """Which source tree the system runs from (the services import from here)."""
    import booking
    import shared
    from testsupport import system
    return {"repo": str(system.REPO), "booking": booking.__file__, "shared": shared.__file__}


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        ram = round(int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count() or 0
    out = {"nproc": nproc, "cpu": cpu, "ram_gib": ram,
           "python": f"{platform.python_implementation()} {platform.python_version()}",
           "platform": platform.platform(), "loadavg": loadavg(),
           "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    try:
        pg = subprocess.run(["psql", os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
                             "-Atc", "SHOW server_version"], capture_output=True, text=True, timeout=20)
        out["postgresql"] = pg.stdout.strip().split()[0] if pg.returncode == 0 and pg.stdout.strip() else "unknown"
    except (OSError, subprocess.TimeoutExpired):
        out["postgresql"] = "unknown"
    try:
        rmq = subprocess.run(["rabbitmqctl", "-q", "version"], capture_output=True, text=True, timeout=60)
        out["rabbitmq"] = rmq.stdout.strip() if rmq.returncode == 0 and rmq.stdout.strip() else "unknown"
    except (OSError, subprocess.TimeoutExpired):
        out["rabbitmq"] = "unknown"
    return out


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "mean": None, "max": None}
    s = sorted(values)

    def q(p: float) -> float:   # nearest-rank
        return s[min(len(s) - 1, max(0, int(round(p * len(s) + 0.5)) - 1))]
    return {"p50": q(0.50), "p95": q(0.95), "p99": q(0.99), "mean": statistics.fmean(s), "max": s[-1]}


# ---- test data ----------------------------------------------------------------------------

def org_code(n: int) -> str:
    """The n-th valid 9-character organisation code (GB 11714 check character)."""
    from testsupport.generators import new_org_code
    return new_org_code(n)


def phone(n: int, prefix: str = "13") -> str:
    """A distinct mainland mobile number per n (n < 10**9)."""
    return f"{prefix}{n % 10**9:09d}"


def booking_body(seq: int, date: str, period: str, lines: int = 2, org_base: int = 10_000_000) -> dict:
    """Booking number ``seq``: its own phone and its own enterprises (never reused)."""
    return {"date": date, "period": period, "contact_name": "李四", "contact_phone": phone(seq),
            "enterprises": [{"org_code": org_code(org_base + seq * lines + i), "businesses": MIXES[(seq + i) % 3]}
                            for i in range(lines)]}


# ---- the system ------------------------------------------------------------------------

def make_system(database_url: str, amqp_url: str, workdir: Path, extra_env: dict[str, str]):
    from testsupport.system import System

    class BenchSystem(System):
        captured_env: dict[str, str] = {}

        def env(self) -> dict[str, str]:   # keep what the processes got (the CLI needs it)
            e = super().env()
            self.captured_env = e
            return e
    # one shared broker user here (the benchmarks measure speed; tests cover the user per service)
    return BenchSystem(database_url, amqp_url, workdir, extra_env={"EVENTS_VERIFY_PUBLISHER": "false", **extra_env})


@dataclass
class Running:
    system: Any
    database_url: str
    amqp_url: str
    fake: Any
    workdir: Path
    http: aiohttp.ClientSession
    admin_token: str = ""
    agents: list[dict] = field(default_factory=list)
    registration_note: str = ""

    @property
    def gateway(self) -> str:
        return self.system.gateway_url

    def pid(self, name: str) -> int:
        return self.system.services[name].proc.pid

    def pids(self) -> dict[str, list[int]]:
        out = {name: [sp.proc.pid] for name, sp in self.system.services.items()}
        if self.system.gateway is not None:
            out["gateway (nginx)"] = [self.system.gateway.proc.pid]
        return out

    async def call(self, method: str, path: str, *, token: str | None = None, json_body: Any = None,
                   expect: int | None = None, base: str | None = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.http.request(method, (base or self.gateway) + path, json=json_body, headers=headers) as r:
            text = await r.text()
            body = json.loads(text) if text else None
            if expect is not None and r.status != expect:
                raise RuntimeError(f"{method} {path}: {r.status} {text[:500]}")
            return r.status, body

    async def set_clock(self, instant: datetime | None) -> None:
        body = {"now": instant.isoformat() if instant else None}
        for sp in self.system.services.values():
            async with self.http.put(f"{sp.url}/_test/clock", json=body) as r:
                if r.status != 200:
                    raise RuntimeError(f"clock of {sp.name}: {r.status} {await r.text()}")

    async def login(self, username: str, password: str = PASSWORD) -> dict:
        _, tokens = await self.call("POST", "/api/v1/sessions", json_body={"username": username, "password": password},
                                    expect=200)
        return tokens

    async def make_admin(self) -> str:
        """An administrator made by the operator command (as ops do), signed in through nginx."""
        username = f"admin{uuid.uuid4().hex[:8]}"
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "identity", "create-user", "--username", username, "--name", "管理员",
            "--phone", phone(900_000_000 + int(uuid.uuid4().int % 99_999_999), "19"), "--role", "admin",
            env=self.system.captured_env, cwd=str(self.system_repo()),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _, err = await asyncio.wait_for(proc.communicate(PASSWORD.encode() + b"\n"), 60)
        if proc.returncode != 0:
            raise RuntimeError(f"create-user failed: {err.decode()[-500:]}")
        self.admin_token = (await self.login(username))["access_token"]
        return self.admin_token

    def system_repo(self) -> Path:
        from testsupport.system import REPO
        return REPO

    async def register_agent(self, n: int) -> dict:
        """A real registration through nginx: SMS code (read from the fake provider), sign-up, sign-in."""
        ph = phone(800_000_000 + n, "18")
        username = f"bench{uuid.uuid4().hex[:10]}"
        await self.call("POST", "/api/v1/sms-codes", json_body={"phone": ph, "purpose": "register"}, expect=202)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        code = None
        while code is None:
            code = self.fake.state.latest_code(ph)
            if code is None:
                if loop.time() > deadline:
                    raise TimeoutError(f"no SMS code reached {ph}")
                await asyncio.sleep(0.1)
        _, user = await self.call("POST", "/api/v1/users", expect=201, json_body={
            "phone": ph, "sms_code": code, "username": username, "password": PASSWORD, "name": "张三"})
        tokens = await self.login(username)
        agent = {"user_id": user["id"], "username": username, "phone": ph, "token": tokens["access_token"]}
        self.agents.append(agent)
        return agent

    async def set_capacity(self, date: str, period: str, capacity: int) -> None:
        await self.call("PUT", "/api/v1/admin/capacity", token=self.admin_token, expect=200,
                        json_body={"center": "qingdao", "date": date, "period": period, "capacity": capacity})

    async def booking_db(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.database_url, server_settings={"search_path": "booking"})

    async def minter(self) -> "TokenMinter":
        conn = await asyncpg.connect(self.database_url)
        try:
            pem = await conn.fetchval("SELECT value FROM identity.server_secrets WHERE name = 'token_signing_key'")
        finally:
            await conn.close()
        if pem is None:
            raise RuntimeError("identity has not stored its signing key yet")
        return TokenMinter(pem)

    async def wait_quiet(self, timeout: float = 90.0) -> float:
        """Until the system has finished what the last phase started: booking's and the
        notifier's outboxes relayed, every SMS delivered (or failed), and booking's record of
        the SMS outcomes unchanged for a second. The next phase does not pay for the
        previous one's tail (inside a phase it does: that is the rush)."""
        t0 = time.monotonic()
        conn = await asyncpg.connect(self.database_url)

        async def count(sql: str) -> int:
            try:
                return await conn.fetchval(sql)
            except asyncpg.PostgresError:   # a schema this tree does not have
                return 0
        try:
            last, stable_since = None, None
            while time.monotonic() - t0 < timeout:
                busy = (await count("SELECT count(*) FROM booking.outbox WHERE sent_at IS NULL")
                        + await count("SELECT count(*) FROM notifier.outbox WHERE sent_at IS NULL")
                        + await count("SELECT count(*) FROM notifier.messages WHERE status NOT IN ('delivered', 'failed')"))
                mark = (await count("SELECT count(*) FROM notifier.messages"),
                        await count("SELECT count(*) FROM booking.bookings WHERE sms_status <> 'pending'"))
                if busy == 0 and mark == last:
                    stable_since = stable_since or time.monotonic()
                    if time.monotonic() - stable_since >= 1.0:
                        break
                else:
                    stable_since = None
                last = mark
                await asyncio.sleep(0.25)
        finally:
            await conn.close()
        return time.monotonic() - t0


class TokenMinter:
    """Access tokens signed with identity's own key (read from identity.server_secrets), the
    way identity.domain.access_tokens.issue_access_token makes them: every simulated agent
    gets its own user id without registering hundreds through the gateway."""

    def __init__(self, pem: str) -> None:
        from identity.domain.signing_keys import SigningKey
        self.key = SigningKey.from_pem(pem.encode() if isinstance(pem, str) else pem)

    def mint(self, sub: str, *, now: datetime, roles: Iterable[str] = ("agent",), name: str = "张三",
             ttl: timedelta = timedelta(hours=8)) -> str:
        from identity.domain.access_tokens import issue_access_token
        return issue_access_token(self.key, sub=sub, roles=list(roles), name=name, now=now, ttl=ttl)


class started_system:
    """``async with started_system(workdir) as run``: fresh database and vhost, a fake SMS
    provider (in this process), the four services and nginx; all removed at the end."""

    def __init__(self, *, extra_env: dict[str, str] | None = None, keep_logs: Path | None = None) -> None:
        self.extra_env = extra_env or {}
        # BENCH_LOGDIR: keep the services' logs there (they are removed with the run otherwise).
        self.keep_logs = keep_logs or (Path(os.environ["BENCH_LOGDIR"]) if os.environ.get("BENCH_LOGDIR") else None)
        self._cleanup: list[Callable] = []

    async def __aenter__(self) -> Running:
        from testsupport.notifier.fake_provider import run_fake_provider
        from testsupport.infra import LOCAL_AMQP, LOCAL_PG, create_test_database, create_test_vhost
        pg = loopback_only(os.environ.get("DATABASE_URL") or LOCAL_PG)
        amqp = loopback_only(os.environ.get("AMQP_URL") or LOCAL_AMQP)
        self.database_url = await create_test_database(pg)
        self.amqp_url, self.vhost = create_test_vhost(amqp)
        self.workdir = Path(tempfile.mkdtemp(prefix="bench-system-"))
        self._fake_cm = run_fake_provider()
        fake = await self._fake_cm.__aenter__()
        env = {"SMS_PROVIDER": "http", "SMS_HTTP_URL": fake.url}
        env.update(self.extra_env)
        self.system = make_system(self.database_url, self.amqp_url, self.workdir, env)
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        try:
            await self.system.start(timeout=120)
        except BaseException:
            await self._teardown()
            raise
        return Running(self.system, self.database_url, self.amqp_url, fake, self.workdir, self.http)

    async def __aexit__(self, *exc) -> None:
        await self._teardown()

    async def _teardown(self) -> None:
        from testsupport.infra import delete_test_vhost, drop_test_database
        try:
            self.system.stop()
        finally:
            await self.http.close()
            await self._fake_cm.__aexit__(None, None, None)
            if self.keep_logs:
                self.keep_logs.mkdir(parents=True, exist_ok=True)
                for log in self.workdir.glob("*.log"):
                    shutil.copy(log, self.keep_logs / log.name)
            await drop_test_database(self.database_url)
            delete_test_vhost(self.vhost)
            shutil.rmtree(self.workdir, ignore_errors=True)


async def prepare(run: Running, *, registered: int = 3, capacity: int = 100_000) -> TokenMinter:
    """Clock to Monday 10:00, an administrator, a few agents registered through nginx,
    capacity raised on the benchmark dates, and the token minter."""
    await run.set_clock(MONDAY_10)
    await run.make_admin()
    for i in range(registered):
        try:
            await run.register_agent(i)
        except TimeoutError as exc:
            # A tree whose notifier sends no SMS (it was an empty shell before its issue landed):
            # nobody can register through nginx; every agent's token is minted instead.
            run.registration_note = f"registration through nginx failed ({exc}); all agent tokens minted"
            print(f"  {run.registration_note}", flush=True)
            break
    else:
        run.registration_note = f"{registered} agents registered through nginx (SMS code from the fake provider)"
    for d in BOOK_DATES:
        for p in PERIODS:
            await run.set_capacity(d, p, capacity)
    return await run.minter()


def week(k: int) -> tuple[datetime, tuple[str, str]]:
    """The k-th Monday 10:00 going back from MONDAY_10 (week 0), and its Tuesday and
    Wednesday: the dates bookable then. A phase on a week of its own books on dates
    nobody has booked yet, so a phase does not pay for the bookings of the ones before
    (the clash check reads every live booking of the date: see the report)."""
    monday = MONDAY_10 - timedelta(days=7 * k)
    return monday, ((monday + timedelta(days=1)).date().isoformat(), (monday + timedelta(days=2)).date().isoformat())


async def open_week(run: "Running", k: int, capacity: int = 100_000) -> tuple[datetime, tuple[str, str]]:
    """Every service's clock to week k's Monday 10:00, capacity raised on its two dates;
    returns the instant to mint tokens at and the dates."""
    monday, dates = week(k)
    await run.set_clock(monday)
    for d in dates:
        for p in PERIODS:
            await run.set_capacity(d, p, capacity)
    return monday + timedelta(minutes=1), dates


def slot_of(seq: int, dates: tuple[str, ...] = BOOK_DATES, hot: bool = False) -> tuple[str, str]:
    """Round-robin over the dates and periods, or always the first date's AM (``hot``)."""
    if hot:
        return dates[0], PERIODS[0]
    return dates[seq % len(dates)], PERIODS[(seq // len(dates)) % 2]


def baseline_requests(start_seq: int, count: int, *, lines: int = 2, hot: bool = False,
                      dates: tuple[str, ...] = BOOK_DATES) -> list[dict]:
    return [{"method": "POST", "path": "/bookings", "body": booking_body(seq, *slot_of(seq, dates, hot), lines)}
            for seq in range(start_seq, start_seq + count)]


def booking_requests(minter: TokenMinter, start_seq: int, count: int, *, now: datetime, lines: int = 2,
                     dates: tuple[str, ...] = BOOK_DATES, agents: list[dict] | None = None,
                     hot: bool = False) -> list[dict]:
    """``count`` booking POSTs, each from its own agent, with its own phone and enterprises;
    spread round-robin over the dates and periods (or all on one, ``hot``). ``agents``
    (registered ones) go first."""
    out = []
    agents = list(agents or [])
    for k in range(count):
        seq = start_seq + k
        date, period = slot_of(seq, dates, hot)
        token = agents.pop(0)["token"] if agents else minter.mint(f"bench-{uuid.uuid4()}", now=now)
        out.append({"method": "POST", "path": "/api/v1/bookings", "headers": {"Authorization": f"Bearer {token}"},
                    "body": booking_body(seq, date, period, lines)})
    return out


# ---- load generation (its own process) ------------------------------------------------------

async def run_load(base_url: str, requests: list[dict], *, concurrency: int, max_requests: int,
                   max_seconds: float, cycle: bool = False, label: str = "") -> dict:
    """Run benchmarks/loadgen.py as a separate process and return its summary."""
    with tempfile.TemporaryDirectory(prefix="loadgen-") as tmp:
        spec_path, out_path = Path(tmp) / "spec.json", Path(tmp) / "out.json"
        spec_path.write_text(json.dumps({"base_url": base_url, "concurrency": concurrency,
                                         "max_requests": max_requests, "max_seconds": max_seconds,
                                         "cycle": cycle, "requests": requests}, ensure_ascii=False))
        proc = await asyncio.create_subprocess_exec(sys.executable, str(LOADGEN), str(spec_path), str(out_path),
                                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out, err = await asyncio.wait_for(proc.communicate(), max_seconds + 90)
        except asyncio.TimeoutError:
            proc.kill()
            raise
        if proc.returncode != 0:
            raise RuntimeError(f"loadgen failed ({proc.returncode}): {err.decode()[-2000:]}")
        result = json.loads(out_path.read_text())
    result["label"] = label
    ok = result["ok"]
    print(f"  {label:<40} c={concurrency:<4} {ok:>6} ok / {result['completed']:>6} in {result['elapsed']:6.2f} s"
          f" = {result['ok_per_s']:8.1f}/s  p50 {fmt_ms(result['latency_ok']['p50'])}"
          f" p99 {fmt_ms(result['latency_ok']['p99'])}  statuses {result['statuses']}", flush=True)
    return result


def fmt_ms(s: float | None) -> str:
    return "-" if s is None else f"{s * 1000:.1f} ms"


# ---- RSS and CPU ------------------------------------------------------------------------------

class Sampler:
    """Every ``interval`` s: the RSS of each named process group (a callable gives the pids;
    children included, so nginx's workers count with their master). Keeps the peak per
    group overall and per phase, and CPU seconds per group between marks."""

    def __init__(self, groups: Callable[[], dict[str, list[int]]], interval: float = 0.5) -> None:
        import psutil
        self.psutil = psutil
        self.groups = groups
        self.interval = interval
        self.peak: dict[str, int] = {}            # max single-process RSS, bytes
        self.peak_total: dict[str, int] = {}      # max sum over the group's processes
        self.phase_peak: dict[str, dict[str, int]] = {}
        self.phase: str | None = None
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._procs: dict[int, Any] = {}

    def start(self) -> "Sampler":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def mark(self, phase: str | None) -> None:
        self.phase = phase
        if phase is not None:
            self.phase_peak.setdefault(phase, {})

    def _members(self, pids: list[int], children: bool = True) -> list[Any]:
        out = []
        for pid in pids:
            try:
                p = self._procs.get(pid) or self._procs.setdefault(pid, self.psutil.Process(pid))
                out.append(p)
                if children:
                    out.extend(p.children(recursive=True))
            except self.psutil.Error:
                continue
        return out

    def cpu_snapshot(self) -> dict[str, dict[int, float]]:
        """CPU seconds (user + system) so far of every process of every group, by pid."""
        out: dict[str, dict[int, float]] = {}
        for name, pids in self.groups().items():
            per: dict[int, float] = {}
            # PostgreSQL groups are lists of backends already: the postmaster's children are
            # every backend, ours included. The benchmark's own process has the services as
            # children.
            for p in self._members(pids, children=not name.startswith(("postgresql", "benchmark"))):
                try:
                    c = p.cpu_times()
                    per[p.pid] = c.user + c.system
                except self.psutil.Error:
                    pass
            out[name] = per
        return out

    @staticmethod
    def cpu_delta(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
        """CPU seconds spent between two snapshots per group: processes alive at the end count
        from the first snapshot (or in full when they started since); those that ended in
        between are missed (an undercount, never negative)."""
        return {name: sum(max(0.0, t - before.get(name, {}).get(pid, 0.0)) for pid, t in per.items())
                for name, per in after.items()}

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                for name, pids in self.groups().items():
                    rss = []
                    for p in self._members(pids):
                        try:
                            rss.append(p.memory_info().rss)
                        except self.psutil.Error:
                            pass
                    if not rss:
                        continue
                    self.peak[name] = max(self.peak.get(name, 0), max(rss))
                    self.peak_total[name] = max(self.peak_total.get(name, 0), sum(rss))
                    if self.phase is not None:
                        ph = self.phase_peak.setdefault(self.phase, {})
                        ph[name] = max(ph.get(name, 0), max(rss))
                self.samples += 1
            except Exception:   # a process ending between listing and reading
                pass
            self._stop.wait(self.interval)

    def summary(self) -> dict:
        mb = 1024 * 1024
        return {"interval_s": self.interval, "samples": self.samples,
                "peak_rss_mb": {k: round(v / mb, 1) for k, v in self.peak.items()},
                "peak_rss_group_total_mb": {k: round(v / mb, 1) for k, v in self.peak_total.items()},
                "phase_peak_rss_mb": {ph: {k: round(v / mb, 1) for k, v in d.items()}
                                      for ph, d in self.phase_peak.items()}}


def machine_cpu() -> Any:
    import psutil
    return psutil.cpu_times()


def machine_cpu_delta(a: Any, b: Any) -> dict[str, float]:
    """Shares of all CPUs between two psutil.cpu_times(): busy (not idle/iowait), steal."""
    fields = [f for f in a._fields if f not in ("guest", "guest_nice")]
    total = sum(getattr(b, f) - getattr(a, f) for f in fields)
    if total <= 0:
        return {}
    idle = sum(getattr(b, f) - getattr(a, f) for f in ("idle", "iowait") if f in fields)
    steal = (b.steal - a.steal) if "steal" in fields else 0.0
    return {"busy": round(1 - idle / total, 3), "steal": round(steal / total, 3)}


def postgres_pids(database: str | None = None, *, others: bool = False) -> list[int]:
    """PostgreSQL processes; with ``database``, the backends serving it (their process title
    names it), or with ``others`` every other one (other databases, background workers)."""
    import psutil
    out = []
    for p in psutil.process_iter(["name", "cmdline"]):
        if p.info["name"] not in ("postgres", "postmaster"):
            continue
        title = " ".join(p.info["cmdline"] or [])
        mine = database is not None and f" {database} " in f"{title} "
        if database is None or mine != others:
            out.append(p.pid)
    return out


def db_segments(pids: list[int]) -> int:
    """TCP data segments the given processes have sent to PostgreSQL (port 5432) on their
    open connections (``ss -ti``): one per query round trip with asyncpg's pipelining."""
    try:
        text = subprocess.run(["ss", "-tinpH", "dst", "127.0.0.1:5432"], capture_output=True, text=True,
                              timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return -1
    total, current = 0, False
    wanted = {f"pid={p}," for p in pids}
    for line in text.splitlines():
        if not line.startswith(("\t", " ")):
            current = any(w in line for w in wanted)
            continue
        if current:
            for tok in line.split():
                if tok.startswith("data_segs_out:"):
                    total += int(tok.split(":")[1])
    return total


def rabbit_pids() -> list[int]:
    import psutil
    return [p.pid for p in psutil.process_iter(["name"]) if p.info["name"] in ("beam.smp",)]


# ---- profiling ---------------------------------------------------------------------------------

async def py_spy(pid: int, seconds: int, out_dir: Path, stem: str, *, gil: bool = False) -> dict:
    """py-spy record of one process: the raw collapsed stacks (analysed below) and an SVG
    drawn from them. Non-blocking (the process is not paused). Without ``gil`` a sample is
    taken whenever the thread is not idle in the kernel's eyes, which includes being
    runnable but waiting for a CPU; with ``gil`` only while it holds the GIL (socket calls
    release it), which is closer to the Python code's own CPU time."""
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(exe).exists():
        return {"error": "py-spy is not installed"}
    out_dir.mkdir(parents=True, exist_ok=True)
    svg, raw = out_dir / f"{stem}.svg", out_dir / f"{stem}.txt"
    argv = [exe, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "200", "--nonblocking",
            "--format", "raw", "-o", str(raw)]
    if gil:
        argv.append("--gil")
    proc = await asyncio.create_subprocess_exec(*argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), seconds + 60)
    if proc.returncode != 0 or not raw.exists():
        return {"error": (out + err).decode()[-1000:]}
    svg_ok = flamegraph_svg(raw, svg, title=f"{stem} ({'GIL held' if gil else 'active'} samples)")
    return {"raw": str(raw), "svg": str(svg) if svg_ok else None, "rate_hz": 200, "seconds": seconds,
            "mode": "gil" if gil else "active", **analyse_collapsed(raw)}


# Leaf-most match wins: what a sample was doing, in words.
COMPONENTS = [
    ("socket send to PostgreSQL/nginx (thread runnable, mostly waiting for a CPU)", ("_SelectorSocketTransport.write",)),
    ("JWT verification (PyJWT, Ed25519)", ("jwt/", "TokenVerifier.verify")),
    ("working calendar (chinese_calendar)", ("chinese_calendar",)),
    ("pydantic (models, event contracts, settings)", ("pydantic",)),
    ("logging (structlog / logging)", ("structlog", "logging/__init__", "shared/logging")),
    ("JSON encode/decode", ("json/", "orjson")),
    ("Prometheus metrics", ("prometheus_client",)),
    ("asyncpg protocol and pool", ("asyncpg/",)),
    ("aio-pika / aiormq (broker)", ("aio_pika", "aiormq", "pamqp")),
    ("aiohttp request/response handling", ("aiohttp/",)),
    ("booking's own code", ("booking/",)),
    ("shared library code", ("shared/",)),
    ("asyncio event loop", ("asyncio/", "selectors.py")),
]


def analyse_collapsed(path: Path, top: int = 25) -> dict:
    """Self and inclusive sample shares per frame, per function of booking/shared, and per
    component, from py-spy's collapsed stacks."""
    import re
    self_counts: dict[str, int] = {}
    incl: dict[str, int] = {}
    funcs: dict[str, int] = {}
    comps: dict[str, int] = {}
    total = 0
    strip_line = re.compile(r":\d+\)$")
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        n = int(n)
        total += n
        frames = [f for f in stack.split(";") if f and not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        self_counts[frames[-1]] = self_counts.get(frames[-1], 0) + n
        for f in set(frames):
            incl[f] = incl.get(f, 0) + n
        for f in {strip_line.sub(")", f) for f in frames if "booking/" in f or "shared/" in f}:
            funcs[f] = funcs.get(f, 0) + n
        comp = "other"
        for f in reversed(frames):
            hit = next((name for name, pats in COMPONENTS if any(pt in f for pt in pats)), None)
            if hit:
                comp = hit
                break
        comps[comp] = comps.get(comp, 0) + n

    def rows(d: dict[str, int], k: int = top) -> list[dict]:
        return [{"frame": f, "samples": c, "share": round(c / total, 4) if total else 0}
                for f, c in sorted(d.items(), key=lambda kv: -kv[1])[:k]]
    return {"samples": total, "top_self": rows(self_counts), "top_inclusive": rows(incl, 40),
            "functions_inclusive": rows(funcs, 40), "components": rows(comps, 20)}


def flamegraph_svg(raw: Path, svg: Path, title: str = "") -> bool:
    """A minimal icicle SVG from collapsed stacks (no external flamegraph.pl)."""
    tree: dict = {"n": 0, "c": {}}
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        node = tree
        node["n"] += int(n)
        for f in stack.split(";"):
            node = node["c"].setdefault(f, {"n": 0, "c": {}})
            node["n"] += int(n)
    total = tree["n"]
    if not total:
        return False
    width, row_h = 1600, 16
    rects: list[str] = []
    depth_max = [0]

    def esc(s: str) -> str:
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")

    def walk(node: dict, x: float, depth: int) -> None:
        for name, child in sorted(node["c"].items(), key=lambda kv: -kv[1]["n"]):
            w = child["n"] / total * width
            if w >= 0.5:
                depth_max[0] = max(depth_max[0], depth)
                hue = (hash(name.split(" (")[0]) % 60) + 10
                label = esc(name) if w > 40 else ""
                rects.append(
                    f'<g><title>{esc(name)} — {child["n"]} samples ({100 * child["n"] / total:.1f}%)</title>'
                    f'<rect x="{x:.1f}" y="{depth * row_h + 24}" width="{w:.1f}" height="{row_h - 1}" '
                    f'fill="hsl({hue},80%,60%)"/>'
                    f'<text x="{x + 2:.1f}" y="{depth * row_h + 36}" font-size="10" '
                    f'clip-path="inset(0 0 0 0)">{label[: int(w / 6)]}</text></g>')
                walk(child, x, depth + 1)
            x += w
    walk(tree, 0.0, 0)
    h = (depth_max[0] + 2) * row_h + 30
    svg.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" font-family="monospace">'
                   f'<text x="4" y="14" font-size="12">{esc(title)}: {total} samples (hover for names)</text>'
                   + "".join(rects) + "</svg>", encoding="utf-8")
    return True


class PgActivity:
    """Samples pg_stat_activity of one database every ``interval`` s while a phase runs:
    the mean number of backends per state (``active: CPU`` when running without a wait
    event, ``active: Lock/...`` when waiting, ``idle in transaction`` when PostgreSQL waits
    for the application inside a transaction). Our own sampling connection is excluded."""

    def __init__(self, database_url: str, interval: float = 0.1) -> None:
        self.database_url = database_url
        self.interval = interval
        self.counts: dict[str, int] = {}
        self.queries: dict[str, int] = {}
        self.samples = 0
        self._task: asyncio.Task | None = None
        self._stop = asyncio.Event()

    async def __aenter__(self) -> "PgActivity":
        self._conn = await asyncpg.connect(self.database_url)
        self._task = asyncio.create_task(self._loop())
        return self

    async def __aexit__(self, *exc) -> None:
        self._stop.set()
        if self._task:
            await self._task
        await self._conn.close()

    async def _loop(self) -> None:
        sql = ("SELECT state, wait_event_type, wait_event, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS q"
               " FROM pg_stat_activity"
               " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
        while not self._stop.is_set():
            try:
                for r in await self._conn.fetch(sql):
                    state = r["state"] or "unknown"
                    if state == "active":
                        key = "active: CPU" if r["wait_event_type"] is None else \
                            f"active: {r['wait_event_type']}/{r['wait_event']}"
                        if r["wait_event_type"] != "Client":
                            self.queries[r["q"]] = self.queries.get(r["q"], 0) + 1
                    elif state == "idle" and r["wait_event"] == "ClientRead":
                        key = "idle"
                    else:
                        key = state
                    self.counts[key] = self.counts.get(key, 0) + 1
                self.samples += 1
            except asyncpg.PostgresError:
                pass
            try:
                await asyncio.wait_for(self._stop.wait(), self.interval)
            except asyncio.TimeoutError:
                pass

    def summary(self) -> dict:
        n = max(self.samples, 1)
        return {"samples": self.samples,
                "mean_backends": {k: round(v / n, 2) for k, v in sorted(self.counts.items(), key=lambda kv: -kv[1])},
                "active_queries": [{"query": q, "mean_backends": round(c / n, 3)}
                                   for q, c in sorted(self.queries.items(), key=lambda kv: -kv[1])[:12]]}
