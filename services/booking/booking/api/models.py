"""Request bodies and queries, as pydantic models: shape only. The booking rules that
have their own error codes (org codes, business types, counts, phones) are left to the
domain, which reports them with api.md's codes and field names."""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, field_validator



class _Body(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")


class EnterpriseBody(_Body):
    code: str = Field(min_length=1, max_length=40)   # 9-char org code or 18-char credit code
    name: str = Field(min_length=1, max_length=200)


class DirectoryQuery(_Body):
    q: str = Field(min_length=2, max_length=100)


class CalendarQuery(_Body):
    model_config = ConfigDict(populate_by_name=True)
    center: str | None = None
    from_: date | None = Field(None, alias="from")
    to: date | None = None


class BookingBody(BaseModel):
    # Not a _Body: the domain checks, strips and reports these fields itself.
    model_config = ConfigDict(extra="ignore")
    center: str | None = None
    date: date
    period: Any = None
    contact_name: Any = None
    contact_phone: Any = None
    enterprises: Any = None


class BookingListQuery(_Body):
    model_config = ConfigDict(populate_by_name=True)
    from_: date | None = Field(None, alias="from")
    to: date | None = None
    status: Literal["confirmed", "allocated", "checked_in", "completed", "no_show", "cancelled"] | None = None
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(20, ge=1, le=100)


class CapacityBody(_Body):
    center: str
    date: date
    period: str
    capacity: StrictInt = Field(ge=0, le=100_000)


class CalendarDayBody(_Body):
    center: str | None = None
    working: StrictBool
    note: str = Field("", max_length=500)


class CenterQuery(_Body):
    center: str | None = None


class CutoffBody(_Body):
    center: str = Field(min_length=1, max_length=40)
    date: date


_Date = date   # the field below is named ``date``: inside the class that name is the field


class DeskScheduleQuery(_Body):
    center: str | None = None
    date: _Date | None = None    # the center's today when left out


class LiftSuspensionBody(_Body):
    reason: str = Field(min_length=1, max_length=500)

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a reason is required")
        return value
