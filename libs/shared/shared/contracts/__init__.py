"""Integration event contracts: the ``data`` model of every event type, by producer.
Producer and consumers validate against the same model; a new incompatible shape is a new
``version`` registered beside the old one. Importing this package registers them all."""
from shared.contracts import allocator, booking, identity, notifier  # noqa: F401
