"""A notifier process (``python -m notifier``) killed with SIGKILL in the middle of a burst
loses nothing once restarted: every event's message is delivered exactly once by ref.
Its log never holds a verification code or a full phone number."""
from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import aiohttp

from shared.testing.fixtures import free_port
from notifier.testing import events as ev
from notifier.testing.harness import new_phone, wait_until

REPO = Path(__file__).resolve().parents[4]
BOOKINGS, CODES = 360, 40
MAX_IN_FLIGHT = 8


class NotifierProcess:
    def __init__(self, env, log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "NOTIFIER_"))}
        self.env.update(
            DATABASE_URL=env.database_url, AMQP_URL=env.amqp_url, SMS_PROVIDER="http", SMS_HTTP_URL=env.fake.url,
            APP_ENV="test", LOG_LEVEL="INFO", PYTHONUNBUFFERED="1", NOTIFIER_PORT=str(self.port),
            NOTIFIER_DB_SCHEMA=env.schema, NOTIFIER_MAX_IN_FLIGHT=str(MAX_IN_FLIGHT),
            NOTIFIER_PROVIDER_RATE_PER_SECOND="0", NOTIFIER_LEASE_SECONDS="2",
            NOTIFIER_PROVIDER_TIMEOUT_SECONDS="1", NOTIFIER_PENDING_GRACE_SECONDS="1",
            NOTIFIER_SWEEP_INTERVAL_SECONDS="0.2", NOTIFIER_RETRY_BASE_SECONDS="0.05",
            NOTIFIER_RETRY_CAP_SECONDS="0.2")
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "notifier"], env=self.env, cwd=REPO,
                                         stdout=log, stderr=subprocess.STDOUT)

    async def wait_consuming(self, timeout: float = 30) -> None:
        async def consuming() -> bool:
            assert self.proc is not None and self.proc.poll() is None, self.log_path.read_text()[-2000:]
            try:
                async with aiohttp.ClientSession() as s:
                    async with s.get(f"http://127.0.0.1:{self.port}/metrics") as r:
                        return "consumers_running 1.0" in await r.text()
            except aiohttp.ClientError:
                return False
        assert await wait_until(consuming, timeout=timeout, interval=0.2), self.log_path.read_text()[-2000:]

    def stop(self, sig: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


async def test_a_process_killed_mid_burst_loses_nothing_and_sends_nothing_twice(notifier_env, tmp_path):
    env = notifier_env
    env.fake.state.set_delay(0.05)      # each call takes a while: the kill lands mid-burst
    log_path = tmp_path / "notifier.log"
    first = NotifierProcess(env, log_path)
    second = NotifierProcess(env, log_path)
    try:
        first.start()
        await first.wait_consuming()
        phones = [new_phone() for _ in range(BOOKINGS + CODES)]
        codes = [f"{700000 + i:06d}" for i in range(CODES)]
        envelopes = ([ev.confirmed(f"bk-{uuid.uuid4().hex[:12]}", p) for p in phones[:BOOKINGS]]
                     + [ev.verification_code(p, c) for p, c in zip(phones[BOOKINGS:], codes)])
        await asyncio.gather(*(env.publish(e) for e in envelopes))
        assert await wait_until(lambda: len(env.fake.state.messages) >= 60, timeout=30)
        first.stop(signal.SIGKILL)
        assert len(env.fake.state.messages) < len(envelopes)      # killed with work left

        second.start()
        await second.wait_consuming()
        rows = await env.wait_final(len(envelopes), timeout=40)
    finally:
        first.stop(signal.SIGKILL)
        second.stop(signal.SIGTERM)

    assert len(rows) == len(envelopes) and {r["status"] for r in rows} == {"delivered"}
    assert {r["event_id"] for r in rows} == {e.id for e in envelopes}      # one message per event
    refs = {str(r["id"]) for r in rows}
    assert sorted(m.ref for m in env.fake.state.messages) == sorted(refs)  # each delivered exactly once
    calls = env.calls_by_ref()
    assert set(calls) == refs
    repeated = [ref for ref, n in calls.items() if n > 1]
    # Only the calls the kill cut off were made again: each one's first attempt is the one
    # the kill left unfinished (marked lost when the message was claimed again). Those are
    # the calls in flight (MAX_IN_FLIGHT) and the answered ones whose outcome was being
    # stored (at most MAX_IN_FLIGHT more: the permit is given back when the provider answers).
    lost = {str(r["message_id"]) for r in await env.fetch(
        "SELECT message_id FROM message_attempts WHERE outcome = 'lost'")}
    assert set(repeated) <= lost
    assert len(lost) <= 2 * MAX_IN_FLIGHT
    # The codes went out, yet neither they nor a full phone number reached the log.
    assert {c for c in codes if any(c in m.text for m in env.fake.state.messages)} == set(codes)
    log = log_path.read_text()
    assert "sms_attempt" in log
    # (As a token of its own: six digits also turn up inside message ids and timestamps.)
    assert not [c for c in codes if re.search(rf"(?<![0-9A-Fa-f.]){c}(?![0-9A-Fa-f])", log)]
    assert not [p for p in phones if p in log]
    stored = await env.fetch("SELECT body FROM messages WHERE sensitive")
    assert len(stored) == CODES and not [c for c in codes if any(c in r["body"] for r in stored)]
