"""identity.user.registered: keep booking's copy of the agent, and put the organisation
code given at registration into their list when the directory knows it."""
from __future__ import annotations

from shared.consumer import Delivery
from shared.contracts.identity import USER_REGISTERED, UserRegistered

from booking.service.agents import agent_registered
from booking.service.context import BookingContext

QUEUE = "booking.identity-events"
BINDINGS = (USER_REGISTERED,)


def handler(ctx: BookingContext):
    async def on_identity_event(delivery: Delivery) -> None:
        assert isinstance(delivery.data, UserRegistered)
        await agent_registered(delivery.conn, delivery.data, ctx.clock.now())
    return on_identity_event
