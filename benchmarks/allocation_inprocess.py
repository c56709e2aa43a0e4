"""In-process allocation benchmark: the pure scheduling function on 20,000 bookings.

Generates one seeded day of 20,000 bookings (1-10 enterprises each, business types
drawn under the booking rules), then times, several rounds each:
  - parse:    DaySnapshot.from_dict over the event-shaped dict
  - allocate: allocate(snapshot, policy)  <- the figure the 2 s target is about
  - fingerprint: snapshot and schedule fingerprints (what a re-run compares)
and writes benchmarks/reports/allocation_inprocess.md (overwritten each run).

Run: .venv/bin/python benchmarks/allocation_inprocess.py [--bookings N] [--rounds R]
No database, no broker: this measures the algorithm, not the service.
"""
from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from allocator.domain import AllocationPolicy, DaySnapshot, allocate

TARGET_SECONDS = 2.0
SEED = 20261201
REPORT = Path(__file__).resolve().parent / "reports" / "allocation_inprocess.md"
SHANGHAI = timezone(timedelta(hours=8))
COUNTED = ["RENEW_UNLOCK", "DECLARANT_CARD", "OPERATOR_CARD", "REISSUE_CARD"]


def businesses_for(rng: random.Random) -> list[dict]:
    """One enterprise's types, respecting the booking rules (exclusive types alone,
    CHANGE_INFO never with RENEW_UNLOCK), so durations look like real ones."""
    roll = rng.random()
    if roll < 0.10:
        return [{"type": "PRE_ENTRY"}]
    if roll < 0.25:
        return [{"type": "NEW_CARD"}]
    picked = rng.sample(COUNTED + ["CHANGE_INFO", "BUY_READER"], rng.randint(1, 3))
    if "CHANGE_INFO" in picked and "RENEW_UNLOCK" in picked:
        picked.remove("RENEW_UNLOCK")
    out = []
    for code in picked:
        item = {"type": code}
        if code in COUNTED:
            item["count"] = rng.choice([1, 1, 1, 2, 2, 3, 5, 10])
        out.append(item)
    return out


def make_day(bookings: int, seed: int = SEED) -> dict:
    rng = random.Random(seed)
    opened = datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI)
    items = []
    for i in range(bookings):
        # Whole seconds inside two days: plenty of equal created_at, so ties are exercised.
        created = opened + timedelta(seconds=rng.randrange(2 * 24 * 3600))
        items.append({
            "id": f"bk-{i:06d}",
            "period": rng.choice(("AM", "PM")),
            "created_at": created.isoformat(),
            "enterprises": [{"org_code": f"{rng.randrange(10**8):08d}X",
                             "businesses": businesses_for(rng)}
                            for _ in range(rng.randint(1, 10))],
        })
    rng.shuffle(items)
    return {"center": "qingdao", "date": "2026-12-01",
            "periods": [{"code": "AM", "start": "09:00", "end": "11:30", "queue_prefix": "A"},
                        {"code": "PM", "start": "13:30", "end": "17:00", "queue_prefix": "B"}],
            "bookings": items}


def timed(fn, rounds: int):
    seconds, result = [], None
    for _ in range(rounds):
        t0 = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - t0)
    return seconds, result


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def nproc() -> int:
    # What `nproc` prints: the CPUs this process may run on, not the host's total.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 0


def ms(s: float) -> str:
    return f"{s * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", help="also write the figures as JSON to this path")
    args = parser.parse_args()

    data = make_day(args.bookings)
    lines = sum(len(b["enterprises"]) for b in data["bookings"])
    rows: list[tuple[str, list[float]]] = []

    # The garbage collector stays on (the service runs with it); results of earlier
    # steps are dropped and collected between steps so one step's leftovers do not
    # slow the next one's collections.
    gc.collect()
    parse_s, snapshot = timed(lambda: DaySnapshot.from_dict(data), args.rounds)
    rows.append(("parse: `DaySnapshot.from_dict`", parse_s))

    scenarios = [("default settings, 4 desks", AllocationPolicy()),
                 ("10,000 desks (a day that fits)", AllocationPolicy(desks=10_000))]
    allocate_medians, deterministic, overflow = [], True, {}
    for name, policy in scenarios:
        gc.collect()
        seconds, schedule = timed(lambda policy=policy: allocate(snapshot, policy), args.rounds)
        again = allocate(snapshot, policy)
        deterministic &= again == schedule and again.fingerprint() == schedule.fingerprint()
        overflow[name] = schedule.overflow_count
        rows.append((f"**allocate**, {name}: {schedule.overflow_count:,} overflow", seconds))
        allocate_medians.append(statistics.median(seconds))
        del schedule, again

    gc.collect()
    policy = AllocationPolicy()
    end_to_end, schedule = timed(lambda: allocate(DaySnapshot.from_dict(data), policy), args.rounds)
    rows.append(("parse + allocate, default settings (the consumer's in-process work)", end_to_end))
    gc.collect()
    rows.append(("fingerprint of the snapshot", timed(snapshot.fingerprint, args.rounds)[0]))
    rows.append(("fingerprint of the schedule", timed(schedule.fingerprint, args.rounds)[0]))

    worst = max(allocate_medians)
    met = worst < TARGET_SECONDS
    out = [
        "# Allocation benchmark, in-process",
        "",
        "Generated by `benchmarks/allocation_inprocess.py` (overwritten each run). The pure",
        "scheduling function `allocator.domain.allocate` on one seeded day; no database,",
        "no broker. Run from the repository root:",
        "`.venv/bin/python benchmarks/allocation_inprocess.py [--bookings N] [--rounds R]`.",
        "",
        "## Machine",
        f"- nproc: {nproc()}",
        f"- CPU: {cpu_model()}",
        f"- Python: {platform.python_implementation()} {platform.python_version()}",
        f"- Platform: {platform.platform()}",
        f"- Run at: {datetime.now(timezone.utc).isoformat(timespec='seconds')}",
        "",
        "## Workload",
        f"- {args.bookings:,} bookings, {lines:,} enterprise lines (1-10 per booking, mean "
        f"{lines / max(args.bookings, 1):.2f}); business types drawn under the booking",
        "  rules, card counts 1-10; periods AM 09:00-11:30 and PM 13:30-17:00;"
        f" seed {SEED}.",
        "- created_at in whole seconds over two days, so equal creation times occur; the",
        "  input list is shuffled.",
        f"- {args.rounds} rounds per step; one process, one thread, garbage collector on.",
        "",
        "## Results",
        "| step | min | median | bookings/s (median) |",
        "|---|---|---|---|",
    ]
    for name, seconds in rows:
        med = statistics.median(seconds)
        out.append(f"| {name} | {ms(min(seconds))} | {ms(med)} | {args.bookings / med:,.0f} |")
    out += [
        "",
        f"- Target, scheduling {args.bookings:,} bookings under {TARGET_SECONDS:.0f} s: "
        f"**{'met' if met else 'NOT met'}** (slowest median allocate {ms(worst)}; parse + "
        f"allocate median {ms(statistics.median(end_to_end))}).",
        f"- Determinism: a second run on the same snapshot gave an equal schedule and "
        f"fingerprint: **{'yes' if deterministic else 'NO'}**.",
        "- With the default 4 desks a 20,000-booking day cannot fit: the overflow bookings",
        "  are still placed (period's last segment, marked), at the same cost per booking.",
        "- The timings vary by tens of percent between runs on this shared VM; min is the",
        "  least disturbed figure.",
        "",
    ]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(out), encoding="utf-8")
    print("\n".join(out))
    if args.json:
        import json
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({
            "benchmark": "allocation_inprocess", "bookings": args.bookings, "lines": lines, "rounds": args.rounds,
            "target_s": TARGET_SECONDS, "met": met, "deterministic": deterministic,
            "slowest_allocate_median_s": worst, "parse_allocate_median_s": statistics.median(end_to_end),
            "steps": [{"name": name, "min_s": min(sec), "median_s": statistics.median(sec)} for name, sec in rows],
            "machine": {"nproc": nproc(), "cpu": cpu_model(), "python": platform.python_version()},
            "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}, indent=2), encoding="utf-8")
    return 0 if met and deterministic else 1


if __name__ == "__main__":
    sys.exit(main())
