"""叫号's plain rules: the order a desk calls in, where a skipped number goes back, how
many are ahead, who is near."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from booking.domain.calling import (Waiting, ahead_of, ahead_of_place, call_order, desk_queue, natural_key, near,
                                    skip_key)

PERIODS = ["AM", "PM"]
T0 = datetime(2025, 11, 18, 8, 50, tzinfo=timezone.utc)


def w(number: str, desk: int = 1, minute: int = 0, requeue: Decimal | None = None) -> Waiting:
    return Waiting(booking_id=f"b-{desk}-{number}", desk=desk, period="AM" if number[0] == "A" else "PM",
                   queue_number=number, checked_in_at=T0 + timedelta(minutes=minute), requeue_key=requeue)


def numbers(found) -> list[str]:
    return [x.queue_number for x in found]


def test_a_desk_calls_its_own_queue_by_period_then_number_whatever_the_check_in_order():
    waiting = [w("B001", minute=0), w("A010", minute=1), w("A002", minute=2), w("A1000", minute=3), w("A999", minute=4)]
    assert numbers(call_order(waiting, 1, PERIODS)) == ["A002", "A010", "A999", "A1000", "B001"]


def test_then_the_oldest_waiting_of_other_desks():
    waiting = [w("A001", desk=2, minute=5), w("A002", desk=3, minute=1), w("A003", desk=2, minute=3), w("A009", desk=1, minute=9)]
    assert numbers(call_order(waiting, 1, PERIODS)) == ["A009", "A002", "A003", "A001"]
    assert numbers(call_order(waiting[:3], 1, PERIODS)) == ["A002", "A003", "A001"]


def test_a_skipped_number_goes_behind_the_next_two():
    queue = desk_queue([w("A002"), w("A003"), w("A004"), w("A005")], 1, PERIODS)
    key = skip_key(queue, PERIODS)
    assert natural_key(PERIODS, "AM", "A003") < key < natural_key(PERIODS, "AM", "A004")
    after = desk_queue([*queue, w("A001", requeue=key)], 1, PERIODS)
    assert numbers(after) == ["A002", "A003", "A001", "A004", "A005"]
    # Skipped again: behind the next two once more (between requeued keys too).
    rest = [x for x in after if x.queue_number != "A002"]
    again = w("A002", requeue=skip_key(rest, PERIODS))
    assert numbers(desk_queue([*rest, again], 1, PERIODS)) == ["A003", "A001", "A002", "A004", "A005"]


def test_with_fewer_than_two_waiting_a_skip_goes_to_the_end_and_alone_it_keeps_its_place():
    one = desk_queue([w("A004")], 1, PERIODS)
    assert numbers(desk_queue([*one, w("A001", requeue=skip_key(one, PERIODS))], 1, PERIODS)) == ["A004", "A001"]
    two = desk_queue([w("A004"), w("A006")], 1, PERIODS)
    assert numbers(desk_queue([*two, w("A001", requeue=skip_key(two, PERIODS))], 1, PERIODS)) == [
        "A004", "A006", "A001"]
    assert skip_key([], PERIODS) is None


def test_a_skip_near_the_end_of_the_morning_may_go_behind_an_afternoon_number():
    queue = desk_queue([w("A009"), w("B001"), w("B002")], 1, PERIODS)
    key = skip_key(queue, PERIODS)
    assert numbers(desk_queue([*queue, w("A001", requeue=key)], 1, PERIODS)) == ["A009", "B001", "A001", "B002"]


def test_ahead_and_near():
    queue = desk_queue([w(f"A00{i}") for i in range(1, 7)], 1, PERIODS)
    assert ahead_of(queue, "b-1-A004") == 3 and ahead_of(queue, "b-9-A001") is None
    assert ahead_of_place(queue, PERIODS, "AM", "A007") == 6
    assert ahead_of_place(queue, PERIODS, "AM", "A004") == 3
    assert [(x.queue_number, a) for x, a in near(queue, set())] == [("A001", 0), ("A002", 1), ("A003", 2), ("A004", 3)]
    assert [x.queue_number for x, _ in near(queue, {"b-1-A001", "b-1-A003"})] == ["A002", "A004"]
