"""The counters SREs watch for attacks (docs/operations.md "Metrics"): login failures by
method, lockouts started, attempts refused while locked, SMS code requests refused by the
rate limits. Each test has its own app, hence its own registry: the values are exact."""
from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


async def samples(api) -> dict[tuple[str, tuple], float]:
    text = await (await api.client.get("/metrics")).text()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(got: dict, name: str, **labels: str) -> float:
    return got.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_failures_then_one_lockout_then_locked_refusals(api):
    acc = await api.account(logged_in=False)
    for _ in range(4):
        assert (await api.login(acc.username, "wrong-password-1")).status == 401
    got = await samples(api)
    assert value(got, "identity_login_failures_total", method="password") == 4
    assert value(got, "identity_login_lockouts_total", method="password") == 0

    assert (await api.login(acc.username, "wrong-password-1")).status == 401   # the fifth starts the lock
    for _ in range(2):
        assert (await api.login(acc.username, acc.password)).status == 429
    got = await samples(api)
    assert value(got, "identity_login_failures_total", method="password") == 5
    assert value(got, "identity_login_lockouts_total", method="password") == 1
    assert value(got, "identity_login_locked_refusals_total", method="password") == 2


async def test_a_wrong_sms_code_counts_as_a_failure(api):
    acc = await api.account(logged_in=False)
    r = await api.client.post("/api/v1/sessions", json={"phone": acc.phone, "sms_code": "000000"})
    assert r.status == 401
    assert value(await samples(api), "identity_login_failures_total", method="sms_code") == 1


async def test_refused_sms_code_requests_are_counted_by_limit(api):
    phone = api.new_phone()
    assert (await api.request_code(phone)).status == 202
    assert (await api.request_code(phone)).status == 429      # one a minute per phone
    got = await samples(api)
    assert value(got, "identity_sms_codes_refused_total", limited_by="phone") == 1
    # The labels are the limit's name, never the phone.
    assert not any(phone in str(labels) for _, labels in got)
