"""Event handlers (``QUEUE``, ``BINDINGS``, ``handler(ctx)``, declared by ``bootstrap``): each takes a
shared.consumer.Delivery, whose connection is already in the inbox transaction."""
