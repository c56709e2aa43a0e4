"""Request bodies and queries, as pydantic models: shape only. The booking rules that
have their own error codes (org codes, business types, counts, phones) are left to the
domain, which reports them with api.md's codes and field names. Then the answers (below).
Every model here is part of the OpenAPI document."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (BaseModel, ConfigDict, Field, StrictBool, StrictInt, WithJsonSchema,
                      field_validator)

from shared.http.formats import ORG_OR_CREDIT_CODE, PERIOD, PHONE, example, example_of


class _Body(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")


class EnterpriseBody(_Body):
    """An enterprise by its 组织机构代码 (9 characters) or 统一社会信用代码 (18), and its name."""
    model_config = ConfigDict(json_schema_extra=example({'code': '91350100MA1K4LXL8D', 'name': '青岛海川电子科技有限公司'}))
    code: str = Field(min_length=1, max_length=40, description="组织机构代码 (9 characters, or printed XXXXXXXX-X) "
                      "or 统一社会信用代码 (18 characters); check characters verified", json_schema_extra=ORG_OR_CREDIT_CODE)
    name: str = Field(min_length=1, max_length=200)


class DirectoryQuery(_Body):
    q: str = Field(min_length=2, max_length=100, description="the start of an organisation code, or a part of a name",
                   examples=["海川"])


class CalendarQuery(_Body):
    model_config = ConfigDict(populate_by_name=True)
    center: str | None = Field(None, description="a center's id (GET /api/v1/centers); default: the default center")
    from_: date | None = Field(None, alias="from", description="the first day; default: the center's today")
    to: date | None = Field(None, description="the last day; default: 14 days after from")


# What POST /api/v1/bookings takes, for the document only: api/booking_request.py checks
# these fields itself (every shape error at once, a missing one a 422 validation_error
# naming it) and types them for the domain, so the model accepts anything.
_BUSINESS_ITEM = {"type": "object", "required": ["type"], "properties": {
    "type": {"type": "string", "description": "a business type code (GET /api/v1/business-types)",
             "pattern": "^[A-Z_]{1,32}$", "examples": ["RENEW_UNLOCK"]},
    "count": {"type": "integer", "minimum": 1, "maximum": 99,
              "description": "card count: required or optional as the type says"}}}
_ENTERPRISE_ITEM = {"type": "object", "required": ["org_code", "businesses"], "properties": {
    "org_code": {"type": "string", "description": "组织机构代码 (9 characters, or printed XXXXXXXX-X) or "
                                                  "统一社会信用代码 (18 characters)", **ORG_OR_CREDIT_CODE},
    "businesses": {"type": "array", "minItems": 1, "items": _BUSINESS_ITEM}}}


_CHECKED_BY_THE_DOMAIN = ("period", "contact_name", "contact_phone", "enterprises")


def _booking_body_schema(schema: dict[str, Any], _model: type) -> None:
    """The contract's shape: these are required (a missing one is refused at the edge),
    with no default to show."""
    for name in _CHECKED_BY_THE_DOMAIN:
        schema["properties"][name].pop("default", None)
    schema["required"] = ["date", *_CHECKED_BY_THE_DOMAIN]
    schema["description"] = ("A booking of a period for 1 to 10 enterprises, each with its business types "
                             "(the default center when `center` is left out).")
    schema["examples"] = [{
        "center": "qingdao", "date": "2027-03-15", "period": "AM", "contact_name": "张伟",
        "contact_phone": "13800138000",
        "enterprises": [{"org_code": "MA1K4LXL8", "businesses": [{"type": "RENEW_UNLOCK", "count": 2},
                                                                 {"type": "BUY_READER"}]},
                        {"org_code": "91350100MA3C7T2N1D", "businesses": [{"type": "NEW_CARD"}]}]}]


class BookingBody(BaseModel):
    # Not a _Body: api/booking_request.py checks, types and reports these fields itself.
    model_config = ConfigDict(extra="ignore", json_schema_extra=_booking_body_schema)
    center: str | None = None
    date: date
    period: Annotated[Any, WithJsonSchema({"type": "string", "description": "a period code (GET /api/v1/calendar)",
                                           **PERIOD})] = None
    contact_name: Annotated[Any, WithJsonSchema({"type": "string", "description": "who comes to the desk",
                                                 "maxLength": 50, "examples": ["张伟"]})] = None
    contact_phone: Annotated[Any, WithJsonSchema({"type": "string", "description": "the mobile the SMS go to",
                                                  **PHONE})] = None
    enterprises: Annotated[Any, WithJsonSchema({"type": "array", "minItems": 1, "maxItems": 10,
                                                "items": _ENTERPRISE_ITEM})] = None


class BookingListQuery(_Body):
    model_config = ConfigDict(populate_by_name=True)
    from_: date | None = Field(None, alias="from", description="service dates from this day on")
    to: date | None = Field(None, description="service dates up to this day")
    status: Literal["confirmed", "allocated", "checked_in", "completed", "no_show", "cancelled"] | None = Field(
        None, description="only bookings in this status")
    cursor: str | None = Field(None, max_length=500, description="next_cursor of the previous page")
    limit: int = Field(20, ge=1, le=100, description="bookings per page")


class CapacityBody(_Body):
    """How many enterprise lines a period of a date takes."""
    model_config = ConfigDict(json_schema_extra=example({'center': 'qingdao',
                                                         'date': '2027-03-15',
                                                         'period': 'AM',
                                                         'capacity': 45}))
    center: str
    date: date
    period: str = Field(json_schema_extra=PERIOD)
    capacity: StrictInt = Field(ge=0, le=100_000)


class CalendarDayBody(_Body):
    """A date made a working day or not, whatever the official calendar says."""
    model_config = ConfigDict(json_schema_extra=example({'center': 'qingdao', 'working': False, 'note': '设备检修，暂停办理'}))
    center: str | None = None
    working: StrictBool
    note: str = Field("", max_length=500)


class CenterQuery(_Body):
    center: str | None = Field(None, description="a center's id (GET /api/v1/centers); default: the default center")


class CutoffBody(_Body):
    """The date to close now (and allocate), and why."""
    model_config = ConfigDict(json_schema_extra=example({'center': 'qingdao',
                                                         'date': '2027-03-15',
                                                         'reason': '系统故障后重新分配'}))
    center: str = Field(min_length=1, max_length=40)
    date: date
    reason: str = Field("", max_length=500, description="why (a re-run should say); kept in the cutoff's runs")


_Date = date   # the field below is named ``date``: inside the class that name is the field


class DeskScheduleQuery(_Body):
    center: str | None = Field(None, description="a center's id (GET /api/v1/centers); default: the default center")
    date: _Date | None = Field(None, description="the service date; default: the center's today")


class LiftSuspensionBody(_Body):
    """Why the suspension is lifted (kept in the agent's rights history)."""
    model_config = ConfigDict(json_schema_extra=example({'reason': '经核实为系统通知延误，撤销暂停'}))
    reason: str = Field(min_length=1, max_length=500)

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a reason is required")
        return value


# ---- answers -------------------------------------------------------------------------
# They document the JSON the service layer builds (service/views.py and the use cases),
# and each route's answer goes through its declared model (``response=``, enforced by
# shared.http.enforce): a field a model lacks is dropped and a missing one fails (a 500),
# so the OpenAPI document cannot drift from what is sent.
# (POST /api/v1/bookings sends its stored, possibly replayed, answer as it is: the same
# booking_view as GET /api/v1/bookings/{id}, which goes through BookingView.)
# No defaults: every member is always present. Dates and instants are the strings the
# service writes (instants ISO 8601 with the center's offset), kept as they are.

Day = Annotated[str, Field(json_schema_extra={"format": "date"})]
Instant = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
ClockTime = Annotated[str, Field(pattern=r"^\d\d:\d\d$", description="HH:MM, center local time")]
BookingStatusName = Literal["confirmed", "allocated", "checked_in", "completed", "no_show", "cancelled"]


class EnterpriseView(BaseModel):
    """An enterprise of the directory (its 9-character organisation code)."""
    model_config = ConfigDict(json_schema_extra=example({'org_code': 'MA1K4LXL8', 'name': '青岛海川电子科技有限公司'}))
    org_code: str
    name: str


class EnterprisePage(BaseModel):
    """Enterprises found (at most 20; next_cursor is always null)."""
    model_config = ConfigDict(json_schema_extra=example({'items': [{'org_code': 'MA1K4LXL8', 'name': '青岛海川电子科技有限公司'},
                                                                   {'org_code': '39571826X', 'name': '青岛港湾国际物流有限公司'}],
                                                         'next_cursor': None}))
    items: list[EnterpriseView]
    next_cursor: str | None


class MyEnterpriseView(BaseModel):
    """An enterprise of the agent's list."""
    model_config = ConfigDict(json_schema_extra=example({'org_code': 'MA1K4LXL8',
                                                         'name': '青岛海川电子科技有限公司',
                                                         'added_at': '2027-02-20T14:05:00+08:00'}))
    org_code: str
    name: str
    added_at: Instant


class MyEnterprisePage(BaseModel):
    """The agent's enterprises."""
    model_config = ConfigDict(json_schema_extra=example({'items': [{'org_code': 'MA1K4LXL8',
                                                                    'name': '青岛海川电子科技有限公司',
                                                                    'added_at': '2027-02-20T14:05:00+08:00'}],
                                                         'next_cursor': None}))
    items: list[MyEnterpriseView]
    next_cursor: str | None


class BusinessTypeView(BaseModel):
    """A business type (业务种类) and its rules."""
    model_config = ConfigDict(json_schema_extra=example({'code': 'RENEW_UNLOCK',
                                                         'name': '卡延期、解锁',
                                                         'needs_count': True,
                                                         'count': 'required',
                                                         'excludes': ['PRE_ENTRY', 'NEW_CARD', 'CHANGE_INFO']}))
    code: str
    name: str = Field(description="the Chinese label")
    needs_count: bool
    count: Literal["required", "optional", "none"] = Field(description="whether a card count is taken")
    excludes: list[str] = Field(description="types that cannot be booked with this one for one enterprise")


class BusinessTypePage(BaseModel):
    """The eight business types."""
    model_config = ConfigDict(json_schema_extra=example({'items': [{'code': 'NEW_CARD',
                                                                    'name': '新制卡',
                                                                    'needs_count': False,
                                                                    'count': 'none',
                                                                    'excludes': ['PRE_ENTRY',
                                                                                 "CHANGE_INFO",
                                                                                 "RENEW_UNLOCK",
                                                                                 "DECLARANT_CARD",
                                                                                 "OPERATOR_CARD",
                                                                                 "REISSUE_CARD",
                                                                                 'BUY_READER']}],
                                                         'next_cursor': None}))
    items: list[BusinessTypeView]
    next_cursor: str | None


class CalendarPeriod(BaseModel):
    """A period of a day: its times, capacity and what is left."""
    model_config = ConfigDict(json_schema_extra=example({'code': 'AM',
                                                         'start': '09:00',
                                                         'end': '11:30',
                                                         'capacity': 40,
                                                         'remaining': 23}))
    code: str
    start: ClockTime
    end: ClockTime
    capacity: int
    remaining: int


class CalendarDayView(BaseModel):
    """A day of the calendar and whether it can be booked."""
    model_config = ConfigDict(json_schema_extra=example({'date': '2027-03-15',
                                                         'working': True,
                                                         'source': 'official',
                                                         'bookable': True,
                                                         'not_bookable_reason': None,
                                                         'cutoff_at': '2027-03-12T15:00:00+08:00',
                                                         'periods': [{'code': 'AM',
                                                                      'start': '09:00',
                                                                      'end': '11:30',
                                                                      'capacity': 40,
                                                                      'remaining': 23},
                                                                     {'code': 'PM',
                                                                      'start': '13:30',
                                                                      'end': '17:00',
                                                                      'capacity': 40,
                                                                      'remaining': 40}]}))
    date: Day
    working: bool
    source: Literal["official", "override", "fallback"]
    bookable: bool
    not_bookable_reason: str | None = Field(
        description="past, today, calendar_unconfirmed, not_working_day, beyond_horizon, cutoff_passed or closed")
    cutoff_at: Instant | None
    periods: list[CalendarPeriod]


class CalendarView(BaseModel):
    """The center's days over a range, as an agent sees them."""
    model_config = ConfigDict(json_schema_extra=example({'center': 'qingdao',
                                                         'timezone': 'Asia/Shanghai',
                                                         'now': '2027-03-08T10:00:00+08:00',
                                                         'days': [{'date': '2027-03-15',
                                                                   'working': True,
                                                                   'source': 'official',
                                                                   'bookable': True,
                                                                   'not_bookable_reason': None,
                                                                   'cutoff_at': '2027-03-12T15:00:00+08:00',
                                                                   'periods': [{'code': 'AM',
                                                                                'start': '09:00',
                                                                                'end': '11:30',
                                                                                'capacity': 40,
                                                                                'remaining': 23},
                                                                               {'code': 'PM',
                                                                                'start': '13:30',
                                                                                'end': '17:00',
                                                                                'capacity': 40,
                                                                                'remaining': 40}]}]}))
    center: str
    timezone: str
    now: Instant
    days: list[CalendarDayView]


class BookedBusiness(BaseModel):
    """A business type booked for an enterprise, with its card count (null when it takes none)."""
    model_config = ConfigDict(json_schema_extra=example({'type': 'RENEW_UNLOCK', 'count': 2}))
    type: str
    count: int | None


class BookedEnterprise(BaseModel):
    """An enterprise of a booking and its business types."""
    model_config = ConfigDict(json_schema_extra=example({'org_code': 'MA1K4LXL8',
                                                         'name': '青岛海川电子科技有限公司',
                                                         'status': 'active',
                                                         'businesses': [{'type': 'RENEW_UNLOCK', 'count': 2},
                                                                        {'type': 'BUY_READER', 'count': None}]}))
    org_code: str
    name: str
    status: Literal["active", "cancelled"]
    businesses: list[BookedBusiness]


class AllocationView(BaseModel):
    """Where and when the agent is served: set at the cutoff."""
    model_config = ConfigDict(json_schema_extra=example({'desk': 3,
                                                         'start': '09:30',
                                                         'end': '10:00',
                                                         'queue_number': 'A012'}))
    desk: int
    start: ClockTime
    end: ClockTime
    queue_number: str


class BookingSms(BaseModel):
    """The state of the booking's latest SMS, and whether it may be sent again."""
    model_config = ConfigDict(json_schema_extra=example({'status': 'delivered', 'resend_available': True}))
    status: Literal["pending", "delivered", "failed"]
    resend_available: bool


class BookingView(BaseModel):
    """A booking (api.md "A booking")."""
    model_config = ConfigDict(json_schema_extra=example({'id': '0b6f1c52-3d4e-4f80-9a1b-2c3d4e5f6a7b',
                                                         'center': 'qingdao',
                                                         'date': '2027-03-15',
                                                         'period': 'AM',
                                                         'status': 'allocated',
                                                         'contact_name': '张伟',
                                                         'contact_phone': '13800138000',
                                                         'created_at': '2027-03-08T10:12:30+08:00',
                                                         'cutoff_at': '2027-03-12T15:00:00+08:00',
                                                         'enterprises': [{'org_code': 'MA1K4LXL8',
                                                                          'name': '青岛海川电子科技有限公司',
                                                                          'status': 'active',
                                                                          'businesses': [{'type': 'RENEW_UNLOCK',
                                                                                          'count': 2},
                                                                                         {'type': 'BUY_READER',
                                                                                          'count': None}]}],
                                                         'allocation': {'desk': 3,
                                                                        'start': '09:30',
                                                                        'end': '10:00',
                                                                        'queue_number': 'A012'},
                                                         'sms': {'status': 'delivered', 'resend_available': True}}))
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
    """A page of the agent's bookings."""
    model_config = ConfigDict(json_schema_extra=example(
        {"items": [example_of(BookingView)], "next_cursor": None}))
    items: list[BookingView]
    next_cursor: str | None


class SmsResendView(BaseModel):
    """The SMS is queued again."""
    model_config = ConfigDict(json_schema_extra=example({'booking_id': '0b6f1c52-3d4e-4f80-9a1b-2c3d4e5f6a7b',
                                                         'sms': {'status': 'pending', 'resend_available': False}}))
    booking_id: str
    sms: BookingSms


class BookingRightsView(BaseModel):
    """Whether the agent may book, and the counters that lead to a suspension."""
    model_config = ConfigDict(json_schema_extra=example({'suspended_until': None,
                                                         'reason': None,
                                                         'no_shows': 1,
                                                         'cancellations': 3}))
    suspended_until: Instant | None
    reason: str | None = Field(description="too_many_no_shows or too_many_cancellations")
    no_shows: int
    cancellations: int


class DeskScheduleView(BaseModel):
    """A day's allocated bookings in queue order, for the desk."""
    model_config = ConfigDict(json_schema_extra=example({
        "center": "qingdao", "date": "2027-03-15",
        "items": [{**example_of(BookingView), "called_at": None,
                   "called_desk": None}],
        "next_cursor": None}))
    center: str
    date: Day
    items: list[DeskBookingView] = Field(description="the day's allocated bookings in queue order, with their last call")
    next_cursor: str | None


class CapacityView(BaseModel):
    """A period's capacity with what is booked."""
    model_config = ConfigDict(json_schema_extra=example({'center': 'qingdao',
                                                         'date': '2027-03-15',
                                                         'period': 'AM',
                                                         'capacity': 45,
                                                         'booked': 17,
                                                         'remaining': 28}))
    center: str
    date: Day
    period: str
    capacity: int
    booked: int
    remaining: int


class CalendarDayOverride(BaseModel):
    """A date's override of the official calendar."""
    model_config = ConfigDict(json_schema_extra=example({'center': 'qingdao',
                                                         'date': '2027-03-15',
                                                         'working': False,
                                                         'source': 'override',
                                                         'note': '设备检修，暂停办理'}))
    center: str
    date: Day
    working: bool
    source: Literal["override"]
    note: str


class PeriodStats(BaseModel):
    """A period's counts."""
    model_config = ConfigDict(json_schema_extra=example({'code': 'AM',
                                                         'capacity': 40,
                                                         'booked': 17,
                                                         'remaining': 23,
                                                         'bookings': 8,
                                                         'enterprise_lines': 17}))
    code: str
    capacity: int
    booked: int
    remaining: int
    bookings: int
    enterprise_lines: int


class StatusCounts(BaseModel):
    """Bookings of the day per status."""
    model_config = ConfigDict(json_schema_extra=example({'confirmed': 12,
                                                         'allocated': 0,
                                                         'checked_in': 0,
                                                         'completed': 0,
                                                         'no_show': 0,
                                                         'cancelled': 2}))
    confirmed: int
    allocated: int
    checked_in: int
    completed: int
    no_show: int
    cancelled: int


class BusinessTypeStats(BaseModel):
    """Enterprises and cards of the day per business type."""
    model_config = ConfigDict(json_schema_extra=example({'type': 'RENEW_UNLOCK', 'enterprises': 9, 'cards': 17}))
    type: str
    enterprises: int
    cards: int


class RightsSnapshotView(BaseModel):
    """An agent's rights at one moment."""
    model_config = ConfigDict(json_schema_extra=example({'no_shows': 2,
                                                         'cancellations': 0,
                                                         'suspended_until': '2027-04-14T00:00:00+08:00',
                                                         'reason': 'too_many_no_shows'}))
    no_shows: int
    cancellations: int
    suspended_until: Instant | None
    reason: str | None


class RightsAuditEntry(BaseModel):
    """One change to an agent's booking rights: by whom, why, before and after."""
    model_config = ConfigDict(json_schema_extra=example({'at': '2027-03-15T10:11:00+08:00',
                                                         'change': 'suspended',
                                                         'actor': None,
                                                         'note': '第2次逾期未到',
                                                         'request_id': None,
                                                         'before': {'no_shows': 1,
                                                                    'cancellations': 0,
                                                                    'suspended_until': None,
                                                                    'reason': None},
                                                         'after': {'no_shows': 2,
                                                                   'cancellations': 0,
                                                                   'suspended_until': '2027-04-14T00:00:00+08:00',
                                                                   'reason': 'too_many_no_shows'}}))
    at: Instant
    change: Literal["cancellation_counted", "no_show_counted", "suspended", "lifted"]
    actor: str | None = Field(description="the user whose request it was; null: the system")
    note: str
    request_id: str | None
    before: RightsSnapshotView
    after: RightsSnapshotView


class AgentSummary(BaseModel):
    """Who an agent is (booking's copy of the account; the phone masked)."""
    model_config = ConfigDict(json_schema_extra=example({'id': '5f0c6b1e-8a4d-4c2b-9e3f-1a2b3c4d5e6f',
                                                         'username': 'zhang.wei',
                                                         'name': '张伟',
                                                         'phone': '138****8000',
                                                         'registered_at': '2027-01-05T09:30:00+08:00'}))
    id: str
    username: str | None
    name: str
    phone: str = Field(description="masked: 138****5678")
    registered_at: Instant | None


class AgentRightsView(BaseModel):
    """An agent's booking rights and their history."""
    model_config = ConfigDict(json_schema_extra=example({'no_shows': 2,
                                                         'cancellations': 0,
                                                         'suspended_until': '2027-04-14T00:00:00+08:00',
                                                         'reason': 'too_many_no_shows',
                                                         'agent_id': '5f0c6b1e-8a4d-4c2b-9e3f-1a2b3c4d5e6f',
                                                         'audit': [{'at': '2027-03-15T10:11:00+08:00',
                                                                    'change': 'suspended',
                                                                    'actor': None,
                                                                    'note': '第2次逾期未到',
                                                                    'request_id': None,
                                                                    'before': {'no_shows': 1,
                                                                               'cancellations': 0,
                                                                               'suspended_until': None,
                                                                               'reason': None},
                                                                    'after': {'no_shows': 2,
                                                                              'cancellations': 0,
                                                                              'suspended_until': '2027-04-14T00:00:00+08:00',
                                                                              'reason': 'too_many_no_shows'}}],
                                                         'agent': {'id': '5f0c6b1e-8a4d-4c2b-9e3f-1a2b3c4d5e6f',
                                                                   'username': 'zhang.wei',
                                                                   'name': '张伟',
                                                                   'phone': '138****8000',
                                                                   'registered_at': '2027-01-05T09:30:00+08:00'}}))
    suspended_until: Instant | None
    reason: str | None
    no_shows: int
    cancellations: int
    agent_id: str
    audit: list[RightsAuditEntry]
    agent: AgentSummary | None = Field(description="who the agent is (booking's copy); null when unknown")


class CutoffStateView(BaseModel):
    """A date's cutoff: open, closed (frozen) or allocated."""
    model_config = ConfigDict(json_schema_extra=example({'center': 'qingdao',
                                                         'date': '2027-03-15',
                                                         'status': 'allocated',
                                                         'bookings': 14,
                                                         'cutoff_at': '2027-03-12T15:00:00+08:00',
                                                         'closed_at': '2027-03-12T15:00:00+08:00',
                                                         'closed_by': None,
                                                         'allocated_at': '2027-03-12T15:00:04+08:00',
                                                         'cutoff_id': 'qingdao:2027-03-15:1',
                                                         'requested_at': '2027-03-12T15:00:00+08:00',
                                                         'requests': 1,
                                                         'snapshot_bookings': 14}))
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

_CALL_EXAMPLE = {"id": "5d0c8a8e-6f1b-4c2e-9a57-3b2f4e1d7c90", "booking_id": "0b6f1c52-3d4e-4f80-9a1b-2c3d4e5f6a7b",
                 "center": "qingdao", "date": "2027-03-15", "desk": 3, "queue_number": "A012", "period": "AM",
                 "kind": "call", "called_at": "2027-03-15T09:31:05+08:00"}
_TOKEN_EXAMPLE = {"id": "7a1e2b3c-4d5e-4f60-8a9b-0c1d2e3f4a5b", "center": "qingdao", "name": "一楼大厅",
                  "created_at": "2027-03-15T08:30:00+08:00", "expires_at": "2027-04-14T08:30:00+08:00"}


class ShiftBody(_Body):
    """Which desk the clerk takes for today's shift."""
    model_config = ConfigDict(json_schema_extra=example({"center": "qingdao", "desk": 3}))
    center: str | None = None
    desk: StrictInt = Field(ge=1, le=999, description="a desk of the center: 1 .. its number of desks")


class CenterBody(_Body):
    """The center (default: the default center)."""
    model_config = ConfigDict(json_schema_extra=example({"center": "qingdao"}))
    center: str | None = None


class DisplayTokenBody(_Body):
    """A name for the hall screen the token is for."""
    model_config = ConfigDict(json_schema_extra=example({"center": "qingdao", "name": "一楼大厅"}))
    center: str | None = None
    name: str = Field(min_length=1, max_length=50, description="which screen, e.g. 一楼大厅")


class DisplayBoardQuery(_Body):
    """The display token in the query, for a client that cannot send a header (EventSource)."""
    model_config = ConfigDict(json_schema_extra=example({"token": "q3Jx0sY8vH1mB2nK5pL7rT9wZ4cF6dG8hJ0kM2nP4rS"}))
    token: str | None = Field(None, description="the display token, where no header can be sent "
                                                "(an overlong one is refused as invalid)")


CallKind = Literal["call", "recall", "skip"]


class CallView(BaseModel):
    """One call (叫号), recall (重呼) or skip (过号) of a desk."""
    model_config = ConfigDict(json_schema_extra=example(_CALL_EXAMPLE))
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
    """The clerk's desk for today and its open call."""
    model_config = ConfigDict(json_schema_extra=example({
        "center": "qingdao", "date": "2027-03-15", "desk": 3, "clerk_id": "2f4e6a8c-1b3d-4f5a-9c7e-0a2b4c6d8e1f",
        "started_at": "2027-03-15T08:45:12+08:00", "current": _CALL_EXAMPLE}))
    center: str
    date: Day
    desk: int
    clerk_id: str
    started_at: Instant
    current: CallView | None = Field(description="the desk's open call, if any")


class DisplayTokenView(BaseModel):
    """A hall display token, without the token itself."""
    model_config = ConfigDict(json_schema_extra=example(_TOKEN_EXAMPLE))
    id: str
    center: str
    name: str
    created_at: Instant
    expires_at: Instant


class DisplayTokenCreated(DisplayTokenView):
    """A new hall display token: the token is shown this once."""
    model_config = ConfigDict(json_schema_extra=example(
        {**_TOKEN_EXAMPLE, "token": "q3Jx0sY8vH1mB2nK5pL7rT9wZ4cF6dG8hJ0kM2nP4rS"}))
    token: str = Field(description="shown this once: only its hash is kept")


class DisplayTokenPage(BaseModel):
    """The center's live display tokens."""
    model_config = ConfigDict(json_schema_extra=example({"items": [_TOKEN_EXAMPLE], "next_cursor": None}))
    items: list[DisplayTokenView] = Field(description="the center's tokens neither revoked nor expired")
    next_cursor: str | None


class BoardDesk(BaseModel):
    """A desk on the hall board."""
    model_config = ConfigDict(json_schema_extra=example(
        {"desk": 3, "queue_number": "A012", "called_at": "2027-03-15T09:31:05+08:00"}))
    desk: int
    queue_number: str | None = Field(description="the number now served at the desk")
    called_at: Instant | None


class BoardCall(BaseModel):
    """A recent call on the hall board."""
    model_config = ConfigDict(json_schema_extra=example(
        {"desk": 3, "queue_number": "A012", "kind": "call", "called_at": "2027-03-15T09:31:05+08:00"}))
    desk: int
    queue_number: str
    kind: CallKind
    called_at: Instant


class BoardWaiting(BaseModel):
    """How many wait in a period."""
    model_config = ConfigDict(json_schema_extra=example({"period": "AM", "waiting": 7}))
    period: str
    waiting: int = Field(description="checked in, not called now")


class BoardView(BaseModel):
    """The hall display: numbers and desks only, never names, phones or booking ids."""
    model_config = ConfigDict(json_schema_extra=example({
        "center": "qingdao", "date": "2027-03-15", "now": "2027-03-15T09:31:06+08:00",
        "desks": [{"desk": 1, "queue_number": "A010", "called_at": "2027-03-15T09:28:40+08:00"},
                  {"desk": 2, "queue_number": None, "called_at": None},
                  {"desk": 3, "queue_number": "A012", "called_at": "2027-03-15T09:31:05+08:00"}],
        "recent": [{"desk": 3, "queue_number": "A012", "kind": "call", "called_at": "2027-03-15T09:31:05+08:00"},
                   {"desk": 1, "queue_number": "A010", "kind": "recall", "called_at": "2027-03-15T09:28:40+08:00"}],
        "waiting": [{"period": "AM", "waiting": 7}, {"period": "PM", "waiting": 0}],
        "last_event_id": 1042}))
    center: str
    date: Day
    now: Instant
    desks: list[BoardDesk] = Field(description="every desk of the center, 1 .. desks")
    recent: list[BoardCall] = Field(description="the last 10 calls and recalls, newest first")
    waiting: list[BoardWaiting]
    last_event_id: int = Field(description="the seq of the day's last call: a stream resumes after it")


class PlaceView(BaseModel):
    """An agent's place on the day: the number served at the booking's desk, and how many wait before it."""
    model_config = ConfigDict(json_schema_extra=example({
        "booking_id": "0b6f1c52-3d4e-4f80-9a1b-2c3d4e5f6a7b", "date": "2027-03-15", "desk": 3,
        "queue_number": "A015", "status": "checked_in", "now_serving": "A012", "ahead": 2, "called": False,
        "called_desk": None}))
    booking_id: str
    date: Day
    desk: int | None
    queue_number: str | None
    status: BookingStatusName
    now_serving: str | None = Field(description="the number open at the booking's desk (today only)")
    ahead: int | None = Field(description="waiting before it in its desk queue; null when not today, "
                                          "not allocated/checked in, or done")
    called: bool = Field(description="a desk is calling this booking now")
    called_desk: int | None = Field(description="the desk calling this booking now (null when none): another "
                                                "desk than its own when that desk's queue was empty")


class DeskBookingView(BookingView):
    """A booking on the desk's schedule: with its last call."""
    model_config = ConfigDict(json_schema_extra=example({
        **example_of(BookingView), "status": "checked_in",
        "called_at": "2027-03-15T09:31:05+08:00", "called_desk": 3}))
    called_at: Instant | None
    called_desk: int | None = Field(description="the desk that last called it")
