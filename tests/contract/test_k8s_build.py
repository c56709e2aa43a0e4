"""What `kubectl apply -k` would send: the objects `kubectl kustomize` builds from deploy/k8s
and deploy/k8s/migrate, each small enough for client-side apply and valid against its
schema. Built-in kinds against Kubernetes' published schemas (kubernetes-validate, strict:
unknown fields fail); KEDA and Prometheus Operator objects against their CustomResource
Definitions' openAPIV3Schema (tests/contract/crd_schemas, vendored with source and licence),
with unknown fields refused as the API server's strict field validation would.

Client-side apply stores the whole object in the kubectl.kubernetes.io/last-applied-
configuration annotation, and all annotations of an object together may hold at most
262,144 bytes: an object near that size cannot be applied. 256 KiB is that limit.
"""
from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
CRD_SCHEMAS = Path(__file__).with_name("crd_schemas")
MAX_OBJECT_BYTES = 256 * 1024
K8S_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
KUSTOMIZATIONS = {"main": K8S, "migrate": K8S / "migrate"}


def kubectl() -> str:
    found = shutil.which("kubectl")
    if found is None:
        pytest.skip("kubectl is not installed (scripts/setup installs Debian's kubernetes-client)")
    return found


def build(directory: Path) -> list[dict]:
    out = subprocess.run([kubectl(), "kustomize", str(directory)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


def applied_size(obj: dict) -> int:
    """The bytes client-side apply puts in last-applied-configuration: the object as JSON."""
    return len(json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode())


def oversized(objects: list[dict]) -> list[str]:
    return [f"{o['kind']}/{o['metadata']['name']}: {applied_size(o):,} bytes"
            for o in objects if applied_size(o) > MAX_OBJECT_BYTES]


def _id(obj: dict) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


@pytest.fixture(scope="module", params=list(KUSTOMIZATIONS), ids=list(KUSTOMIZATIONS))
def built(request) -> list[dict]:
    objects = build(KUSTOMIZATIONS[request.param])
    assert objects
    return objects


# ---- size ----------------------------------------------------------------------------------

def test_no_built_object_exceeds_256_kib(built):
    assert not oversized(built), "too big for kubectl apply's last-applied-configuration annotation"


def test_the_size_check_catches_an_oversized_object(tmp_path):
    """The check above on a copy of deploy/k8s with one ConfigMap of 300 KB added (the size
    of the web client the gateway once carried in a ConfigMap)."""
    copy_dir = tmp_path / "k8s"
    shutil.copytree(K8S, copy_dir)
    big = {"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": "too-big", "namespace": "cardcenter", "labels": {"app.kubernetes.io/part-of": "cardcenter"}},
           "data": {f"file{i}.js": "x" * 1000 for i in range(300)}}
    (copy_dir / "too-big.yaml").write_text(yaml.safe_dump(big), encoding="utf-8")
    kustomization = yaml.safe_load((copy_dir / "kustomization.yaml").read_text(encoding="utf-8"))
    kustomization["resources"].append("too-big.yaml")
    (copy_dir / "kustomization.yaml").write_text(yaml.safe_dump(kustomization), encoding="utf-8")
    found = oversized(build(copy_dir))
    assert len(found) == 1 and found[0].startswith("ConfigMap/too-big: 30")


# ---- built-in kinds --------------------------------------------------------------------------

def crd_schema_files() -> dict[tuple[str, str], Path]:
    out = {}
    for path in sorted(CRD_SCHEMAS.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        out[(doc["apiVersion"], doc["kind"])] = path
    return out


CRD_FILES = crd_schema_files()


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_built_in_objects_validate_strictly(built, version):
    failures = []
    for obj in built:
        if (obj["apiVersion"], obj["kind"]) in CRD_FILES:
            continue
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            failures.append(f"{_id(obj)}: {exc.message} at {'/'.join(map(str, exc.path))}")
        except kubernetes_validate.SchemaNotFoundError:
            failures.append(f"{_id(obj)}: no schema for {obj['apiVersion']} {obj['kind']} (a custom resource"
                            " without a vendored CRD schema in tests/contract/crd_schemas?)")
    assert not failures, "\n".join(failures)


# ---- custom resources ------------------------------------------------------------------------

def strict(schema: dict) -> dict:
    """The CRD schema with unknown fields refused wherever the CRD does not preserve them
    (the API server would prune them silently, or refuse them with strict field validation)."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if (node.get("type") == "object" and "properties" in node and "additionalProperties" not in node
                    and not node.get("x-kubernetes-preserve-unknown-fields")):
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(schema)
    # metadata is the API server's own ObjectMeta, checked by the built-in tests' rules.
    schema.setdefault("properties", {})["metadata"] = {"type": "object"}
    return schema


def crd_validator(api_version: str, kind: str) -> jsonschema.Draft7Validator:
    doc = json.loads(CRD_FILES[(api_version, kind)].read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(strict(doc["openAPIV3Schema"]))


def test_vendored_crd_schemas_say_where_they_come_from():
    assert {kind for _, kind in CRD_FILES} >= {"ScaledObject", "TriggerAuthentication", "PrometheusRule",
                                               "ServiceMonitor"}
    for path in CRD_FILES.values():
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["source"].startswith("https://github.com/") and doc["version"] and doc["license"] == "Apache-2.0"
        # (not check_schema: the CRDs' patterns are Go regular expressions, e.g. "^(?i)...")
        assert doc["openAPIV3Schema"]["type"] == "object" and "spec" in doc["openAPIV3Schema"]["properties"]


def custom_resources() -> list[dict]:
    """The custom resources kustomize emits plus the ones applied separately (monitoring,
    the HPA's KEDA alternative): every one of them must match its CRD."""
    objects = [o for o in build(K8S) if (o["apiVersion"], o["kind"]) in CRD_FILES]
    kustomized = {(o["kind"], o["metadata"]["name"]) for o in objects}
    for name in ("servicemonitor.yaml", "prometheus-rules.yaml", "notifier-keda.yaml"):
        for doc in yaml.safe_load_all((K8S / name).read_text(encoding="utf-8")):
            if doc and (doc["apiVersion"], doc["kind"]) in CRD_FILES and (doc["kind"], doc["metadata"]["name"]) not in kustomized:
                objects.append(doc)
    return objects


def test_custom_resources_validate_against_their_crds():
    objects = custom_resources()
    assert {o["kind"] for o in objects} >= {"ScaledObject", "PrometheusRule", "ServiceMonitor"}
    failures = []
    for obj in objects:
        for error in crd_validator(obj["apiVersion"], obj["kind"]).iter_errors(obj):
            failures.append(f"{_id(obj)}: {error.message} at {'/'.join(map(str, error.absolute_path))}")
    assert not failures, "\n".join(failures)


def test_the_crd_check_refuses_what_the_crd_does_not_allow():
    """The same check on broken copies: a misspelt field, a wrong type, a missing required field."""
    scaled = next(o for o in custom_resources() if o["kind"] == "ScaledObject")
    validator = crd_validator(scaled["apiVersion"], "ScaledObject")
    assert not list(validator.iter_errors(scaled))
    misspelt = copy.deepcopy(scaled)
    misspelt["spec"]["maxReplicaCounts"] = misspelt["spec"].pop("maxReplicaCount")
    wrong_type = copy.deepcopy(scaled)
    wrong_type["spec"]["minReplicaCount"] = "one"
    no_target = copy.deepcopy(scaled)
    del no_target["spec"]["scaleTargetRef"]
    for broken in (misspelt, wrong_type, no_target):
        assert list(validator.iter_errors(broken)), broken["spec"]
