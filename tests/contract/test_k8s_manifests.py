"""deploy/k8s agrees with Kubernetes' schemas and with the code it runs.

No cluster is needed: the manifests are read as YAML; every built-in object is validated
with kubernetes-validate (the published JSON schemas, strict: unknown fields fail); the
custom resources (KEDA, Prometheus Operator) are checked for the fields they need; the
environment given to each container is checked against its service's settings class.
What kustomize builds from these files (sizes, schemas, CRD schemas): test_k8s_build.py.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml

from shared.app import RUNTIME_KEY
from shared.metrics import ServiceMetrics
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
NAMESPACE = "cardcenter"
SECRET_NAME = "cardcenter-secrets"
ENV_CONFIGMAP = "cardcenter-env"
# The oldest and the newest Kubernetes the manifests are meant for.
K8S_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
# Custom resources: no published schema; checked field by field below.
CRD_KINDS = {
    ("keda.sh/v1alpha1", "ScaledObject"),
    ("keda.sh/v1alpha1", "TriggerAuthentication"),
    ("monitoring.coreos.com/v1", "PrometheusRule"),
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
}
CLUSTER_SCOPED = {"Namespace"}
# Files kustomization.yaml leaves out on purpose (each says why in its header).
APPLIED_SEPARATELY = {"secret.example.yaml", "notifier-hpa-fallback.yaml", "servicemonitor.yaml",
                      "prometheus-rules.yaml"}
SHARED_ENV = {"APP_ENV", "LOG_LEVEL", "JWKS_URL", "EVENTS_EXCHANGE"}
# Each service's database URL names its own role (docs/operations.md "Database roles").
DATABASE_ENV = {name: f"{name.upper()}_DATABASE_URL" for name in ("identity", "booking", "allocator", "notifier")}
SECRET_ENV = {*DATABASE_ENV.values(), "AMQP_URL"}
ADMIN_SECRET_NAME = "cardcenter-db-admin"   # the db-roles Job's alone



# (request, limit) per service, from the peak RSS the benchmarks measured (benchmarks/README.md).
MEMORY = {"identity": ("192Mi", "384Mi"), "booking": ("192Mi", "384Mi"),
          "allocator": ("192Mi", "384Mi"), "notifier": ("128Mi", "256Mi")}

def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


settings_env = _load("contract_settings_env", Path(__file__).with_name("settings_env.py"))
render_mod = _load("gateway_render_for_k8s", ROOT / "deploy" / "gateway" / "render.py")
compose_test = _load("contract_compose_for_k8s", Path(__file__).with_name("test_compose_file.py"))
SETTINGS = settings_env.SETTINGS
APP_SERVICES = list(SETTINGS)


def manifest_files() -> list[Path]:
    return sorted(p for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml")


def _parse(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]


def _all_objects() -> list[tuple[Path, dict]]:
    out = []
    for path in manifest_files():
        try:
            out.extend((path, doc) for doc in _parse(path))
        except yaml.YAMLError:
            pass  # reported by test_every_manifest_parses
    return out


OBJECTS = _all_objects()


def _id(path: Path, doc: dict) -> str:
    return f"{path.relative_to(K8S)}:{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"


def find(kind: str, name: str) -> dict:
    found = [doc for _, doc in OBJECTS if doc.get("kind") == kind and doc["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def objects_of(kind: str) -> list[dict]:
    return [doc for _, doc in OBJECTS if doc.get("kind") == kind]


def container(workload: dict, name: str | None = None) -> dict:
    containers = workload["spec"]["template"]["spec"]["containers"]
    if name is None:
        assert len(containers) == 1
        return containers[0]
    return next(c for c in containers if c["name"] == name)


def secret_template() -> dict:
    return find("Secret", SECRET_NAME)


def env_configmap() -> dict:
    return find("ConfigMap", ENV_CONFIGMAP)


def container_env(c: dict) -> dict[str, str]:
    """Every variable a container gets, with the value it would have: literals, the
    ConfigMap's keys (envFrom / configMapKeyRef) and the Secret template's placeholders."""
    secret = secret_template()["stringData"]
    config = env_configmap()["data"]
    env: dict[str, str] = {}
    for source in c.get("envFrom") or []:
        if "configMapRef" in source:
            assert source["configMapRef"]["name"] == ENV_CONFIGMAP
            env.update(config)
        elif "secretRef" in source:
            assert source["secretRef"]["name"] == SECRET_NAME
            env.update(secret)
        else:
            raise AssertionError(f"unexpected envFrom {source}")
    for item in c.get("env") or []:
        if "value" in item:
            env[item["name"]] = str(item["value"])
            continue
        ref = item["valueFrom"]
        if "secretKeyRef" in ref:
            assert ref["secretKeyRef"]["name"] == SECRET_NAME, item
            env[item["name"]] = secret[ref["secretKeyRef"]["key"]]
        elif "configMapKeyRef" in ref:
            assert ref["configMapKeyRef"]["name"] == ENV_CONFIGMAP, item
            env[item["name"]] = config[ref["configMapKeyRef"]["key"]]
        else:
            raise AssertionError(f"unexpected valueFrom {ref}")
    return env


def walk(obj, key: str):
    """Every value stored under ``key`` anywhere in a parsed manifest."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == key:
                yield v
            yield from walk(v, key)
    elif isinstance(obj, list):
        for item in obj:
            yield from walk(item, key)


def named_port(c: dict, port) -> int:
    if isinstance(port, int):
        return port
    return next(p["containerPort"] for p in c["ports"] if p.get("name") == port)


def selects(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def compose_images() -> dict[str, str]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    return {name: svc["image"] for name, svc in compose["services"].items() if "image" in svc}


def repository(image: str) -> str:
    return image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image


def service_app(name: str):
    """A service's app, built (not started) with its default settings."""
    app_module = importlib.import_module(f"{name}.app")
    return app_module.create_app(SETTINGS[name]())


def kustomization(path: Path = K8S / "kustomization.yaml") -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# ---- every file, every object -----------------------------------------------------------

@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: str(p.relative_to(K8S)))
def test_every_manifest_parses(path):
    docs = _parse(path)
    assert docs, f"{path.name} holds no object"
    for doc in docs:
        assert isinstance(doc, dict), path
        assert doc.get("apiVersion") and doc.get("kind") and doc.get("metadata", {}).get("name"), doc
        if doc["kind"] not in CLUSTER_SCOPED:
            assert doc["metadata"].get("namespace") == NAMESPACE, _id(path, doc)
        labels = doc["metadata"].get("labels") or {}
        assert labels.get("app.kubernetes.io/part-of") == "cardcenter", _id(path, doc)


def test_the_expected_objects_exist():
    kinds = {doc["kind"] for _, doc in OBJECTS}
    assert {"Namespace", "ConfigMap", "Secret", "Deployment", "Service", "PodDisruptionBudget", "Job",
            "Ingress", "HorizontalPodAutoscaler", "ScaledObject", "PrometheusRule", "ServiceMonitor"} <= kinds
    assert {d["metadata"]["name"] for d in objects_of("Deployment")} == {*APP_SERVICES, "gateway"}
    assert {d["metadata"]["name"] for d in objects_of("PodDisruptionBudget")} == {*APP_SERVICES, "gateway"}
    assert {d["metadata"]["name"] for d in objects_of("Job")} == {*(f"{s}-migrate" for s in APP_SERVICES), "db-roles"}


BUILTIN = [(p, d) for p, d in OBJECTS if (d.get("apiVersion"), d.get("kind")) not in CRD_KINDS]


@pytest.mark.parametrize("path,doc", BUILTIN, ids=[_id(p, d) for p, d in BUILTIN])
@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_builtin_objects_validate_against_the_kubernetes_schema(path, doc, version):
    try:
        kubernetes_validate.validate(doc, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        pytest.fail(f"{_id(path, doc)} (Kubernetes {version}): {exc.message} at {'/'.join(map(str, exc.path))}")
    except kubernetes_validate.SchemaNotFoundError:
        pytest.fail(f"{_id(path, doc)}: no Kubernetes schema for {doc['apiVersion']} {doc['kind']}"
                    " (a typo, or a custom resource missing from CRD_KINDS)")


# ---- kustomize ------------------------------------------------------------------------

def test_kustomization_lists_every_file_but_the_ones_applied_separately():
    main = kustomization()
    assert main["namespace"] == NAMESPACE
    listed = set(main["resources"])
    for entry in listed:
        assert (K8S / entry).is_file(), entry
    top = {p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml"}
    assert listed | APPLIED_SEPARATELY == top
    assert not listed & APPLIED_SEPARATELY
    # Exactly one notifier autoscaler.
    assert "notifier-keda.yaml" in listed and "notifier-hpa-fallback.yaml" not in listed

    migrate = kustomization(K8S / "migrate" / "kustomization.yaml")
    assert migrate["namespace"] == NAMESPACE
    assert migrate["resources"] == ["jobs.yaml"]
    # One release tag for the services and their migrations (the gateway has no Job).
    services_images = [i for i in main["images"] if i["name"] != "cardcenter/gateway"]
    assert migrate["images"] == services_images
    assert {i["name"] for i in main["images"]} == {f"cardcenter/{s}" for s in [*APP_SERVICES, "gateway"]}


@pytest.mark.parametrize("directory", [K8S, K8S / "migrate", K8S / "db-roles"], ids=["main", "migrate", "db-roles"])
def test_kubectl_kustomize_builds(directory):
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    out = subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    built = [d for d in yaml.safe_load_all(out.stdout) if d]
    assert built and all(d["kind"] == "Namespace" or d["metadata"]["namespace"] == NAMESPACE for d in built)


# ---- shared configuration -------------------------------------------------------------

def test_configmap_holds_the_shared_unprefixed_environment():
    data = env_configmap()["data"]
    assert set(data) == SHARED_ENV
    for name, cls in SETTINGS.items():
        assert set(data) <= settings_env.accepted_env_names(cls), name
    # Unprefixed: read the same by every service (ServiceSettings' shared fields).
    assert set(data) <= settings_env.accepted_env_names(ServiceSettings)
    assert data["APP_ENV"] == "prod"
    assert data["EVENTS_EXCHANGE"] == ServiceSettings.model_fields["events_exchange"].default
    assert data["JWKS_URL"] == f"http://identity:{settings_env.default_port('identity')}/.well-known/jwks.json"


def test_secret_is_a_template_of_placeholders():
    secret = secret_template()
    assert "data" not in secret, "base64 data in a template: use stringData placeholders"
    values = secret["stringData"]
    amqp = {f"{s.upper()}_AMQP_URL" for s in SETTINGS}   # a broker user per service
    assert set(values) == {*(SECRET_ENV - {"AMQP_URL"}), *amqp, "SMS_HTTP_URL", "INTERNAL_API_TOKEN"}
    for key, value in values.items():
        assert "CHANGE_ME" in value, f"{key} does not look like a placeholder"
        assert "example" in value or key == "INTERNAL_API_TOKEN", f"{key} points at a real host"
    # Every reference to a secret, anywhere, is to this one and to a key it has.
    refs = [(path, doc, ref) for path, doc in OBJECTS for ref in walk(doc, "secretKeyRef")]
    refs += [(path, doc, ref) for path, doc in OBJECTS for refs_ in walk(doc, "secretTargetRef") for ref in refs_]
    assert len(refs) >= 2 * len(APP_SERVICES)
    for path, doc, ref in refs:
        if ref["name"] == ADMIN_SECRET_NAME:     # the admin's connection: the roles Job only
            assert (doc["kind"], doc["metadata"]["name"], ref["key"]) == ("Job", "db-roles", "DATABASE_ADMIN_URL")
            continue
        assert ref["name"] == SECRET_NAME and ref["key"] in values, _id(path, doc)
    assert not list(walk({"o": [d for _, d in OBJECTS]}, "secretRef")), "whole-Secret envFrom: name the keys"


# ---- the four services ----------------------------------------------------------------

def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def assert_restricted(spec: dict, c: dict, uid: int) -> None:
    """What the namespace's "restricted" Pod Security Standard demands, and a read-only root."""
    pod = spec["securityContext"]
    assert pod["runAsNonRoot"] is True and pod["runAsUser"] == uid
    assert pod["seccompProfile"]["type"] == "RuntimeDefault"
    sc = c["securityContext"]
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert spec["automountServiceAccountToken"] is False
    # No Kubernetes service-link variables (IDENTITY_PORT=tcp://... would break the settings).
    assert spec["enableServiceLinks"] is False


def dockerfile_uid(name: str) -> int:
    """The "app" user of the one service Dockerfile (``name``: every service shares it)."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    return int(re.search(r"useradd[^\n]*--uid (\d+)", text).group(1))


@pytest.mark.parametrize("name", APP_SERVICES)
def test_deployment_environment_is_read_by_the_settings_class(name):
    env = container_env(container(find("Deployment", name)))
    unknown = sorted(set(env) - settings_env.accepted_env_names(SETTINGS[name]))
    assert not unknown, f"{name} is given variables its settings never read: {unknown}"
    prefix = settings_env.env_prefix(name)
    assert env[f"{prefix}HOST"] == "0.0.0.0"
    assert env[f"{prefix}MIGRATE_ON_START"] == "false"
    assert SHARED_ENV | {DATABASE_ENV[name], "AMQP_URL"} <= set(env)
    # least privilege: no other service's database URL, and no shared one
    assert not set(env) & ((set(DATABASE_ENV.values()) - {DATABASE_ENV[name]}) | {"DATABASE_URL"})


@pytest.mark.parametrize("name", APP_SERVICES)
def test_deployment_environment_loads_into_settings(name, monkeypatch):
    for key in list(os.environ):
        if key in settings_env.accepted_env_names(SETTINGS[name]):
            monkeypatch.delenv(key)
    env = container_env(container(find("Deployment", name)))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = SETTINGS[name]()
    assert settings.host == "0.0.0.0"
    assert settings.port == settings_env.default_port(name)
    assert settings.migrate_on_start is False
    assert settings.app_env == "prod"
    assert settings.database_url == secret_template()["stringData"][DATABASE_ENV[name]]
    assert settings.amqp_url == secret_template()["stringData"][f"{name.upper()}_AMQP_URL"]
    assert urlsplit(settings.amqp_url).username == name
    if name in ("booking", "allocator"):   # booking's internal route and its caller share the token
        assert settings.internal_api_token.get_secret_value() == secret_template()["stringData"]["INTERNAL_API_TOKEN"]
    if name == "allocator":
        assert settings.booking_url == f"http://booking:{settings_env.default_port('booking')}"
    if name == "notifier":
        assert settings.sms_provider == "http"
        assert settings.sms_http_url == secret_template()["stringData"]["SMS_HTTP_URL"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_deployment_shape(name):
    deployment = find("Deployment", name)
    spec = pod_spec(deployment)
    c = container(deployment)
    port = settings_env.default_port(name)
    assert [p["containerPort"] for p in c["ports"]] == [port]
    # Probes on the settings' port: ready = database and broker, alive = the process answers.
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert named_port(c, c[probe]["httpGet"]["port"]) == port, probe
    # Memory from the benchmarks' peak RSS per service (benchmarks/README.md), with headroom.
    assert (c["resources"]["requests"]["memory"], c["resources"]["limits"]["memory"]) == MEMORY[name]
    assert c["resources"]["requests"]["cpu"]
    assert_restricted(spec, c, dockerfile_uid(name))
    # /tmp writable although the root filesystem is not.
    mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]
    # The image docker-compose.yml builds; the command is the image's (python -m <name>).
    assert repository(c["image"]) == repository(compose_images()[name])
    assert "command" not in c and "args" not in c
    # Long enough for the graceful stop (aiohttp shutdown_timeout=15 s plus consumers).
    assert spec["terminationGracePeriodSeconds"] >= 30
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selects(selector, deployment["spec"]["template"]["metadata"]["labels"])
    if name == "notifier":
        assert "replicas" not in deployment["spec"], "the autoscaler owns the notifier's replica count"
    else:
        assert deployment["spec"]["replicas"] >= 2


@pytest.mark.parametrize("name", APP_SERVICES)
def test_service_and_pdb_select_the_deployment_and_nothing_else(name):
    deployment = find("Deployment", name)
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    job_labels = find("Job", f"{name}-migrate")["spec"]["template"]["metadata"]["labels"]
    service = find("Service", name)
    port = settings_env.default_port(name)
    assert [(p["port"], named_port(container(deployment), p["targetPort"])) for p in service["spec"]["ports"]] \
        == [(port, port)]
    for selector in (service["spec"]["selector"], find("PodDisruptionBudget", name)["spec"]["selector"]["matchLabels"]):
        assert selects(selector, pod_labels)
        assert not selects(selector, job_labels), "migration pods must not receive traffic"
    assert find("PodDisruptionBudget", name)["spec"]["maxUnavailable"] == 1


@pytest.mark.parametrize("name", APP_SERVICES)
def test_migration_job(name):
    job = find("Job", f"{name}-migrate")
    spec = pod_spec(job)
    c = container(job)
    assert c["command"] == ["python", "-m", name, "migrate"]
    assert c["image"] == container(find("Deployment", name))["image"]
    assert spec["restartPolicy"] == "Never"
    env = container_env(c)
    assert not set(env) - settings_env.accepted_env_names(SETTINGS[name])
    assert DATABASE_ENV[name] in env and "DATABASE_URL" not in env    # migrates as its own role
    assert_restricted(spec, c, dockerfile_uid(name))


# ---- the gateway ----------------------------------------------------------------------

def gateway_env() -> dict[str, str]:
    """What the gateway container sees: its image's ENV (deploy/gateway/Dockerfile), then the pod's."""
    return {**compose_test.dockerfile_env(compose_test.GATEWAY_DOCKERFILE),
            **container_env(container(find("Deployment", "gateway")))}


def test_gateway_is_the_gateway_image_and_nothing_is_generated():
    """deploy/gateway/ is baked into the image: no ConfigMap carries the template or the web
    client any more (the one that did outgrew kubectl apply's annotation)."""
    deployment = find("Deployment", "gateway")
    c = container(deployment)
    assert c["image"] == compose_images()["gateway"] == "cardcenter/gateway:dev"
    assert {d["metadata"]["name"] for d in objects_of("ConfigMap")} == {ENV_CONFIGMAP}
    assert not [v for v in pod_spec(deployment)["volumes"] if "configMap" in v]
    assert not (K8S / "render_gateway.py").exists()


def test_gateway_renders_the_template_like_compose():
    deployment = find("Deployment", "gateway")
    spec = pod_spec(deployment)
    c = container(deployment)
    env = gateway_env()
    # Every placeholder has a well-formed value (the derived ones once the image's
    # entrypoint has sourced 15-gateway-security.envsh), and the template renders with them.
    assert set(render_mod.PLACEHOLDERS) <= set(compose_test.after_entrypoint_envsh(env))
    render_mod.values(env)
    assert "${" not in render_mod.render(env)
    # The image's entrypoint renders $NGINX_ENVSUBST_TEMPLATE_DIR/nginx.conf.template into
    # $NGINX_ENVSUBST_OUTPUT_DIR/nginx.conf, the file nginx reads.
    assert f"{env['NGINX_ENVSUBST_OUTPUT_DIR']}/nginx.conf" == "/etc/nginx/nginx.conf"
    mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    # Read-only root: where the entrypoint and nginx write must be emptyDirs, and nothing
    # may hide the files the image carries.
    for writable in (env["NGINX_ENVSUBST_OUTPUT_DIR"], env["GATEWAY_RUN_DIR"]):
        assert "emptyDir" in volumes[mounts[writable]["name"]], writable
    for baked in (env["NGINX_ENVSUBST_TEMPLATE_DIR"], env["GATEWAY_STATIC_ROOT"]):
        assert not [m for m in mounts if baked == m or baked.startswith(m.rstrip("/") + "/")], baked
    assert_restricted(spec, c, 101)
    # Listens where its probes and Service look.
    port = int(env["GATEWAY_PORT"])
    assert [p["containerPort"] for p in c["ports"]] == [port]
    for probe in ("readinessProbe", "livenessProbe"):
        assert c[probe]["httpGet"]["path"] == "/healthz"
        assert named_port(c, c[probe]["httpGet"]["port"]) == port
    service = find("Service", "gateway")
    assert selects(service["spec"]["selector"], deployment["spec"]["template"]["metadata"]["labels"])
    assert named_port(c, service["spec"]["ports"][0]["targetPort"]) == port


def test_image_envsubst_renders_what_render_py_renders():
    """The official image runs `envsubst "<every defined variable>"` over the template: with
    the pod's environment, plus what the image and Kubernetes always define, it must give
    what render.py gives (no nginx variable touched)."""
    envsubst = shutil.which("envsubst")
    if envsubst is None:
        pytest.skip("envsubst (gettext-base) is not installed")
    env = gateway_env()
    always = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME": "gateway-7d9f",
              "HOME": "/", "NGINX_VERSION": "1.30.5", "NJS_VERSION": "1.0.1", "PKG_RELEASE": "1~trixie",
              "KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443",
              "KUBERNETES_SERVICE_PORT_HTTPS": "443", "KUBERNETES_PORT": "tcp://10.96.0.1:443",
              "KUBERNETES_PORT_443_TCP": "tcp://10.96.0.1:443", "KUBERNETES_PORT_443_TCP_ADDR": "10.96.0.1",
              "KUBERNETES_PORT_443_TCP_PORT": "443", "KUBERNETES_PORT_443_TCP_PROTO": "tcp"}
    full_env = compose_test.after_entrypoint_envsh({**always, **env})
    shell_format = " ".join(f"${{{name}}}" for name in full_env)
    text = subprocess.run([envsubst, shell_format], input=(ROOT / "deploy/gateway/nginx.conf.template").read_text(encoding="utf-8"),
                          capture_output=True, text=True, env=full_env, check=True).stdout
    assert text == render_mod.render(env)
    assert "worker_processes auto;" in text.splitlines()  # what the image's autotune rewrites
    assert env.get("NGINX_ENTRYPOINT_WORKER_PROCESSES_AUTOTUNE")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_gateway_upstreams_are_the_services(name):
    port = settings_env.default_port(name)
    assert gateway_env()[f"{name.upper()}_UPSTREAM"] == f"{name}:{port}"
    assert find("Service", name)["spec"]["ports"][0]["port"] == port


def test_ingress_sends_everything_to_the_gateway():
    ingress = find("Ingress", "cardcenter")
    gateway_ports = {p["name"]: p["port"] for p in find("Service", "gateway")["spec"]["ports"]}
    paths = [p for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
    assert [(p["path"], p["pathType"]) for p in paths] == [("/", "Prefix")]
    backend = paths[0]["backend"]["service"]
    assert backend["name"] == "gateway"
    assert backend["port"].get("name") in gateway_ports or backend["port"].get("number") in gateway_ports.values()


# ---- notifier autoscaling -------------------------------------------------------------

NOTIFIER_GAUGES = {"notifier_sms_pending_messages", "notifier_sms_oldest_pending_age_seconds"}


def notifier_metric_names() -> set[str]:
    """The metric names the notifier app registers, built without starting it."""
    registry = service_app("notifier")[RUNTIME_KEY].metrics.registry
    return {m.name for m in registry.collect()}


def test_keda_scales_the_notifier_on_its_pending_messages():
    scaled = find("ScaledObject", "notifier")
    assert scaled["apiVersion"] == "keda.sh/v1alpha1"
    spec = scaled["spec"]
    target = spec["scaleTargetRef"]
    assert target["name"] == find("Deployment", "notifier")["metadata"]["name"]
    assert target.get("kind", "Deployment") == "Deployment"
    assert target.get("apiVersion", "apps/v1") == "apps/v1"
    assert spec["minReplicaCount"] >= 1        # the notifier also serves the SMS log API
    assert spec["maxReplicaCount"] > spec["minReplicaCount"]
    # The backlog in the database, never the queue (acknowledged as soon as the row is written).
    assert {t["type"] for t in spec["triggers"]} == {"prometheus"}
    queried = set()
    for trigger in spec["triggers"]:
        meta = trigger["metadata"]
        assert meta["serverAddress"].startswith("http")
        assert float(meta["threshold"]) > 0
        assert meta.get("ignoreNullValues") == "false", "no data must mean fallback, not 0"
        queried |= set(re.findall(r"[a-z_]+(?=\{)", meta["query"]))
    assert queried == NOTIFIER_GAUGES and NOTIFIER_GAUGES <= notifier_metric_names()
    # Prometheus unreachable: hold the most the connection budget allows, not the least.
    assert spec["fallback"]["replicas"] == spec["maxReplicaCount"]


def test_hpa_fallback_scales_on_the_same_backlog_or_cpu():
    hpa = find("HorizontalPodAutoscaler", "notifier")
    spec = hpa["spec"]
    scaled = find("ScaledObject", "notifier")["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "notifier"}
    assert spec["minReplicas"] == scaled["minReplicaCount"]
    assert spec["maxReplicas"] == scaled["maxReplicaCount"]
    external = [m["external"] for m in spec["metrics"] if m["type"] == "External"]
    assert [e["metric"]["name"] for e in external] == ["notifier_sms_pending_messages"]
    keda_pending = next(t for t in scaled["triggers"] if "notifier_sms_pending_messages" in t["metadata"]["query"])
    assert float(external[0]["target"]["averageValue"]) == float(keda_pending["metadata"]["threshold"])
    assert [m["resource"]["name"] for m in spec["metrics"] if m["type"] == "Resource"] == ["cpu"]
    # CPU utilisation needs a CPU request on the container.
    assert container(find("Deployment", "notifier"))["resources"]["requests"]["cpu"]


# ---- monitoring -----------------------------------------------------------------------

def metric_names(registry) -> set[str]:
    """The names a registry exposes on /metrics (counters with their _total)."""
    return {m.name + ("_total" if m.type == "counter" else "") for m in registry.collect()}


# Alert -> the metrics it reads, by origin: "shared" (every service's /metrics), a service's
# own, or outside the code (RabbitMQ's plugin, kube-state-metrics); "pending" ones come with
# a later issue (CutoffNotRun: the cutoff issue) and are only named here.
ALERTS = {
    "OutboxBacklogStale": {"shared": {"outbox_oldest_age_seconds"}},
    "DeadLetterQueueNotEmpty": {"rabbitmq": {"rabbitmq_queue_messages"}},
    "EventsUnrouted": {"rabbitmq": {"rabbitmq_queue_messages"}},
    "SmsFailureRateHigh": {"shared": {"events_consumed_total"}, "notifier": {"sms_attempts_total"}},
    "CutoffNotRun": {"pending": {"cutoff_last_closed_timestamp_seconds"}},
    "ServiceNotReady": {"kube-state-metrics": {"kube_pod_status_ready", "kube_pod_status_phase"}},
    "GatewayErrorBudgetBurnFast": {}, "GatewayErrorBudgetBurnSlow": {},          # recorded ratios of
    "BookingLatencyBudgetBurnFast": {}, "BookingLatencyBudgetBurnSlow": {},      # http_* (group slo)
    "ConsumerLagHigh": {},   # consumer_lag_seconds_bucket: a histogram series, served (test_grafana_dashboard)
    "QueueBacklogHigh": {"rabbitmq": {"rabbitmq_queue_messages_ready"}},
    "ConsumersStopped": {"shared": {"consumers_running", "consumers_configured"}},
    "SmsPendingTooOld": {"notifier": {"notifier_sms_oldest_pending_age_seconds"}},
    "CutoffNotAllocated": {"booking": {"cutoff_closed_unallocated_oldest_age_seconds"}},
    "IdentityMetricsAbsent": {"prometheus": {"up"}}, "BookingMetricsAbsent": {"prometheus": {"up"}},
    "AllocatorMetricsAbsent": {"prometheus": {"up"}}, "NotifierMetricsAbsent": {"prometheus": {"up"}},
    "RabbitMQMetricsAbsent": {"rabbitmq": {"rabbitmq_queue_messages"}},
    "KubeStateMetricsAbsent": {"kube-state-metrics": {"kube_pod_status_ready"}},
}


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    out, fenced = set(), False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"^#{1,6}\s+(.*)$", line)):
            out.add(re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-"))
    return out


# The calendar's alert (issue 15), kept apart from the table above so the two merge cleanly.
ALERTS["CalendarUnconfirmed"] = {"booking": {"calendar_unconfirmed_release_in_days"}}


def test_prometheus_rules():
    rule = find("PrometheusRule", "cardcenter")
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    groups = rule["spec"]["groups"]
    assert groups and len({g["name"] for g in groups}) == len(groups)
    alerts = {}
    for group in groups:
        assert group["name"] and group["rules"], group
        for r in group["rules"]:
            assert ("alert" in r) != ("record" in r), r
            assert isinstance(r["expr"], str) and r["expr"].strip(), r
            if "for" in r:
                assert re.fullmatch(r"\d+[smhdwy]", r["for"]), r["for"]
            if "alert" in r:
                assert r["labels"]["severity"] in ("warning", "critical"), r["alert"]
                assert r["annotations"]["summary"] and r["annotations"]["runbook_url"], r["alert"]
                assert r["alert"] not in alerts, f"duplicate alert {r['alert']}"
                alerts[r["alert"]] = r
    assert set(alerts) == set(ALERTS)
    anchors = _anchors((ROOT / "docs" / "operations.md").read_text(encoding="utf-8"))
    exposed = {"shared": metric_names(ServiceMetrics("x").registry)}
    for name, r in alerts.items():
        page, _, anchor = r["annotations"]["runbook_url"].partition("#")
        assert page == "docs/operations.md" and anchor in anchors, f"{name}: no section #{anchor} in {page}"
        for origin, metrics in ALERTS[name].items():
            for metric in metrics:
                assert re.search(rf"\b{metric}\b", r["expr"]), f"{name} does not read {metric}"
                if origin == "shared":
                    assert metric in exposed["shared"], f"{name}: the services do not expose {metric}"
                elif origin in SETTINGS:
                    if origin not in exposed:
                        exposed[origin] = metric_names(service_app(origin)[RUNTIME_KEY].metrics.registry)
                    assert metric in exposed[origin], f"{name}: {origin} does not expose {metric}"
    assert 'queue=~".+\\\\.dead"' in alerts["DeadLetterQueueNotEmpty"]["expr"]
    assert 'queue="notifier.sms"' in alerts["SmsFailureRateHigh"]["expr"]


def test_service_monitor_scrapes_the_four_services_only():
    monitor = find("ServiceMonitor", "cardcenter")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    selector = monitor["spec"]["selector"]["matchLabels"]
    selected = {s["metadata"]["name"] for s in objects_of("Service") if selects(selector, s["metadata"]["labels"])}
    assert selected == set(APP_SERVICES)
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["path"] == "/metrics"
    for name in APP_SERVICES:
        assert endpoint["port"] in {p["name"] for p in find("Service", name)["spec"]["ports"]}


def test_identity_reads_its_keys_from_a_mounted_secret():
    """APP_ENV=prod: identity does not start without these files (test_production_secrets)."""
    deployment = find("Deployment", "identity")
    c, spec = container(deployment), pod_spec(deployment)
    env = container_env(c)
    mounts = {m["name"]: m for m in c["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["identity-keys"]["secret"]["secretName"] == "identity-keys"
    assert mounts["identity-keys"]["readOnly"] is True
    for variable in ("IDENTITY_SIGNING_KEY_FILE", "IDENTITY_CODE_SECRET_FILE"):
        assert env[variable].startswith(mounts["identity-keys"]["mountPath"] + "/"), variable


def test_the_roles_job_gets_the_admin_connection_and_every_services_url():
    job = find("Job", "db-roles")
    c = container(job)
    assert c["command"] == ["python", "-m", "shared.ops.create_roles"]
    names = {item["name"] for item in c["env"]}
    assert names == {"DATABASE_ADMIN_URL", *DATABASE_ENV.values()}
    assert_restricted(pod_spec(job), c, dockerfile_uid("identity"))
    roles = kustomization(K8S / "db-roles" / "kustomization.yaml")
    assert roles["resources"] == ["job.yaml"]
    assert roles["images"] == [i for i in kustomization()["images"] if i["name"] == "cardcenter/identity"]
