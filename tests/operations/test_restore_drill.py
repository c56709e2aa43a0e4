"""The restore drill of docs/operations.md ("Backups and restore") against the local
PostgreSQL: a database of its own, every service migrated into it and filled by the running
system (an agent registered, bookings, a cutoff allocated, SMS sent), then dumped, restored
into a fresh database and compared, while bookings keep arriving. A row lost in the restored
copy, or an outbox row that would be sent again, fails the drill."""
from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import pytest

from shared.db import with_database
from shared.ops import restore_drill
from testsupport.crowds import crowd_bookings, raise_capacity
from testsupport.generators import new_org_code
from testsupport.journeys import Gateway
from testsupport.messaging import wait_for
from testsupport.system import REPO
from testsupport.system_fixtures import isolated_system

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)
TUESDAY, WEDNESDAY = "2026-12-01", "2026-12-02"
# Tables the fill must have written, one or more per service, outbox and inbox included.
FILLED = ("identity.users", "identity.verification_codes", "identity.refresh_tokens", "identity.outbox",
          "booking.agents", "booking.bookings", "booking.booking_lines", "booking.cutoffs", "booking.outbox",
          "booking.inbox", "allocator.allocation_runs", "allocator.assignments", "allocator.inbox",
          "allocator.outbox", "notifier.messages", "notifier.message_attempts", "notifier.inbox")


@pytest.fixture(scope="module")
async def filled(infra_urls, tmp_path_factory, sms_provider, mint):
    """The system with a Tuesday allocated: registered agent, bookings, cutoff, SMS."""
    async with isolated_system(infra_urls, tmp_path_factory.mktemp("system"), sms_provider, mint) as system, \
            aiohttp.ClientSession() as http:
        gw = Gateway(system, http, sms_provider.state)
        await gw.set_clock(MONDAY)
        await raise_capacity(gw, mint, MONDAY, [(TUESDAY, "AM"), (WEDNESDAY, "AM"), (WEDNESDAY, "PM")], 2000)
        agent = await gw.register()
        code = new_org_code()
        await gw.call("POST", "/api/v1/me/enterprises", agent=agent, json={"code": code, "name": "青岛测试有限公司"},
                      expect=201)
        _, mine = await gw.call("POST", "/api/v1/bookings", agent=agent, expect=201, json={
            "date": TUESDAY, "period": "AM", "contact_name": "李四", "contact_phone": agent.phone,
            "enterprises": [{"org_code": code, "businesses": [{"type": "NEW_CARD"}]}]})
        for who, body in crowd_bookings(mint, MONDAY, [(TUESDAY, "AM")], 10, phone_prefix="137"):
            await gw.call("POST", "/api/v1/bookings", agent=who, json=body, expect=201)

        await gw.set_clock(MONDAY.replace(hour=15, minute=0, second=30))      # Tuesday's cutoff

        async def allocated():
            _, b = await gw.call("GET", f"/api/v1/bookings/{mine['id']}", agent=agent)
            return b["allocation"]
        allocation = await wait_for(allocated, timeout=60)
        assert allocation, "the cutoff did not allocate Tuesday"
        assert await gw.wait_sms(agent.phone, allocation["queue_number"])
        yield system, gw


@pytest.fixture
async def admin_db(filled):
    conn = await asyncpg.connect(with_database(filled[0].database_url, "postgres"))
    yield conn
    await conn.close()


async def drill_databases(admin_db, source_url: str) -> list[str]:
    name = urlsplit(source_url).path.lstrip("/")
    return [r["datname"] for r in await admin_db.fetch(
        "SELECT datname FROM pg_database WHERE datname LIKE $1", f"{name}_drill_%")]


async def run_cli(*args: str) -> tuple[int, list[dict]]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "shared.ops.restore_drill", *args, cwd=REPO,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 300)
    lines = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
    assert not err.strip(), err.decode()[-2000:]
    return proc.returncode, lines


async def test_the_drill_restores_every_count_and_the_outbox_inbox_state_while_bookings_go_on(
        filled, admin_db, mint, tmp_path):
    system, gw = filled
    now = await system.clock_now()
    stop = asyncio.Event()
    statuses: list[int] = []

    async def keep_booking(prefix: str) -> None:
        # Fresh agents and phones: bookings keep committing (and events keep flowing) while
        # the drill records and dumps.
        i = 0
        while not stop.is_set():
            body = {"date": WEDNESDAY, "period": ("AM", "PM")[i % 2], "contact_name": "王五",
                    "contact_phone": f"{prefix}{i:08d}",
                    "enterprises": [{"org_code": new_org_code(), "businesses": [{"type": "BUY_READER"}]}]}
            statuses.append((await gw.call("POST", "/api/v1/bookings", agent=mint.agent(now), json=body))[0])
            i += 1

    writers = [asyncio.create_task(keep_booking(p)) for p in ("135", "136")]
    try:
        async def started() -> bool:
            return len(statuses) >= 4
        assert await wait_for(started, timeout=30)
        code, lines = await run_cli("--database-url", system.database_url, "--workdir", str(tmp_path))
        during = len(statuses)
    finally:
        stop.set()
        await asyncio.gather(*writers)

    assert code == 0, lines
    by_action = {line["action"]: line for line in lines}
    assert by_action["versions"]["pg_dump"] == by_action["versions"]["server"] == by_action["versions"]["pg_restore"]
    summary = by_action["summary"]
    assert summary["result"] == "equal" and summary["differences"] == 0
    assert summary["schemas"] == ["allocator", "booking", "identity", "notifier"]
    assert during > 4 and set(statuses) == {201}, statuses      # the system wrote throughout

    dump = Path(by_action["dumped"]["file"])
    manifest = json.loads(restore_drill.manifest_path(dump).read_text())["state"]
    empty = [t for t in FILLED if not manifest["rows"].get(t)]
    assert not empty, f"the fill left these tables empty: {empty}"
    assert set(manifest["outbox"]) == set(manifest["inbox"]) == {"identity", "booking", "allocator", "notifier"}
    assert {"booking.identity-events", "booking.allocations", "booking.notification-events"} <= set(
        manifest["inbox"]["booking"])
    assert summary["rows"] == sum(manifest["rows"].values())
    assert await drill_databases(admin_db, system.database_url) == []     # the restored copy is gone

    # The same backup file drilled again, as a scheduled drill of last night's dump would.
    code, lines = await run_cli("--database-url", system.database_url, "--from-dump", str(dump))
    assert code == 0 and lines[-1]["result"] == "equal", lines


async def lose_rows(restored_url: str) -> None:
    """What a broken backup or restore could do: an inbox id and an allocation gone, and an
    event the broker already confirmed back in the outbox as unsent."""
    conn = await asyncpg.connect(restored_url)
    try:
        await conn.execute("DELETE FROM notifier.inbox WHERE ctid = (SELECT min(ctid) FROM notifier.inbox)")
        await conn.execute("DELETE FROM allocator.assignments WHERE ctid = (SELECT min(ctid) FROM allocator.assignments)")
        await conn.execute("UPDATE booking.outbox SET sent_at = NULL"
                           " WHERE seq = (SELECT min(seq) FROM booking.outbox WHERE sent_at IS NOT NULL)")
    finally:
        await conn.close()


async def test_a_row_lost_in_the_restored_copy_fails_the_drill(filled, admin_db, tmp_path):
    system, _ = filled
    lines: list[dict] = []
    diffs = await restore_drill.drill(system.database_url, tmp_path, after_restore=lose_rows, emit=lines.append)
    what = {(d["what"], d.get("table")) for d in diffs}
    inbox = [w for w, _ in what if w.startswith("inbox.notifier.")]
    assert ("rows", "notifier.inbox") in what and ("rows", "allocator.assignments") in what
    assert len(inbox) == 2 and {w.rsplit(".", 1)[1] for w in inbox} == {"ids", "digest"}, what
    assert {"outbox.booking.sent", "outbox.booking.unsent", "outbox.booking.unsent_ids",
            "outbox.booking.digest"} <= {w for w, _ in what}
    assert len(diffs) == 8, diffs
    resent = next(d for d in diffs if d["what"] == "outbox.booking.unsent_ids")
    assert len(resent["extra"]) == 1 and resent["missing"] == []
    assert lines[-1]["action"] == "summary" and lines[-1]["result"] == "different"
    assert await drill_databases(admin_db, system.database_url) == []


async def test_the_command_exits_1_when_the_dump_lacks_a_row_its_manifest_recorded(filled, admin_db, tmp_path):
    system, _ = filled
    code, lines = await run_cli("--database-url", system.database_url, "--workdir", str(tmp_path), "--backup-only")
    assert code == 0 and [line["action"] for line in lines] == ["versions", "dumped"], lines
    dump = Path(lines[-1]["file"])
    path = restore_drill.manifest_path(dump)
    manifest = json.loads(path.read_text())
    manifest["state"]["rows"]["booking.bookings"] += 1          # the dump holds one booking fewer
    path.write_text(json.dumps(manifest))

    code, lines = await run_cli("--database-url", system.database_url, "--from-dump", str(dump), "--keep")
    kept = next(line["database"] for line in lines if line["action"] == "kept")
    try:
        assert code == 1
        diffs = [line for line in lines if line["action"] == "difference"]
        expected = manifest["state"]["rows"]["booking.bookings"]
        assert diffs == [{"action": "difference", "what": "rows", "table": "booking.bookings",
                          "expected": expected, "found": expected - 1}]
        restored = await asyncpg.connect(with_database(system.database_url, kept))
        try:
            assert await restored.fetchval("SELECT count(*) FROM booking.bookings") == expected - 1
        finally:
            await restored.close()
    finally:
        await restore_drill.drop_database(system.database_url, kept)
    assert await drill_databases(admin_db, system.database_url) == []

    # A backup file cut short (a full disk, a copy interrupted): pg_restore fails, exit 2,
    # and the half-restored database is not left behind.
    cut = tmp_path / "cut.dump"
    cut.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    restore_drill.manifest_path(cut).write_text(path.read_text())
    code, lines = await run_cli("--database-url", system.database_url, "--from-dump", str(cut))
    assert code == 2 and "pg_restore exited with 1" in lines[-1]["error"], lines
    assert await drill_databases(admin_db, system.database_url) == []


async def test_the_drill_refuses_to_run_without_the_postgresql_tools(filled, tmp_path):
    code, lines = await run_cli("--database-url", filled[0].database_url, "--workdir", str(tmp_path),
                                "--pg-bin", str(tmp_path / "no-such-bin"))
    assert code == 2 and lines[-1]["action"] == "error" and "pg_dump not found" in lines[-1]["error"]
    assert list(tmp_path.glob("*.dump")) == []

