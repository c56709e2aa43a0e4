"""Runs every benchmark, then regenerates benchmarks/README.md and the PNG plots.

    .venv/bin/python benchmarks/run_all.py            # everything (about 20-30 minutes)
    .venv/bin/python benchmarks/run_all.py --quick    # small sizes, to try the machinery
    .venv/bin/python benchmarks/run_all.py --report-only          # plots and README from results/
    .venv/bin/python benchmarks/run_all.py --only booking_load,read_load

The system under test runs from a clean copy of the committed code: ``git archive HEAD``
unpacked into --tree-dir (default /tmp/bench-tree), so that unfinished edits in the
checkout cannot break (or flatter) a run. The benchmark scripts themselves are the
checkout's (benchmarks/*.py copied over the archive's), and PYTHONPATH points at the
copy's packages ahead of the editable installs. ``--worktree`` snapshots the working tree
instead (uncommitted code: the report says so).

Each script runs as a child process; meanwhile this process samples the RSS of every
process under it every 0.5 s (identity, booking, allocator, notifier, nginx, the baseline,
the load generator) and keeps each one's peak. Each script writes its figures as JSON
under benchmarks/results/; the older scripts' own markdown reports are copied there too.
``--save-before`` keeps this run's results as the "before" that later runs compare with.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import issue20  # noqa: E402  (this directory: the script is run by path)

CHECKOUT = HERE.parent
RESULTS = HERE / "results"
PLOTS = HERE / "plots"
README = HERE / "README.md"
NARRATIVE = HERE / "where_the_time_goes.md"
SERVICES = ("identity", "booking", "allocator", "notifier")
RSS_TARGET_MB = 150
CUTOFF_SMS_ARGS = ["--notifiers", "4", "--provider-delay-ms", "50"]


# ---- running -------------------------------------------------------------------------------

def benchmarks(quick: bool, max_rows: int) -> list[dict]:
    r = RESULTS
    q = quick
    return [
        {"name": "booking_load", "script": "booking_load.py", "timeout": 1200,
         "args": ["--json", str(r / "booking_load.json"), "--profile-dir", str(r)]
         + (["--max-requests", "400", "--max-seconds", "5", "--warmup", "50", "--profile-seconds", "3",
             "--pgbench-clients", "16"] if q else [])},
        {"name": "read_load", "script": "read_load.py", "timeout": 900,
         "args": ["--json", str(r / "read_load.json"), "--profile-dir", str(r)]
         + (["--agents", "32", "--max-requests", "500", "--max-seconds", "4", "--profile-seconds", "3"] if q else [])},
        {"name": "growth", "script": "growth.py", "timeout": 1200,
         "args": ["--json", str(r / "growth.json")]
         + (["--sizes", "10000,30000", "--max-requests", "300", "--max-seconds", "5"] if q else [])
         + (["--max-rows", str(max_rows)] if max_rows else [])},
        # Issue 20's configuration (4 notifiers, provider 50 ms, its rate limit 1,000/s); the
        # issue 8 milestone (last allocation stored) comes before any allocation SMS.
        {"name": "cutoff_end_to_end", "script": "cutoff_end_to_end.py", "timeout": 900,
         "args": ["--json", str(r / "cutoff_end_to_end.json"), *CUTOFF_SMS_ARGS, "--sms-rate", "1000"]
         + (["--bookings", "300"] if q else [])},
        # The same with the notifier's default rate limit: bookings by COPY (no confirmation SMS
        # to drain at that rate before the cutoff).
        {"name": "cutoff_sms_default_limit", "script": "cutoff_end_to_end.py", "timeout": 900,
         "args": ["--json", str(r / "cutoff_sms_default_limit.json"), *CUTOFF_SMS_ARGS, "--insert", "copy"]
         + (["--bookings", "300"] if q else [])},
        {"name": "allocation_inprocess", "script": "allocation_inprocess.py", "timeout": 900, "report": True,
         "args": ["--json", str(r / "allocation_inprocess.json")] + (["--bookings", "2000", "--rounds", "2"] if q else [])},
        {"name": "allocation_end_to_end", "script": "allocation_end_to_end.py", "timeout": 1200, "report": True,
         "args": ["--json", str(r / "allocation_end_to_end.json")]
         + (["--bookings", "2000", "--runs", "1"] if q else ["--runs", "3"])},
        {"name": "notifier_throughput", "script": "notifier_throughput.py", "timeout": 1200, "report": True,
         "args": ["--json", str(r / "notifier_throughput.json")] + (["--messages", "300"] if q else [])},
        {"name": "stream_fanout", "script": "stream_fanout.py", "timeout": 900,
         "args": ["--json", str(r / "stream_fanout.json"), "--markdown", str(HERE / "stream_fanout.md")]
         + (["--clients", "50", "--calls", "5"] if q else [])},
    ]


def prepare_tree(args) -> dict:
    tree = Path(args.tree_dir)
    if tree.exists():
        shutil.rmtree(tree)
    tree.mkdir(parents=True)
    head = subprocess.run(["git", "-C", str(CHECKOUT), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    if args.worktree:
        ignore = shutil.ignore_patterns(".git", ".venv", "node_modules", "__pycache__", "run", "*.pyc")
        shutil.copytree(CHECKOUT, tree, ignore=ignore, dirs_exist_ok=True)
        source = f"snapshot of the working tree at {datetime.now(timezone.utc).isoformat(timespec='seconds')} " \
                 f"(HEAD {head[:12]} plus uncommitted changes)"
    else:
        archive = subprocess.run(["git", "-C", str(CHECKOUT), "archive", "HEAD"], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
        source = f"git archive of HEAD {head[:12]} (committed code only)"
    (tree / "benchmarks").mkdir(exist_ok=True)
    for f in HERE.glob("*.py"):
        shutil.copy(f, tree / "benchmarks" / f.name)
    return {"tree": str(tree), "head": head, "source": source}


def tree_env(tree: Path) -> dict[str, str]:
    env = dict(os.environ)
    paths = [tree / "libs" / "shared", *(tree / "services" / s for s in SERVICES)]
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in paths)
    env.pop("PYTHONHOME", None)
    return env


def classify(p) -> str | None:
    try:
        cmd = p.cmdline()
        name = p.name()
    except Exception:
        return None
    if "nginx" in name:
        return "gateway (nginx)"
    if "-m" in cmd:
        i = cmd.index("-m")
        mod = cmd[i + 1] if i + 1 < len(cmd) else ""
        if mod in SERVICES:
            return "cli" if any(a in cmd for a in ("migrate", "create-user")) else mod
    joined = " ".join(cmd)
    if "baseline_server.py" in joined:
        return "baseline server"
    if "loadgen.py" in joined:
        return "load generator"
    if "py-spy" in joined:
        return "py-spy"
    return None


class TreeSampler(threading.Thread):
    def __init__(self, pid: int, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        import psutil
        self.psutil = psutil
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak: dict[str, float] = {}
        self.processes: dict[str, set[int]] = {}
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                kids = self.root.children(recursive=True)
                members = [(self.root, "benchmark driver")] + [(k, classify(k)) for k in kids]
                for proc, cls in members:
                    if cls is None:
                        continue
                    try:
                        rss = proc.memory_info().rss / 1024 / 1024
                    except self.psutil.Error:
                        continue
                    self.peak[cls] = max(self.peak.get(cls, 0.0), rss)
                    self.processes.setdefault(cls, set()).add(proc.pid)
            except self.psutil.Error:
                pass
            self.stop_event.wait(self.interval)


def run_one(b: dict, tree: Path, env: dict[str, str]) -> dict:
    RESULTS.mkdir(parents=True, exist_ok=True)
    logs = RESULTS / "logs"
    logs.mkdir(exist_ok=True)
    log_path = logs / f"{b['name']}.log"
    argv = [sys.executable, str(tree / "benchmarks" / b["script"]), *b["args"]]
    started = time.monotonic()
    load_before = [round(x, 2) for x in os.getloadavg()]
    print(f"\n=== {b['name']}: {' '.join(argv[1:])}", flush=True)
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(argv, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        timer = threading.Timer(b["timeout"], proc.kill)
        timer.start()
        for line in proc.stdout:
            log.write(line)
            if line.strip() and (not line.startswith(("|", "#", "- ", "  ", "`")) or line.startswith("  ") and "c=" in line):
                print(f"  {line.rstrip()}"[:220], flush=True)
        rc = proc.wait()
        timer.cancel()
        sampler.stop_event.set()
        sampler.join(2)
    meta = {"name": b["name"], "returncode": rc, "seconds": round(time.monotonic() - started, 1),
            "loadavg_before": load_before, "loadavg_after": [round(x, 2) for x in os.getloadavg()],
            "peak_rss_mb": {k: round(v, 1) for k, v in sampler.peak.items()},
            "processes": {k: len(v) for k, v in sampler.processes.items()}, "log": str(log_path.relative_to(HERE))}
    if b.get("report"):
        src = tree / "benchmarks" / "reports" / f"{b['name']}.md"
        if src.exists() and rc == 0:
            shutil.copy(src, RESULTS / f"{b['name']}.md")
    if rc != 0:
        tail = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-6:]
        meta["error_tail"] = tail
        print(f"  !! {b['name']} exited with {rc}", flush=True)
    return meta


# ---- reading results -------------------------------------------------------------------------

def load(name: str, base: Path = RESULTS) -> dict | None:
    p = base / f"{name}.json"
    if not p.exists():
        return None
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None


def ms(v: float | None) -> str:
    return "-" if v is None else f"{v * 1000:.0f} ms" if v >= 0.1 else f"{v * 1000:.1f} ms"


def num(v: float | None, d: int = 0) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:,.{d}f}"


def pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.0f}%"


def yes(b: bool | None) -> str:
    return "not measured" if b is None else ("**met**" if b else "**NOT met**")


# ---- plots -----------------------------------------------------------------------------------

def plots(res: dict, meta: dict) -> list[str]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    PLOTS.mkdir(parents=True, exist_ok=True)
    made = []

    bl = res.get("booking_load")
    if bl and bl.get("table"):
        t = bl["table"]
        cs = [row["clients"] for row in t]
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.5))
        a1.plot(cs, [row["booking_per_s"] for row in t], "o-", label="booking service via nginx (all rules)")
        a1.plot(cs, [row["baseline_per_s"] for row in t], "s--", label="baseline: UPDATE + INSERT only (direct)")
        for row in t:
            if row["ratio"]:
                a1.annotate(f"{100 * row['ratio']:.0f}%", (row["clients"], row["booking_per_s"]),
                            textcoords="offset points", xytext=(0, 8), ha="center")
        a1.axhline(0, color="none")
        a1.set_xscale("log", base=2)
        a1.set_xticks(cs, [str(c) for c in cs])
        a1.set_xlabel("concurrent clients")
        a1.set_ylabel("bookings/s (2xx)")
        a1.set_title("Booking creation throughput (label: % of baseline)")
        a1.legend(fontsize=8)
        for key, style, lab in (("booking_latency", "-", "booking"), ("baseline_latency", "--", "baseline")):
            for p, mk in (("p50", "o"), ("p95", "^"), ("p99", "s")):
                a2.plot(cs, [row[key][p] * 1000 if row[key][p] else None for row in t], style, marker=mk,
                        label=f"{lab} {p}")
        a2.axhline(100, color="red", lw=0.8, ls=":", label="target p99 100 ms")
        a2.set_xscale("log", base=2)
        a2.set_yscale("log")
        a2.set_xticks(cs, [str(c) for c in cs])
        a2.set_xlabel("concurrent clients")
        a2.set_ylabel("latency (ms, log)")
        a2.set_title("Booking creation latency")
        a2.legend(fontsize=7, ncol=2)
        fig.tight_layout()
        fig.savefig(PLOTS / "booking_creation.png", dpi=110)
        plt.close(fig)
        made.append("booking_creation.png")

    rl = res.get("read_load")
    if rl and rl.get("phases"):
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
        for ep, mk in (("calendar", "o-"), ("booking list", "s-")):
            ph = [p for p in rl["phases"] if p["endpoint"] == ep]
            cs = [p["clients"] for p in ph]
            a1.plot(cs, [p["ok_per_s"] for p in ph], mk, label=f"GET {ep}")
            a2.plot(cs, [p["latency_ok"]["p99"] * 1000 for p in ph], mk, label=f"GET {ep} p99")
        cs = sorted({p["clients"] for p in rl["phases"]})
        for a, yl, title in ((a1, "requests/s (2xx)", "Reads through nginx: throughput"),
                             (a2, "p99 latency (ms)", "Reads through nginx: p99")):
            a.set_xscale("log", base=2)
            a.set_xticks(cs, [str(c) for c in cs])
            a.set_ylim(bottom=0)
            a.set_xlabel("concurrent clients")
            a.set_ylabel(yl)
            a.set_title(title)
            a.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(PLOTS / "reads.png", dpi=110)
        plt.close(fig)
        made.append("reads.png")

    gr = res.get("growth")
    if gr and gr.get("points"):
        pts = gr["points"]
        fig, a1 = plt.subplots(figsize=(7.5, 4.5))
        xs = [p["rows"] for p in pts]
        a1.plot(xs, [p["ok_per_s"] for p in pts], "o-", label="bookings/s (32 clients)")
        a1.set_xscale("log")
        a1.set_ylim(bottom=0)
        a1.set_xlabel("rows in booking.bookings (log)")
        a1.set_ylabel("bookings/s")
        a2 = a1.twinx()
        a2.plot(xs, [p["latency_ok"]["p99"] * 1000 for p in pts], "s--", color="tab:red", label="p99 (ms)")
        a2.set_ylabel("p99 latency (ms)", color="tab:red")
        a2.set_ylim(bottom=0)
        for p in pts:
            la = (p.get("loadavg_before") or [None])[0]
            if la is not None:
                a1.annotate(f"load avg {la}", (p["rows"], p["ok_per_s"]), textcoords="offset points",
                            xytext=(0, -14), ha="center", fontsize=7)
        a1.set_title("Booking creation as the bookings table grows (flat is the goal)")
        h1, l1 = a1.get_legend_handles_labels()
        h2, l2 = a2.get_legend_handles_labels()
        a1.legend(h1 + h2, l1 + l2, fontsize=8, loc="lower left")
        fig.tight_layout()
        fig.savefig(PLOTS / "growth.png", dpi=110)
        plt.close(fig)
        made.append("growth.png")

    nt = res.get("notifier_throughput")
    if nt and nt.get("runs"):
        runs = nt["runs"]
        fig, a = plt.subplots(figsize=(7, 4.5))
        ps = [r["processes"] for r in runs]
        a.plot(ps, [r["ceiling"] for r in runs], "k:", label="limit (processes x in-flight / 100 ms)")
        a.plot(ps, [0.8 * r["ceiling"] for r in runs], color="red", ls=":", lw=0.8, label="target: 80% of the limit")
        a.plot(ps, [r["steady"] for r in runs], "o-", label="steady SMS/s")
        a.plot(ps, [r["end_to_end"] for r in runs], "s--", label="end-to-end SMS/s")
        a.set_xticks(ps)
        a.set_xlabel("notifier processes")
        a.set_ylabel("SMS/s")
        a.set_title("Notifier scaling, 100 ms fake provider")
        a.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(PLOTS / "notifier_scaling.png", dpi=110)
        plt.close(fig)
        made.append("notifier_scaling.png")

    mem = memory_table(meta)
    if mem:
        names = sorted({s for row in mem.values() for s in row})
        services = [s for s in ("identity", "booking", "allocator", "notifier", "gateway (nginx)") if s in names]
        if services:
            fig, a = plt.subplots(figsize=(10, 4.8))
            peaks = [max(row.get(s, 0) for row in mem.values()) for s in services]
            where = [max(mem, key=lambda b, s=s: mem[b].get(s, 0)) for s in services]
            labels = [f"{s}\n({w}{', sign-in burst' if s == 'identity' and w == 'read_load' else ''})"
                      for s, w in zip(services, where)]
            bars = a.bar(labels, peaks, color=["tab:green" if p < RSS_TARGET_MB else "tab:red" for p in peaks])
            for b, p in zip(bars, peaks):
                a.annotate(f"{p:.0f}", (b.get_x() + b.get_width() / 2, p), ha="center", va="bottom", fontsize=8)
            a.axhline(RSS_TARGET_MB, color="red", ls=":", label=f"target {RSS_TARGET_MB} MB")
            a.set_ylabel("peak RSS of one process (MB)")
            a.set_title("Peak RSS of one process per service over every benchmark (sampled every 0.5 s)")
            a.tick_params(axis="x", labelsize=8)
            a.legend(fontsize=8)
            fig.tight_layout()
            fig.savefig(PLOTS / "memory.png", dpi=110)
            plt.close(fig)
            made.append("memory.png")

    prof = (bl or {}).get("profile_gil") or (bl or {}).get("profile")
    if prof and prof.get("components"):
        comps = prof["components"][:12][::-1]
        fig, a = plt.subplots(figsize=(9, 4.5))
        a.barh([c["frame"][:60] for c in comps], [100 * c["share"] for c in comps])
        a.set_xlabel("% of samples")
        a.set_title(f"booking process under 32 clients: {prof.get('mode', '')} samples by component")
        fig.tight_layout()
        fig.savefig(PLOTS / "booking_profile_components.png", dpi=110)
        plt.close(fig)
        made.append("booking_profile_components.png")
    return made


def memory_table(meta: dict) -> dict[str, dict[str, float]]:
    return {name: m.get("peak_rss_mb", {}) for name, m in meta.get("runs", {}).items() if m.get("peak_rss_mb")}


# ---- the README ------------------------------------------------------------------------------

def machine_lines(res: dict, meta: dict) -> list[str]:
    m = next((r["machine"] for r in res.values() if r and r.get("machine")), None) or {}
    start = meta.get("loadavg_start")
    lines = [
        f"- nproc: {m.get('nproc', '?')}; CPU: {m.get('cpu', '?')}; RAM: {m.get('ram_gib', '?')} GiB",
        f"- {m.get('python', '?')}; {m.get('platform', '?')}",
        f"- PostgreSQL {m.get('postgresql', '?')}, RabbitMQ {m.get('rabbitmq', '?')}, both on this machine"
        " (loopback), each run in a database and vhost of its own",
        f"- Load average (1/5/15 min) when the run started: {' / '.join(str(x) for x in start) if start else '?'}"
        " — a 2-CPU VM whose other tenants are not ours to see: compare each benchmark's load average"
        " (the last table) before trusting a figure, and ratios only within one run",
        f"- Run: {meta.get('started', '?')} to {meta.get('finished', '?')}; code under test: {meta.get('source', '?')}",
    ]
    return lines


def targets(res: dict, meta: dict) -> list[tuple[str, str, str]]:
    """(target, measured, verdict)."""
    out = []
    bl = res.get("booking_load")
    row32 = next((r for r in (bl or {}).get("table", []) if r["clients"] == 32), None)
    if row32:
        out.append(("Booking creation at 32 clients: at least 40% of the baseline's throughput",
                    f"{num(row32['booking_per_s'], 1)}/s vs baseline {num(row32['baseline_per_s'], 1)}/s = "
                    f"{100 * row32['ratio']:.0f}%", yes(row32["ratio"] >= 0.40)))
        p99 = row32["booking_latency"]["p99"]
        out.append(("Booking creation at 32 clients: p99 under 100 ms", ms(p99), yes(p99 is not None and p99 < 0.1)))
    else:
        out.append(("Booking creation (40% of baseline, p99 < 100 ms at 32 clients)", "-", yes(None)))
    ai = res.get("allocation_inprocess")
    if ai:
        out.append((f"Allocation of {ai['bookings']:,} bookings in-process under 2 s",
                    f"allocate median {ai['slowest_allocate_median_s']:.2f} s (parse + allocate "
                    f"{ai['parse_allocate_median_s']:.2f} s)", yes(ai["met"])))
    else:
        out.append(("Allocation of 20,000 bookings in-process under 2 s", failed(meta, "allocation_inprocess"), yes(None)))
    co = res.get("cutoff_end_to_end")
    if co and co.get("status") == "measured":
        out.append((f"Cutoff of {co.get('bookings', 5000):,} bookings end to end under 30 s",
                    f"{co['seconds']:.1f} s from the cutoff instant to the last allocation stored", yes(co["met"])))
    elif co:
        out.append(("Cutoff of 5,000 bookings end to end under 30 s",
                    f"not measurable: {co.get('reason') or co.get('status')}", yes(None)))
    else:
        out.append(("Cutoff of 5,000 bookings end to end under 30 s", failed(meta, "cutoff_end_to_end"), yes(None)))
    nt = res.get("notifier_throughput")
    if nt and nt.get("runs"):
        runs = {r["processes"]: r for r in nt["runs"]}
        worst = min(r["steady"] / r["ceiling"] for r in nt["runs"])
        out.append(("Notifier: at least 80% of the limit (every process count)",
                    ", ".join(f"{p}: {r['steady']:.0f}/{r['ceiling']:.0f} SMS/s = {100 * r['steady'] / r['ceiling']:.0f}%"
                              for p, r in sorted(runs.items())), yes(worst >= 0.8)))
        if 1 in runs and 2 in runs:
            k = runs[2]["steady"] / runs[1]["steady"]
            out.append(("Notifier: 2 processes at least 1.8 x one", f"{k:.2f} x", yes(k >= 1.8)))
    else:
        out.append(("Notifier: 80% of the limit; 2 processes >= 1.8 x one", failed(meta, "notifier_throughput"), yes(None)))
    peaks, burst = service_peaks(res, meta)
    if peaks:
        out.append((f"Peak RSS of each service under {RSS_TARGET_MB} MB, under the loads above",
                    ", ".join(f"{s} {v:.0f} MB ({where})" for s, (v, where) in peaks.items()),
                    yes(all(v < RSS_TARGET_MB for v, _ in peaks.values()))))
    if burst is not None:
        lb = (res.get("read_load") or {}).get("login_burst", {})
        out.append((f"(not one of the issue's loads) identity under {RSS_TARGET_MB} MB with sign-ins at once",
                    f"{burst:.0f} MB with {lb.get('statuses', {}).get('200', '?')} sign-ins let through at once"
                    " by nginx", yes(burst < RSS_TARGET_MB)))
    gr = res.get("growth")
    if gr and len(gr.get("points", [])) >= 2:
        first, last = gr["points"][0], gr["points"][-1]
        drop = last["ok_per_s"] / first["ok_per_s"] if first["ok_per_s"] else 0
        out.append(("Booking creation flat as the table grows (10^4 -> 10^6 rows)",
                    f"{num(first['ok_per_s'], 1)}/s at {first['rows']:,} rows -> {num(last['ok_per_s'], 1)}/s at "
                    f"{last['rows']:,} rows ({100 * drop:.0f}%)",
                    yes(drop >= 0.8) + (" (no slowdown beyond 20%; the points move with the machine's load:"
                                        " see section 6)" if drop >= 0.8 else " (more than 20% slower)")))
    sf = res.get("stream_fanout")
    if sf:
        out.append((f"Live calls (issue 18): {sf['clients']} SSE clients on one booking process, p99 delivery under 1 s",
                    f"p99 {ms(sf['latency_s']['p99'])} through nginx, {sf['undelivered']} undelivered;"
                    f" {sf['per_client_kb']['booking']:.0f} KB of booking memory per client", yes(sf["met"])))
    else:
        out.append(("Live calls (issue 18): 500 SSE clients, p99 delivery under 1 s", failed(meta, "stream_fanout"),
                    yes(None)))
    rl = res.get("read_load")
    if rl and rl.get("phases"):
        out.append(("Reads (calendar, booking list): no numeric target in the issue",
                    "; ".join(f"{p['endpoint']} @{p['clients']}: {num(p['ok_per_s'])}/s p99 {ms(p['latency_ok']['p99'])}"
                              for p in rl["phases"]), "reported"))
    return out


def service_peaks(res: dict, meta: dict) -> tuple[dict[str, tuple[float, str]], float | None]:
    """Each service's peak RSS of one process over the benchmarks, with the benchmark it was
    seen in; and identity's peak in the sign-in burst, apart (not one of the issues' loads)."""
    mem = {k: dict(v) for k, v in memory_table(meta).items()}
    if not mem:
        return {}, None
    rl = res.get("read_load") or {}
    phases = rl.get("memory", {}).get("phase_peak_rss_mb", {})
    burst = None
    if "read_load" in mem and any("sessions" in k for k in phases):
        # The sign-in burst is reported on its own row: it is not one of the issue's loads.
        # Two samplers saw it (read_load's own and run_all's, each every 0.5 s): the higher.
        burst = max([v.get("identity", 0) for k, v in phases.items() if "sessions" in k]
                    + [mem["read_load"].get("identity", 0)])
        mem["read_load"]["identity"] = max((v.get("identity", 0) for k, v in phases.items()
                                            if "sessions" not in k), default=0)
    peaks = {}
    for s in SERVICES:
        if any(s in row for row in mem.values()):
            where = max(mem, key=lambda b: mem[b].get(s, 0))
            peaks[s] = (mem[where][s], where)
    return peaks, burst


def failed(meta: dict, name: str) -> str:
    m = meta.get("runs", {}).get(name)
    if not m:
        return "not run"
    if m.get("returncode") == 0:
        return "no results"
    tail = " / ".join(x.strip() for x in m.get("error_tail", [])[-2:])
    return f"the script failed (exit {m['returncode']}): {tail[:300]}"


def booking_section(bl: dict, before: dict | None) -> list[str]:
    out = ["## 1. Booking creation through the gateway, against a bare baseline", ""]
    p = bl["params"]
    out += [
        f"`booking_load.py`. Every POST /api/v1/bookings comes from its own agent (JWT minted with identity's own key"
        f" from `identity.server_secrets`; {bl.get('agents') or ''}), with its own phone and two enterprises (valid org"
        " codes), spread over Tuesday/Wednesday x AM/PM of a week of its own per phase (every service's clock moved"
        " to that Monday 10:00, capacity raised to 100,000 lines by the admin API), so that no phase books on"
        " dates an earlier phase filled. Through nginx: JWT verification, validation, every rule, the lines, the capacity"
        " counter, the outbox event, structured logs, metrics. Each phase: N closed-loop clients in a separate"
        f" load-generator process, bounded by {p['max_requests']:,} requests or {p['max_seconds']:.0f} s.",
        "The **baseline** runs in the same run, same PostgreSQL, same load generator and N, **directly on its port"
        " (not through nginx)**: `baseline_server.py`, aiohttp + asyncpg (pool of 10, like booking's default),"
        " one transaction with the conditional capacity UPDATE and one INSERT into a `bookings` table with the same"
        " definition and indexes as booking's. The notifier sends each new booking's SMS during the booking phases"
        " (that is the rush); the system is left to go idle between phases.", "",
        "| clients | booking/s | baseline/s | **ratio** | booking p50 / p95 / p99 | baseline p50 / p95 / p99 | booking answers | load avg before |",
        "|---|---|---|---|---|---|---|---|"]
    for row in bl["table"]:
        ph = next(x for x in bl["phases"] if x["kind"] == "booking" and x["clients"] == row["clients"])
        b, s = row["booking_latency"], row["baseline_latency"]
        out.append(f"| {row['clients']} | {num(row['booking_per_s'], 1)} | {num(row['baseline_per_s'], 1)} | "
                   f"**{100 * row['ratio']:.0f}%** | {ms(b['p50'])} / {ms(b['p95'])} / {ms(b['p99'])} | "
                   f"{ms(s['p50'])} / {ms(s['p95'])} / {ms(s['p99'])} | "
                   f"{', '.join(f'{k}: {v}' for k, v in row['booking_statuses'].items())} | "
                   f"{ph.get('loadavg_before', ['?'])[0]} |")
    extra = [x for x in bl["phases"] if x["kind"] in ("booking_direct", "booking_hot", "baseline_hot", "profiled")]
    if extra:
        out += ["", "Further phases of the same run:", "",
                "| phase | per s | p50 / p95 / p99 | answers |", "|---|---|---|---|"]
        for x in extra:
            lat = x["latency_ok"]
            out.append(f"| {x['label']} | {num(x['ok_per_s'], 1)} | {ms(lat['p50'])} / {ms(lat['p95'])} / "
                       f"{ms(lat['p99'])} | {', '.join(f'{k}: {v}' for k, v in x['statuses'].items())} |")
        pg = bl.get("pgbench_hot")
        if pg and pg.get("tps"):
            out.append(f"| pgbench, {pg['clients']} clients, one capacity row, {pg['seconds']} s (`pgbench_hot.py`) |"
                       f" {num(pg['tps'], 1)} | mean {num(pg.get('latency_avg_ms'), 1)} ms |"
                       f" {pg['transactions']:,} transactions, {pg.get('failed') or 0} failed |")
            out += ["", f"One period booked by everyone at {pg['clients']} clients: booking {num(pg['booking_per_s'], 1)}/s"
                    f" through nginx against pgbench's {num(pg['tps'], 1)} transactions/s on the same capacity row, run"
                    f" right after it for as long ({pg['seconds']} s) in the same database: **{100 * pg['ratio']:.0f}%**"
                    " (issue 20's target: 50%). pgbench runs the baseline's transaction (BEGIN; the conditional"
                    " capacity UPDATE ... RETURNING; the INSERT of one booking row into the same table definition and"
                    " indexes as booking's; COMMIT) with `-M prepared`; PostgreSQL CPU per pgbench transaction about"
                    f" {num(pg.get('pg_cpu_ms_per_transaction'), 2)} ms (read while its backends ran, scaled to the run)."]
        elif pg:
            out += ["", f"pgbench on one row: not measured ({(pg.get('error') or '')[-200:]})."]
    out += ["", "![booking creation](plots/booking_creation.png)", "",
            "What each phase cost, per successful request (CPU milliseconds by process group, measured with psutil"
            " around the phase; PostgreSQL backends split by database from their process titles; round trips ="
            " TCP data segments the server process sent to PostgreSQL, from `ss -ti`, background work included):", "",
            "| phase | booking ms | nginx ms | notifier ms | PostgreSQL (this run) ms | load gen ms | baseline ms |"
            " PostgreSQL of other databases (cores; long-lived backends only) | machine CPU busy / steal |"
            " DB round trips / request |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for x in bl["phases"]:
        if x["kind"] == "warmup":
            continue
        c = x.get("cpu_ms_per_ok", {})
        cores = x.get("cpu_cores_used", {})
        out.append(f"| {x['label']} | {num(c.get('booking'), 1)} | {num(c.get('gateway (nginx)'), 1)} | "
                   f"{num(c.get('notifier'), 1)} | {num(c.get(next((k for k in c if 'this run' in k), ''), None), 1)} | "
                   f"{num(c.get('loadgen'), 1)} | {num(c.get('baseline'), 1)} | "
                   f"{num(cores.get(next((k for k in cores if 'other' in k), ''), None), 2)} | "
                   f"{pct(x.get('machine_cpu', {}).get('busy'))} / {pct(x.get('machine_cpu', {}).get('steal'))} | "
                   f"{num(x.get('db_roundtrips_per_ok'), 1)} |")
    idle = bl.get("idle")
    if idle:
        cores = {k: v for k, v in idle["cpu_cores_used"].items() if v >= 0.005}
        out += ["", f"The system at rest ({idle['seconds']:.0f} s between phases, nothing sent): "
                + ", ".join(f"{k} {v:.2f}" for k, v in cores.items()) + " cores; machine "
                + f"{pct(idle['machine_cpu'].get('busy'))} busy (other engineers' work included)."]
    out += ["", "PostgreSQL backends of this run's database during each phase (mean number in each state,"
            " sampled every 100 ms from pg_stat_activity; *idle in transaction* = PostgreSQL waiting for the"
            " application inside a transaction):", "", "| phase | backends by state |", "|---|---|"]
    for x in bl["phases"]:
        if x["kind"] == "warmup" or "pg_activity" not in x:
            continue
        mb = x["pg_activity"]["mean_backends"]
        out.append(f"| {x['label']} | {', '.join(f'{k} {v}' for k, v in mb.items() if k != 'idle')} |")
    out += ["", f"Sanity: {bl.get('bookings_in_table', '?'):,} rows in booking.bookings after the run for"
            f" {bl.get('created_201', '?'):,} answers 201; lines booked {bl.get('lines_booked', '?'):,}.", ""]
    if before and before.get("table") and before.get("machine", {}).get("at") != bl.get("machine", {}).get("at"):
        def cpu(res: dict, c: int) -> str:
            ph = next((x for x in res.get("phases", []) if x["kind"] == "booking" and x["clients"] == c), None)
            if not ph or not ph.get("cpu_ms_per_ok"):
                return "-"
            m = ph["cpu_ms_per_ok"]
            pg = next((v for k, v in m.items() if "this run" in k), None)
            return f"{num(m.get('booking'), 1)} + {num(pg, 1)}"
        out += [f"Before ({before.get('machine', {}).get('at', '?')}, kept with `--save-before`) and now; CPU per"
                " booking (booking process + its PostgreSQL backends) is the figure least moved by the machine's"
                " other work:", "",
                "| clients | booking/s before -> now | ratio before -> now | p99 before -> now |"
                " CPU ms per booking before -> now |", "|---|---|---|---|---|"]
        for row in bl["table"]:
            b0 = next((r for r in before["table"] if r["clients"] == row["clients"]), None)
            if b0:
                out.append(f"| {row['clients']} | {num(b0['booking_per_s'], 1)} -> {num(row['booking_per_s'], 1)} | "
                           f"{100 * b0['ratio']:.0f}% -> {100 * row['ratio']:.0f}% | {ms(b0['booking_latency']['p99'])}"
                           f" -> {ms(row['booking_latency']['p99'])} | {cpu(before, row['clients'])} -> "
                           f"{cpu(bl, row['clients'])} |")
        out.append("")
    return out


def reads_section(rl: dict) -> list[str]:
    out = ["## 2. Calendar and booking-list reads (the rush before a release)", "",
           f"`read_load.py`, through nginx, closed-loop clients bounded by {rl['params']['max_requests']:,} requests or"
           f" {rl['params']['max_seconds']:.0f} s each. GET /api/v1/calendar anonymous with the default range"
           f" ({rl.get('calendar_days', '?')} days); GET /api/v1/bookings as {rl['params']['agents']} agents in turn,"
           f" each with {rl.get('list_items', '?')} bookings made through the API.", "",
           "| endpoint | clients | requests/s | p50 | p95 | p99 | answers | load avg before |", "|---|---|---|---|---|---|---|---|"]
    for p in rl["phases"]:
        lat = p["latency_ok"]
        out.append(f"| GET {p['endpoint']} | {p['clients']} | {num(p['ok_per_s'], 1)} | {ms(lat['p50'])} | "
                   f"{ms(lat['p95'])} | {ms(lat['p99'])} | {', '.join(f'{k}: {v}' for k, v in p['statuses'].items())} | "
                   f"{p.get('loadavg_before', ['?'])[0]} |")
    out += ["", "![reads](plots/reads.png)", ""]
    return out


def allocation_section(res: dict, meta: dict) -> list[str]:
    out = ["## 3. Allocation", ""]
    ai = res.get("allocation_inprocess")
    if ai:
        out += [f"In-process (`allocation_inprocess.py`, the pure scheduling function, {ai['bookings']:,} bookings,"
                f" {ai['lines']:,} lines, {ai['rounds']} rounds; target under 2 s): full report"
                " [results/allocation_inprocess.md](results/allocation_inprocess.md).", "",
                "| step | min | median |", "|---|---|---|"]
        out += [f"| {s['name']} | {ms(s['min_s'])} | {ms(s['median_s'])} |" for s in ai["steps"]]
        out.append("")
    else:
        out += [f"In-process: {failed(meta, 'allocation_inprocess')}", ""]
    ae = res.get("allocation_end_to_end")
    if ae and ae.get("runs"):
        secs = sorted(r["seconds"] for r in ae["runs"])
        out += [f"Through the broker (`allocation_end_to_end.py`: one `allocation.requested` of {ae['bookings']:,}"
                " bookings published to the real allocator process, which fetches the day from a fake of"
                " booking's internal route, until `allocation.completed` arrives): "
                + ", ".join(f"{s:.2f} s" for s in secs)
                + f" over {len(secs)} runs (median {secs[len(secs) // 2]:.2f} s). Full report:"
                " [results/allocation_end_to_end.md](results/allocation_end_to_end.md).", ""]
    else:
        out += [f"Through the broker (20,000 bookings): {failed(meta, 'allocation_end_to_end')}", ""]
    co = res.get("cutoff_end_to_end")
    out += ["**The cutoff of 5,000 bookings end to end** (`cutoff_end_to_end.py`: bookings made through the API,"
            " the clock moved to the cutoff instant, booking's tables polled every 200 ms until every booking of"
            " the date holds its allocation; target under 30 s), then on to the last allocation SMS accepted"
            " by the fake provider (issue 20; its own record of when it accepted each message, cross-checked with"
            " the notifier's table):", ""]
    for name, title in (("cutoff_end_to_end", "rate limit raised to 1,000/s (the suite, not the provider, is measured)"),
                        ("cutoff_sms_default_limit", "the notifier's default rate limit")):
        co = res.get(name)
        out += cutoff_run_lines(co, title, meta, name)
    return out


def cutoff_run_lines(co: dict | None, title: str, meta: dict, name: str) -> list[str]:
    sms = (co or {}).get("sms") or {}
    head = f"*{title}*" + (f": {sms['notifiers']} notifier processes, provider answering in"
                           f" {sms['provider_delay_ms']:.0f} ms, shared rate limit {sms['rate_per_second']:g}/s"
                           f" (SMS target: {sms.get('target', '-')})" if sms else "")
    out = [head, ""]
    if co and co.get("status") == "measured":
        ins = co.get("insert", {})
        how = "by COPY (no confirmation SMS)" if ins.get("copy") else f"through the API at {num(ins.get('ok_per_s'), 1)}/s"
        out += [f"- {co['bookings']:,} bookings made first, {how}.", "",
                "| milestone after the cutoff instant | seconds |", "|---|---|"]
        out += [f"| {k} | {v:.2f} |" for k, v in co["milestones_s"].items()]
        cpu = co.get("cpu_after_cutoff")
        if cpu and co.get("bookings"):
            n = co["bookings"]
            rows = sorted(((k, v) for k, v in cpu["seconds"].items() if v >= 0.005), key=lambda kv: -kv[1])
            out += ["", "CPU from the cutoff instant to the last SMS, by process group (PostgreSQL's client backends"
                    " by the service that opened them; RabbitMQ is the whole broker):", "",
                    "| process group | CPU seconds | ms per booking (allocation SMS) |", "|---|---|---|"]
            out += [f"| {k} | {v:.2f} | {1000 * v / n:.2f} |" for k, v in rows]
            total = sum(v for _, v in rows)
            out.append(f"| **all** | **{total:.2f}** | **{1000 * total / n:.2f}** |")
        if co.get("service_clock_s"):
            out += ["", "On the services' own (moved) clock: " + ", ".join(
                f"{k} = {v:.2f} s" for k, v in co["service_clock_s"].items()) + "."]
        out.append("")
    elif co:
        out += [f"- **Not measured**: {co.get('reason') or co.get('status')}", ""]
    else:
        out += [f"- **Not measured**: {failed(meta, name)}", ""]
    return out


def notifier_section(res: dict, meta: dict) -> list[str]:
    out = ["## 4. Notifier throughput", ""]
    nt = res.get("notifier_throughput")
    if not nt or not nt.get("runs"):
        return out + [f"Not measured: {failed(meta, 'notifier_throughput')}", ""]
    out += [f"`notifier_throughput.py`: {nt['messages']:,} `booking.allocated` events per run into real notifier"
            f" processes, fake provider answering after {nt['delay_ms']:.0f} ms. **Limit** = processes x"
            f" {nt['in_flight']} sends in flight / {nt['delay_ms'] / 1000:g} s (the most the in-flight window allows;"
            " the shared provider rate limit is off in this benchmark). Full report:"
            " [results/notifier_throughput.md](results/notifier_throughput.md).", "",
            "| processes | limit SMS/s | steady SMS/s | % of limit | end-to-end SMS/s | scaling vs 1 |", "|---|---|---|---|---|---|"]
    one = next((r for r in nt["runs"] if r["processes"] == 1), None)
    for r in nt["runs"]:
        out.append(f"| {r['processes']} | {num(r['ceiling'])} | {num(r['steady'])} | {100 * r['steady'] / r['ceiling']:.0f}% | "
                   f"{num(r['end_to_end'])} | {(r['steady'] / one['steady']) if one else float('nan'):.2f} x |")
    out += ["", "![notifier](plots/notifier_scaling.png)", ""]
    so = nt.get("scaleout") or {}
    if so.get("runs"):
        first = so["runs"][0]
        out += [f"Scale-out where the provider, not the CPU, is the limit (issue 20): the provider answering after"
                f" {so['delay_ms']:.0f} ms, {so['messages']:,} events per run, limit = processes x {so['in_flight']} /"
                f" {so['delay_ms'] / 1000:g} s (target: 4 processes ≥ {so.get('target', 3.6)} x one).", "",
                "| processes | limit SMS/s | steady SMS/s | % of limit | end-to-end SMS/s | scaling vs first |"
                " notifier CPU ms/message |", "|---|---|---|---|---|---|---|"]
        for r in so["runs"]:
            out.append(f"| {r['processes']} | {num(r['ceiling'])} | {num(r['steady'])} |"
                       f" {100 * r['steady'] / r['ceiling']:.0f}% | {num(r['end_to_end'])} |"
                       f" {r['steady'] / first['steady']:.2f} x | {r['cpu_ms_per_message']:.1f} |")
        out.append("")
    return out


def memory_section(meta: dict, res: dict) -> list[str]:
    mem = memory_table(meta)
    out = ["## 5. Memory", "",
           "Peak RSS of one process of each kind, sampled every 0.5 s by `run_all.py` over each benchmark's whole"
           f" process tree (targets: each service under {RSS_TARGET_MB} MB, issue 8; at most"
           f" {issue20.RSS_TARGET_MB} MB, issue 20).", ""]
    if not mem:
        return out + ["No samples.", ""]
    cols = [c for c in ("identity", "booking", "allocator", "notifier", "gateway (nginx)", "baseline server",
                        "load generator", "benchmark driver") if any(c in row for row in mem.values())]
    out += ["| benchmark | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for name, row in mem.items():
        out.append(f"| {name} | " + " | ".join(f"{row[c]:.0f}" if c in row else "-" for c in cols) + " |")
    out.append("| **peak** | " + " | ".join(f"**{max(r.get(c, 0) for r in mem.values()):.0f}**" for c in cols) + " |")
    rl = res.get("read_load") or {}
    lb = rl.get("login_burst")
    if lb:
        phases = rl.get("memory", {}).get("phase_peak_rss_mb", {})
        idle = max((v.get("identity", 0) for k, v in phases.items() if "sessions" not in k), default=None)
        burst = max([v.get("identity", 0) for k, v in phases.items() if "sessions" in k]
                    + [mem.get("read_load", {}).get("identity", 0)])
        out += ["", f"Not one of the issue's loads, but the memory target's: {lb['clients']} sign-ins sent at once through"
                f" nginx (`read_load.py`; the gateway's login limit answers the rest with 429; answers {', '.join(f'{k}: {v}' for k, v in lb['statuses'].items())},"
                f" p99 {ms(lb['latency_ok']['p99'])}) took identity from {num(idle)} MB (its peak in the other"
                f" phases) to **{num(burst)} MB** (the higher of the two 0.5 s samplers): each sign-in hashes with argon2id (64 MiB) in a worker thread,"
                " one at a time per process (IDENTITY_ARGON2_MAX_CONCURRENT, default 1; the others wait for a slot),"
                " so the peak is identity's idle size plus one hash; the 64 MiB is handed back after each."]
    return out + ["", "![memory](plots/memory.png)", ""]


def growth_section(gr: dict) -> list[str]:
    out = ["## 6. How the cost grows: bookings/s as the bookings table grows", "",
           "`growth.py`: past bookings COPYed straight into booking's tables (completed, allocated, 1-2 lines, 500"
           " a day over past dates, consistent with the schema; VACUUM ANALYZE and a CHECKPOINT after each load),"
           f" then {gr['params']['clients']} clients through nginx (bounded by {gr['params']['max_requests']:,} requests"
           f" or {gr['params']['max_seconds']:.0f} s).", "",
           "| rows in bookings | lines | tables + indexes | load time | bookings/s | p50 | p99 | CPU ms per booking:"
           " booking / PostgreSQL (this run) | machine busy | load avg before |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for p in gr["points"]:
        lat = p["latency_ok"]
        c = p.get("cpu_ms_per_ok", {})
        pg = next((v for k, v in c.items() if k.startswith("postgresql")), None)
        out.append(f"| {p['rows']:,} | {p['line_rows']:,} | {p['tables_mb']:.0f} MB | {p['load_seconds']:.0f} s | "
                   f"{num(p['ok_per_s'], 1)} | {ms(lat['p50'])} | {ms(lat['p99'])} | {num(c.get('booking'), 1)} / "
                   f"{num(pg, 1)} | {pct(p.get('machine_cpu', {}).get('busy'))} | {p.get('loadavg_before', ['?'])[0]} |")
    if gr.get("stopped"):
        out.append(f"\nStopped early: {gr['stopped']}.")
    out += ["", "![growth](plots/growth.png)", "",
            "Busiest statements of the run's database during each point (mean active backends):", ""]
    for p in gr["points"]:
        qs = p.get("pg_activity", {}).get("active_queries", [])[:3]
        out.append(f"- {p['rows']:,} rows: " + "; ".join(f"`{q['query'][:90]}` {q['mean_backends']}" for q in qs))
    checks = [(p["rows"], c) for p in gr["points"] for c in p.get("clash_check", [])]
    if checks:
        out += ["", "Booking's clash check (`BookingRepository.clashing`: live bookings of the date with the same"
                " agent or phone in the period, or one of the enterprises), EXPLAIN ANALYZE for a new candidate"
                " after each point:", "",
                "| table rows | date | live bookings on the date | execution | plan |", "|---|---|---|---|---|"]
        for rows, c in checks:
            plan = " / ".join(x.strip() for x in c["plan"][:4])
            out.append(f"| {rows:,} | {c['date']} | {c['bookings_on_date']:,} | {c['execution_ms']:.2f} ms | {plan} |")
    return out + [""]


def profile_section(res: dict) -> list[str]:
    bl = res.get("booking_load") or {}
    out = ["## Where the time goes", ""]
    for key, title in (("profile", "active samples (includes time the thread was runnable but waiting for a CPU)"),
                       ("profile_gil", "GIL-held samples (the Python code's own work)")):
        p = bl.get(key)
        if not p or p.get("error"):
            if p:
                out += [f"py-spy ({key}) failed: {p['error'][:300]}", ""]
            continue
        out += [f"### py-spy on the booking process, 32 clients through nginx, {p['seconds']} s at {p['rate_hz']} Hz: {title}",
                "", f"{p['samples']:,} samples; flame graph: [results/{Path(p['svg']).name}](results/{Path(p['svg']).name})"
                f" (raw collapsed stacks: results/{Path(p['raw']).name}).", "",
                "| component (leaf-most match) | share |", "|---|---|"]
        out += [f"| {c['frame']} | {100 * c['share']:.1f}% |" for c in p["components"]]
        out += ["", "| booking/shared function (inclusive) | share |", "|---|---|"]
        out += [f"| `{f['frame']}` | {100 * f['share']:.1f}% |" for f in p["functions_inclusive"][:22]]
        out += ["", "| top frames (self) | share |", "|---|---|"]
        out += [f"| `{f['frame']}` | {100 * f['share']:.1f}% |" for f in p["top_self"][:12]]
        out.append("")
    rl = res.get("read_load") or {}
    p = rl.get("profile_calendar")
    if p and not p.get("error"):
        out += ["### py-spy on the booking process during GET /api/v1/calendar, 32 clients (GIL-held samples)", "",
                f"{p['samples']:,} samples; flame graph: [results/{Path(p['svg']).name}](results/{Path(p['svg']).name}).", "",
                "| booking/shared function (inclusive) | share |", "|---|---|"]
        out += [f"| `{f['frame']}` | {100 * f['share']:.1f}% |" for f in p["functions_inclusive"][:14]]
        out += ["", "| top frames (self) | share |", "|---|---|"]
        out += [f"| `{f['frame']}` | {100 * f['share']:.1f}% |" for f in p["top_self"][:10]]
        out.append("")
    if bl.get("phases"):
        prof = next((x for x in bl["phases"] if x["kind"] == "booking" and x["clients"] == 32), None)
        if prof and prof.get("pg_activity", {}).get("active_queries"):
            out += ["### Busiest statements in PostgreSQL during the 32-client booking phase", "",
                    "| statement (first 160 characters) | mean active backends |", "|---|---|"]
            out += [f"| `{q['query']}` | {q['mean_backends']} |" for q in prof["pg_activity"]["active_queries"][:10]]
            out.append("")
    if NARRATIVE.exists():
        out += [NARRATIVE.read_text(encoding="utf-8").strip(), ""]
    return out


def stream_section(res: dict, meta: dict) -> list[str]:
    """stream_fanout.py writes its own page (benchmarks/stream_fanout.md): included as it is,
    one heading level down."""
    page = HERE / "stream_fanout.md"
    if not res.get("stream_fanout") or not page.exists():
        return ["## 7. Live calls (SSE fan-out)", "", f"Not measured: {failed(meta, 'stream_fanout')}", ""]
    text = page.read_text(encoding="utf-8").rstrip().split("\n")
    return ["## 7. " + text[0].lstrip("# "), *text[1:], ""]


def write_readme(res: dict, meta: dict, made: list[str]) -> None:
    before = load("booking_load", RESULTS / "before")
    lines = [
        "# Benchmarks",
        "",
        "Scripts, not timed tests: each measures one thing on this machine and writes its figures to `results/`."
        " **One command runs them all and regenerates this page and the plots:**",
        "",
        "```sh",
        ".venv/bin/python benchmarks/run_all.py            # about 20-30 minutes; --quick to try it, --report-only to redraw",
        "```",
        "",
        "This page is generated by `run_all.py` (the \"Where the time goes\" narrative is"
        " `where_the_time_goes.md`, written by hand from the run it names). Every ratio below compares two"
        " measurements taken in the same run.",
        "",
        "## Machine",
        *machine_lines(res, meta),
        "",
        "## Targets",
        "",
        "| target (issue 8) | measured | verdict |",
        "|---|---|---|",
        *[f"| {t} | {m} | {v} |" for t, m, v in targets(res, meta)],
        "",
        "| target (issue 20: ratios in the same run) | measured | verdict |",
        "|---|---|---|",
        *[f"| {t} | {m} | {v} |" for t, m, v in issue20.targets(res, service_peaks(res, meta)[0])],
        "",
    ]
    if res.get("booking_load"):
        lines += booking_section(res["booking_load"], before)
        lines += issue20.cpu_table(res["booking_load"])
    else:
        lines += ["## 1. Booking creation", "", f"Not measured: {failed(meta, 'booking_load')}", ""]
    lines += reads_section(res["read_load"]) if res.get("read_load") else \
        ["## 2. Reads", "", f"Not measured: {failed(meta, 'read_load')}", ""]
    lines += allocation_section(res, meta)
    lines += notifier_section(res, meta)
    lines += memory_section(meta, res)
    lines += growth_section(res["growth"]) if res.get("growth") else \
        ["## 6. Growth", "", f"Not measured: {failed(meta, 'growth')}", ""]
    lines += stream_section(res, meta)
    lines += profile_section(res)
    # Written by hand from a run of tracing_cost.py (variants interleaved on one system).
    if (HERE / "tracing_cost.md").exists():
        lines += [(HERE / "tracing_cost.md").read_text(encoding="utf-8").rstrip(), ""]
    lines += ["## The runs", "", "| benchmark | exit | seconds | load avg (1 min) before -> after | code under test |",
              "|---|---|---|---|---|"]
    for name, m in meta.get("runs", {}).items():
        lines.append(f"| {name} | {m['returncode']} | {m['seconds']:.0f} | {m['loadavg_before'][0]} -> "
                     f"{m['loadavg_after'][0]} | {m.get('source', '?')} |")
    lines += ["", "Logs of each script: `results/logs/`. Scripts: `booking_load.py`, `read_load.py`, `growth.py`,"
              " `cutoff_end_to_end.py` (with `benchlib.py`, `loadgen.py`, `baseline_server.py`, `pgbench_hot.py`),"
              " `allocation_inprocess.py`, `allocation_end_to_end.py`, `notifier_throughput.py`, `stream_fanout.py`;"
              " each takes `--help`.", ""]
    README.write_text("\n".join(lines), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated benchmark names (the others keep their last results)")
    parser.add_argument("--quick", action="store_true", help="small sizes: checks the machinery, not the figures")
    parser.add_argument("--report-only", action="store_true", help="no runs: plots and README from results/")
    parser.add_argument("--tree-dir", default="/tmp/bench-tree", help="where the clean copy is unpacked")
    parser.add_argument("--worktree", action="store_true", help="snapshot the working tree instead of HEAD")
    parser.add_argument("--max-rows", type=int, default=0, help="growth.py: cap the largest table size")
    parser.add_argument("--save-before", action="store_true", help="keep this run's results as the 'before'")
    parser.add_argument("--save-cpu-before", action="store_true",
                        help="keep this run's CPU per booking as the 'before' of issue 20's table"
                             f" (results/{issue20.CPU_BEFORE.name})")
    args = parser.parse_args()

    meta_path = RESULTS / "run_all.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {"runs": {}}
    if not args.report_only:
        only = set(args.only.split(",")) if args.only else None
        tree_info = prepare_tree(args)
        meta.update(tree_info)
        meta["started"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        meta["loadavg_start"] = [round(x, 2) for x in os.getloadavg()]
        meta["quick"] = args.quick
        print(f"code under test: {tree_info['source']} in {tree_info['tree']}", flush=True)
        env = tree_env(Path(tree_info["tree"]))
        for b in benchmarks(args.quick, args.max_rows):
            if only and b["name"] not in only:
                continue
            meta.setdefault("runs", {})[b["name"]] = run_one(b, Path(tree_info["tree"]), env)
            meta["runs"][b["name"]]["source"] = tree_info["source"]
            meta_path.write_text(json.dumps(meta, indent=2))
        meta["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        meta_path.write_text(json.dumps(meta, indent=2))
    names = [b["name"] for b in benchmarks(False, 0)]
    res = {n: load(n) for n in names}
    if args.save_cpu_before:
        saved = issue20.save_before(res.get("booking_load"), f"saved from the run of {meta.get('started', '?')},"
                                    f" {meta.get('source', '?')}")
        print("kept this run's CPU per booking as the 'before'" if saved else "no CPU per booking to keep")
    made = plots(res, meta)
    write_readme(res, meta, made)
    if args.save_before:
        (RESULTS / "before").mkdir(parents=True, exist_ok=True)
        for n in names:
            if (RESULTS / f"{n}.json").exists():
                shutil.copy(RESULTS / f"{n}.json", RESULTS / "before" / f"{n}.json")
    print(f"\nwrote {README.relative_to(CHECKOUT)} and {len(made)} plots in {PLOTS.relative_to(CHECKOUT)}/")
    for t, m, v in targets(res, meta):
        print(f"  {v:<14} {t}: {m}")
    print("issue 20:")
    for t, m, v in issue20.targets(res, service_peaks(res, meta)[0]):
        print(f"  {v:<14} {t}: {m}")
    print("\n".join(line for line in issue20.cpu_table(res.get("booking_load")) if line.startswith("|")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
