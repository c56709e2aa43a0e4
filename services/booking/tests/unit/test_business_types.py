import pytest

from booking.domain.business_types import (BUSINESS_TYPES, BUSINESS_TYPES_BY_CODE, BusinessLine,
                                           validate_businesses)
from booking.domain.errors import BusinessConflict, CountRequired, ValidationFailed
from shared.http.statuses import status_of

COUNTED = ["RENEW_UNLOCK", "DECLARANT_CARD", "OPERATOR_CARD", "REISSUE_CARD"]
UNCOUNTED = ["PRE_ENTRY", "NEW_CARD", "CHANGE_INFO"]


def fields_of(error: ValidationFailed) -> list[str]:
    return [e["field"] for e in error.extra["errors"]]


def test_the_eight_types_in_the_manuals_order():
    assert [t.code for t in BUSINESS_TYPES] == [
        "PRE_ENTRY", "NEW_CARD", "CHANGE_INFO", "RENEW_UNLOCK", "DECLARANT_CARD",
        "OPERATOR_CARD", "REISSUE_CARD", "BUY_READER"]
    assert BUSINESS_TYPES_BY_CODE["RENEW_UNLOCK"].name == "卡延期、解锁"
    assert BUSINESS_TYPES_BY_CODE["BUY_READER"].name == "购读卡器"


def test_needs_count_flags():
    assert [t.code for t in BUSINESS_TYPES if t.needs_count] == COUNTED


def test_excludes_are_symmetric_and_as_the_manual_says():
    for t in BUSINESS_TYPES:
        for other in t.excludes:
            assert t.code in BUSINESS_TYPES_BY_CODE[other].excludes, (t.code, other)
    assert BUSINESS_TYPES_BY_CODE["PRE_ENTRY"].excludes == {t.code for t in BUSINESS_TYPES} - {"PRE_ENTRY"}
    assert BUSINESS_TYPES_BY_CODE["CHANGE_INFO"].excludes == {"PRE_ENTRY", "NEW_CARD", "RENEW_UNLOCK"}
    assert BUSINESS_TYPES_BY_CODE["OPERATOR_CARD"].excludes == {"PRE_ENTRY", "NEW_CARD"}


def test_a_valid_mix_keeps_order_and_counts():
    lines = validate_businesses([
        {"type": "CHANGE_INFO"}, {"type": "DECLARANT_CARD", "count": 3},
        {"type": "BUY_READER", "count": 2}, {"type": "REISSUE_CARD", "count": 99}])
    assert lines == (BusinessLine("CHANGE_INFO", None), BusinessLine("DECLARANT_CARD", 3),
                     BusinessLine("BUY_READER", 2), BusinessLine("REISSUE_CARD", 99))


def test_buy_reader_quantity_defaults_to_one():
    assert validate_businesses([{"type": "BUY_READER"}]) == (BusinessLine("BUY_READER", 1),)
    assert validate_businesses([{"type": "BUY_READER", "count": None}]) == (BusinessLine("BUY_READER", 1),)


@pytest.mark.parametrize("code", UNCOUNTED)
def test_types_without_count_alone_are_fine(code):
    assert validate_businesses([{"type": code}]) == (BusinessLine(code, None),)


@pytest.mark.parametrize("code", UNCOUNTED)
def test_a_count_given_to_a_type_without_one_is_refused(code):
    with pytest.raises(ValidationFailed) as caught:
        validate_businesses([{"type": code, "count": 1}])
    assert fields_of(caught.value) == ["businesses[0].count"]


def test_no_types_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        validate_businesses([])
    assert caught.value.code == "validation_error"
    assert fields_of(caught.value) == ["businesses"]


@pytest.mark.parametrize("items", [None, "RENEW_UNLOCK", {"type": "NEW_CARD"}])
def test_not_a_list_is_refused(items):
    with pytest.raises(ValidationFailed):
        validate_businesses(items)


@pytest.mark.parametrize("item", [{"type": "UNKNOWN"}, {"type": "new_card"}, {}, {"type": 3}, "NEW_CARD"])
def test_unknown_or_missing_type_is_a_validation_error(item):
    with pytest.raises(ValidationFailed) as caught:
        validate_businesses([item])
    assert status_of(caught.value) == 422


def test_same_type_twice_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        validate_businesses([{"type": "OPERATOR_CARD", "count": 1}, {"type": "OPERATOR_CARD", "count": 2}])
    assert fields_of(caught.value) == ["businesses[1].type"]


@pytest.mark.parametrize("exclusive, other", [
    (exclusive, other) for exclusive in ("PRE_ENTRY", "NEW_CARD")
    for other in ("PRE_ENTRY", "NEW_CARD", "CHANGE_INFO", "RENEW_UNLOCK", "BUY_READER")
    if other != exclusive])
def test_exclusive_types_refuse_any_company_in_either_order(exclusive, other):
    count = 1 if BUSINESS_TYPES_BY_CODE[other].needs_count else None
    first, second = {"type": exclusive}, {"type": other, "count": count}
    for items in ([first, second], [second, first]):
        with pytest.raises(BusinessConflict) as caught:
            validate_businesses(items)
        assert caught.value.code == "booking.business_conflict"
        assert status_of(caught.value) == 422


def test_change_info_and_renew_unlock_conflict_both_ways():
    pair = [{"type": "CHANGE_INFO"}, {"type": "RENEW_UNLOCK", "count": 1}]
    for items in (pair, pair[::-1]):
        with pytest.raises(BusinessConflict):
            validate_businesses(items)


@pytest.mark.parametrize("code", COUNTED)
def test_missing_count_is_count_required(code):
    for item in ({"type": code}, {"type": code, "count": None}):
        with pytest.raises(CountRequired) as caught:
            validate_businesses([item], "enterprises[3].businesses")
        assert caught.value.code == "booking.count_required"
        assert caught.value.extra["field"] == "enterprises[3].businesses[0].count"


@pytest.mark.parametrize("code", COUNTED + ["BUY_READER"])
@pytest.mark.parametrize("count", [0, -1, 100, 1.5, "2", True])
def test_count_outside_1_to_99_or_not_an_integer_is_a_validation_error(code, count):
    with pytest.raises(ValidationFailed) as caught:
        validate_businesses([{"type": code, "count": count}])
    assert fields_of(caught.value) == ["businesses[0].count"]


@pytest.mark.parametrize("count", [1, 99])
def test_count_bounds_are_inclusive(count):
    assert validate_businesses([{"type": "RENEW_UNLOCK", "count": count}])[0].count == count


def test_shape_errors_are_reported_together():
    with pytest.raises(ValidationFailed) as caught:
        validate_businesses([{"type": "NOPE"}, {"type": "RENEW_UNLOCK", "count": 0}])
    assert fields_of(caught.value) == ["businesses[0].type", "businesses[1].count"]
