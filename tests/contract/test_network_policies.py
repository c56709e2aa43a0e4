"""deploy/k8s/network-policies.yaml allows exactly the paths the system uses (issue 16).

The objects are read as Kubernetes would apply them: a pod is isolated in a direction as
soon as one policy selects it for that direction, and then it may talk to the union of the
peers those policies allow. (Schema validation of the same file: test_k8s_manifests.py,
which validates every manifest in deploy/k8s.) Pod labels come from the Deployments and
Jobs themselves, so a relabelled Deployment that escapes its policy fails here."""
from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import yaml

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
POLICIES = K8S / "network-policies.yaml"
SERVICES = {"identity": 8001, "booking": 8002, "allocator": 8003, "notifier": 8004}
DNS = ("dns", 53)
POSTGRES, RABBITMQ, SMS = ("ip:192.0.2.10/32", 5432), ("ip:192.0.2.20/32", 5672), ("ip:198.51.100.0/24", 443)
PROMETHEUS = "ns:monitoring/prometheus"


def docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


@cache
def policies() -> list[dict]:
    objs = docs(POLICIES)
    assert objs and all(o["kind"] == "NetworkPolicy" for o in objs)
    return objs


@cache
def pod_labels() -> dict[str, dict[str, str]]:
    """name -> the labels of its pods, from the workloads in deploy/k8s (Deployments, Jobs)."""
    pods: dict[str, dict[str, str]] = {}
    for path in [*K8S.glob("*.yaml"), *(K8S / "migrate").glob("*.yaml")]:
        for o in docs(path):
            if o.get("kind") in ("Deployment", "Job"):
                labels = o["spec"]["template"]["metadata"]["labels"]
                pods[f"{o['kind'].lower()}/{o['metadata']['name']}"] = labels
    return pods


def selects(selector: dict, labels: dict[str, str]) -> bool:
    assert set(selector) <= {"matchLabels"}, "matchExpressions: teach this test to read them"
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def peer_name(peer: dict, pods: dict[str, dict[str, str]]) -> set[str]:
    """What a from/to entry names, in this test's words."""
    if "ipBlock" in peer:
        assert not peer["ipBlock"].get("except")
        return {"ip:" + peer["ipBlock"]["cidr"]}
    ns = peer.get("namespaceSelector")
    if ns is not None:
        name = ns.get("matchLabels", {}).get("kubernetes.io/metadata.name")
        assert name, f"a namespaceSelector that is not one named namespace: {peer}"
        pod = peer.get("podSelector", {}).get("matchLabels", {})
        if name == "kube-system" and pod == {"k8s-app": "kube-dns"}:
            return {"dns"}
        if name == "monitoring":
            assert pod == {"app.kubernetes.io/name": "prometheus"}, "all of monitoring, not Prometheus"
            return {PROMETHEUS}
        assert not pod, peer
        return {f"ns:{name}"}
    matched = {name for name, labels in pods.items() if selects(peer["podSelector"], labels)}
    assert matched, f"a podSelector that selects no workload of deploy/k8s: {peer}"
    return matched


def allowed(direction: str, labels: dict[str, str], pods) -> set[tuple[str, int]] | None:
    """The (peer, port) pairs a pod may use in ``direction`` ("ingress"/"egress"); None when
    no policy isolates it (everything allowed)."""
    key, side = ("ingress", "from") if direction == "ingress" else ("egress", "to")
    isolated, pairs = False, set()
    for p in policies():
        spec = p["spec"]
        if not selects(spec["podSelector"], labels):
            continue
        if direction.capitalize() not in spec.get("policyTypes", []):
            continue
        isolated = True
        for rule in spec.get(key, []):
            assert rule.get(side), f"{p['metadata']['name']}: a rule open to every peer"
            assert rule.get("ports"), f"{p['metadata']['name']}: a rule open on every port"
            for peer in rule[side]:
                for name in peer_name(peer, pods):
                    pairs |= {(name, port["port"]) for port in rule["ports"]}
    return pairs if isolated else None


def test_every_pod_of_the_namespace_is_denied_by_default_both_ways():
    deny = [p for p in policies() if p["spec"]["podSelector"] == {} and not p["spec"].get("ingress")
            and not p["spec"].get("egress")]
    assert deny and set(deny[0]["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert "network-policies.yaml" in yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"]
    for name, labels in pod_labels().items():
        assert allowed("ingress", labels, pod_labels()) is not None, name
        assert allowed("egress", labels, pod_labels()) is not None, name


@pytest.mark.parametrize("service", list(SERVICES))
def test_a_service_accepts_only_the_gateway_and_prometheus_and_for_identity_the_services(service):
    pods = pod_labels()
    port = SERVICES[service]
    got = allowed("ingress", pods[f"deployment/{service}"], pods)
    want = {("deployment/gateway", port), (PROMETHEUS, port)}
    if service == "identity":
        want |= {(f"deployment/{s}", 8001) for s in ("booking", "allocator", "notifier")}
    if service == "booking":   # the allocator fetching a cutoff's snapshot (internal route, issue 19)
        want.add(("deployment/allocator", 8002))
    assert got == want
    # the port the policy opens is the one the container listens on
    deployment = next(o for o in docs(K8S / f"{service}.yaml") if o["kind"] == "Deployment")
    assert [p["containerPort"] for p in deployment["spec"]["template"]["spec"]["containers"][0]["ports"]] == [port]


@pytest.mark.parametrize("service", list(SERVICES))
def test_a_service_reaches_only_its_database_broker_dns_identity_and_for_the_notifier_the_sms_provider(service):
    pods = pod_labels()
    want = {POSTGRES, RABBITMQ, (DNS[0], 53)}
    if service != "identity":
        want.add(("deployment/identity", 8001))
    if service == "notifier":
        want.add(SMS)
    if service == "allocator":   # booking's internal route, for each cutoff's snapshot
        want.add(("deployment/booking", 8002))
    assert allowed("egress", pods[f"deployment/{service}"], pods) == want


def test_the_gateway_is_reached_from_the_ingress_controller_only_and_reaches_only_the_services():
    pods = pod_labels()
    labels = pods["deployment/gateway"]
    assert allowed("ingress", labels, pods) == {("ns:ingress-nginx", 8080)}
    assert allowed("egress", labels, pods) == {(f"deployment/{s}", p) for s, p in SERVICES.items()} | {("dns", 53)}


def test_migration_jobs_reach_only_the_database_and_nothing_reaches_them():
    pods = pod_labels()
    jobs = [name for name in pods if name.startswith("job/")]
    assert len(jobs) == len(SERVICES)
    for job in jobs:
        assert allowed("ingress", pods[job], pods) == set(), job
        assert allowed("egress", pods[job], pods) == {POSTGRES, ("dns", 53)}, job
