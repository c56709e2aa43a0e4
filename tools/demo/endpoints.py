"""Where the running system answers, from the same variables scripts/run reads: the gateway,
each service's own port (for ``PUT /_test/clock``, never exposed by the gateway) and the
fake SMS provider's inbox."""
from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

SERVICE_PORTS = {"identity": 8001, "booking": 8002, "allocator": 8003, "notifier": 8004}


@dataclass(frozen=True)
class Endpoints:
    gateway: str
    sms_inbox: str
    services: dict[str, str]

    @property
    def gateway_is_local(self) -> bool:
        """An IPv4 loopback gateway: requests can then come from 127.0.0.x addresses."""
        return (urlsplit(self.gateway).hostname or "").startswith("127.")


def from_environment(env: dict[str, str] | None = None) -> Endpoints:
    env = dict(os.environ if env is None else env)
    gateway = env.get("GATEWAY_URL") or f"http://127.0.0.1:{env.get('GATEWAY_PORT', '8080')}"
    sms = env.get("SMS_FAKE_URL") or f"http://127.0.0.1:{env.get('SMS_FAKE_PORT', '9010')}"
    host = "127.0.0.1"    # the local run's services listen on loopback
    services = {name: f"http://{host}:{env.get(f'{name.upper()}_PORT', port)}"
                for name, port in SERVICE_PORTS.items() if name != "notifier"}
    # Every notifier process of the local run has a clock: 8004, 8104, 8204... (scripts/procfile.py)
    base = int(env.get("NOTIFIER_PORT", SERVICE_PORTS["notifier"]))
    for i in range(max(1, int(env.get("NOTIFIER_PROCESSES", "1")))):
        services[f"notifier{i + 1}"] = f"http://{host}:{base + 100 * i}"
    return Endpoints(gateway.rstrip("/"), sms.rstrip("/"), services)
