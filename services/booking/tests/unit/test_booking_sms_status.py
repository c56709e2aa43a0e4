import itertools

from booking.domain.booking import SMS_OUTCOME_REPLACES, SmsStatus, combined_sms_outcome


def test_a_new_booking_waits_for_its_sms(new_booking):
    assert new_booking().sms_status is SmsStatus.PENDING


def test_pending_becomes_delivered_or_failed(new_booking):
    delivered, failed = new_booking(), new_booking()
    assert delivered.sms_delivered() and delivered.sms_status is SmsStatus.DELIVERED
    assert failed.sms_failed() and failed.sms_status is SmsStatus.FAILED


def test_a_later_delivery_wins_over_a_failure(new_booking):
    booking = new_booking()
    booking.sms_failed()
    assert booking.sms_delivered()
    assert booking.sms_status is SmsStatus.DELIVERED


def test_a_failure_never_hides_a_delivery(new_booking):
    booking = new_booking()
    booking.sms_delivered()
    assert not booking.sms_failed()
    assert not booking.sms_delivered()      # twice: nothing changes
    assert booking.sms_status is SmsStatus.DELIVERED


def test_asking_for_the_sms_again_waits_for_the_new_one(new_booking):
    booking = new_booking()
    booking.sms_failed()
    booking.use_sms_resend()
    assert booking.sms_status is SmsStatus.PENDING


def test_the_outcome_rule_as_data_for_the_one_statement_update():
    assert SMS_OUTCOME_REPLACES[SmsStatus.DELIVERED] == {SmsStatus.PENDING, SmsStatus.FAILED}
    assert SMS_OUTCOME_REPLACES[SmsStatus.FAILED] == {SmsStatus.PENDING}


def _one_after_another(start: SmsStatus, reports) -> SmsStatus:
    status = start
    for outcome in reports:
        if status in SMS_OUTCOME_REPLACES[outcome]:
            status = outcome
    return status


def test_several_reports_of_one_booking_combine_into_the_one_that_leaves_the_same_status():
    """A batch changes each booking once (combined_sms_outcome): for every status a booking
    may have and every order of up to four reports, the combined report leaves it where the
    reports one after the other would."""
    outcomes = (SmsStatus.DELIVERED, SmsStatus.FAILED)
    for start in SmsStatus:
        for n in range(1, 5):
            for reports in itertools.product(outcomes, repeat=n):
                expected = _one_after_another(start, reports)
                assert _one_after_another(start, [combined_sms_outcome(reports)]) == expected, (start, reports)
