"""``python -m identity create-user``: the operator's command, run as the operator would
(a process with DATABASE_URL in its environment and the password on standard input)."""
from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[4]


async def run_command(database_url: str, amqp_url: str, *args: str, stdin: str) -> tuple[int, str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "AMQP_URL": amqp_url, "APP_ENV": "test",
           "LOG_LEVEL": "WARNING", "IDENTITY_ARGON2_TIME_COST": "1", "IDENTITY_ARGON2_MEMORY_COST": "8",
           "IDENTITY_ARGON2_PARALLELISM": "1"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "identity", "create-user", *args, cwd=REPO, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(stdin.encode()), 60)
    return proc.returncode, out.decode(), err.decode()


async def test_an_operator_creates_a_staff_account_that_can_log_in(api, database_url, amqp_url):
    username, phone, password = api.new_username(), api.new_phone(), "Desk-Clerk-Secret-2026"
    rc, out, err = await run_command(database_url, amqp_url, "--username", username, "--name", "李四",
                                     "--phone", phone, "--role", "staff", stdin=password + "\n")
    assert rc == 0, err
    assert f"({username})" in out and "agent,staff" in out
    assert password not in out + err
    r = await api.login(username, password)
    assert r.status == 200, await r.text()
    body = await r.json()
    assert body["user"]["roles"] == ["agent", "staff"] and body["user"]["name"] == "李四"
    me = await (await api.me(body["access_token"])).json()
    assert me["roles"] == ["agent", "staff"] and me["phone"] == phone


async def test_the_command_refuses_a_taken_username(api, database_url, amqp_url):
    taken = await api.account(logged_in=False)
    rc, _out, err = await run_command(database_url, amqp_url, "--username", taken.username, "--name", "王五",
                                      "--phone", api.new_phone(), "--role", "admin", stdin="Admin-Secret-1234\n")
    assert rc == 1 and "user.username_taken" in err
