"""Writes the Procfile for the local run: one line a process, several notifiers when
NOTIFIER_PROCESSES asks for them (each on its own port: 8004, 8104, 8204...)."""
from __future__ import annotations

import os
import sys


def procfile(env: dict[str, str]) -> str:
    notifiers = max(1, int(env.get("NOTIFIER_PROCESSES", "1")))
    base = int(env.get("NOTIFIER_PORT", "8004"))
    lines = [
        "identity: python -m identity",
        "booking: python -m booking",
        "allocator: python -m allocator",
    ]
    for i in range(notifiers):
        lines.append(f"notifier{i + 1}: env NOTIFIER_PORT={base + 100 * i} python -m notifier")
    run_dir = os.path.abspath(env.get("GATEWAY_RUN_DIR", "run/gateway"))
    nginx = env.get("NGINX_BIN", "nginx")
    # TZ=UTC: nginx writes its log timestamps in the process's zone (docs/operations.md "Logs")
    lines.append(f"gateway: env TZ=UTC {nginx} -p {run_dir} -c {run_dir}/nginx.conf -g 'daemon off;'")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(procfile(dict(os.environ)))
