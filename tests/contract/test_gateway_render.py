"""deploy/gateway/render.py: substitutes only its placeholders, with local defaults."""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RENDER_PY = ROOT / "deploy" / "gateway" / "render.py"
TEMPLATE_PATH = ROOT / "deploy" / "gateway" / "nginx.conf.template"


def _load_render():
    spec = importlib.util.spec_from_file_location("gateway_render_for_render_tests", RENDER_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render_mod = _load_render()


def test_template_placeholders_are_exactly_the_documented_ones():
    text = TEMPLATE_PATH.read_text(encoding="utf-8")
    assert set(re.findall(r"\$\{([^}]*)\}", text)) == set(render_mod.PLACEHOLDERS)


def test_template_nginx_variables_are_lower_case():
    """The official image's envsubst replaces `$NAME` for every variable set in the
    container; nginx's own variables must never look like one (they are lower-case)."""
    text = TEMPLATE_PATH.read_text(encoding="utf-8")
    text = re.sub(r"\$\{[A-Z_]+\}", "", text)
    names = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", text))
    assert names, "expected nginx variables in the template"
    upper = sorted(n for n in names if n != n.lower())
    assert not upper, f"nginx variables with capitals would collide with envsubst: {upper}"


def test_template_does_not_set_daemon():
    text = TEMPLATE_PATH.read_text(encoding="utf-8")
    assert not re.search(r"^\s*daemon\s", text, re.M), "the runner passes -g 'daemon off;'"
    assert re.search(r"^\s*worker_processes\s+auto;", text, re.M)


def test_defaults():
    conf = render_mod.render({})
    assert "${" not in conf
    for port in (8001, 8002, 8003, 8004):
        assert f"server 127.0.0.1:{port};" in conf
    assert re.search(r"listen 8080 default_server;", conf)
    assert f'pid "{ROOT / "run" / "gateway"}/nginx.pid";' in conf
    assert f'root "{ROOT / "deploy" / "gateway" / "static"}";' in conf


def test_service_ports_and_upstreams_from_env():
    conf = render_mod.render({"IDENTITY_PORT": "9101", "BOOKING_UPSTREAM": "booking.internal:9202",
                              "GATEWAY_PORT": "127.0.0.1:9080"})
    assert "server 127.0.0.1:9101;" in conf
    assert "server booking.internal:9202;" in conf
    assert "server 127.0.0.1:8003;" in conf
    assert "listen 127.0.0.1:9080 default_server;" in conf


def test_nginx_variables_are_left_alone():
    conf = render_mod.render({})
    for var in ("$gw_request_id", "$request_id", "$http_x_request_id", "$proxy_add_x_forwarded_for",
                "$binary_remote_addr", "$upstream_response_time", "$gw_service"):
        assert var in conf, var
    assert render_mod.substitute("${OTHER} ${GATEWAY_PORT} $GATEWAY_PORT $host",
                                 {"GATEWAY_PORT": "1"}) == "${OTHER} 1 $GATEWAY_PORT $host"


def test_relative_paths_become_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    values = render_mod.values({"GATEWAY_RUN_DIR": "run/gw", "GATEWAY_STATIC_ROOT": "web"})
    assert values["GATEWAY_RUN_DIR"] == str(tmp_path / "run" / "gw")
    assert values["GATEWAY_STATIC_ROOT"] == str(tmp_path / "web")


@pytest.mark.parametrize("env", [
    {"IDENTITY_UPSTREAM": "identity:8001; return 200"},
    {"BOOKING_UPSTREAM": "booking"},
    {"NOTIFIER_UPSTREAM": "notifier:70000"},
    {"GATEWAY_PORT": "8080 ssl"},
    {"GATEWAY_PORT": "0"},
    {"GATEWAY_RUN_DIR": '/tmp/x";'},
    {"GATEWAY_STATIC_ROOT": "/srv/$host"},
])
def test_bad_values_are_refused(env):
    with pytest.raises(ValueError):
        render_mod.render(env)


def test_cli_writes_config_and_run_dirs(tmp_path):
    out = tmp_path / "gw"
    env = {k: v for k, v in os.environ.items()
           if k not in render_mod.PLACEHOLDERS and not k.endswith("_PORT")}
    env["ALLOCATOR_PORT"] = "9303"
    result = subprocess.run([sys.executable, str(RENDER_PY), "--out", str(out)],
                            env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    conf = out / "nginx.conf"
    assert result.stdout.strip() == str(conf)
    text = conf.read_text()
    assert "server 127.0.0.1:9303;" in text
    assert f'pid "{out}/nginx.pid";' in text  # the run dir defaults to --out
    for name in render_mod.TEMP_DIRS:
        assert (out / name).is_dir(), name
        assert f'"{out}/{name}"' in text


def test_cli_refuses_bad_values(tmp_path):
    env = {**os.environ, "IDENTITY_UPSTREAM": "not a host"}
    result = subprocess.run([sys.executable, str(RENDER_PY), "--out", str(tmp_path / "gw")],
                            env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "IDENTITY_UPSTREAM" in result.stderr
    assert not (tmp_path / "gw" / "nginx.conf").exists()
