"""Request and answer models of the routes the administration console and the agent's
screens added (issue 15; docs/console-api.md). Every model here is in the OpenAPI document."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .models import (BusinessTypeStats, ClockTime, CutoffStateView, Day, Instant, PeriodStats, StatusCounts)


class _Body(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")


# ---- the official calendar -------------------------------------------------------------

class OfficialYearBody(_Body):
    holidays: list[date] = Field(max_length=366, description="days off (weekends inside a holiday period may be listed)")
    workdays: list[date] = Field(max_length=366, description="调休: weekend days that are worked")
    note: str = Field("", max_length=500, description="e.g. the notice's number")


class OfficialYearView(BaseModel):
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
    center: str | None = None
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")


class DayOverrideView(BaseModel):
    working: bool
    note: str
    set_by: str | None
    set_at: Instant


class AdminCalendarDay(BaseModel):
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
    date: Day
    release_opens_on: Day
    days_until_release: int


class AdminMonthView(BaseModel):
    center: str
    month: str
    year_source: Literal["admin", "package"] | None
    first_unconfirmed: FirstUnconfirmed | None = Field(description="the first unconfirmed day within 400 days")
    days: list[AdminCalendarDay]


# ---- capacity ------------------------------------------------------------------------------

class RangeQuery(_Body):
    model_config = ConfigDict(populate_by_name=True)
    center: str | None = None
    from_: date | None = Field(None, alias="from")
    to: date | None = None


class CapacityPeriodView(BaseModel):
    code: str
    start: ClockTime
    end: ClockTime
    capacity: int
    booked: int
    remaining: int


class CapacityDayView(BaseModel):
    date: Day
    working: bool
    periods: list[CapacityPeriodView]


class CapacityRangeView(BaseModel):
    center: str
    days: list[CapacityDayView]


# ---- cutoffs, statistics -------------------------------------------------------------------

class CutoffRunView(BaseModel):
    at: Instant
    by: str | None = Field(description="the administrator; null: the scheduler")
    reason: str
    rerun: bool


class CutoffStateWithRuns(CutoffStateView):
    runs: list[CutoffRunView]


class CutoffList(BaseModel):
    center: str
    items: list[CutoffStateView] = Field(description="one per working day of the range")


class PeriodStatsWithTypes(PeriodStats):
    business_types: list[BusinessTypeStats]


class DayTotals(BaseModel):
    bookings: int = Field(description="not cancelled")
    enterprise_lines: int = Field(description="active")
    cards: int
    cancelled_bookings: int
    cancelled_lines: int
    no_shows: int


class DeskCallingStats(BaseModel):
    """叫号 at one desk on the day."""
    desk: int
    calls: int
    completed: int
    skipped: int
    waiting_seconds_avg: float | None = Field(description="check-in to first call, of the numbers it called first")
    waiting_seconds_p90: float | None
    service_seconds_avg: float | None = Field(description="first call to completion")


class CallingStatsView(BaseModel):
    desks: list[DeskCallingStats]


class DayStatsFullView(BaseModel):
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
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(20, ge=1, le=100)


class AgentListItem(BaseModel):
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
    items: list[AgentListItem]
    next_cursor: str | None


# ---- centers -----------------------------------------------------------------------------

class CenterPeriod(BaseModel):
    code: str
    start: ClockTime
    end: ClockTime


class CenterLimits(BaseModel):
    enterprises_per_booking: int
    contact_name_max: int
    enterprise_name_max: int
    card_count_max: int


class CenterView(BaseModel):
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
    items: list[CenterView]
    next_cursor: str | None
