"""Writes the Procfile for the local run: one line a process, several notifiers when
NOTIFIER_PROCESSES asks for them (each on its own port: 8004, 8104, 8204...), and the
project's fake SMS provider when scripts/run points the notifier at it (SMS_FAKE_PORT)."""
from __future__ import annotations

import os
import shlex
import sys


def broker_env(env: dict[str, str], service: str) -> str:
    """``AMQP_URL=<the service's own user> `` when scripts/run created the users."""
    if not env.get("LOCAL_BROKER_USERS"):
        return ""
    from shared.broker_access import dev_password, service_url
    base = env.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    return f"AMQP_URL={shlex.quote(service_url(base, service, dev_password(service)))} "


def procfile(env: dict[str, str]) -> str:
    notifiers = max(1, int(env.get("NOTIFIER_PROCESSES", "1")))
    base = int(env.get("NOTIFIER_PORT", "8004"))
    lines = [f"{name}: " + (f"env {broker_env(env, name)}" if broker_env(env, name) else "") + f"python -m {name}"
             for name in ("identity", "booking", "allocator")]
    for i in range(notifiers):
        lines.append(f"notifier{i + 1}: env {broker_env(env, 'notifier')}NOTIFIER_PORT={base + 100 * i} python -m notifier")
    run_dir = os.path.abspath(env.get("GATEWAY_RUN_DIR", "run/gateway"))
    nginx = env.get("NGINX_BIN", "nginx")
    # TZ=UTC: nginx writes its log timestamps in the process's zone (docs/operations.md "Logs")
    lines.append(f"gateway: env TZ=UTC {nginx} -p {run_dir} -c {run_dir}/nginx.conf -g 'daemon off;'")
    if env.get("SMS_FAKE_PORT"):   # set by scripts/run unless SMS_PROVIDER=log or a real SMS_HTTP_URL
        # The fake lives in the test-support package, which `scripts/setup run` does not
        # install (it ships nowhere): run from the source tree (honcho's root is the repo's).
        lines.append(f"sms: env PYTHONPATH=libs/testsupport python -m testsupport.notifier.fake_provider"
                     f" --port {int(env['SMS_FAKE_PORT'])}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(procfile(dict(os.environ)))
