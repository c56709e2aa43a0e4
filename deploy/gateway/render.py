"""Render deploy/gateway/nginx.conf.template for a local (unprivileged) nginx.

The same template serves the gateway image, where the official nginx image's envsubst
renders it (deploy/gateway/Dockerfile); this script does the same substitution without envsubst and
fills in local defaults. Only the placeholders below are substituted; every other
``$name`` in the template is nginx's own and stays as it is.

    python deploy/gateway/render.py --out run/gateway
    nginx -p "$PWD/run/gateway" -c "$PWD/run/gateway/nginx.conf" -g 'daemon off;'

or in one step (renders, then replaces itself with nginx in the foreground):

    python deploy/gateway/render.py --out run/gateway --exec

nginx reads a relative -c against its -p prefix, so give both as absolute paths
(`nginx -p run/gateway -c run/gateway/nginx.conf` looks for run/gateway/run/gateway/...).

Environment (all optional):
    GATEWAY_PORT         listen port or address:port          default 8080
    IDENTITY_UPSTREAM    host:port of identity                default 127.0.0.1:$IDENTITY_PORT (8001)
    BOOKING_UPSTREAM     ... booking                          default 127.0.0.1:$BOOKING_PORT (8002)
    ALLOCATOR_UPSTREAM   ... allocator                        default 127.0.0.1:$ALLOCATOR_PORT (8003)
    NOTIFIER_UPSTREAM    ... notifier                         default 127.0.0.1:$NOTIFIER_PORT (8004)
    GATEWAY_RUN_DIR      pid file and temp dirs               default --out, else <repo>/run/gateway
    GATEWAY_STATIC_ROOT  folder served at /                   default <repo>/deploy/gateway/static
    NGINX_BIN            nginx binary for --check/--exec      default nginx on PATH, else /usr/sbin/nginx
  security (issue 16; the image derives the same in 15-gateway-security.envsh):
    GATEWAY_TRUSTED_PROXIES   networks whose X-Forwarded-For is believed, comma- or
                              space-separated ("10.0.0.0/8, fd00::/8")            default none
    GATEWAY_SMS_RATE / _BURST     POST /api/v1/sms-codes per address          10r/m / 5
    GATEWAY_LOGIN_RATE / _BURST   POST sessions, sessions/card, password-resets 30r/m / 10
    GATEWAY_API_RATE / _BURST     every /api/ request                          20r/s / 100
    GATEWAY_CONN_PER_ADDRESS      requests in progress at once per address     20
    GATEWAY_STREAMS_PER_ADDRESS   live streams (SSE) open at once per address  100
"""
from __future__ import annotations

import argparse
import ipaddress
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
TEMPLATE = HERE / "nginx.conf.template"
DEFAULT_RUN_DIR = REPO_ROOT / "run" / "gateway"
DEFAULT_STATIC_ROOT = HERE / "static"

# service -> default port (the settings classes' defaults)
SERVICES: dict[str, int] = {"identity": 8001, "booking": 8002, "allocator": 8003, "notifier": 8004}
# Limits: today's defaults (sms and login as before issue 16; the general API zone and
# limit_conn are new). Keep in step with deploy/gateway/Dockerfile's ENV.
LIMIT_DEFAULTS: dict[str, str] = {
    "GATEWAY_SMS_RATE": "10r/m", "GATEWAY_SMS_BURST": "5",
    "GATEWAY_LOGIN_RATE": "30r/m", "GATEWAY_LOGIN_BURST": "10",
    "GATEWAY_API_RATE": "20r/s", "GATEWAY_API_BURST": "100",
    "GATEWAY_CONN_PER_ADDRESS": "20",
    # A center's guest Wi-Fi puts every waiting agent (and the hall's displays) behind one address.
    "GATEWAY_STREAMS_PER_ADDRESS": "100",
}
# Written by this script (and by 15-gateway-security.envsh in the image) from the inputs.
DERIVED: tuple[str, ...] = (
    "GATEWAY_REAL_IP_FROM", "GATEWAY_TRUSTED_PROXY_GEO",
    "GATEWAY_SMS_RETRY_AFTER", "GATEWAY_LOGIN_RETRY_AFTER", "GATEWAY_API_RETRY_AFTER",
)
PLACEHOLDERS: tuple[str, ...] = (
    "GATEWAY_PORT",
    *(f"{name.upper()}_UPSTREAM" for name in SERVICES),
    "GATEWAY_RUN_DIR",
    "GATEWAY_STATIC_ROOT",
    *LIMIT_DEFAULTS,
    *DERIVED,
)
# Folders nginx writes to below the run dir (the template's *_temp_path directives).
TEMP_DIRS: tuple[str, ...] = ("client_body_temp", "proxy_temp", "fastcgi_temp", "uwsgi_temp", "scgi_temp")

_PORT = r"(?P<port>\d{1,5})"
_LISTEN_RE = re.compile(rf"^(?:(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):)?{_PORT}$")
_UPSTREAM_RE = re.compile(rf"^(?:[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\]):{_PORT}$")
_BAD_PATH_CHARS = set('"\'$\\{};\n\r')
_PLACEHOLDER_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _check_port(value: str, name: str, pattern: re.Pattern[str], shape: str) -> str:
    m = pattern.match(value)
    if not m or not 1 <= int(m["port"]) <= 65535:
        raise ValueError(f"{name}={value!r} is not {shape}")
    return value


_RATE_RE = re.compile(r"^(?P<n>[1-9][0-9]{0,5})r/(?P<unit>[sm])$")
_COUNT_RE = re.compile(r"^[0-9]{1,6}$")


def _check_rate(value: str, name: str) -> str:
    if not _RATE_RE.match(value):
        raise ValueError(f"{name}={value!r} is not a rate like 10r/m or 20r/s")
    return value


def _check_count(value: str, name: str, minimum: int) -> str:
    if not _COUNT_RE.match(value) or int(value) < minimum:
        raise ValueError(f"{name}={value!r} is not a whole number >= {minimum}")
    return value


def retry_after(rate: str) -> int:
    """Whole seconds until a limiter at ``rate`` lets one more request through (1 / rate)."""
    m = _RATE_RE.match(rate)
    seconds = 60 if m["unit"] == "m" else 1
    return -(-seconds // int(m["n"]))  # ceil(seconds / n), at least 1


def trusted_proxies(text: str) -> list[str]:
    """GATEWAY_TRUSTED_PROXIES as networks (an address is its /32 or /128)."""
    nets = []
    for item in re.split(r"[\s,]+", text.strip()):
        if not item:
            continue
        try:
            nets.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ValueError(f"GATEWAY_TRUSTED_PROXIES: {item!r} is not an address or CIDR network") from None
    return nets


def _check_path(value: str, name: str) -> str:
    if not value or _BAD_PATH_CHARS & set(value):
        raise ValueError(f"{name}={value!r} is not a usable path (no quotes, $, \\, braces, ; or newlines)")
    return value


def values(env: Mapping[str, str] | None = None, *, run_dir: str | os.PathLike | None = None) -> dict[str, str]:
    """The placeholder values for ``env`` with local defaults filled in.

    ``run_dir`` is the fallback for GATEWAY_RUN_DIR (the CLI passes ``--out``). Relative
    paths are made absolute against the current directory: nginx would otherwise read them
    against its prefix (-p)."""
    env = os.environ if env is None else env
    out: dict[str, str] = {}
    out["GATEWAY_PORT"] = _check_port(str(env.get("GATEWAY_PORT") or "8080").strip(), "GATEWAY_PORT",
                                      _LISTEN_RE, "a port or address:port")
    for name, port in SERVICES.items():
        key = f"{name.upper()}_UPSTREAM"
        value = env.get(key) or f"127.0.0.1:{env.get(f'{name.upper()}_PORT') or port}"
        out[key] = _check_port(str(value).strip(), key, _UPSTREAM_RE, "host:port")
    run = env.get("GATEWAY_RUN_DIR") or run_dir or DEFAULT_RUN_DIR
    out["GATEWAY_RUN_DIR"] = _check_path(os.path.abspath(run), "GATEWAY_RUN_DIR")
    static = env.get("GATEWAY_STATIC_ROOT") or DEFAULT_STATIC_ROOT
    out["GATEWAY_STATIC_ROOT"] = _check_path(os.path.abspath(static), "GATEWAY_STATIC_ROOT")
    for key, default in LIMIT_DEFAULTS.items():
        value = str(env.get(key) or default).strip()
        if key.endswith("_RATE"):
            out[key] = _check_rate(value, key)
        else:
            out[key] = _check_count(value, key, 1)  # nginx refuses burst=0
    out.update(derived(out, env.get("GATEWAY_TRUSTED_PROXIES") or ""))
    return out


def derived(limits: Mapping[str, str], proxies: str) -> dict[str, str]:
    """The placeholders computed from the inputs (the .envsh does the same in the image)."""
    nets = trusted_proxies(proxies)
    api = retry_after(limits["GATEWAY_API_RATE"])
    return {
        "GATEWAY_REAL_IP_FROM": " ".join(f"set_real_ip_from {net};" for net in nets),
        "GATEWAY_TRUSTED_PROXY_GEO": " ".join(f"{net} 1;" for net in nets),
        # A path under two zones waits for the slower one.
        "GATEWAY_SMS_RETRY_AFTER": str(max(api, retry_after(limits["GATEWAY_SMS_RATE"]))),
        "GATEWAY_LOGIN_RETRY_AFTER": str(max(api, retry_after(limits["GATEWAY_LOGIN_RATE"]))),
        "GATEWAY_API_RETRY_AFTER": str(api),
    }


def substitute(template: str, mapping: Mapping[str, str]) -> str:
    """Replace ``${NAME}`` for the placeholders only; anything else is left alone."""
    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        return mapping[name] if name in PLACEHOLDERS else m.group(0)

    return _PLACEHOLDER_RE.sub(repl, template)


def render(env: Mapping[str, str] | None = None, *, template: str | None = None,
           run_dir: str | os.PathLike | None = None) -> str:
    """The nginx.conf text for ``env`` (default: os.environ)."""
    text = TEMPLATE.read_text(encoding="utf-8") if template is None else template
    return substitute(text, values(env, run_dir=run_dir))


def prepare_run_dir(run_dir: str | os.PathLike) -> Path:
    """Create the run dir and the temp dirs nginx writes to."""
    path = Path(run_dir)
    path.mkdir(parents=True, exist_ok=True)
    for name in TEMP_DIRS:
        (path / name).mkdir(exist_ok=True)
    return path


def write(out_dir: str | os.PathLike, env: Mapping[str, str] | None = None) -> Path:
    """Render into ``out_dir/nginx.conf`` (GATEWAY_RUN_DIR defaults to ``out_dir``) and
    prepare the run dir. Returns the config path."""
    env = os.environ if env is None else env
    out = Path(out_dir).resolve()
    vals = values(env, run_dir=out)
    out.mkdir(parents=True, exist_ok=True)
    prepare_run_dir(vals["GATEWAY_RUN_DIR"])
    conf = out / "nginx.conf"
    tmp = conf.with_suffix(".conf.tmp")
    tmp.write_text(substitute(TEMPLATE.read_text(encoding="utf-8"), vals), encoding="utf-8")
    tmp.replace(conf)
    return conf


def nginx_binary(env: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if env is None else env
    if env.get("NGINX_BIN"):
        return env["NGINX_BIN"]
    found = shutil.which("nginx")
    if found:
        return found
    for candidate in ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def nginx_command(conf: Path, *, test: bool = False, nginx: str | None = None) -> list[str]:
    """``nginx -p DIR -c DIR/nginx.conf -g 'daemon off;'`` (or ``-t`` to check)."""
    binary = nginx or nginx_binary() or "nginx"
    prefix = str(conf.parent)
    if test:
        return [binary, "-t", "-q", "-p", prefix, "-c", str(conf)]
    return [binary, "-p", prefix, "-c", str(conf), "-g", "daemon off;"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=None,
                        help="folder for nginx.conf (default: GATEWAY_RUN_DIR or <repo>/run/gateway)")
    parser.add_argument("--check", action="store_true", help="run `nginx -t` on the result")
    parser.add_argument("--exec", dest="exec_", action="store_true",
                        help="then replace this process with nginx in the foreground")
    args = parser.parse_args(argv)

    out = args.out or os.environ.get("GATEWAY_RUN_DIR") or DEFAULT_RUN_DIR
    try:
        conf = write(out)
    except ValueError as exc:
        print(f"render.py: {exc}", file=sys.stderr)
        return 2
    print(conf, file=sys.stderr if args.exec_ else sys.stdout)

    if args.check or args.exec_:
        if nginx_binary() is None:
            print("render.py: no nginx binary (set NGINX_BIN)", file=sys.stderr)
            return 2
    if args.check:
        rc = subprocess.run(nginx_command(conf, test=True)).returncode
        if rc:
            return rc
    if args.exec_:
        cmd = nginx_command(conf)
        sys.stdout.flush()
        sys.stderr.flush()
        # nginx writes $time_iso8601 in its own process's zone: logs are UTC everywhere.
        os.execve(cmd[0], cmd, {**os.environ, "TZ": "UTC"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
