"""Nothing secret in any log: a system of its own (every service and nginx as processes,
each writing to a file, under a machine zone that is not UTC) goes through every journey of
test_journeys.py plus the error paths that log the most, is stopped, and then every line
that every process wrote (services, gateway access and error lines, migrations, the
operator command) is searched for what the journeys sent and received: full phone numbers,
6-digit verification codes, access and refresh tokens, card nonces and signatures,
passwords, the signing key, the server's secrets and the services' internal token. Zero hits. Every JSON line also
follows the one schema (timestamp in UTC, level, service, event).

It drives the journeys itself, so it does not depend on test order."""
from __future__ import annotations

import base64
import importlib.util
import json
import re
import uuid
from collections import defaultdict
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from cryptography.hazmat.primitives import serialization

from testsupport.generators import new_phone
from testsupport.journeys import Gateway
from testsupport.system_fixtures import isolated_system

JOURNEYS_FILE = Path(__file__).with_name("test_journeys.py")
UTC_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)$")
SCHEMA = ("timestamp", "level", "service", "event")
# Shapes that are secret whoever they belong to.
ANY_PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])")
ANY_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.")
ANY_PRIVATE_KEY = re.compile(r"PRIVATE KEY")
# Lines that are not log lines: nginx's own error lines (stderr) and the operator command's
# answer on the terminal ("created user ..."). Every other line must be a JSON log line.
PLAIN_TEXT_ALLOWED = ("gateway.log", "create-user.log")


def _journeys() -> list:
    """The journey functions of test_journeys.py (loaded by path: tests are not a package)."""
    spec = importlib.util.spec_from_file_location("journeys_for_the_log_scan", JOURNEYS_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found = [fn for name, fn in vars(module).items() if name.startswith("test_") and callable(fn)]
    assert len(found) >= 5, "the journeys moved: point the log scan at them"
    return found


class RecordingGateway(Gateway):
    """The gateway client that remembers every secret it sent or was sent, by kind."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.secrets: dict[str, set[str]] = defaultdict(set)

    async def call(self, method, path, *, agent=None, json=None, headers=None, expect=None):
        self.record(json)
        status, body = await super().call(method, path, agent=agent, json=json, headers=headers, expect=expect)
        self.record(body)
        return status, body

    def record(self, value, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                self.record(v, str(k).lower())
        elif isinstance(value, list):
            for v in value:
                self.record(v, key)
        elif isinstance(value, str) and value:
            if "password" in key:
                self.secrets["password"].add(value)
            elif key.endswith("token") or key in ("nonce", "signature"):
                self.secrets[key].add(value)
            elif "phone" in key and re.fullmatch(r"1\d{10}", value):
                self.secrets["phone"].add(value)
            elif "code" in key and re.fullmatch(r"\d{6}", value):
                self.secrets["code"].add(value)


async def _error_paths(gw: RecordingGateway) -> None:
    """What a careless log would leak on: failed sign-ins, wrong and refused codes, a body
    pydantic refuses, a taken phone, a bad refresh token, the desk's search by phone."""
    agent = await gw.register()
    staff = await gw.operator("staff")
    status, _ = await gw.call("POST", "/api/v1/sessions", json={"username": agent.username,
                                                              "password": "Wrong-pass-9!x"})
    assert status == 401
    phone = new_phone()
    code = await gw.code_for(phone)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    body = {"phone": phone, "sms_code": wrong, "username": f"a{uuid.uuid4().hex[:10]}",
            "password": "Another!pass-77", "name": "王五"}
    status, _ = await gw.call("POST", "/api/v1/users", json=body)
    assert status == 422
    status, _ = await gw.call("POST", "/api/v1/users", json={**body, "sms_code": code, "password": "x" * 300})
    assert 400 <= status < 500
    status, _ = await gw.call("POST", "/api/v1/users", json={**body, "phone": agent.phone, "sms_code": code,
                                                              "password": "Taken-phone!42"})
    assert 400 <= status < 500
    status, _ = await gw.call("POST", "/api/v1/sms-codes", json={"phone": phone, "purpose": "no-such-purpose"})
    assert status == 422
    status, _ = await gw.call("POST", "/api/v1/sessions/refresh",
                              json={"refresh_token": "Qx7_" + agent.tokens["refresh_token"][4:]})
    assert status == 401
    status, _ = await gw.call("GET", f"/api/v1/notifications?phone={agent.phone}", agent=staff)
    assert status == 200


def _key_material(pem: str) -> set[str]:
    """A private key as it could be written: its PEM body lines and its raw bytes."""
    lines = {ln for ln in pem.splitlines() if ln and not ln.startswith("-----")}
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    try:
        raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
        lines |= {raw.hex(), base64.urlsafe_b64encode(raw).rstrip(b"=").decode(), base64.b64encode(raw).decode()}
    except ValueError:   # not an Ed25519/X25519 key: the PEM lines say it all
        pass
    return lines


def _hits(text: str, secrets: dict[str, set[str]]) -> list[tuple[str, str]]:
    found = [(kind, m.group(0)) for kind, pattern in (("phone", ANY_PHONE), ("jwt", ANY_JWT),
                                                      ("private key", ANY_PRIVATE_KEY))
             for m in pattern.finditer(text)]
    for kind, values in secrets.items():
        for value in values:
            if kind == "code":   # six digits: only standing alone, not inside ids or decimals
                if re.search(rf"(?<![0-9A-Za-z.]){value}(?![0-9A-Za-z])", text):
                    found.append((kind, value))
            elif value in text:
                found.append((kind, value))
    return found


@pytest.fixture
async def logs_of_a_whole_day(infra_urls, tmp_path, sms_provider, mint):
    """Runs every journey and the error paths on a system of its own; returns the log files
    (after every process has stopped) and the secrets seen on the way."""
    async with isolated_system(infra_urls, tmp_path, sms_provider, mint, TZ="Asia/Shanghai") as system:
        # The error paths come from another loopback address: the gateway's per-address
        # limits on SMS codes and sign-ins are for the journeys alone, as in test_journeys.
        other_address = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))
        async with aiohttp.ClientSession() as http, aiohttp.ClientSession(connector=other_address) as http2:
            gw = RecordingGateway(system, http, sms_provider.state)
            errors = RecordingGateway(system, http2, sms_provider.state)
            errors.secrets = gw.secrets
            try:
                for journey in _journeys():
                    await journey(gw)
                await _error_paths(errors)
            finally:
                await gw.set_clock(None)
            gw.people += errors.people
        internal_token = system.env_used["INTERNAL_API_TOKEN"]   # booking's internal route (the cutoffs)
        conn = await asyncpg.connect(system.database_url)
        try:
            server_secrets = [r["value"] for r in await conn.fetch("SELECT value FROM identity.server_secrets")]
        finally:
            await conn.close()
    secrets = gw.secrets
    for agent in gw.people:
        secrets["phone"].add(agent.phone)
        secrets["password"].add(agent.password)
    for m in sms_provider.state.messages:
        if m.phone in secrets["phone"]:
            secrets["code"].update(re.findall(r"(?<!\d)\d{6}(?!\d)", m.text))
    secrets["signing key"] = _key_material(Path(mint.key_file).read_text())
    secrets["server secret"] = set(server_secrets)
    secrets["internal token"] = {internal_token}
    return sorted(tmp_path.rglob("*.log")), secrets


async def test_no_process_writes_a_secret_and_every_line_has_the_schema(logs_of_a_whole_day):
    files, secrets = logs_of_a_whole_day
    # The scan means something only if the day produced what it looks for.
    for kind in ("phone", "code", "password", "access_token", "refresh_token", "nonce", "signature",
                 "signing key", "server secret", "internal token"):
        assert secrets[kind], f"the journeys produced no {kind}: the scan would be empty"
    names = {f.name for f in files}
    for process in ("identity.log", "booking.log", "allocator.log", "notifier.log", "gateway.log",
                    "identity-migrate.log", "create-user.log"):
        assert process in names, f"no {process}: {sorted(names)}"
    gateway_lines = 0
    hits, off_schema = [], []
    for path in files:
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            hits += sorted({(f"{path.name}:{n}", kind, value) for kind, value in _hits(line, secrets)})
            if not line.startswith("{") and path.name in PLAIN_TEXT_ALLOWED:
                continue   # checked for secrets above
            try:
                record = json.loads(line)
            except ValueError:   # a raw traceback or print: it bypassed the redaction
                record = {}
            if any(k not in record for k in SCHEMA) or not UTC_TIMESTAMP.match(str(record["timestamp"])):
                off_schema.append(f"{path.name}:{n}: {line[:200]}")
            gateway_lines += record.get("service") == "gateway"
    assert gateway_lines > 50, "the gateway's access lines are missing"
    kinds = sorted({kind for _, kind, _ in hits})
    assert not hits, f"{len(hits)} secrets ({', '.join(kinds)}) in the logs, e.g. {hits[:10]}"
    assert not off_schema, f"{len(off_schema)} lines off the schema, e.g. {off_schema[:5]}"
