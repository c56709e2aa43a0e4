import pytest

from booking.domain.capacity import ensure_capacity_settable, ensure_room, remaining
from booking.domain.errors import CapacityBelowBooked, CapacityExhausted, ValidationFailed
from shared.http.statuses import status_of


def test_remaining_never_goes_negative():
    assert remaining(40, 38) == 2
    assert remaining(40, 45) == 0


def test_a_booking_that_fills_capacity_exactly_fits():
    ensure_room(capacity=40, booked=36, wanted=4)
    assert remaining(40, 36 + 4) == 0


def test_one_line_too_many_is_refused():
    with pytest.raises(CapacityExhausted) as caught:
        ensure_room(capacity=40, booked=37, wanted=4)
    assert status_of(caught.value) == 409
    assert caught.value.code == "booking.capacity_exhausted"
    assert caught.value.extra["remaining"] == 3


def test_zero_capacity_refuses_everything():
    with pytest.raises(CapacityExhausted):
        ensure_room(capacity=0, booked=0, wanted=1)


def test_capacity_can_go_down_to_what_is_booked():
    ensure_capacity_settable(12, booked=12)
    with pytest.raises(CapacityBelowBooked) as caught:
        ensure_capacity_settable(11, booked=12)
    assert status_of(caught.value) == 409
    assert caught.value.code == "capacity.below_booked"
    assert caught.value.extra["booked"] == 12


@pytest.mark.parametrize("value", [-1, 1.5, True, "40"])
def test_capacity_must_be_a_non_negative_integer(value):
    with pytest.raises(ValidationFailed):
        ensure_capacity_settable(value, booked=0)
