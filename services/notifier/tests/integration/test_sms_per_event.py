"""One SMS per consumed event, with the right Chinese text, recorded with its attempt;
a redelivered event sends nothing more; a resend sends the booking's latest text again
under a new ref."""
from __future__ import annotations

import uuid
from datetime import timedelta

from shared.app import RUNTIME_KEY
from testsupport.notifier import events as ev
from testsupport.generators import new_phone
from testsupport.notifier.harness import wait_until


async def test_each_event_type_sends_one_sms_with_its_text(notifier_env):
    env = notifier_env
    await env.start()
    p = {k: new_phone() for k in ("code", "confirmed", "allocated", "whole", "line", "suspended")}
    b = {k: f"bk-{uuid.uuid4().hex[:10]}" for k in ("confirmed", "allocated", "whole", "line")}
    await env.publish(
        ev.verification_code(p["code"], "480213", purpose="login"),
        ev.confirmed(b["confirmed"], p["confirmed"], orgs=("12345678X", "87654321Y"), period="PM"),
        ev.allocated(b["allocated"], p["allocated"], desk=2, start="13:30", end="14:00", queue_number="B007"),
        ev.cancelled(b["whole"], p["whole"], org_codes=("11111111A", "22222222B"), whole=True),
        ev.cancelled(b["line"], p["line"], org_codes=("33333333C",), whole=False, booking_cancelled=False),
        ev.suspended(p["suspended"], reason="too_many_cancellations", count=11),
    )
    rows = await env.wait_final(6)
    assert {r["status"] for r in rows} == {"delivered"}
    fake = {m.phone: m for m in env.fake.state.messages}
    assert set(fake) == set(p.values())                      # one SMS per event, nothing else

    code = fake[p["code"]].text
    assert "登录验证码为480213" in code and "5分钟内有效" in code
    conf = fake[p["confirmed"]].text
    assert "2026年12月1日（星期二）下午" in conf and "共2家企业" in conf
    alloc = fake[p["allocated"]].text
    assert "第2号窗口" in alloc and "13:30-14:00" in alloc and "排队号B007" in alloc
    whole = fake[p["whole"]].text
    assert "（共2家企业）已取消" in whole
    line = fake[p["line"]].text
    assert "企业33333333C的预约已取消" in line and "其他企业的预约不变" in line
    susp = fake[p["suspended"]].text
    assert "累计取消预约11次" in susp and "2027年6月1日" in susp
    for m in fake.values():
        assert m.text.startswith("【制卡中心】")

    # Every message's ref is its id, recorded with one finished attempt and the booking id.
    by_ref = {str(r["id"]): r for r in rows}
    assert set(by_ref) == {m.ref for m in fake.values()}
    attempts = await env.fetch("SELECT * FROM message_attempts")
    assert len(attempts) == 6 and {a["outcome"] for a in attempts} == {"delivered"}
    assert {r["booking_id"] for r in rows} == set(b.values()) | {None}


async def test_a_redelivered_event_sends_nothing_more(notifier_env):
    env = notifier_env
    await env.start()
    phone = new_phone()
    event = ev.confirmed(f"bk-{uuid.uuid4().hex[:10]}", phone)
    await env.publish(event)
    await env.wait_final(1, phone=phone)
    await env.publish(event, event)                  # the same envelope id, twice more
    marker = new_phone()                              # a later event: once it is done, the repeats were seen
    await env.publish(ev.confirmed(f"bk-{uuid.uuid4().hex[:10]}", marker))
    await env.wait_final(1, phone=marker)
    assert len(await env.messages(phone=phone)) == 1
    assert len(env.fake.state.messages_for(phone=phone)) == 1
    assert [c.phone for c in env.fake.state.calls].count(phone) == 1


async def test_resend_sends_the_latest_text_again_under_a_new_ref(notifier_env):
    env = notifier_env
    await env.start()
    booking, phone = f"bk-{uuid.uuid4().hex[:10]}", new_phone()
    await env.publish(ev.confirmed(booking, phone))
    await env.wait_final(1, booking_id=booking)
    await env.publish(ev.resend_requested(booking, phone))     # before allocation: the confirmation
    await env.wait_final(2, booking_id=booking)
    await env.publish(ev.allocated(booking, phone, queue_number="A021"))
    await env.wait_final(3, booking_id=booking)
    await env.publish(ev.resend_requested(booking, phone))     # after: the allocation
    rows = await env.wait_final(4, booking_id=booking)

    texts = [m.text for m in env.fake.state.messages_for(phone=phone)]
    assert len(texts) == 4
    confirmation, resent_confirmation, allocation, resent_allocation = texts
    assert resent_confirmation == confirmation and "成功预约" in confirmation
    assert resent_allocation == allocation and "排队号A021" in allocation
    assert [r["resend"] for r in rows] == [False, True, False, True]
    assert len({r["id"] for r in rows}) == 4                  # each resend is its own message and ref
    assert len({m.ref for m in env.fake.state.messages_for(phone=phone)}) == 4


async def test_an_unchanged_allocation_is_not_sent_twice(notifier_env):
    env = notifier_env
    await env.start()
    booking, phone, marker = f"bk-{uuid.uuid4().hex[:10]}", new_phone(), new_phone()
    await env.publish(ev.allocated(booking, phone, queue_number="A003"))
    await env.wait_final(1, phone=phone)
    # A re-run of the allocation republishing the same assignment (another event id).
    await env.publish(ev.allocated(booking, phone, queue_number="A003"), ev.confirmed("bk-marker", marker))
    await env.wait_final(1, phone=marker)
    assert len(env.fake.state.messages_for(phone=phone)) == 1
    # A changed assignment is news.
    await env.publish(ev.allocated(booking, phone, queue_number="A004"))
    await env.wait_final(2, phone=phone)
    assert "排队号A004" in env.fake.state.messages_for(phone=phone)[-1].text
    # An assignment older than the one sent (arriving late) is not.
    stale = ev.allocated(booking, phone, queue_number="A001")
    stale = stale.model_copy(update={"occurred_at": stale.occurred_at - timedelta(minutes=5)})
    marker = new_phone()
    await env.publish(stale, ev.confirmed("bk-marker-2", marker))
    await env.wait_final(1, phone=marker)
    assert len(env.fake.state.messages_for(phone=phone)) == 2
    assert not [m for m in env.fake.state.messages_for(phone=phone) if "排队号A001" in m.text]


async def test_a_suspension_without_a_phone_sends_nothing(notifier_env):
    env = notifier_env
    await env.start()
    marker = new_phone()
    await env.publish(ev.suspended(None), ev.confirmed(f"bk-{uuid.uuid4().hex[:10]}", marker))
    await env.wait_final(1, phone=marker)
    handled = await wait_until(lambda: env.fetchval(
        "SELECT count(*) FROM inbox WHERE event_type = 'booking.suspended'"))
    assert handled == 1        # consumed and acknowledged, not dead-lettered
    assert len(await env.messages()) == 1


async def test_a_resend_ahead_of_the_confirmation_waits_for_it(notifier_env):
    env = notifier_env
    client = await env.start()
    consumed = client.app[RUNTIME_KEY].metrics.events_consumed
    booking, phone = f"bk-{uuid.uuid4().hex[:10]}", new_phone()
    await env.publish(ev.resend_requested(booking, phone))      # nothing kept yet: retried by the queue
    assert await wait_until(lambda: consumed.labels("notifier.sms", "retried")._value.get() >= 1)
    await env.publish(ev.confirmed(booking, phone))
    rows = await env.wait_final(2, booking_id=booking)
    assert [r["event_type"] for r in rows] == ["booking.confirmed", "booking.sms_resend.requested"]
    first, again = env.fake.state.messages_for(phone=phone)
    assert first.text == again.text and first.ref != again.ref


async def test_an_event_no_template_can_render_is_dead_lettered_at_once(notifier_env):
    env = notifier_env
    client = await env.start()
    consumed = client.app[RUNTIME_KEY].metrics.events_consumed
    phone = new_phone()
    bad = ev.allocated(f"bk-{uuid.uuid4().hex[:10]}", phone, start="9h30")   # the contract lets it through
    await env.publish(bad)
    assert await wait_until(lambda: consumed.labels("notifier.sms", "dead")._value.get() >= 1)
    assert consumed.labels("notifier.sms", "retried")._value.get() == 0      # no retry could render it
    assert await env.messages(phone=phone) == [] and env.fake.state.calls == []
    assert await env.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", bad.id) == 0
