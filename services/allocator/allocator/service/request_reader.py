"""``allocation.requested`` from the message body straight into the day's snapshot.

A busy day is an 11.5 MB body of 20,000 bookings and ~110,000 enterprise lines. Read the
usual way (the whole envelope into dicts, the dicts into the contract's pydantic models,
those into the snapshot) the three copies took the allocator from ~70 MB to ~500 MB. Here
the body is walked with the standard library's JSON scanner: the envelope's and the day's
small fields are read whole, but the ``bookings`` array one booking at a time, and each
booking goes through the contract (``SnapshotBooking``, lax as everywhere) into its
immutable ``Booking`` at once, so only one booking is ever held as dicts and models. What
stays is the snapshot itself (~15 MB for such a day).

The verdicts are the shared consumer's: a body that is not JSON, an envelope or a ``data``
that breaks the contract, or another event type is *unreadable* (``ValueError``,
``ValidationError``, ``UnknownEvent``: dead-lettered at once); a day the contract accepts
but that cannot be scheduled (unknown business type, unknown period, a naive instant, ...)
is read to the end and carries its ``InvalidSnapshot``, which the handler raises as
``Unretryable`` (with the field path, e.g. ``bookings[3].enterprises[0]...``).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from json.decoder import scanstring
from typing import Any, Callable

from pydantic import ValidationError

from shared.contracts.booking import ALLOCATION_REQUESTED, AllocationRequested, SnapshotBooking
from shared.events import Envelope, UnknownEvent

from ..domain import Booking, DaySnapshot, InvalidSnapshot

VERSION = 1
_scan_value = json.JSONDecoder().scan_once      # the C scanner: (text, index) -> (value, end)
_skip_ws = re.compile(r"[ \t\n\r]*").match


@dataclass
class AllocationRequest:
    """What the handler gets as ``delivery.data``: the day read, or why it cannot be."""
    center: str
    date: date
    cutoff_id: str
    closed_at: datetime
    booking_count: int
    snapshot: DaySnapshot | None
    invalid: InvalidSnapshot | None = None


def read_request(body: bytes) -> tuple[Envelope, AllocationRequest]:
    """The envelope (its ``data`` left empty) and the request; raises ``ValueError``,
    ``ValidationError`` or ``UnknownEvent`` for an unreadable body."""
    return _Reader(body.decode("utf-8")).read()


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.header: dict[str, Any] = {}
        self.data: dict[str, Any] | None = None      # the day's fields but its bookings
        self.data_seen = False
        self.data_value: Any = None                  # ``data`` when it is not an object
        self.bookings: list[Booking] = []
        self.booking_count = 0
        self.saw_bookings_array = False
        self.contract_error: ValidationError | None = None
        self.invalid: InvalidSnapshot | None = None

    # --- the walk -----------------------------------------------------------------------
    def read(self) -> tuple[Envelope, AllocationRequest]:
        end = self._object(_skip_ws(self.text, 0).end(), self._envelope_member)
        if _skip_ws(self.text, end).end() != len(self.text):
            raise ValueError(f"extra data after the envelope at char {end}")
        self.text = ""  # the body's text (up to twice the body's size) is no longer needed
        return self._verdict()

    def _envelope_member(self, key: str, at: int) -> int:
        if key != "data":
            self.header[key], end = self._value(at)
            return end
        if self.data_seen:
            raise ValueError("the envelope has two data members")
        self.data_seen = True
        self._check_type()
        if self.text.startswith("{", at):
            self.data = {}
            return self._object(at, self._data_member)
        self.data_value, end = self._value(at)   # not an object: the envelope's validation says so
        return end

    def _data_member(self, key: str, at: int) -> int:
        assert self.data is not None
        if key == "bookings" and self.text.startswith("[", at):
            if self.saw_bookings_array:
                raise ValueError("data has two bookings members")
            self.saw_bookings_array = True
            return self._array(at, self._booking)
        self.data[key], end = self._value(at)
        return end

    def _booking(self, index: int, at: int) -> int:
        raw, end = self._value(at)
        self.booking_count += 1
        try:
            booking = SnapshotBooking.model_validate(raw)
        except ValidationError as exc:
            self.contract_error = self.contract_error or exc
            return end
        if self.invalid is None and self.contract_error is None:
            try:
                self.bookings.append(Booking.from_dict(booking.model_dump()))
            except InvalidSnapshot as exc:
                self.invalid = InvalidSnapshot(f"bookings[{index}].{exc.detail}")
                self.bookings = []      # nothing will be scheduled: keep none of them
        return end

    # --- the verdict --------------------------------------------------------------------
    def _check_type(self) -> None:
        kind, version = self.header.get("type"), self.header.get("version")
        if kind is not None and (kind, version) != (ALLOCATION_REQUESTED, VERSION):
            raise UnknownEvent(f"allocator.requests reads {ALLOCATION_REQUESTED} v{VERSION}, not {kind} v{version}")

    def _verdict(self) -> tuple[Envelope, AllocationRequest]:
        if self.data is None:     # missing or not an object: the envelope's validation refuses it
            Envelope.model_validate({**self.header, "data": self.data_value} if self.data_seen else self.header)
            raise ValueError("data: expected an object")
        envelope = Envelope.model_validate({**self.header, "data": {}})
        self._check_type()
        if self.contract_error is not None:
            raise self.contract_error
        day = AllocationRequested.model_validate(
            {**self.data, "bookings": []} if self.saw_bookings_array else self.data)
        invalid = self.invalid
        snapshot = None
        if invalid is None:
            try:
                snapshot = DaySnapshot.from_header(
                    {"center": day.center, "date": day.date, "periods": [p.model_dump() for p in day.periods]},
                    tuple(self.bookings))
            except InvalidSnapshot as exc:
                invalid = exc
        self.bookings = []
        return envelope, AllocationRequest(center=day.center, date=day.date, cutoff_id=day.cutoff_id,
                                           closed_at=day.closed_at, booking_count=self.booking_count,
                                           snapshot=snapshot, invalid=invalid)

    # --- JSON, one level at a time ------------------------------------------------------
    def _value(self, at: int) -> tuple[Any, int]:
        try:
            return _scan_value(self.text, at)
        except StopIteration as stop:
            raise ValueError(f"expected a JSON value at char {stop.value}") from None

    def _object(self, at: int, member: Callable[[str, int], int]) -> int:
        """``text[at]`` opens an object: ``member(key, value_at)`` reads each value and
        returns the index after it; returns the index after the closing brace."""
        text = self.text
        if not text.startswith("{", at):
            raise ValueError(f"expected an object at char {at}")
        i = _skip_ws(text, at + 1).end()
        if text.startswith("}", i):
            return i + 1
        while True:
            if not text.startswith('"', i):
                raise ValueError(f"expected a member name at char {i}")
            key, i = scanstring(text, i + 1)
            i = _skip_ws(text, i).end()
            if not text.startswith(":", i):
                raise ValueError(f"expected ':' at char {i}")
            i = _skip_ws(text, member(key, _skip_ws(text, i + 1).end())).end()
            if text.startswith(",", i):
                i = _skip_ws(text, i + 1).end()
            elif text.startswith("}", i):
                return i + 1
            else:
                raise ValueError(f"expected ',' or '}}' at char {i}")

    def _array(self, at: int, item: Callable[[int, int], int]) -> int:
        text = self.text
        i = _skip_ws(text, at + 1).end()
        if text.startswith("]", i):
            return i + 1
        index = 0
        while True:
            i = _skip_ws(text, item(index, i)).end()
            index += 1
            if text.startswith(",", i):
                i = _skip_ws(text, i + 1).end()
            elif text.startswith("]", i):
                return i + 1
            else:
                raise ValueError(f"expected ',' or ']' at char {i}")
