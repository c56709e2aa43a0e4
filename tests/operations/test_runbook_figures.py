"""The figures the README's configuration table and the runbook state are the code's and the
manifests' own: a default changed in one place and not the other fails here. (The
connection budget has its own test with the notifier's scaling.)"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from allocator.settings import AllocatorSettings
from booking.settings import BookingSettings
from identity.settings import IdentitySettings
from notifier.settings import NotifierSettings
from shared.consumer import QueueSpec
from shared.settings import ServiceSettings

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
RUNBOOK = (REPO / "docs/operations.md").read_text(encoding="utf-8")
SETTINGS = {"identity": IdentitySettings, "booking": BookingSettings, "allocator": AllocatorSettings,
            "notifier": NotifierSettings}


def default(cls, name: str):
    return cls.model_fields[name].get_default(call_default_factory=True)


def readme_row(*variables: str) -> str:
    """The 'default' cell of the README's configuration row naming these variables."""
    names = ", ".join(f"`<SERVICE>_{v}`" for v in variables)
    m = re.search(rf"^\| {re.escape(names)} \| ([^|]+) \|", README, re.MULTILINE)
    assert m, f"README has no configuration row for {names}"
    return m.group(1).strip()


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_the_readme_configuration_defaults_are_every_services_defaults(service):
    cls = SETTINGS[service]
    # "10 (notifier: 6), 5 s": the common default, the services that differ in parentheses
    pools = re.fullmatch(r"(\d+)(?: \(([^)]*)\))?, ([\d.]+) s", readme_row("DB_POOL_MAX", "DB_ACQUIRE_TIMEOUT"))
    assert pools, "the pool row reads '<n> (<service>: <n>; ...), <seconds> s'"
    differing = dict(pair.split(": ") for pair in pools.group(2).split("; ")) if pools.group(2) else {}
    assert default(cls, "db_pool_max") == int(differing.get(service, pools.group(1)))
    assert set(differing) == {s for s, c in SETTINGS.items()
                              if default(c, "db_pool_max") != default(ServiceSettings, "db_pool_max")}
    assert float(pools.group(3)) == default(cls, "db_acquire_timeout")
    assert readme_row("PUBLISH_TIMEOUT") == f"{default(cls, 'publish_timeout'):g} s"
    # "5, `[...]` (allocator: 30, `[...]`)": the common defaults, the services that differ in parentheses
    retries = re.fullmatch(r"(\d+, `\[[\d,]+\]`)(?: \((.*)\))?", readme_row("CONSUMER_MAX_ATTEMPTS",
                                                                          "CONSUMER_RETRY_DELAYS_MS"))
    assert retries, "the retries row reads '<n>, `[<ms>,...]` (<service>: <n>, `[<ms>,...]`)'"
    differing = dict(pair.split(": ") for pair in retries.group(2).split("; ")) if retries.group(2) else {}
    delays = ",".join(map(str, default(cls, "consumer_retry_delays_ms")))
    assert differing.get(service, retries.group(1)) == f"{default(cls, 'consumer_max_attempts')}, `[{delays}]`"
    assert set(differing) == {s for s, c in SETTINGS.items()
                              if (default(c, "consumer_max_attempts"), default(c, "consumer_retry_delays_ms"))
                              != (default(ServiceSettings, "consumer_max_attempts"),
                                  default(ServiceSettings, "consumer_retry_delays_ms"))}
    assert readme_row("OUTBOX_POLL_INTERVAL") == f"{default(cls, 'outbox_poll_interval'):g} s"
    assert readme_row("MIGRATE_ON_START") == str(default(cls, "migrate_on_start")).lower()


def test_the_runbooks_queue_and_lease_figures_are_the_codes():
    assert f"`x-delivery-limit` ({QueueSpec.__dataclass_fields__['delivery_limit'].default})" in RUNBOOK
    assert f"(`NOTIFIER_LEASE_SECONDS`, {default(NotifierSettings, 'lease_seconds'):g} s)" in RUNBOOK


def _documents(path: Path):
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_the_runbooks_kubernetes_figures_are_the_manifests():
    k8s = REPO / "deploy/k8s"
    history = {d["metadata"]["name"]: d["spec"]["revisionHistoryLimit"]
               for f in k8s.glob("*.yaml") for d in _documents(f) if d.get("kind") == "Deployment"}
    assert set(history) >= {"identity", "booking", "allocator", "notifier", "gateway"}
    (limit,) = set(history.values())
    assert f"`revisionHistoryLimit: {limit}`" in RUNBOOK and f"last {limit} ReplicaSets" in RUNBOOK
    jobs = {d["spec"]["backoffLimit"] for d in _documents(k8s / "migrate/jobs.yaml")}
    assert len(jobs) == 1 and f"`backoffLimit: {jobs.pop()}`" in RUNBOOK


def test_the_memory_figures_of_the_limits_table_are_the_manifests():
    table = RUNBOOK[RUNBOOK.index("### The limits the benchmarks show"):]
    for service in SETTINGS:
        (deployment,) = [d for d in _documents(REPO / f"deploy/k8s/{service}.yaml") if d.get("kind") == "Deployment"]
        resources = deployment["spec"]["template"]["spec"]["containers"][0]["resources"]
        row = next(line for line in table.splitlines() if line.startswith(f"| {service} |"))
        assert f"{resources['requests']['memory']}/{resources['limits']['memory']}" in row, (service, row)
