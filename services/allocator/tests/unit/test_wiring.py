"""The requests queue is one of the shared runtime's queues (started with them, awaited by
/readyz), read by ``read_request`` and followed by a heap trim after a large body."""
from __future__ import annotations

from shared.app import RUNTIME_KEY
from shared.contracts.booking import ALLOCATION_REQUESTED

from allocator.app import create_app
from allocator.consumers.requests import QUEUE
from allocator.memory import give_back_memory
from allocator.service.request_reader import read_request
from allocator.settings import AllocatorSettings


def test_the_requests_queue_is_declared_on_the_shared_runtime():
    settings = AllocatorSettings()
    runtime = create_app(settings)[RUNTIME_KEY]
    [spec] = runtime.queue_specs
    assert (spec.name, spec.bindings, spec.prefetch) == (QUEUE, (ALLOCATION_REQUESTED,), settings.consumer_prefetch)
    assert spec.reader is read_request and spec.after_large_body is give_back_memory
    assert not runtime.consumers_ready   # /readyz says not ready until its consumer runs
