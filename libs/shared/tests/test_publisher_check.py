"""Whom a consumer believes: the broker-checked user_id, matched to the envelope's producer
and the producers allowed for its type; a forwarded copy's first publisher only from the
consumer itself or from an operator replaying what the consumer dead-lettered."""
from __future__ import annotations

from shared.contracts.booking import BOOKING_ALLOCATED, BookingAllocated
from shared.contracts.producers import ALLOWED_PRODUCERS, CONSUMED, published_by
from shared.events import _REGISTRY, make_envelope
from shared.publisher_check import DEAD_COPY_USER_HEADER, FIRST_PUBLISHER_HEADER, PublisherCheck

CHECK = PublisherCheck(own_user="t.notifier", user_prefix="t.", forwarders=frozenset({"ops"}))


def allocated(producer: str):
    data = BookingAllocated(booking_id="b", agent_id="a", center="c", date="2030-01-02", period="AM",
                            contact_phone="13800000000", desk=1, start="09:00", end="09:10", queue_number="A1")
    return make_envelope(BOOKING_ALLOCATED, data, producer=producer)


def test_the_allowed_producer_under_its_own_user_is_believed():
    assert CHECK.refusal(allocated("booking"), "t.booking", {}) is None


def test_a_producer_not_allowed_for_the_type_is_refused():
    assert "may not publish" in CHECK.refusal(allocated("allocator"), "t.allocator", {})


def test_an_envelope_naming_another_producer_than_its_user_is_refused():
    assert "broker user 't.allocator'" in CHECK.refusal(allocated("booking"), "t.allocator", {})
    assert "no AMQP user_id" in CHECK.refusal(allocated("booking"), None, {})


def test_a_first_publisher_header_is_believed_only_from_the_consumer_itself():
    own_forward = {FIRST_PUBLISHER_HEADER: "t.booking"}
    assert CHECK.refusal(allocated("booking"), "t.notifier", own_forward) is None
    # anyone else writing the header is judged by their own user
    assert CHECK.refusal(allocated("booking"), "t.allocator", own_forward) is not None


def test_an_operator_replay_is_believed_only_for_what_the_consumer_dead_lettered():
    replay = {FIRST_PUBLISHER_HEADER: "t.booking", DEAD_COPY_USER_HEADER: "t.notifier"}
    assert CHECK.refusal(allocated("booking"), "ops", replay) is None
    planted = {FIRST_PUBLISHER_HEADER: "t.booking", DEAD_COPY_USER_HEADER: "t.allocator"}
    assert CHECK.refusal(allocated("booking"), "ops", planted) is not None


def test_the_check_of_the_user_can_be_off_but_not_the_table():
    loose = PublisherCheck(own_user="guest", verify_user=False)
    assert loose.refusal(allocated("booking"), "guest", {}) is None
    assert loose.refusal(allocated("allocator"), "guest", {}) is not None


def test_every_registered_event_type_has_its_producers():
    import shared.contracts  # noqa: F401  (registers them all)
    registered = {t for t, _ in _REGISTRY if not t.startswith("test.")}   # other tests register test.* types
    assert registered == set(ALLOWED_PRODUCERS)
    # every service publishes something
    assert all(published_by(s) for s in CONSUMED) and set(CONSUMED) == {"identity", "booking", "allocator", "notifier"}
