"""Request and answer models of the routes the administration console and the agent's
screens added (issue 15; docs/console-api.md). Every model here is in the OpenAPI document."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.http.formats import example, example_of

from booking.api.models import BusinessTypeStats, ClockTime, CutoffStateView, Day, Instant, PeriodStats, StatusCounts


class _Body(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")


# ---- the official calendar -------------------------------------------------------------

class OfficialYearBody(_Body):
    """A year's official schedule as the State Council's notice gives it."""
    model_config = ConfigDict(json_schema_extra=example({'holidays': ['2027-01-01',
                                                                      "2027-02-06",
                                                                      "2027-02-07",
                                                                      '2027-02-08'],
                                                         'workdays': ['2027-02-20'],
                                                         'note': '国办发明电〔2026〕7号'}))
    holidays: list[date] = Field(max_length=366, description="days off (weekends inside a holiday period may be listed)")
    workdays: list[date] = Field(max_length=366, description="调休: weekend days that are worked")
    note: str = Field("", max_length=500, description="e.g. the notice's number")


class OfficialYearView(BaseModel):
    """A year's official schedule and where it comes from."""
    model_config = ConfigDict(json_schema_extra=example({'year': 2027,
                                                         'source': 'admin',
                                                         'holidays': ['2027-01-01', '2027-02-06'],
                                                         'workdays': ['2027-02-20'],
                                                         'package_knows': False,
                                                         'loaded_by': '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
                                                         'loaded_at': '2026-12-01T10:00:00+08:00',
                                                         'note': '国办发明电〔2026〕7号'}))
    year: int
    source: Literal["admin", "package"] | None = Field(
        description="admin: loaded (wins while loaded); package: chinese-calendar knows it; null: unconfirmed")
    holidays: list[Day]
    workdays: list[Day]
    package_knows: bool
    loaded_by: str | None
    loaded_at: Instant | None
    note: str | None


class MonthQuery(_Body):
    center: str | None = Field(None, description="a center's id (GET /api/v1/centers); default: the default center")
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")


class DayOverrideView(BaseModel):
    """An override of a date, who set it and when."""
    model_config = ConfigDict(json_schema_extra=example({'working': False,
                                                         'note': '设备检修，暂停办理',
                                                         'set_by': '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
                                                         'set_at': '2027-03-01T09:00:00+08:00'}))
    working: bool
    note: str
    set_by: str | None
    set_at: Instant


class AdminCalendarDay(BaseModel):
    """A day of the console's month view."""
    model_config = ConfigDict(json_schema_extra=example({'date': '2027-03-15',
                                                         'weekday': 1,
                                                         'working': True,
                                                         'source': 'package',
                                                         'official_working': True,
                                                         'confirmed': True,
                                                         'override': None,
                                                         'bookable': True,
                                                         'not_bookable_reason': None,
                                                         'cutoff_at': '2027-03-12T15:00:00+08:00',
                                                         'cutoff_status': 'open'}))
    date: Day
    weekday: int = Field(description="1 = Monday .. 7 = Sunday")
    working: bool
    source: Literal["override", "admin", "package", "fallback"] = Field(
        description="where `working` comes from; fallback: the year is unconfirmed (never released)")
    official_working: bool | None
    confirmed: bool
    override: DayOverrideView | None
    bookable: bool
    not_bookable_reason: str | None
    cutoff_at: Instant | None
    cutoff_status: Literal["open", "closed", "allocated"]


class FirstUnconfirmed(BaseModel):
    """The first day whose year is unconfirmed, and when it would open for booking."""
    model_config = ConfigDict(json_schema_extra=example({'date': '2028-01-03',
                                                         'release_opens_on': '2027-12-20',
                                                         'days_until_release': 12}))
    date: Day
    release_opens_on: Day
    days_until_release: int


class AdminMonthView(BaseModel):
    """A month of a center's calendar for the console."""
    model_config = ConfigDict(json_schema_extra=example({'center': 'qingdao',
                                                         'month': '2027-03',
                                                         'year_source': 'admin',
                                                         'first_unconfirmed': None,
                                                         'days': [{'date': '2027-03-15',
                                                                   'weekday': 1,
                                                                   'working': True,
                                                                   'source': 'package',
                                                                   'official_working': True,
                                                                   'confirmed': True,
                                                                   'override': None,
                                                                   'bookable': True,
                                                                   'not_bookable_reason': None,
                                                                   'cutoff_at': '2027-03-12T15:00:00+08:00',
                                                                   'cutoff_status': 'open'}]}))
    center: str
    month: str
    year_source: Literal["admin", "package"] | None
    first_unconfirmed: FirstUnconfirmed | None = Field(description="the first unconfirmed day within 400 days")
    days: list[AdminCalendarDay]


# ---- capacity ------------------------------------------------------------------------------

class RangeQuery(_Body):
    model_config = ConfigDict(populate_by_name=True)
    center: str | None = Field(None, description="a center's id (GET /api/v1/centers); default: the default center")
    from_: date | None = Field(None, alias="from", description="the first day; default: as the operation says")
    to: date | None = Field(None, description="the last day; default: as the operation says")


class CapacityPeriodView(BaseModel):
    """A period of a date: capacity, booked, left."""
    model_config = ConfigDict(json_schema_extra=example({'code': 'AM',
                                                         'start': '09:00',
                                                         'end': '11:30',
                                                         'capacity': 40,
                                                         'booked': 17,
                                                         'remaining': 23}))
    code: str
    start: ClockTime
    end: ClockTime
    capacity: int
    booked: int
    remaining: int


class CapacityDayView(BaseModel):
    """A date's periods with their capacity."""
    model_config = ConfigDict(json_schema_extra=example({'date': '2027-03-15',
                                                         'working': True,
                                                         'periods': [{'code': 'AM',
                                                                      'start': '09:00',
                                                                      'end': '11:30',
                                                                      'capacity': 40,
                                                                      'booked': 17,
                                                                      'remaining': 23}]}))
    date: Day
    working: bool
    periods: list[CapacityPeriodView]


class CapacityRangeView(BaseModel):
    """Capacity per date and period over a range."""
    model_config = ConfigDict(json_schema_extra=example({'center': 'qingdao',
                                                         'days': [{'date': '2027-03-15',
                                                                   'working': True,
                                                                   'periods': [{'code': 'AM',
                                                                                'start': '09:00',
                                                                                'end': '11:30',
                                                                                'capacity': 40,
                                                                                'booked': 17,
                                                                                'remaining': 23}]}]}))
    center: str
    days: list[CapacityDayView]


# ---- cutoffs, statistics -------------------------------------------------------------------

class CutoffRunView(BaseModel):
    """One request to allocate a date: the scheduled one or an administrator's."""
    model_config = ConfigDict(json_schema_extra=example({'at': '2027-03-12T15:00:00+08:00',
                                                         'by': None,
                                                         'reason': 'scheduled',
                                                         'rerun': False}))
    at: Instant
    by: str | None = Field(description="the administrator; null: the scheduler")
    reason: str
    rerun: bool


class CutoffStateWithRuns(CutoffStateView):
    """A date's cutoff state and every allocation request."""
    model_config = ConfigDict(json_schema_extra=example({
        **example_of(CutoffStateView),
        "runs": [{"at": "2027-03-12T15:00:00+08:00", "by": None, "reason": "scheduled", "rerun": False}]}))
    runs: list[CutoffRunView]


class CutoffList(BaseModel):
    """The cutoff states of a range of working days."""
    model_config = ConfigDict(json_schema_extra=example({"center": "qingdao", "items": [example_of(CutoffStateView)]}))
    center: str
    items: list[CutoffStateView] = Field(description="one per working day of the range")


class PeriodStatsWithTypes(PeriodStats):
    """A period's counts, with its business types."""
    model_config = ConfigDict(json_schema_extra=example({'code': 'AM',
                                                         'capacity': 40,
                                                         'booked': 17,
                                                         'remaining': 23,
                                                         'bookings': 8,
                                                         'enterprise_lines': 17,
                                                         'business_types': [{'type': 'RENEW_UNLOCK',
                                                                             'enterprises': 9,
                                                                             'cards': 17}]}))
    business_types: list[BusinessTypeStats]


class DayTotals(BaseModel):
    """A day's totals."""
    model_config = ConfigDict(json_schema_extra=example({'bookings': 12,
                                                         'enterprise_lines': 30,
                                                         'cards': 41,
                                                         'cancelled_bookings': 2,
                                                         'cancelled_lines': 3,
                                                         'no_shows': 1}))
    bookings: int = Field(description="not cancelled")
    enterprise_lines: int = Field(description="active")
    cards: int
    cancelled_bookings: int
    cancelled_lines: int
    no_shows: int


class DeskCallingStats(BaseModel):
    """叫号 at one desk on the day."""
    model_config = ConfigDict(json_schema_extra=example({
        "desk": 3, "calls": 41, "completed": 38, "skipped": 2, "waiting_seconds_avg": 512.4,
        "waiting_seconds_p90": 1130.0, "service_seconds_avg": 402.7}))
    desk: int
    calls: int
    completed: int
    skipped: int
    waiting_seconds_avg: float | None = Field(description="check-in to first call, of the numbers it called first")
    waiting_seconds_p90: float | None
    service_seconds_avg: float | None = Field(description="first call to completion")


class CallingStatsView(BaseModel):
    """叫号 figures of the day, per desk (every desk of the center)."""
    model_config = ConfigDict(json_schema_extra=example({"desks": [{
        "desk": 1, "calls": 41, "completed": 38, "skipped": 2, "waiting_seconds_avg": 512.4,
        "waiting_seconds_p90": 1130.0, "service_seconds_avg": 402.7}]}))
    desks: list[DeskCallingStats]


class DayStatsFullView(BaseModel):
    """A day's counts by period, status and business type, and its totals."""
    model_config = ConfigDict(json_schema_extra=example({'center': 'qingdao',
                                                         'date': '2027-03-15',
                                                         'periods': [{'code': 'AM',
                                                                      'capacity': 40,
                                                                      'booked': 17,
                                                                      'remaining': 23,
                                                                      'bookings': 8,
                                                                      'enterprise_lines': 17,
                                                                      'business_types': [{'type': 'RENEW_UNLOCK',
                                                                                          'enterprises': 9,
                                                                                          'cards': 17}]}],
                                                         'statuses': {'confirmed': 12,
                                                                      'allocated': 0,
                                                                      'checked_in': 0,
                                                                      'completed': 0,
                                                                      'no_show': 0,
                                                                      'cancelled': 2},
                                                         'business_types': [{'type': 'RENEW_UNLOCK',
                                                                             'enterprises': 9,
                                                                             'cards': 17}],
                                                         'totals': {'bookings': 12,
                                                                    'enterprise_lines': 30,
                                                                    'cards': 41,
                                                                    'cancelled_bookings': 2,
                                                                    'cancelled_lines': 3,
                                                                    'no_shows': 1},
                                                         'calling': {'desks': [{'desk': 1, 'calls': 41, 'completed': 38,
                                                                                'skipped': 2, 'waiting_seconds_avg': 512.4,
                                                                                'waiting_seconds_p90': 1130.0,
                                                                                'service_seconds_avg': 402.7}]}}))
    center: str
    date: Day
    periods: list[PeriodStatsWithTypes]
    statuses: StatusCounts
    business_types: list[BusinessTypeStats]
    totals: DayTotals
    calling: CallingStatsView


# ---- agents ----------------------------------------------------------------------------------

class AgentQuery(_Body):
    q: str = Field(min_length=2, max_length=50, description="username (prefix) or phone (11 digits or last 4+)")
    cursor: str | None = Field(None, max_length=500, description="next_cursor of the previous page")
    limit: int = Field(20, ge=1, le=100, description="agents per page")


class AgentListItem(BaseModel):
    """An agent found, with its booking rights (the phone masked)."""
    model_config = ConfigDict(json_schema_extra=example({'id': '5f0c6b1e-8a4d-4c2b-9e3f-1a2b3c4d5e6f',
                                                         'username': 'zhang.wei',
                                                         'name': '张伟',
                                                         'phone': '138****8000',
                                                         'registered_at': '2027-01-05T09:30:00+08:00',
                                                         'suspended_until': None,
                                                         'reason': None,
                                                         'no_shows': 0,
                                                         'cancellations': 1}))
    id: str
    username: str | None
    name: str
    phone: str = Field(description="masked: 138****5678")
    registered_at: Instant | None
    suspended_until: Instant | None
    reason: str | None
    no_shows: int
    cancellations: int


class AgentPage(BaseModel):
    """A page of agents found."""
    model_config = ConfigDict(json_schema_extra=example({'items': [{'id': '5f0c6b1e-8a4d-4c2b-9e3f-1a2b3c4d5e6f',
                                                                    'username': 'zhang.wei',
                                                                    'name': '张伟',
                                                                    'phone': '138****8000',
                                                                    'registered_at': '2027-01-05T09:30:00+08:00',
                                                                    'suspended_until': None,
                                                                    'reason': None,
                                                                    'no_shows': 0,
                                                                    'cancellations': 1}],
                                                         'next_cursor': None}))
    items: list[AgentListItem]
    next_cursor: str | None


# ---- centers -----------------------------------------------------------------------------

class CenterPeriod(BaseModel):
    """A period of the center's day."""
    model_config = ConfigDict(json_schema_extra=example({'code': 'AM', 'start': '09:00', 'end': '11:30'}))
    code: str
    start: ClockTime
    end: ClockTime


class CenterLimits(BaseModel):
    """The center's size limits of a booking."""
    model_config = ConfigDict(json_schema_extra=example({'enterprises_per_booking': 10,
                                                         'contact_name_max': 50,
                                                         'enterprise_name_max': 200,
                                                         'card_count_max': 99}))
    enterprises_per_booking: int
    contact_name_max: int
    enterprise_name_max: int
    card_count_max: int


class CenterView(BaseModel):
    """A center's settings."""
    model_config = ConfigDict(json_schema_extra=example({'id': 'qingdao',
                                                         'timezone': 'Asia/Shanghai',
                                                         'cutoff_time': '15:00',
                                                         'release_working_days': 10,
                                                         'late_minutes': 10,
                                                         'closing_time': '17:00',
                                                         'desks': 4,
                                                         'segment_minutes': 30,
                                                         'periods': [{'code': 'AM', 'start': '09:00', 'end': '11:30'},
                                                                     {'code': 'PM',
                                                                      'start': '13:30',
                                                                      'end': '17:00'}],
                                                         'limits': {'enterprises_per_booking': 10,
                                                                    'contact_name_max': 50,
                                                                    'enterprise_name_max': 200,
                                                                    'card_count_max': 99}}))
    id: str
    timezone: str
    cutoff_time: ClockTime = Field(description="on the last working day before the service date")
    release_working_days: int = Field(description="a date opens this many working days ahead")
    late_minutes: int = Field(description="after the segment start: check-in refused, no-show allowed")
    closing_time: ClockTime
    desks: int
    segment_minutes: int
    periods: list[CenterPeriod]
    limits: CenterLimits


class CenterPage(BaseModel):
    """Every center."""
    model_config = ConfigDict(json_schema_extra=example({'items': [{'id': 'qingdao',
                                                                    'timezone': 'Asia/Shanghai',
                                                                    'cutoff_time': '15:00',
                                                                    'release_working_days': 10,
                                                                    'late_minutes': 10,
                                                                    'closing_time': '17:00',
                                                                    'desks': 4,
                                                                    'segment_minutes': 30,
                                                                    'periods': [{'code': 'AM',
                                                                                 'start': '09:00',
                                                                                 'end': '11:30'},
                                                                                {'code': 'PM',
                                                                                 'start': '13:30',
                                                                                 'end': '17:00'}],
                                                                    'limits': {'enterprises_per_booking': 10,
                                                                               'contact_name_max': 50,
                                                                               'enterprise_name_max': 200,
                                                                               'card_count_max': 99}}],
                                                         'next_cursor': None}))
    items: list[CenterView]
    next_cursor: str | None
