"""叫号 (issue 18): booking.queue_near becomes one SMS from its template, with the number
and how many are ahead, no name; the same event delivered again sends nothing more (booking
publishes one per booking: services/booking/tests/integration/test_calling_events.py)."""
from __future__ import annotations

import uuid

from testsupport.notifier import events as ev
from testsupport.generators import new_phone


async def test_queue_near_sends_one_sms_per_booking(notifier_env):
    env = notifier_env
    await env.start()
    booking, phone = f"bk-{uuid.uuid4().hex[:10]}", new_phone()
    event = ev.queue_near(booking, phone, queue_number="A007", ahead=3)
    await env.publish(event)
    [row] = await env.wait_final(1, booking_id=booking)
    assert (row["status"], row["template"]) == ("delivered", "booking.queue_near")
    await env.publish(event, event)                  # redelivered: the same envelope id
    marker = new_phone()
    await env.publish(ev.queue_near(f"bk-{uuid.uuid4().hex[:10]}", marker))
    await env.wait_final(1, phone=marker)
    [sms] = env.fake.state.messages_for(phone=phone)
    assert sms.text == "【制卡中心】您的排队号A007前面还有3位，请到候区等候，留意叫号。"
    assert len(await env.messages(phone=phone)) == 1
