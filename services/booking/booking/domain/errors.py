"""Every refusal the booking domain can give, each with the stable code of api.md.

Each says its kind by its base class (shared.errors) and knows nothing of HTTP: the api
layer answers it as application/problem+json with its kind's status (shared.http.statuses);
``extra`` keyword arguments
become members of the problem document (``field``, ``reason``, ``suspended_until``).
Shape errors (missing field, 0 or 11 enterprises, unknown type, bad phone, ...) are
``shared.errors.ValidationFailed`` with ``[{field, message}]``; it is re-exported here so
the domain has one place to import refusals from.
"""
from __future__ import annotations

from datetime import datetime

from shared.errors import Conflict, Forbidden, NotFound, Unauthorized, Unprocessable, ValidationFailed

__all__ = [
    "ValidationFailed", "InvalidOrgCode", "BusinessConflict", "CountRequired",
    "DateNotBookable", "PeriodUnknown", "CapacityExhausted", "DuplicatePeriod",
    "EnterpriseAlreadyBooked", "Suspended", "CutoffPassed", "NotActive", "SmsResendUsed",
    "Late", "WrongDay", "CapacityBelowBooked", "LineNotFound", "BookingNotFound",
    "EnterpriseExists", "EnterpriseAlreadyAdded", "IdempotencyKeyReused", "NotLateYet", "CenterNotFound",
    "NoShift", "CallOpen", "QueueEmpty", "NoCall", "DisplayTokenInvalid", "DisplayTokenNotFound",
]


# --- Unprocessable: the request makes sense as JSON but breaks a booking rule ---------

class InvalidOrgCode(Unprocessable):
    code = "enterprise.code_invalid"
    title = "Not a valid organisation code or unified social credit code"


class BusinessConflict(Unprocessable):
    code = "booking.business_conflict"
    title = "These business types cannot be booked together for one enterprise"


class CountRequired(Unprocessable):
    code = "booking.count_required"
    title = "This business type needs a card count"


class IdempotencyKeyReused(Unprocessable):
    code = "idempotency.key_reused"
    title = "This Idempotency-Key was used with another request body"


class DateNotBookable(Unprocessable):
    code = "booking.date_not_bookable"
    title = "This date cannot be booked"


class PeriodUnknown(Unprocessable):
    code = "booking.period_unknown"
    title = "The center has no such period"


# --- Conflict: the request is fine but the state of things refuses it -----------------

class CapacityExhausted(Conflict):
    code = "booking.capacity_exhausted"
    title = "No capacity left for this date and period"


class DuplicatePeriod(Conflict):
    code = "booking.duplicate_period"
    title = "This agent or phone already has a booking for this period"


class EnterpriseAlreadyBooked(Conflict):
    code = "booking.enterprise_already_booked"
    title = "This enterprise is already booked on this date"


class CutoffPassed(Conflict):
    code = "booking.cutoff_passed"
    title = "The cutoff for this service date has passed"


class NotActive(Conflict):
    code = "booking.not_active"
    title = "The booking is not in a state that allows this"


class SmsResendUsed(Conflict):
    code = "booking.sms_resend_used"
    title = "The SMS of this booking was already sent again once"


class Late(Conflict):
    """Check-in refused for lateness. The booking has *already* been marked no_show when
    this is raised: the caller must save the booking before answering."""
    code = "booking.late"
    title = "Too late to check in: counted as a no-show"


class NotLateYet(Conflict):
    """A clerk marks a no-show only once the agent is more than the center's lateness
    minutes late for the segment; ``late_after`` says from when."""
    code = "booking.not_late_yet"
    title = "The agent is not late enough yet to be marked a no-show"


class WrongDay(Conflict):
    code = "booking.wrong_day"
    title = "The booking is not for today"


class EnterpriseExists(Conflict):
    code = "enterprise.exists"
    title = "This enterprise is already in the directory"


class EnterpriseAlreadyAdded(Conflict):
    code = "enterprise.already_added"
    title = "This enterprise is already in your list"


class CapacityBelowBooked(Conflict):
    code = "capacity.below_booked"
    title = "Capacity cannot be set below what is already booked"


# --- Forbidden / NotFound -------------------------------------------------------------

class Suspended(Forbidden):
    code = "booking.suspended"
    title = "Booking rights are suspended"

    def __init__(self, suspended_until: datetime, reason: str | None = None) -> None:
        super().__init__(
            f"booking rights are suspended until {suspended_until.isoformat()}",
            suspended_until=suspended_until.isoformat(), reason=reason)


class LineNotFound(NotFound):
    # Not in api.md's list: cancelling a line the booking does not have is a NotFound of
    # the /bookings/{id}/enterprises/{org_code} resource.
    code = "booking.line_not_found"
    title = "The booking has no such enterprise"


class CenterNotFound(NotFound):
    code = "center.not_found"
    title = "No such center"


class BookingNotFound(NotFound):
    # Also the answer for another agent's booking: its existence is not revealed.
    code = "booking.not_found"
    title = "No such booking"


# --- 叫号 (issue 18): the desk's calls and the hall display ----------------------------

class NoShift(Conflict):
    code = "desk.no_shift"
    title = "Take a desk for the shift first"


class CallOpen(Conflict):
    code = "desk.call_open"
    title = "The desk's current call must be completed or skipped first"


class QueueEmpty(Conflict):
    code = "desk.queue_empty"
    title = "Nobody is waiting"


class NoCall(Conflict):
    code = "desk.no_call"
    title = "The desk has no open call"


class DisplayTokenInvalid(Unauthorized):
    code = "display.invalid_token"
    title = "Unknown, revoked or expired display token"


class DisplayTokenNotFound(NotFound):
    code = "display_token.not_found"
    title = "No such display token"
