"""The requests queue is one of the shared runtime's queues (started with them, awaited by
/readyz), read by the shared envelope parser with the ordinary prefetch, and retried for
long enough to ride out booking being unreachable."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.app import RUNTIME_KEY
from shared.contracts.booking import ALLOCATION_REQUESTED
from shared.settings import ServiceSettings

from allocator.app import create_app
from allocator.consumers.requests import QUEUE
from allocator.settings import AllocatorSettings


def test_the_requests_queue_is_declared_on_the_shared_runtime():
    settings = AllocatorSettings()
    runtime = create_app(settings)[RUNTIME_KEY]
    [spec] = runtime.queue_specs
    assert (spec.name, spec.bindings) == (QUEUE, (ALLOCATION_REQUESTED,))
    assert spec.prefetch == ServiceSettings().consumer_prefetch == 32   # no special case any more
    # 1 s, 5 s, 30 s, then a minute: ~25 minutes of booking unreachable before .dead.
    assert (spec.max_attempts, spec.retry_delays_ms) == (30, (1000, 5000, 30000, 60000))
    assert sum(spec._delay(n) for n in range(1, spec.max_attempts)) > 25 * 60 * 1000
    assert not runtime.consumers_ready   # /readyz says not ready until its consumer runs


def test_the_internal_token_is_required_in_production_and_never_shown(monkeypatch):
    monkeypatch.setenv("INTERNAL_API_TOKEN", "s3cr3t-token-value")
    settings = AllocatorSettings(app_env="prod")
    assert "s3cr3t" not in repr(settings) and "s3cr3t" not in str(settings.model_dump())
    monkeypatch.delenv("INTERNAL_API_TOKEN")
    with pytest.raises(ValidationError, match="INTERNAL_API_TOKEN"):
        AllocatorSettings(app_env="prod")
