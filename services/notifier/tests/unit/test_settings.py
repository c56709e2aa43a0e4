"""Settings come from NOTIFIER_* (and the shared unprefixed names) and refuse nonsense."""
from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from notifier.settings import NotifierSettings


def test_reads_its_prefixed_and_the_shared_variables(monkeypatch):
    monkeypatch.setenv("NOTIFIER_MAX_IN_FLIGHT", "32")
    monkeypatch.setenv("NOTIFIER_PROVIDER_RATE_PER_SECOND", "12.5")
    monkeypatch.setenv("NOTIFIER_RETRY_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("SMS_PROVIDER", "http")
    monkeypatch.setenv("SMS_HTTP_URL", "http://sms.example/send")
    s = NotifierSettings()
    assert (s.max_in_flight, s.provider_rate_per_second, s.retry_max_attempts) == (32, 12.5, 3)
    assert (s.sms_provider, s.sms_http_url) == ("http", "http://sms.example/send")
    assert s.db_schema == "notifier" and s.port == 8004


def test_defaults_log_provider(monkeypatch):
    monkeypatch.delenv("SMS_PROVIDER", raising=False)
    s = NotifierSettings()
    assert s.sms_provider == "log" and s.lease_seconds > s.provider_timeout_seconds


@pytest.mark.parametrize("values", [
    {"sms_provider": "http"},                                      # no URL
    {"lease_seconds": 5, "provider_timeout_seconds": 5},           # a call could outlive its lease
    {"retry_base_seconds": 10, "retry_cap_seconds": 1},
    {"max_in_flight": 0},
])
def test_refuses_settings_that_cannot_work(values):
    with pytest.raises(ValidationError):
        NotifierSettings(**values)


def test_each_process_names_its_connections_and_keeps_to_its_pool_share():
    s = NotifierSettings()
    name = s.db_application_name
    # pg_stat_activity tells the replicas apart; PostgreSQL keeps 63 bytes of it.
    assert name.startswith("notifier ") and name.endswith(f" {os.getpid()}") and len(name) <= 63
    assert s.db_pool_max == 6 and s.claim_horizon_seconds < s.lease_seconds
