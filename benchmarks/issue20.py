"""Issue 20's part of the benchmarks page: its targets table (verdicts from the figures of
one run) and the before/after table of CPU per booking by process. Used by run_all.py.

The "before" of the CPU table is a file kept under results/ (``CPU_BEFORE``): the figures of
the 2026-11-27 run the issue quotes, taken from that run's booking_load.json (the 32-client
booking phase through nginx). ``run_all.py --save-cpu-before`` replaces it with the current
run's figures; no other run touches it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
CPU_BEFORE = HERE / "results" / "cpu_per_booking_before.json"

CPU_TARGET_MS = 4.0
BOOKING_RATIO_TARGET, BOOKING_P99_TARGET_S = 0.35, 0.150
HOT_RATIO_TARGET = 0.50
CALENDAR_P99_TARGET_S = 0.050
NOTIFIER_SHARE_TARGET = 0.85
SCALEOUT_TARGET = 3.6
CUTOFF_SMS_TARGET_S = 15.0
RSS_TARGET_MB = 120
GROWTH_MAX_DROP = 0.10

# The process groups of the CPU table, in the order: (row, how to pick it from a
# phase's cpu figures by group name).
CPU_ROWS: list[tuple[str, Callable[[str], bool]]] = [
    ("booking", lambda k: k == "booking"),
    ("PostgreSQL backends of the run's database", lambda k: "this run" in k),
    ("notifier", lambda k: k == "notifier" or k.startswith("notifier-")),
    ("RabbitMQ (beam.smp, every vhost)", lambda k: k == "rabbitmq"),
    ("nginx", lambda k: k == "gateway (nginx)"),
    ("identity + allocator", lambda k: k in ("identity", "allocator")),
]


def cpu_per_booking(bl: dict | None, clients: int = 32) -> dict | None:
    """CPU ms per booking by process group in the ``clients`` booking phase through nginx:
    counted during the phase (``in_phase``) and, when measured, until the system was quiet
    again, every SMS delivered and recorded (``with_sms``)."""
    if not bl:
        return None
    ph = next((x for x in bl.get("phases", []) if x["kind"] == "booking" and x["clients"] == clients), None)
    if not ph or not ph.get("cpu_ms_per_ok"):
        return None

    def rows(figures: dict | None) -> dict[str, float] | None:
        if not figures:
            return None
        out = {name: round(sum(v for k, v in figures.items() if pick(k)), 2) for name, pick in CPU_ROWS}
        out["total"] = round(sum(out.values()), 2)
        return out
    return {"at": bl.get("machine", {}).get("at"), "phase": ph["label"], "clients": clients,
            "bookings_per_s": ph.get("ok_per_s"), "in_phase": rows(ph["cpu_ms_per_ok"]),
            "with_sms": rows(ph.get("cpu_ms_per_ok_with_sms")), "settle_seconds": ph.get("settle_seconds")}


def load_before() -> dict | None:
    try:
        return json.loads(CPU_BEFORE.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def save_before(bl: dict | None, source: str) -> bool:
    figures = cpu_per_booking(bl)
    if figures is None:
        return False
    figures["source"] = source
    CPU_BEFORE.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return True


def _num(v: float | None, d: int = 1) -> str:
    return "-" if v is None else f"{v:,.{d}f}"


def cpu_table(bl: dict | None) -> list[str]:
    """The before/after table (markdown lines), also printed by run_all.py."""
    before, now = load_before(), cpu_per_booking(bl)
    out = ["### CPU per booking by process, before and now (issue 20)", ""]
    if before is None and now is None:
        return out + ["Not measured.", ""]
    b_at = (before or {}).get("at", "?")
    settle = (now or {}).get("settle_seconds")
    out += [f"CPU milliseconds per booking created, 32 clients through nginx (`booking_load.py`, psutil around the"
            f" phase). **Before**: the run of {b_at} (`results/{CPU_BEFORE.name}`: {(before or {}).get('source', '?')})."
            " **Now, in the phase**: the same count, this run. **Now, SMS path included**: counted from the"
            " phase's start until the system was quiet again (every confirmation SMS delivered and recorded"
            + (f", {settle:.1f} s after the last answer" if settle is not None else "") + ")."
            " RabbitMQ's figure is the whole broker"
            " (every vhost: other work on the machine lands there too). Target: total, SMS path included,"
            f" ≤ {CPU_TARGET_MS:g} ms.", "",
            "| process | before ms (in the phase) | before ms (SMS path included) | now ms (in the phase) |"
            " now ms (SMS path included) |", "|---|---|---|---|---|"]
    for name in [r for r, _ in CPU_ROWS] + ["total"]:
        cells = [((fig or {}).get(key) or {}).get(name)
                 for fig in (before, now) for key in ("in_phase", "with_sms")]
        bold = "**" if name == "total" else ""
        out.append(f"| {bold}{name}{bold} | " + " | ".join(f"{bold}{_num(v)}{bold}" for v in cells) + " |")
    out += ["", f"Bookings/s in that phase: before {_num((before or {}).get('bookings_per_s'))}, now"
            f" {_num((now or {}).get('bookings_per_s'))}.", ""]
    return out


def verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("**met**" if ok else "**NOT met**")


def ms(v: float | None) -> str:
    return "-" if v is None else f"{v * 1000:.0f} ms"


def targets(res: dict, service_peaks: dict[str, tuple[float, str]] | None) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) for each of issue 20's targets."""
    out: list[tuple[str, str, str]] = []
    bl = res.get("booking_load") or {}

    cpu = cpu_per_booking(bl)
    total = ((cpu or {}).get("with_sms") or {}).get("total")
    if total is not None:
        before = ((load_before() or {}).get("in_phase") or {}).get("total")
        out.append((f"CPU per booking, all processes, SMS path included: ≤ {CPU_TARGET_MS:g} ms",
                    f"{total:.1f} ms at 32 clients (in the phase {cpu['in_phase']['total']:.1f} ms; before"
                    f" {_num(before)} ms): table in section 1", verdict(total <= CPU_TARGET_MS)))
    else:
        out.append((f"CPU per booking, SMS path included: ≤ {CPU_TARGET_MS:g} ms", "-", verdict(None)))

    row32 = next((r for r in bl.get("table", []) if r["clients"] == 32), None)
    if row32 and row32.get("ratio") is not None:
        p99 = row32["booking_latency"]["p99"]
        out.append((f"Booking creation via nginx, 32 clients: ≥ {100 * BOOKING_RATIO_TARGET:.0f}% of the baseline,"
                    f" p99 ≤ {ms(BOOKING_P99_TARGET_S)}",
                    f"{row32['booking_per_s']:.1f}/s vs {row32['baseline_per_s']:.1f}/s = {100 * row32['ratio']:.0f}%,"
                    f" p99 {ms(p99)}",
                    verdict(row32["ratio"] >= BOOKING_RATIO_TARGET and p99 is not None and p99 <= BOOKING_P99_TARGET_S)))
    else:
        out.append(("Booking creation via nginx, 32 clients: ≥ 35% of the baseline, p99 ≤ 150 ms", "-", verdict(None)))

    pg = bl.get("pgbench_hot")
    if pg and pg.get("ratio") is not None:
        out.append((f"One period booked by everyone, {pg['clients']} clients, vs pgbench (same UPDATE + INSERT on one"
                    f" row, same run): ≥ {100 * HOT_RATIO_TARGET:.0f}%",
                    f"{pg['booking_per_s']:.1f}/s vs pgbench {pg['tps']:.1f} tps = {100 * pg['ratio']:.0f}%"
                    f" (booking p99 {ms(pg['booking_latency']['p99'])})", verdict(pg["ratio"] >= HOT_RATIO_TARGET)))
    else:
        why = (pg or {}).get("error", "")[-200:].replace("\n", " ") or "-"
        out.append(("One period booked by everyone, 64 clients, vs pgbench: ≥ 50%", why, verdict(None)))

    rl = res.get("read_load") or {}
    cal = next((p for p in rl.get("phases", []) if p.get("endpoint") == "calendar" and p.get("clients") == 32), None)
    if cal:
        p99 = cal["latency_ok"]["p99"]
        out.append((f"Calendar read, 32 clients: p99 ≤ {ms(CALENDAR_P99_TARGET_S)}",
                    f"p99 {ms(p99)} ({cal['ok_per_s']:.0f}/s)", verdict(p99 is not None and p99 <= CALENDAR_P99_TARGET_S)))
    else:
        out.append(("Calendar read, 32 clients: p99 ≤ 50 ms", "-", verdict(None)))

    nt = res.get("notifier_throughput") or {}
    runs = {r["processes"]: r for r in nt.get("runs", [])}
    if 1 in runs and 2 in runs:
        shares = {p: runs[p]["steady"] / runs[p]["ceiling"] for p in (1, 2)}
        out.append((f"Notifier, 1 and 2 processes, provider answering in {nt.get('delay_ms', 100):.0f} ms:"
                    f" ≥ {100 * NOTIFIER_SHARE_TARGET:.0f}% of the limit",
                    ", ".join(f"{p}: {runs[p]['steady']:.0f}/{runs[p]['ceiling']:.0f} SMS/s = {100 * v:.0f}%"
                              for p, v in shares.items()), verdict(min(shares.values()) >= NOTIFIER_SHARE_TARGET)))
    else:
        out.append(("Notifier, 1 and 2 processes: ≥ 85% of the limit", "-", verdict(None)))

    so = nt.get("scaleout") or {}
    sruns = {r["processes"]: r for r in so.get("runs", [])}
    if 1 in sruns and 4 in sruns and sruns[1]["steady"]:
        k = sruns[4]["steady"] / sruns[1]["steady"]
        out.append((f"Notifier scale-out where the provider is the limit (provider {so['delay_ms']:.0f} ms,"
                    f" {so['in_flight']} in flight each): 4 processes ≥ {SCALEOUT_TARGET} x one",
                    f"1: {sruns[1]['steady']:.0f} SMS/s ({100 * sruns[1]['steady'] / sruns[1]['ceiling']:.0f}% of"
                    f" {sruns[1]['ceiling']:.0f}), 4: {sruns[4]['steady']:.0f} SMS/s"
                    f" ({100 * sruns[4]['steady'] / sruns[4]['ceiling']:.0f}% of {sruns[4]['ceiling']:.0f}) = {k:.2f} x",
                    verdict(k >= SCALEOUT_TARGET)))
    else:
        out.append(("Notifier scale-out (provider 300 ms): 4 processes ≥ 3.6 x one", "-", verdict(None)))

    for name, label in (("cutoff_end_to_end", "rate limit 1,000/s"), ("cutoff_sms_default_limit", "default rate limit")):
        co = res.get(name) or {}
        sms = co.get("sms") or {}
        if sms.get("seconds") is not None and "met" in sms:
            out.append((f"Cutoff of {co.get('bookings', 5000):,} bookings → last allocation SMS accepted by the provider,"
                        f" {sms['notifiers']} notifiers, provider {sms['provider_delay_ms']:.0f} ms, {label}"
                        f" ({sms['rate_per_second']:g}/s): {sms['target']}",
                        f"{sms['seconds']:.1f} s (last allocation stored at {co['seconds']:.1f} s)"
                        if co.get("seconds") is not None else f"{sms['seconds']:.1f} s", verdict(sms["met"])))
        else:
            why = co.get("reason") or co.get("status") or "not run"
            if co.get("milestones_s", {}).get("notifier: SMS not all stored within"):
                why = f"the allocation SMS were not all delivered within {co['milestones_s']['notifier: SMS not all stored within']:.0f} s"
            out.append((f"Cutoff → last allocation SMS accepted by the provider, {label}", why, verdict(None)))

    if service_peaks:
        out.append((f"Peak RSS per service under these loads: ≤ {RSS_TARGET_MB} MB each",
                    ", ".join(f"{s} {v:.0f} MB ({where})" for s, (v, where) in service_peaks.items()),
                    verdict(all(v <= RSS_TARGET_MB for v, _ in service_peaks.values()))))
    else:
        out.append((f"Peak RSS per service: ≤ {RSS_TARGET_MB} MB each", "-", verdict(None)))

    gr = res.get("growth") or {}
    pts = gr.get("points", [])
    if len(pts) >= 2 and pts[0]["ok_per_s"]:
        first, last = pts[0], pts[-1]
        drop = 1 - last["ok_per_s"] / first["ok_per_s"]
        out.append((f"Bookings/s as the table grows 10^4 → 10^6: ≤ {100 * GROWTH_MAX_DROP:.0f}% drop",
                    f"{first['ok_per_s']:.1f}/s at {first['rows']:,} rows → {last['ok_per_s']:.1f}/s at {last['rows']:,}"
                    f" rows ({'-' if drop >= 0 else '+'}{abs(100 * drop):.0f}%)", verdict(drop <= GROWTH_MAX_DROP)))
    else:
        out.append(("Bookings/s as the table grows 10^4 → 10^6: ≤ 10% drop", "-", verdict(None)))
    return out
