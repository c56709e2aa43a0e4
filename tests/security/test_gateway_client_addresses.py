"""Client addresses from the edge to identity (issue 16), on the whole system: the gateway
believes X-Forwarded-For only from its trusted proxy (here 127.0.0.1, standing in for the
Ingress controller) and hands identity the client's address (X-Real-IP), which identity
believes because it comes from the gateway. So identity's per-address SMS budget counts each
client behind the proxy apart, and a client reaching the gateway directly is counted as the
address it connects from, whatever it writes.

The gateway's own SMS zone is opened wide here so that identity's budget
(IDENTITY_SMS_IP_PER_HOUR, lowered to 3) is the one that answers: its 429 carries identity's
code, sms.rate_limited, not the gateway's rate_limited.
"""
from __future__ import annotations

from contextlib import asynccontextmanager

import aiohttp
import pytest

from testsupport.generators import new_phone
from testsupport.system_fixtures import isolated_system

PER_ADDRESS = 3


@pytest.fixture(scope="module")
async def system(infra_urls, tmp_path_factory, sms_provider, mint):
    async with isolated_system(infra_urls, tmp_path_factory.mktemp("system"), sms_provider, mint,
                               GATEWAY_TRUSTED_PROXIES="127.0.0.1/32",
                               GATEWAY_SMS_RATE="600r/m", GATEWAY_SMS_BURST="100",
                               IDENTITY_SMS_IP_PER_HOUR=str(PER_ADDRESS)) as s:
        yield s


@asynccontextmanager
async def client_from(source: str):
    connector = aiohttp.TCPConnector(local_addr=(source, 0))
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=20)) as s:
        yield s


async def ask_code(http: aiohttp.ClientSession, system, forwarded_for: str) -> tuple[int, dict | None]:
    async with http.post(f"{system.gateway_url}/api/v1/sms-codes",
                         json={"phone": new_phone(), "purpose": "register"},
                         headers={"X-Forwarded-For": forwarded_for}) as resp:
        body = await resp.json(content_type=None) if resp.status != 202 else None
        return resp.status, body


async def test_identity_counts_each_client_behind_the_trusted_proxy_apart(system):
    a, b = "203.0.113.21", "203.0.113.22"
    async with client_from("127.0.0.1") as proxy:
        for _ in range(PER_ADDRESS):
            assert (await ask_code(proxy, system, a))[0] == 202
        status, body = await ask_code(proxy, system, a)
        assert status == 429 and body["code"] == "sms.rate_limited", body
        # A forged entry left of the proxy's does not make A someone else.
        status, body = await ask_code(proxy, system, f"198.51.100.7, {a}")
        assert status == 429 and body["code"] == "sms.rate_limited", body
        # B, behind the same proxy, has its own budget at identity.
        assert (await ask_code(proxy, system, b))[0] == 202


async def test_identity_counts_a_direct_client_by_its_own_address(system):
    async with client_from("127.0.0.2") as stranger:
        for i in range(PER_ADDRESS):
            assert (await ask_code(stranger, system, f"203.0.113.{100 + i}"))[0] == 202
        # A new made-up address again: still the same client (127.0.0.2), refused by identity.
        status, body = await ask_code(stranger, system, "203.0.113.200")
        assert status == 429 and body["code"] == "sms.rate_limited", body
