"""The booking service's domain: plain Python, no I/O.

org_codes         organisation / unified social credit codes
business_types    the eight business types and how they combine
center            a center's periods, desks and time settings (QINGDAO)
working_calendar  working days: official calendar, overrides, Monday-Friday fallback
release           bookable dates and cutoffs
service_day       when the scheduler closes a date, when its day is over (closing sweep)
booking           the Booking aggregate
capacity          capacity checks, in enterprise lines
clashes           one booking per agent/phone and period, per enterprise and date
rights            booking rights and penalties (suspensions)
events            domain events recorded by the aggregates
errors            every refusal, with api.md's codes
"""
