"""Each service's memory once ready (idle), and identity's peak after sign-ins (issue 20: peak
RSS ≤ 120 MB per service).

Starts the whole system (as the other benchmarks do: fresh database and vhost, nginx, the
fake SMS provider), waits --settle seconds after every service answers /readyz, and reads
each process's /proc/PID/status (VmRSS now, VmHWM its peak since start) and smaps_rollup
(anonymous vs file-backed resident pages). Then one agent registers and signs in through
nginx (two argon2id hashes, one after the other) and signs in --sign-ins more times (identity
hashes one at a time per process anyway, and locks an account after a burst of sign-ins at
once); identity's VmRSS and VmHWM are read after each step. Figures in MiB (kB / 1024), the unit
of the other benchmarks' RSS sampler; VmHWM is the exact high-water mark, never lower than
a sampled peak.

--service-python runs the services with another interpreter: a venv holding only
requirements-runtime.lock (what the image installs) and a .pth naming libs/shared and
services/*, to measure without the dev-only packages the bench venv adds (structlog imports
rich, pygments and greenlet when they are installed: ~3 MiB per process).

Run: flock /tmp/bench.lock .venv/bin/python benchmarks/idle_memory.py [--settle S] [--sign-ins N]
     [--service-python PATH] [--json PATH]
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as bl


def proc_memory(pid: int) -> dict[str, float]:
    """VmRSS, VmHWM (status) and Anonymous, file-backed = Rss - Anonymous (smaps_rollup), MiB."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = round(int(value.split()[0]) / 1024, 1)
    rollup: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, _, value = line.partition(":")
        rollup[key] = int(value.split()[0])
    out["anonymous"] = round(rollup.get("Anonymous", 0) / 1024, 1)
    out["file_backed"] = round((rollup.get("Rss", 0) - rollup.get("Anonymous", 0)) / 1024, 1)
    return out


async def bench(args) -> dict:
    out: dict = {"benchmark": "idle_memory", "machine": bl.machine(), "code_tree": bl.code_tree(),
                 "params": vars(args).copy()}
    if args.service_python:
        sys.executable = args.service_python   # what testsupport.system starts the services with
    async with bl.started_system() as run:
        await asyncio.sleep(args.settle)
        out["idle"] = {name: proc_memory(run.pid(name)) for name in run.system.services}
        await run.set_clock(bl.MONDAY_10)
        agent = await run.register_agent(0)   # one hash to register, one to sign in
        await asyncio.sleep(1.0)
        out["identity_after_one_sign_in"] = proc_memory(run.pid("identity"))
        for _ in range(args.sign_ins):
            await run.login(agent["username"])
        await asyncio.sleep(1.0)
        out[f"identity_after_{args.sign_ins}_more_sign_ins"] = proc_memory(run.pid("identity"))
    return out


def main() -> int:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settle", type=float, default=5.0, help="seconds after ready before the idle reading")
    parser.add_argument("--sign-ins", type=int, default=5, help="sign-ins after the first, one after the other")
    parser.add_argument("--service-python", help="the interpreter the services run with (default: this one)")
    parser.add_argument("--json", default=str(here / "results" / "idle_memory.json"))
    args = parser.parse_args()
    result = asyncio.run(bench(args))
    bl.write_json(Path(args.json), result)
    for key, value in result.items():
        if key.startswith(("idle", "identity_")):
            print(key, value)
    return 0


if __name__ == "__main__":
    sys.exit(main())
