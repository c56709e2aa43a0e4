import pytest

from booking.domain import errors
from shared.errors import AppError
from shared.http.statuses import status_of

EXPECTED = {
    "ValidationFailed": (422, "validation_error"),
    "InvalidOrgCode": (422, "enterprise.code_invalid"),
    "BusinessConflict": (422, "booking.business_conflict"),
    "CountRequired": (422, "booking.count_required"),
    "DateNotBookable": (422, "booking.date_not_bookable"),
    "PeriodUnknown": (422, "booking.period_unknown"),
    "CapacityExhausted": (409, "booking.capacity_exhausted"),
    "DuplicatePeriod": (409, "booking.duplicate_period"),
    "EnterpriseAlreadyBooked": (409, "booking.enterprise_already_booked"),
    "Suspended": (403, "booking.suspended"),
    "CutoffPassed": (409, "booking.cutoff_passed"),
    "NotActive": (409, "booking.not_active"),
    "SmsResendUsed": (409, "booking.sms_resend_used"),
    "Late": (409, "booking.late"),
    "WrongDay": (409, "booking.wrong_day"),
    "CapacityBelowBooked": (409, "capacity.below_booked"),
    "LineNotFound": (404, "booking.line_not_found"),
    "BookingNotFound": (404, "booking.not_found"),
    "EnterpriseExists": (409, "enterprise.exists"),
    "EnterpriseAlreadyAdded": (409, "enterprise.already_added"),
    "IdempotencyKeyReused": (422, "idempotency.key_reused"),
    "NotLateYet": (409, "booking.not_late_yet"),
    "CenterNotFound": (404, "center.not_found"),
    # 叫号 (issue 18)
    "NoShift": (409, "desk.no_shift"),
    "CallOpen": (409, "desk.call_open"),
    "QueueEmpty": (409, "desk.queue_empty"),
    "NoCall": (409, "desk.no_call"),
    "DisplayTokenInvalid": (401, "display.invalid_token"),
    "DisplayTokenNotFound": (404, "display_token.not_found"),
}


@pytest.mark.parametrize("name, status_code", sorted(EXPECTED.items()))
def test_each_error_has_api_mds_status_and_code(name, status_code):
    cls = getattr(errors, name)
    assert issubclass(cls, AppError)
    assert (status_of(cls), cls.code) == status_code
    assert cls.title


def test_every_exported_error_is_checked():
    assert set(errors.__all__) == set(EXPECTED)


def test_extra_members_reach_the_problem_document():
    error = errors.DateNotBookable("closed", reason="cutoff_passed")
    assert (error.detail, error.extra) == ("closed", {"reason": "cutoff_passed"})
