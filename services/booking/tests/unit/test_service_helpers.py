"""Pure helpers of the service layer and the settings: no database needed."""
import json
import uuid
from datetime import date, datetime, time, timezone

import pytest
from pydantic import ValidationError

from booking.domain.booking import Allocation
from booking.domain.center import QINGDAO
from booking.domain.errors import ValidationFailed
from booking.domain.org_codes import org_code_check_char, uscc_check_char
from booking.service.booking_queries import decode_cursor, encode_cursor
from booking.service.centers import Centers
from booking.service.desk_schedule import queue_order
from booking.service.enterprises import search_terms
from booking.service.idempotency import fingerprint
from booking.settings import BookingSettings

CODE = "12345678" + org_code_check_char("12345678")


def test_search_terms_try_code_prefixes_and_names():
    assert search_terms(" ab12 ") == ("AB12", "ab12")
    assert search_terms("1234-") == ("1234", "1234-")
    assert search_terms("青岛港") == (None, "青岛港")
    assert search_terms("ＡＢ１２") == ("AB12", "AB12")            # full-width input
    credit = "91370200" + CODE
    assert search_terms(credit + uscc_check_char(credit)) == (CODE, credit + uscc_check_char(credit))
    assert search_terms("1234567890")[0] is None                   # too long for a prefix, not a credit code


def test_cursors_round_trip_and_garbage_is_a_validation_error():
    key = (date(2025, 11, 18), datetime(2025, 11, 17, 2, 0, 0, 123456, tzinfo=timezone.utc), str(uuid.uuid4()))
    day, created_at, booking_id = decode_cursor(encode_cursor(*key))
    assert (day, created_at, str(booking_id)) == key
    with pytest.raises(ValidationFailed):
        decode_cursor("not-a-cursor")


def test_fingerprint_ignores_key_order_but_not_values():
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})
    assert fingerprint({"b": [1, 2]}) != fingerprint({"b": [2, 1]})


def test_qingdao_always_exists_and_extra_centers_come_from_json(monkeypatch):
    monkeypatch.setenv("BOOKING_CENTERS", json.dumps([
        {"id": "yantai", "default_capacity": 12, "cutoff_time": "14:00",
         "periods": [{"code": "AM", "start": "08:30", "end": "12:00", "queue_prefix": "A"}]}]))
    settings = BookingSettings()
    centers = Centers(settings.center_configs(), settings.default_center)
    assert centers.get(None).id == "qingdao" and centers.get(None).default_capacity == 40
    yantai = centers.get("yantai")
    assert (yantai.default_capacity, yantai.cutoff_time, yantai.release_working_days) == (12, time(14), 2)
    assert [p.code for p in yantai.periods] == ["AM"]
    with pytest.raises(ValidationFailed):
        centers.get("atlantis")


def test_centers_that_cannot_work_are_refused_at_start_up(monkeypatch):
    monkeypatch.setenv("BOOKING_CENTERS", json.dumps([{"id": "x", "timezone": "Mars/Olympus"}]))
    with pytest.raises(ValidationError):
        BookingSettings()
    monkeypatch.setenv("BOOKING_CENTERS", "[]")
    monkeypatch.setenv("BOOKING_DEFAULT_CENTER", "nowhere")
    with pytest.raises(ValidationError):
        BookingSettings()


def test_the_desk_sees_periods_in_order_then_queue_numbers_as_numbers(new_booking):
    def booking(period: str, number: str):
        b = new_booking(id=number, period=period)
        b.assign(Allocation(desk=1, start=time(9), end=time(9, 30), queue_number=number))
        return b
    day = [booking("PM", "B001"), booking("AM", "A1000"), booking("AM", "A999"), booking("AM", "A001")]
    assert [b.id for b in sorted(day, key=lambda b: queue_order(QINGDAO, b))] == ["A001", "A999", "A1000", "B001"]
