"""Passwords, codes, tokens, nonces and signatures never reach a log line or an error body."""
from __future__ import annotations

import base64
import io
import json
import logging
import sys
from datetime import timedelta

import pytest
import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.logging import configure_logging


@pytest.fixture
def json_logs(monkeypatch):
    """The service's real log pipeline (JSON lines, INFO) for one test, written to a buffer
    of ours (never closed, so a logger that kept it cannot fail later), then back."""
    buffer = io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    monkeypatch.setattr(sys, "stdout", buffer)
    configure_logging("identity", "INFO")
    yield buffer
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(level)


async def test_a_whole_journey_logs_no_secret(api, json_logs):
    secrets: list[str] = []
    password = "Journey-Secret-Pass-1"
    acc = await api.account(password=password)
    secrets += [password, acc.tokens["access_token"], acc.tokens["refresh_token"]]
    secrets += [e["data"]["code"] for e in await api.sent_events(acc.phone)]

    r = await api.login(acc.username, "Wrong-Guess-Pass-1")
    assert r.status == 401 and "Wrong-Guess-Pass-1" not in await r.text()
    secrets.append("Wrong-Guess-Pass-1")
    pair = await (await api.refresh(acc.tokens["refresh_token"])).json()
    secrets += [pair["access_token"], pair["refresh_token"]]
    assert (await api.refresh(acc.tokens["refresh_token"])).status == 401  # reuse: logged as a warning

    key = Ed25519PrivateKey.generate()
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    r = await api.client.post("/api/v1/me/cards", json={"card_no": "JOURNEY" + acc.id[:8].upper(),
                                                         "public_key": pem, "password": password},
                              headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert r.status == 201, await r.text()
    c = await (await api.client.get("/api/v1/card-challenges",
                                    params={"card_no": "JOURNEY" + acc.id[:8].upper()})).json()
    signature = base64.b64encode(key.sign(c["nonce"].encode())).decode()
    r = await api.client.post("/api/v1/sessions/card", json={"card_no": "JOURNEY" + acc.id[:8].upper(),
                                                             "challenge_id": c["challenge_id"],
                                                             "signature": signature})
    assert r.status == 200
    secrets += [c["nonce"], signature, (await r.json())["refresh_token"]]

    await api.move_clock(timedelta(minutes=1, seconds=1))
    code = await api.new_code(acc.phone, "reset_password")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    r = await api.client.post("/api/v1/password-resets", json={"phone": acc.phone, "sms_code": wrong,
                                                               "new_password": "Reset-Secret-Pass-2"})
    assert r.status == 422 and wrong not in await r.text() and "Reset-Secret-Pass-2" not in await r.text()
    secrets += [code, wrong, "Reset-Secret-Pass-2"]

    lines = [json.loads(line) for line in json_logs.getvalue().splitlines() if line.startswith("{")]
    events = {line["event"] for line in lines}
    assert {"user_registered", "sms_code_requested", "logged_in", "refresh_token_reused",
            "password_reset_refused"} <= events  # it did log the journey
    # Timestamps and request ids are random digits: a 6-digit code could match them by chance.
    logs = json.dumps([{k: v for k, v in line.items() if k not in ("timestamp", "request_id", "correlation_id")}
                       for line in lines], ensure_ascii=False)
    for secret in secrets:
        assert secret not in logs
    assert acc.phone not in logs  # phones are masked
