"""Which address the per-IP SMS limit counts: gateway headers only from a trusted peer."""
from __future__ import annotations

from unittest import mock

import pytest
from aiohttp.test_utils import make_mocked_request

from identity.api.client_ip import ClientIpResolver


def request(peer: str, **headers: str):
    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (peer, 40000) if name == "peername" else default
    return make_mocked_request("POST", "/api/v1/sms-codes", headers=headers, transport=transport)


@pytest.mark.parametrize("peer", ["127.0.0.1", "::1", "10.1.2.3"])
def test_headers_from_the_gateway_name_the_client(peer):
    resolve = ClientIpResolver(["10.0.0.0/8"])
    assert resolve(request(peer, **{"X-Real-IP": "203.0.113.7"})) == "203.0.113.7"
    assert resolve(request(peer, **{"X-Forwarded-For": "198.51.100.1, 203.0.113.7"})) == "203.0.113.7"
    # Our own proxies on the right are skipped; what the client wrote on the left is not believed.
    assert resolve(request(peer, **{"X-Forwarded-For": "1.1.1.1, 203.0.113.7, 10.9.9.9"})) == "203.0.113.7"


def test_headers_from_anyone_else_are_ignored():
    resolve = ClientIpResolver(["10.0.0.0/8"])
    spoofed = {"X-Real-IP": "203.0.113.7", "X-Forwarded-For": "203.0.113.7"}
    assert resolve(request("192.0.2.50", **spoofed)) == "192.0.2.50"
    assert ClientIpResolver()(request("10.1.2.3", **spoofed)) == "10.1.2.3"  # not configured: not trusted


def test_garbage_headers_fall_back_to_the_peer():
    resolve = ClientIpResolver()
    assert resolve(request("127.0.0.1", **{"X-Real-IP": "not-an-ip"})) == "127.0.0.1"
    assert resolve(request("127.0.0.1", **{"X-Forwarded-For": "nonsense"})) == "127.0.0.1"


def test_a_bad_trusted_proxy_setting_fails_at_start():
    with pytest.raises(ValueError):
        ClientIpResolver(["not-a-network"])
