"""docker-compose.yml and the Dockerfiles agree with the code they run.

No Docker engine is needed: the compose file is read as YAML, the settings classes are
imported, the Dockerfiles are read as text, and the gateway template is rendered the way
the official nginx image does it (envsubst), when envsubst is installed.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
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
SUITE_ENV = ("DATABASE_URL", "AMQP_URL", "APP_ENV", "LOG_LEVEL", "JWKS_URL")


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
    assert str(services["rabbitmq"]["image"]).startswith("rabbitmq:3.10-management")
    assert str(services["gateway"]["image"]).startswith("nginx:1.27")


def test_every_service_has_a_healthcheck(services):
    for name, service in services.items():
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
            assert spec.get("condition") == "service_healthy", f"{name} -> {dep}"
            assert services[dep].get("healthcheck"), f"{name} waits for {dep}, which has no healthcheck"
    for name in APP_SERVICES:
        assert {"postgres", "rabbitmq"} <= set(services[name]["depends_on"]), name
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
    assert settings.database_url == env["DATABASE_URL"]
    assert settings.amqp_url == env["AMQP_URL"]
    assert settings.jwks_url == env["JWKS_URL"]
    if name == "notifier":
        assert settings.sms_provider == "log"


def test_suite_environment_is_the_same_everywhere(services):
    envs = {name: environment(services[name]) for name in APP_SERVICES}
    for key in SUITE_ENV:
        values = {name: env.get(key) for name, env in envs.items()}
        assert None not in values.values(), f"{key} missing: {values}"
        assert len(set(values.values())) == 1, f"{key} differs: {values}"
    assert envs["notifier"].get("SMS_PROVIDER") == "log"


def test_urls_point_at_the_compose_infrastructure(services):
    env = environment(services["identity"])
    pg_env = environment(services["postgres"])
    db = urlsplit(env["DATABASE_URL"])
    assert db.scheme in ("postgresql", "postgres")
    assert db.hostname == "postgres" and (db.port or 5432) == 5432
    assert db.path.lstrip("/") == pg_env["POSTGRES_DB"] == "cardcenter"
    assert (db.username or "postgres") == pg_env.get("POSTGRES_USER", "postgres")
    if pg_env.get("POSTGRES_HOST_AUTH_METHOD") != "trust":
        assert db.password and db.password == pg_env.get("POSTGRES_PASSWORD")

    rabbit_env = environment(services["rabbitmq"])
    amqp = urlsplit(env["AMQP_URL"])
    assert amqp.scheme == "amqp"
    assert amqp.hostname == "rabbitmq" and (amqp.port or 5672) == 5672
    assert amqp.username == rabbit_env.get("RABBITMQ_DEFAULT_USER", "guest")
    assert amqp.password == rabbit_env.get("RABBITMQ_DEFAULT_PASS", "guest")

    jwks = urlsplit(env["JWKS_URL"])
    assert jwks.hostname == "identity" and jwks.port == default_port("identity")
    assert jwks.path == "/.well-known/jwks.json"


# ---- the gateway in compose ------------------------------------------------------------

def test_gateway_mounts_the_repo_template(services):
    gateway = services["gateway"]
    env = environment(gateway)
    mounts = dict((target, source) for source, target in volumes(gateway))
    templates = {t: s for t, s in mounts.items() if t.startswith("/etc/nginx/templates/")}
    assert len(templates) == 1, mounts
    target, source = next(iter(templates.items()))
    assert (ROOT / source).resolve() == TEMPLATE_PATH.resolve()
    assert TEMPLATE_PATH.is_file()
    # The image writes <NGINX_ENVSUBST_OUTPUT_DIR>/<name without .template>: it must be the
    # main nginx.conf, since the template is a whole configuration, not an http fragment.
    rendered = Path(env["NGINX_ENVSUBST_OUTPUT_DIR"]) / Path(target).name.removesuffix(".template")
    assert str(rendered) == "/etc/nginx/nginx.conf"
    # The static root is mounted where the template is told to find it.
    static_source = mounts.get(env["GATEWAY_STATIC_ROOT"])
    assert static_source and (ROOT / static_source).resolve() == (ROOT / "deploy/gateway/static").resolve()
    assert (ROOT / "deploy/gateway/static/index.html").is_file()
    # Published on the port it listens on.
    assert int(env["GATEWAY_PORT"]) in container_ports(gateway)
    assert f":{env['GATEWAY_PORT']}/healthz" in healthcheck_test(gateway)


def test_gateway_environment_covers_every_placeholder(services):
    env = environment(services["gateway"])
    used = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", TEMPLATE_PATH.read_text(encoding="utf-8")))
    assert used == set(render_mod.PLACEHOLDERS)
    missing = sorted(used - set(env))
    assert not missing, f"the gateway container does not set {missing}"
    render_mod.values(env)  # every value is well formed


def test_docker_envsubst_renders_what_render_py_renders(services):
    """The official image runs `envsubst "<every defined variable>"` over the template.
    With the compose environment plus the image's own, it must give exactly what
    render.py gives for the same values (and so touch no nginx variable)."""
    envsubst = shutil.which("envsubst")
    if envsubst is None:
        pytest.skip("envsubst (gettext-base) is not installed")
    env = environment(services["gateway"])
    image_env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                 "HOSTNAME": "gateway", "HOME": "/root", "NGINX_VERSION": "1.27.5",
                 "NJS_VERSION": "0.8.10", "NJS_RELEASE": "1~bookworm", "PKG_RELEASE": "1~bookworm",
                 "DYNPKG_RELEASE": "1~bookworm"}
    full_env = {**image_env, **env}
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


@pytest.mark.parametrize("name", APP_SERVICES)
def test_service_is_built_from_its_dockerfile(services, name):
    build = services[name]["build"]
    context = ROOT / build.get("context", ".")
    assert context.resolve() == ROOT, "the build context is the repository root"
    dockerfile = context / build.get("dockerfile", "Dockerfile")
    assert dockerfile.resolve() == (ROOT / "services" / name / "Dockerfile").resolve()
    assert dockerfile.is_file()


@pytest.mark.parametrize("name", APP_SERVICES)
def test_dockerfile_shape(name):
    steps = _instructions(ROOT / "services" / name / "Dockerfile")
    words = [w for w, _ in steps]
    args = {w: a for w, a in steps}  # the last of each
    assert steps[0] == ("FROM", "python:3.11-slim")
    port = default_port(name)
    assert args["EXPOSE"].split() == [str(port)]
    assert args["CMD"] == f'["python", "-m", "{name}"]'
    assert "/healthz" in args["HEALTHCHECK"] and str(port) in args["HEALTHCHECK"]
    assert "urllib" in args["HEALTHCHECK"]
    # Runs unprivileged, and switches user before the command.
    user = args["USER"].split(":")[0]
    assert user not in ("root", "0")
    assert words.index("USER") < words.index("CMD")
    # pyproject files are copied (and installed) before the code, for layer caching.
    copies = [a for w, a in steps if w == "COPY"]
    first_code = next(i for i, a in enumerate(copies) if a.split()[0] in (f"services/{name}", "libs/shared"))
    pyprojects = [i for i, a in enumerate(copies) if a.split()[0].endswith("pyproject.toml")]
    assert {f"libs/shared/pyproject.toml", f"services/{name}/pyproject.toml"} <= {
        copies[i].split()[0] for i in pyprojects}
    assert max(pyprojects) < first_code
    # Editable installs: app.py finds services/<name>/migrations beside its package, which a
    # plain install into site-packages would leave behind.
    installs = " ".join(a for w, a in steps if w == "RUN" and "pip install" in a and "--no-deps" in a)
    assert f"-e services/{name}" in installs and "-e libs/shared" in installs


def test_dockerignore():
    lines = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    for needed in (".git", "run/", "**/__pycache__"):
        assert needed in lines, needed
    assert ".venv" in lines or "**/.venv" in lines
