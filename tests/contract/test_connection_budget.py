"""The PostgreSQL connection budget (docs/operations.md "Connection budget") holds for what
deploy/k8s runs at its peak: every Deployment at its most replicas (the notifier at its
autoscalers' maximum) times its share (pool + the outbox relay's LISTEN connection + booking's
stream hub's LISTEN connection), one
rolling-update surge pod, the migration Jobs, and the headroom kept for people and tools,
all within the max_connections the runbook asks of the server. The notifier's replica cap
is what is left for it, divided by its share."""
from __future__ import annotations

import importlib
import math
import re
from pathlib import Path

import yaml

from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
RUNBOOK = ROOT / "docs" / "operations.md"
SERVICES = ("identity", "booking", "allocator", "notifier")

MAX_CONNECTIONS = 150        # what docs/operations.md asks of the server (checked below)
SUPERUSER_RESERVED = 3       # PostgreSQL's superuser_reserved_connections default
HEADROOM = 10                # psql sessions, pg_dump / backups, monitoring exporters
# Connections a replica holds besides its pool: the outbox relay's LISTEN, and booking's
# stream hub (booking.streams.listener: the live calls of issue 18).
LISTENERS = {"identity": 1, "booking": 2, "allocator": 1, "notifier": 1}


def objects(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"{service}.settings")
    return next(v for v in vars(module).values()
                if isinstance(v, type) and issubclass(v, ServiceSettings) and v is not ServiceSettings)


def share(service: str, deployment: dict) -> int:
    """Connections one replica may hold: its pool's ceiling (the manifest's
    <SERVICE>_DB_POOL_MAX, else the settings default) + its LISTEN connections."""
    env = {e["name"]: e.get("value") for c in deployment["spec"]["template"]["spec"]["containers"]
           for e in c.get("env", [])}
    pool = env.get(f"{service.upper()}_DB_POOL_MAX")
    default = settings_class(service).model_fields["db_pool_max"].default
    return (int(pool) if pool is not None else default) + LISTENERS[service]


def deployments() -> dict[str, dict]:
    found = {}
    for service in SERVICES:
        for doc in objects(K8S / f"{service}.yaml"):
            if doc["kind"] == "Deployment" and doc["metadata"]["name"] == service:
                found[service] = doc
    assert set(found) == set(SERVICES)
    return found


def notifier_max_replicas() -> int:
    keda = next(d for d in objects(K8S / "notifier-keda.yaml") if d["kind"] == "ScaledObject")
    hpa = next(d for d in objects(K8S / "notifier-hpa-fallback.yaml") if d["kind"] == "HorizontalPodAutoscaler")
    return max(keda["spec"]["maxReplicaCount"], keda["spec"].get("fallback", {}).get("replicas", 0),
               hpa["spec"]["maxReplicas"])


def migration_jobs() -> int:
    return sum(1 for path in (K8S / "migrate").glob("*.yaml") for d in objects(path) if d["kind"] == "Job")


def peak() -> dict[str, int]:
    deps = deployments()
    shares = {s: share(s, d) for s, d in deps.items()}
    replicas = {s: d["spec"]["replicas"] for s, d in deps.items() if s != "notifier"}
    replicas["notifier"] = notifier_max_replicas()
    lines = {s: replicas[s] * shares[s] for s in SERVICES}
    # A rolling update adds one pod (maxSurge 1) of one Deployment at a time: the largest share.
    for d in deps.values():
        assert d["spec"]["strategy"]["rollingUpdate"]["maxSurge"] in (1, "1")
    lines["surge"] = max(shares.values())
    lines["migrations"] = migration_jobs()
    lines["headroom"] = HEADROOM
    lines["superuser_reserved"] = SUPERUSER_RESERVED
    return lines


def test_the_suite_at_its_peak_fits_the_servers_max_connections():
    lines = peak()
    assert sum(lines.values()) <= MAX_CONNECTIONS, lines


def test_the_notifier_replica_cap_is_what_the_budget_leaves():
    deps = deployments()
    lines = peak()
    notifier_share = share("notifier", deps["notifier"])
    left = MAX_CONNECTIONS - sum(v for k, v in lines.items() if k != "notifier")
    cap = left // notifier_share
    assert notifier_max_replicas() <= cap, (notifier_max_replicas(), cap, lines)
    # The rate's arithmetic (notifier-keda.yaml): ceil(R x L / M) replicas keep the provider busy.
    s = settings_class("notifier")()
    needed = math.ceil(s.provider_rate_per_second * 1.0 / s.max_in_flight)
    assert needed <= notifier_max_replicas() <= cap


def test_the_runbook_states_the_same_budget():
    text = RUNBOOK.read_text(encoding="utf-8")
    assert re.search(rf"max_connections\s*=\s*{MAX_CONNECTIONS}\b", text), "docs/operations.md: max_connections"
    assert re.search(rf"\btotal\b[^\n]*\b{sum(peak().values())}\b", text), "docs/operations.md: the peak total"
