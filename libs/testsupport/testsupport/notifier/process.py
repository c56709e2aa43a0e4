"""A real notifier process (``python -m notifier``) for tests: its own port, environment
and log file; started, awaited until its consumer is attached, scraped, stopped by signal."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import aiohttp

from testsupport.fixtures import free_port
from testsupport.waiting import until_answers

REPO = Path(__file__).resolve().parents[4]


def consuming(_status: int, metrics: str) -> bool:
    """Whether a notifier's /metrics says its consumer is attached to its queue."""
    return "consumers_running 1.0" in metrics


class NotifierProcess:
    def __init__(self, *, database_url: str, amqp_url: str, sms_url: str, log_path: Path, **settings: str) -> None:
        """``settings``: NOTIFIER_* variables without the prefix, e.g. MAX_IN_FLIGHT="8"."""
        self.port = free_port()
        self.log_path = log_path
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "NOTIFIER_"))}
        self.env.update(DATABASE_URL=database_url, AMQP_URL=amqp_url, SMS_PROVIDER="http", SMS_HTTP_URL=sms_url,
                        APP_ENV="test", LOG_LEVEL="INFO", PYTHONUNBUFFERED="1", NOTIFIER_PORT=str(self.port),
                        EVENTS_VERIFY_PUBLISHER="false")  # one shared test user publishes its events
        self.env.update({f"NOTIFIER_{k.upper()}": str(v) for k, v in settings.items()})
        self.proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "notifier"], env=self.env, cwd=REPO,
                                         stdout=log, stderr=subprocess.STDOUT)

    async def metrics(self) -> str:
        async with aiohttp.ClientSession() as s:
            async with s.get(f"http://127.0.0.1:{self.port}/metrics") as r:
                return await r.text()

    async def wait_consuming(self, timeout: float = 30) -> None:
        await until_answers(f"http://127.0.0.1:{self.port}/metrics", self.proc, timeout=timeout,
                            answered=consuming, what="the notifier", log=lambda: self.log_path.read_text()[-2000:])

    def stop(self, sig: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
