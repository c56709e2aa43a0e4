"""What booking tells the other services and hears from them: booking.confirmed on the
broker carrying the request id, booking.cancelled, the SMS resend, and the notifier's
delivery reports turning into the booking's SMS status."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

from shared.contracts.notifier import (NOTIFICATION_DELIVERED, NOTIFICATION_FAILED, NotificationDelivered,
                                       NotificationFailed)
from testsupport.messaging import bound_queue, bus, drain


async def test_booking_confirmed_reaches_the_broker_with_the_request_id(service, amqp_url):
    async with bus(amqp_url, exchange=service.runtime.settings.events_exchange) as b:
        probe = await bound_queue(b, "booking.confirmed", "booking.cancelled")
        agent = service.agent()
        request_id = f"req-{uuid.uuid4().hex}"
        booking = await service.booked({**agent, "X-Request-ID": request_id}, lines=2)
        cancel_id = f"req-{uuid.uuid4().hex}"
        r = await service.client.post(f"/api/v1/bookings/{booking['id']}/enterprises/"
                                      f"{booking['enterprises'][0]['org_code']}/cancel",
                                      headers={**agent, "X-Request-ID": cancel_id})
        assert r.status == 200 and r.headers["X-Request-ID"] == cancel_id
        got = [m for m in await drain(probe, 2)
               if json.loads(m.body)["data"]["booking_id"] == booking["id"]]
    confirmed, cancelled = sorted(got, key=lambda m: m.routing_key != "booking.confirmed")
    assert confirmed.routing_key == "booking.confirmed"
    assert confirmed.correlation_id == request_id
    envelope = json.loads(confirmed.body)
    assert (envelope["type"], envelope["producer"], envelope["correlation_id"], envelope["causation_id"]) == (
        "booking.confirmed", "booking", request_id, request_id)
    # The unit of work's time: the service clock's (the tests move it), not the wall clock's.
    assert abs(datetime.fromisoformat(envelope["occurred_at"]) - service.runtime.clock.now()) < timedelta(minutes=5)
    data = envelope["data"]
    assert (data["center"], data["date"], data["period"], data["contact_phone"]) == (
        service.center, "2025-11-18", "AM", booking["contact_phone"])
    assert [e["org_code"] for e in data["enterprises"]] == [e["org_code"] for e in booking["enterprises"]]
    assert cancelled.correlation_id == cancel_id
    assert json.loads(cancelled.body)["causation_id"] == cancel_id
    data = json.loads(cancelled.body)["data"]
    assert (data["org_codes"], data["whole"], data["booking_cancelled"]) == (
        [booking["enterprises"][0]["org_code"]], False, False)


async def test_sms_can_be_asked_for_again_once(service, amqp_url, refused):
    agent = service.agent()
    booking = await service.booked(agent)
    async with bus(amqp_url, exchange=service.runtime.settings.events_exchange) as b:
        probe = await bound_queue(b, "booking.sms_resend.requested")
        r = await service.client.post(f"/api/v1/bookings/{booking['id']}/sms-resend", headers=agent)
        assert r.status == 202
        got = [json.loads(m.body)["data"] for m in await drain(probe, 1)]
    # (Filtered: a relay may also send what an earlier test's app left in the outbox.)
    assert [d["contact_phone"] for d in got if d["booking_id"] == booking["id"]] == [booking["contact_phone"]]
    r = await service.client.post(f"/api/v1/bookings/{booking['id']}/sms-resend", headers=agent)
    assert (await refused(r, 409))["code"] == "booking.sms_resend_used"
    r = await service.client.get(f"/api/v1/bookings/{booking['id']}", headers=agent)
    assert (await r.json())["sms"]["resend_available"] is False


def delivered(booking_id: str) -> NotificationDelivered:
    return NotificationDelivered(message_id=str(uuid.uuid4()), booking_id=booking_id, kind="booking.confirmed",
                                 delivered_at=datetime.now(timezone.utc))


def failed(booking_id: str) -> NotificationFailed:
    return NotificationFailed(message_id=str(uuid.uuid4()), booking_id=booking_id, kind="booking.confirmed",
                              reason="provider_rejected", attempts=5, failed_at=datetime.now(timezone.utc))


async def sms_status_becomes(service, eventually, agent, booking_id, expected) -> bool:
    async def check():
        r = await service.client.get(f"/api/v1/bookings/{booking_id}", headers=agent)
        return (await r.json())["sms"]["status"] == expected
    return await eventually(check)


async def test_notification_delivered_flips_the_sms_status(service, eventually):
    agent = service.agent()
    booking = await service.booked(agent)
    await service.publish(NOTIFICATION_DELIVERED, delivered(booking["id"]), producer="notifier")
    assert await sms_status_becomes(service, eventually, agent, booking["id"], "delivered")


async def test_a_later_delivery_wins_over_a_failure_but_not_the_other_way(service, eventually):
    agent = service.agent()
    first, second = await service.booked(agent), await service.booked(agent, period="PM")
    await service.publish(NOTIFICATION_FAILED, failed(first["id"]), producer="notifier")
    await service.publish(NOTIFICATION_DELIVERED, delivered(second["id"]), producer="notifier")
    assert await sms_status_becomes(service, eventually, agent, first["id"], "failed")
    assert await sms_status_becomes(service, eventually, agent, second["id"], "delivered")

    await service.publish(NOTIFICATION_DELIVERED, delivered(first["id"]), producer="notifier")
    late_failure = await service.publish(NOTIFICATION_FAILED, failed(second["id"]), producer="notifier")
    assert await sms_status_becomes(service, eventually, agent, first["id"], "delivered")
    # The late failure of `second` is handled and changes nothing.
    assert await eventually(lambda: service.handled(late_failure))
    r = await service.client.get(f"/api/v1/bookings/{second['id']}", headers=agent)
    assert (await r.json())["sms"]["status"] == "delivered"


async def test_reports_about_unknown_bookings_or_no_booking_are_handled_and_ignored(service, eventually):
    reports = [delivered(str(uuid.uuid4())), delivered("not-a-uuid"),
               NotificationDelivered(message_id=str(uuid.uuid4()), kind="identity.verification_code",
                                     delivered_at=datetime.now(timezone.utc))]
    sent = [await service.publish(NOTIFICATION_DELIVERED, report, producer="notifier") for report in reports]
    for env in sent:   # handled, not retried into the dead-letter queue
        assert await eventually(lambda env=env: service.handled(env))


async def test_the_reports_queue_hands_its_batches_to_the_one_statement_batch_handler(service):
    """The wiring of the batch form (its statement is tested in test_round_trips.py): the
    reports' consumer batches and gives a batch to the batch handler, not to one handler call
    per report."""
    from booking.consumers import notification_events
    spec = next(s for s in service.runtime.queue_specs if s.name == notification_events.QUEUE)
    assert spec.batch_size > 1
    assert spec.batch_handler is not None and spec.batch_handler.__qualname__.startswith("batch_handler.")
