"""Empty: the allocator has no metrics of its own; the shared ones (``shared.metrics``:
events consumed, handling time, the pool, the outbox) say what it does. Here so every
service has the same rooms."""
