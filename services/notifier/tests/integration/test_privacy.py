"""Verification codes never reach a log line and are not kept once sent; phones appear in
logs only masked (138****0000). Checked on the JSON logs of a real app at DEBUG, with the
log provider and the http provider's failure paths."""
from __future__ import annotations

import logging

import structlog

from shared.logging import configure_logging
from testsupport.notifier import events as ev
from testsupport.generators import new_phone


async def test_logs_hold_no_code_and_no_full_phone_and_the_code_is_masked_once_sent(notifier_env, capsys):
    env = notifier_env
    configure_logging("notifier", "DEBUG")
    try:
        await env.start(sms_provider="log", sms_http_url=None)
        http = await env.start(max_in_flight=2)          # the same queue: some go over http
        env.fake.state.answer_with(503, 400)              # a retry and a failure on the way
        phones = [new_phone() for _ in range(6)]
        codes = ["135790", "246802", "975311"]
        await env.publish(*(ev.verification_code(p, c, purpose="login") for p, c in zip(phones, codes)),
                          ev.confirmed("bk-privacy-1", phones[3]), ev.allocated("bk-privacy-2", phones[4]),
                          ev.cancelled("bk-privacy-3", phones[5]))
        rows = await env.wait_final(6)
        await http.get("/healthz")
        out = capsys.readouterr().out
    finally:
        structlog.reset_defaults()
        logging.getLogger().handlers.clear()

    assert "sms_attempt" in out and "sms.logged" in out      # both providers were used and logged
    assert not [c for c in codes if c in out]
    assert not [p for p in phones if p in out]
    assert f"{phones[0][:3]}****{phones[0][-4:]}" in out
    for row in rows:
        if row["sensitive"]:
            assert "******" in row["body"] and not [c for c in codes if c in row["body"]]
        else:
            assert "******" not in row["body"]
    assert {r["status"] for r in rows} <= {"delivered", "failed"}
