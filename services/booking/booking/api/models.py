"""Request bodies and queries, as pydantic models: shape only. The booking rules that
have their own error codes (org codes, business types, counts, phones) are left to the
domain, which reports them with api.md's codes and field names. Then the answers (below).
Every model here is part of the OpenAPI document."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (BaseModel, ConfigDict, Field, StrictBool, StrictInt, WithJsonSchema,
                      field_validator)


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


# What POST /api/v1/bookings takes, for the document only: the domain checks these fields
# itself (a missing one is a 422 validation_error naming it), so the model accepts anything.
_BUSINESS_ITEM = {"type": "object", "required": ["type"], "properties": {
    "type": {"type": "string", "description": "a business type code (GET /api/v1/business-types)"},
    "count": {"type": "integer", "minimum": 1, "maximum": 99,
              "description": "card count: required or optional as the type says"}}}
_ENTERPRISE_ITEM = {"type": "object", "required": ["org_code", "businesses"], "properties": {
    "org_code": {"type": "string", "description": "9-char organisation code or 18-char credit code"},
    "businesses": {"type": "array", "minItems": 1, "items": _BUSINESS_ITEM}}}


_CHECKED_BY_THE_DOMAIN = ("period", "contact_name", "contact_phone", "enterprises")


def _booking_body_schema(schema: dict[str, Any], _model: type) -> None:
    """The contract's shape: these are required (a missing one is refused by the domain),
    with no default to show."""
    for name in _CHECKED_BY_THE_DOMAIN:
        schema["properties"][name].pop("default", None)
    schema["required"] = ["date", *_CHECKED_BY_THE_DOMAIN]


class BookingBody(BaseModel):
    # Not a _Body: the domain checks, strips and reports these fields itself.
    model_config = ConfigDict(extra="ignore", json_schema_extra=_booking_body_schema)
    center: str | None = None
    date: date
    period: Annotated[Any, WithJsonSchema({"type": "string", "description": "a period code, e.g. AM"})] = None
    contact_name: Annotated[Any, WithJsonSchema({"type": "string"})] = None
    contact_phone: Annotated[Any, WithJsonSchema({"type": "string", "description": "11 digits, 1[3-9]xxxxxxxxx"})] = None
    enterprises: Annotated[Any, WithJsonSchema({"type": "array", "minItems": 1, "maxItems": 10,
                                                "items": _ENTERPRISE_ITEM})] = None


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
    reason: str = Field("", max_length=500, description="why (a re-run should say); kept in the cutoff's runs")


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


# ---- answers -------------------------------------------------------------------------
# They document the JSON the service layer builds (service/views.py and the use cases),
# and the handlers send their answers through them (``answer``): a field a model lacks is
# dropped and a missing one fails, so the OpenAPI document cannot drift from what is sent.
# (POST /api/v1/bookings sends its stored, possibly replayed, answer as it is: the same
# booking_view as GET /api/v1/bookings/{id}, which goes through BookingView.)
# No defaults: every member is always present. Dates and instants are the strings the
# service writes (instants ISO 8601 with the center's offset), kept as they are.

Day = Annotated[str, Field(json_schema_extra={"format": "date"})]
Instant = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
ClockTime = Annotated[str, Field(pattern=r"^\d\d:\d\d$", description="HH:MM, center local time")]
BookingStatusName = Literal["confirmed", "allocated", "checked_in", "completed", "no_show", "cancelled"]


class EnterpriseView(BaseModel):
    org_code: str
    name: str


class EnterprisePage(BaseModel):
    items: list[EnterpriseView]
    next_cursor: str | None


class MyEnterpriseView(BaseModel):
    org_code: str
    name: str
    added_at: Instant


class MyEnterprisePage(BaseModel):
    items: list[MyEnterpriseView]
    next_cursor: str | None


class BusinessTypeView(BaseModel):
    code: str
    name: str = Field(description="the Chinese label")
    needs_count: bool
    count: Literal["required", "optional", "none"] = Field(description="whether a card count is taken")
    excludes: list[str] = Field(description="types that cannot be booked with this one for one enterprise")


class BusinessTypePage(BaseModel):
    items: list[BusinessTypeView]
    next_cursor: str | None


class CalendarPeriod(BaseModel):
    code: str
    start: ClockTime
    end: ClockTime
    capacity: int
    remaining: int


class CalendarDayView(BaseModel):
    date: Day
    working: bool
    source: Literal["official", "override", "fallback"]
    bookable: bool
    not_bookable_reason: str | None = Field(
        description="past, today, calendar_unconfirmed, not_working_day, beyond_horizon, cutoff_passed or closed")
    cutoff_at: Instant | None
    periods: list[CalendarPeriod]


class CalendarView(BaseModel):
    center: str
    timezone: str
    now: Instant
    days: list[CalendarDayView]


class BookedBusiness(BaseModel):
    type: str
    count: int | None


class BookedEnterprise(BaseModel):
    org_code: str
    name: str
    status: Literal["active", "cancelled"]
    businesses: list[BookedBusiness]


class AllocationView(BaseModel):
    desk: int
    start: ClockTime
    end: ClockTime
    queue_number: str


class BookingSms(BaseModel):
    status: Literal["pending", "delivered", "failed"]
    resend_available: bool


class BookingView(BaseModel):
    """A booking (api.md "A booking")."""
    id: str
    center: str
    date: Day
    period: str
    status: BookingStatusName
    contact_name: str
    contact_phone: str
    created_at: Instant
    cutoff_at: Instant | None = Field(description="when changes to the booking close")
    enterprises: list[BookedEnterprise]
    allocation: AllocationView | None
    sms: BookingSms


class BookingPage(BaseModel):
    items: list[BookingView]
    next_cursor: str | None


class SmsResendView(BaseModel):
    booking_id: str
    sms: BookingSms


class BookingRightsView(BaseModel):
    suspended_until: Instant | None
    reason: str | None = Field(description="too_many_no_shows or too_many_cancellations")
    no_shows: int
    cancellations: int


class DeskScheduleView(BaseModel):
    center: str
    date: Day
    items: list[DeskBookingView] = Field(description="the day's allocated bookings in queue order, with their last call")
    next_cursor: str | None


class CapacityView(BaseModel):
    center: str
    date: Day
    period: str
    capacity: int
    booked: int
    remaining: int


class CalendarDayOverride(BaseModel):
    center: str
    date: Day
    working: bool
    source: Literal["override"]
    note: str


class PeriodStats(BaseModel):
    code: str
    capacity: int
    booked: int
    remaining: int
    bookings: int
    enterprise_lines: int


class StatusCounts(BaseModel):
    confirmed: int
    allocated: int
    checked_in: int
    completed: int
    no_show: int
    cancelled: int


class BusinessTypeStats(BaseModel):
    type: str
    enterprises: int
    cards: int


class DayStatsView(BaseModel):
    center: str
    date: Day
    periods: list[PeriodStats]
    statuses: StatusCounts
    business_types: list[BusinessTypeStats]


class RightsSnapshotView(BaseModel):
    no_shows: int
    cancellations: int
    suspended_until: Instant | None
    reason: str | None


class RightsAuditEntry(BaseModel):
    at: Instant
    change: Literal["cancellation_counted", "no_show_counted", "suspended", "lifted"]
    actor: str | None = Field(description="the user whose request it was; null: the system")
    note: str
    request_id: str | None
    before: RightsSnapshotView
    after: RightsSnapshotView


class AgentSummary(BaseModel):
    id: str
    username: str | None
    name: str
    phone: str = Field(description="masked: 138****5678")
    registered_at: Instant | None


class AgentRightsView(BaseModel):
    suspended_until: Instant | None
    reason: str | None
    no_shows: int
    cancellations: int
    agent_id: str
    audit: list[RightsAuditEntry]
    agent: AgentSummary | None = Field(description="who the agent is (booking's copy); null when unknown")


class CutoffStateView(BaseModel):
    center: str
    date: Day
    status: Literal["open", "closed", "allocated"]
    bookings: int = Field(description="bookings not cancelled; frozen once the date is closed")
    cutoff_at: Instant | None = Field(description="the normal cutoff (an admin may close earlier)")
    closed_at: Instant | None
    closed_by: str | None
    allocated_at: Instant | None
    cutoff_id: str | None
    requested_at: Instant | None
    requests: int
    snapshot_bookings: int | None


# ---- 叫号 (issue 18): the desk's calls, the hall display, an agent's place -------------

class ShiftBody(_Body):
    center: str | None = None
    desk: StrictInt = Field(ge=1, le=999, description="a desk of the center: 1 .. its number of desks")


class CenterBody(_Body):
    center: str | None = None


class DisplayTokenBody(_Body):
    center: str | None = None
    name: str = Field(min_length=1, max_length=50, description="which screen, e.g. 一楼大厅")


class DisplayBoardQuery(_Body):
    token: str | None = Field(None, description="the display token, where no header can be sent (an overlong one is refused as invalid)")


CallKind = Literal["call", "recall", "skip"]


class CallView(BaseModel):
    """One call (叫号), recall (重呼) or skip (过号)."""
    id: str
    booking_id: str
    center: str
    date: Day
    desk: int = Field(description="the desk that called")
    queue_number: str
    period: str
    kind: CallKind
    called_at: Instant


class DeskShiftView(BaseModel):
    center: str
    date: Day
    desk: int
    clerk_id: str
    started_at: Instant
    current: CallView | None = Field(description="the desk's open call, if any")


class DisplayTokenView(BaseModel):
    id: str
    center: str
    name: str
    created_at: Instant
    expires_at: Instant


class DisplayTokenCreated(DisplayTokenView):
    token: str = Field(description="shown this once: only its hash is kept")


class DisplayTokenPage(BaseModel):
    items: list[DisplayTokenView] = Field(description="the center's tokens neither revoked nor expired")
    next_cursor: str | None


class BoardDesk(BaseModel):
    desk: int
    queue_number: str | None = Field(description="the number now served at the desk")
    called_at: Instant | None


class BoardCall(BaseModel):
    desk: int
    queue_number: str
    kind: CallKind
    called_at: Instant


class BoardWaiting(BaseModel):
    period: str
    waiting: int = Field(description="checked in, not called now")


class BoardView(BaseModel):
    """The hall display: numbers and desks only, never names, phones or booking ids."""
    center: str
    date: Day
    now: Instant
    desks: list[BoardDesk] = Field(description="every desk of the center, 1 .. desks")
    recent: list[BoardCall] = Field(description="the last 10 calls and recalls, newest first")
    waiting: list[BoardWaiting]
    last_event_id: int = Field(description="the seq of the day's last call: a stream resumes after it")


class PlaceView(BaseModel):
    """An agent's place on the day."""
    booking_id: str
    date: Day
    desk: int | None
    queue_number: str | None
    status: BookingStatusName
    now_serving: str | None = Field(description="the number open at the booking's desk (today only)")
    ahead: int | None = Field(description="waiting before it in its desk queue; null when not today, "
                                          "not allocated/checked in, or done")
    called: bool = Field(description="a desk is calling this booking now")


class DeskBookingView(BookingView):
    """A booking on the desk's schedule: with its last call."""
    called_at: Instant | None
    called_desk: int | None = Field(description="the desk that last called it")


M = TypeVar("M", bound=BaseModel)


def answer(model: type[M], data: dict) -> dict:
    """``data`` as ``model`` describes it (see above)."""
    return model.model_validate(data).model_dump(mode="json")
