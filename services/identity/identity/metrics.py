"""Identity's own Prometheus metrics, on the service's registry (docs/operations.md "Metrics").
Labels are small fixed sets (method, limited_by): never a username, phone or address."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter


class IdentityMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.login_failures = Counter(
            "identity_login_failures_total", "Logins refused for a wrong secret, by method (password, sms_code, card)",
            ["method"], registry=registry)
        self.lockouts = Counter(
            "identity_login_lockouts_total", "Login identifiers locked after repeated failures, by method",
            ["method"], registry=registry)
        self.locked_refusals = Counter(
            "identity_login_locked_refusals_total", "Login attempts refused because the identifier was locked",
            ["method"], registry=registry)
        self.sms_codes_refused = Counter(
            "identity_sms_codes_refused_total", "SMS code requests refused by the rate limits, by limit (phone, ip)",
            ["limited_by"], registry=registry)
        # Every known label value from the start, at 0: rate() and the dashboard see a series
        # before the first failure, not a gap.
        for method in ("password", "sms_code", "card"):
            self.login_failures.labels(method)
        for method in ("password", "sms_code", "card_proof"):
            self.lockouts.labels(method)
            self.locked_refusals.labels(method)
        for limit in ("phone", "ip"):
            self.sms_codes_refused.labels(limit)
