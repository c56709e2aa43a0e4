"""Every SMS text of the system, in one place, rendered from an event's type and data.

Plain Python, no I/O. ``render(event_type, data)`` picks the template for the event (and,
where one event has several texts, for its data: the verification code's ``purpose``, a
whole or partial cancellation, the suspension's ``reason``), checks the data it
needs and returns a ``RenderedSms``. Unknown templates raise ``UnknownTemplate``; missing or
malformed data raises ``TemplateDataError`` naming the field, never its value (a value
can be a verification code).

Every text starts with the signature ``【制卡中心】``.

The data each event needs, as its contract (``shared.contracts``) has it, read as JSON
(extra fields are ignored):

``identity.verification_code.requested``
    ``code`` (6 digits), ``purpose`` (``register`` | ``login`` | ``reset_password`` | ``bind_card``),
    optional ``ttl_seconds`` (default 300 -> "5分钟内有效", rounded up to whole minutes).
``identity.card.bound``
    ``card_tail`` (the card number's last characters), ``bound_at`` (an instant, shown as a
    center-local date): the account's phone is told of every card bound to it.
``booking.confirmed``
    ``date``, ``period`` (``AM``/``PM``), and the number of enterprises: a list
    ``enterprises`` (lines whose ``status`` is ``cancelled`` are not counted), or
    ``enterprise_count`` (a resend's ``booking.sms_resend.requested``).
``booking.allocated``
    ``date``, ``desk`` (int >= 1), ``start``/``end`` (``HH:MM``), ``queue_number``, either
    at the top level or inside ``allocation`` (a resend's shape); optional ``period``.
    Lateness: ``DEFAULT_LATE_AFTER_MINUTES`` (10).
``booking.cancelled``
    ``date``, ``period``, ``whole`` (the whole booking, or some of its enterprises),
    ``org_codes`` (the lines this request cancelled: named in a partial cancellation,
    counted in a whole one), ``booking_cancelled`` (no active line left).
``booking.suspended``
    ``suspended_until`` (an instant, shown as a center-local date), ``reason``
    (``too_many_no_shows`` | ``too_many_cancellations``), optional ``count``.

``booking.queue_near``
    ``queue_number``, ``ahead`` (int >= 0): three (or fewer) are waiting before the number
    (叫号, issue 18). No name in it.

``booking.sms_resend.requested`` has no template on purpose: a resend sends the booking's
latest stored text again, it does not render a new one.

Dates are written the Chinese way with the weekday: ``2026年12月1日（星期二）``.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "SIGNATURE",
    "TEMPLATES",
    "TEMPLATED_EVENT_TYPES",
    "VERIFICATION_PURPOSES",
    "PERIOD_NAMES",
    "DEFAULT_CODE_TTL_SECONDS",
    "DEFAULT_LATE_AFTER_MINUTES",
    "RenderedSms",
    "TemplateError",
    "UnknownTemplate",
    "TemplateDataError",
    "template_key",
    "render",
    "render_template",
    "format_date_cn",
]

SIGNATURE = "【制卡中心】"

EV_VERIFICATION = "identity.verification_code.requested"
EV_CARD_BOUND = "identity.card.bound"
EV_CONFIRMED = "booking.confirmed"
EV_ALLOCATED = "booking.allocated"
EV_CANCELLED = "booking.cancelled"
EV_SUSPENDED = "booking.suspended"
EV_RESEND = "booking.sms_resend.requested"
EV_QUEUE_NEAR = "booking.queue_near"

DEFAULT_CODE_TTL_SECONDS = 300
DEFAULT_LATE_AFTER_MINUTES = 10
DEFAULT_TZ = "Asia/Shanghai"

VERIFICATION_PURPOSES = ("register", "login", "reset_password", "bind_card")
# The contract's reasons -> the suffix of their template key.
SUSPENSION_REASONS: Mapping[str, str] = {"too_many_no_shows": "no_shows",
                                         "too_many_cancellations": "cancellations"}
PERIOD_NAMES: Mapping[str, str] = {"AM": "上午", "PM": "下午"}
_WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

# ---------------------------------------------------------------------------------------
# The texts. Keys are template keys (see ``template_key``); placeholders are filled by
# ``render``. Keep every SMS wording here.
# ---------------------------------------------------------------------------------------
TEMPLATES: Mapping[str, str] = {
    "verification_code.register":
        SIGNATURE + "您的注册验证码为{code}，{minutes}分钟内有效。请勿将验证码告诉他人。",
    "verification_code.login":
        SIGNATURE + "您的登录验证码为{code}，{minutes}分钟内有效。请勿将验证码告诉他人。",
    "verification_code.reset_password":
        SIGNATURE + "您正在重置密码，验证码为{code}，{minutes}分钟内有效。如非本人操作，请忽略本短信。",
    "verification_code.bind_card":
        SIGNATURE + "您正在为账号绑定登录卡，验证码为{code}，{minutes}分钟内有效。如非本人操作，请勿告诉他人并尽快修改密码。",
    "identity.card_bound":
        SIGNATURE + "您的账号于{date}绑定了尾号{card_tail}的登录卡，此后可用该卡登录。"
        "如非本人操作，请立即通过“忘记密码”重置密码（重置后所有已绑定的卡将被解除）。",
    "booking.confirmed":
        SIGNATURE + "您已成功预约{date}{period}的制卡业务，共{count}家企业。"
        "预约截止后将以短信通知办理窗口、时间段和排队号，也可登录预约系统查询。",
    "booking.allocated":
        SIGNATURE + "您预约的{date}{period}制卡业务已安排：{desk}，办理时间{start}-{end}，"
        "排队号{queue_number}。请在该时间段内携带制卡资料到窗口办理，"
        "超过起始时间{late_minutes}分钟不予办理并计入逾期。",
    "booking.cancelled.booking":
        SIGNATURE + "您预约的{date}{period}制卡业务{count_part}已取消。如需办理，请重新预约。",
    "booking.cancelled.enterprise":
        SIGNATURE + "您预约的{date}{period}制卡业务中，企业{enterprise}的预约已取消。{rest}",
    "booking.suspended.no_shows":
        SIGNATURE + "您的预约累计逾期未到{count_part}，预约权限已暂停至{until}。"
        "期间不能新增预约，查询和取消已有预约不受影响。",
    "booking.suspended.cancellations":
        SIGNATURE + "您累计取消预约{count_part}，预约权限已暂停至{until}。"
        "期间不能新增预约，查询和取消已有预约不受影响。",
    "booking.queue_near":
        SIGNATURE + "您的排队号{queue_number}前面还有{ahead}位，请到候区等候，留意叫号。",
}

# Fragments used inside the texts above.
_CANCEL_REST_ACTIVE = "该预约中其他企业的预约不变。"
_CANCEL_REST_LAST = "该预约已无待办理企业，整个预约已取消。"
_NO_SHOWS_DEFAULT = "超过2次"
_CANCELLATIONS_DEFAULT = "超过10次"

TEMPLATED_EVENT_TYPES = frozenset({EV_VERIFICATION, EV_CARD_BOUND, EV_CONFIRMED, EV_ALLOCATED, EV_CANCELLED, EV_SUSPENDED,
                                   EV_QUEUE_NEAR})

_SIX_DIGITS = re.compile(r"\d{6}")
_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)(:[0-5]\d)?")


class TemplateError(ValueError):
    """A text could not be rendered."""


class UnknownTemplate(TemplateError):
    """No template for this event type (or for its purpose/scope/reason)."""

    def __init__(self, event_type: str, detail: str | None = None) -> None:
        self.event_type = event_type
        super().__init__(f"no SMS template for event {event_type!r}" + (f": {detail}" if detail else ""))


class TemplateDataError(TemplateError):
    """The event's data lacks a field or has a malformed one. Names the field, never the value."""

    def __init__(self, event_type: str, field: str, problem: str) -> None:
        self.event_type = event_type
        self.field = field
        self.problem = problem
        super().__init__(f"cannot render SMS for {event_type!r}: field {field!r} {problem}")


@dataclass(frozen=True)
class RenderedSms:
    template: str   # the template key, e.g. "booking.allocated"
    text: str
    sensitive: bool = False  # the text holds a secret (verification code): mask before logging

    def __repr__(self) -> str:  # never print a code through a repr
        return f"RenderedSms(template={self.template!r}, sensitive={self.sensitive}, len={len(self.text)})"


# ---------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------
def template_key(event_type: str, data: Mapping[str, Any]) -> str:
    """The key in ``TEMPLATES`` used for this event and data."""
    if event_type == EV_VERIFICATION:
        purpose = data.get("purpose")
        if purpose not in VERIFICATION_PURPOSES:
            raise UnknownTemplate(event_type, f"unknown purpose {purpose!r} "
                                  f"(expected one of {', '.join(VERIFICATION_PURPOSES)})")
        return f"verification_code.{purpose}"
    if event_type == EV_CARD_BOUND:
        return "identity.card_bound"
    if event_type == EV_CONFIRMED:
        return "booking.confirmed"
    if event_type == EV_ALLOCATED:
        return "booking.allocated"
    if event_type == EV_CANCELLED:
        whole = data.get("whole")
        if not isinstance(whole, bool):
            raise TemplateDataError(event_type, "whole", "must be true or false")
        return "booking.cancelled.booking" if whole else "booking.cancelled.enterprise"
    if event_type == EV_SUSPENDED:
        reason = data.get("reason")
        if not isinstance(reason, str) or reason not in SUSPENSION_REASONS:
            raise UnknownTemplate(event_type, f"unknown reason {reason!r} "
                                  f"(expected one of {', '.join(SUSPENSION_REASONS)})")
        return f"booking.suspended.{SUSPENSION_REASONS[reason]}"
    if event_type == EV_QUEUE_NEAR:
        return "booking.queue_near"
    if event_type == EV_RESEND:
        raise UnknownTemplate(event_type, "a resend sends the booking's latest stored text again")
    raise UnknownTemplate(event_type)


def render(event_type: str, data: Mapping[str, Any], *, tz: str = DEFAULT_TZ) -> RenderedSms:
    """Render the SMS for an event. ``tz`` converts instants (``suspended_until``) to dates."""
    if not isinstance(data, Mapping):
        raise TemplateDataError(event_type, "data", "must be an object")
    key = template_key(event_type, data)
    if event_type == EV_VERIFICATION:
        params = _verification_params(event_type, data)
    elif event_type == EV_CARD_BOUND:
        params = _card_bound_params(event_type, data, tz)
    elif event_type == EV_CONFIRMED:
        params = _confirmed_params(event_type, data, tz)
    elif event_type == EV_ALLOCATED:
        params = _allocated_params(event_type, data, tz)
    elif event_type == EV_CANCELLED:
        params = _cancelled_params(event_type, key, data, tz)
    elif event_type == EV_QUEUE_NEAR:
        params = _queue_near_params(event_type, data)
    else:  # EV_SUSPENDED: template_key let nothing else through
        params = _suspended_params(event_type, key, data, tz)
    return RenderedSms(template=key, text=render_template(key, **params),
                       sensitive=event_type == EV_VERIFICATION)


def render_template(key: str, **params: Any) -> str:
    """Fill a template by key with ready-made parameters (no validation)."""
    try:
        template = TEMPLATES[key]
    except KeyError:
        raise UnknownTemplate(key) from None
    try:
        return template.format(**params)
    except KeyError as exc:
        raise TemplateDataError(key, str(exc.args[0]), "is missing") from None


def format_date_cn(value: Any, *, tz: str = DEFAULT_TZ) -> str:
    """``2026-12-01`` -> ``2026年12月1日（星期二）``. Accepts a date, a datetime (an aware one
    is converted to ``tz`` first) or an ISO 8601 string of either."""
    d = _to_date(value, tz)
    if d is None:
        raise ValueError("not a date")
    return f"{d.year}年{d.month}月{d.day}日（{_WEEKDAYS[d.weekday()]}）"


# ---------------------------------------------------------------------------------------
# Parameters per event
# ---------------------------------------------------------------------------------------
def _verification_params(ev: str, data: Mapping[str, Any]) -> dict[str, Any]:
    code = data.get("code")
    if not isinstance(code, str) or not _SIX_DIGITS.fullmatch(code):
        raise TemplateDataError(ev, "code", "must be 6 digits")
    ttl = data.get("ttl_seconds", DEFAULT_CODE_TTL_SECONDS)
    if ttl is None:
        ttl = DEFAULT_CODE_TTL_SECONDS
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or ttl <= 0:
        raise TemplateDataError(ev, "ttl_seconds", "must be a positive number")
    return {"code": code, "minutes": max(1, math.ceil(ttl / 60))}


def _card_bound_params(ev: str, data: Mapping[str, Any], tz: str) -> dict[str, Any]:
    tail = data.get("card_tail")
    if not isinstance(tail, str) or not tail.strip():
        raise TemplateDataError(ev, "card_tail", "is missing")
    return {"card_tail": tail.strip(), "date": _date(ev, data, "bound_at", tz)}


def _confirmed_params(ev: str, data: Mapping[str, Any], tz: str) -> dict[str, Any]:
    count = data.get("enterprise_count")
    if count is None:
        lines = data.get("enterprises")
        if isinstance(lines, list):
            count = sum(1 for line in lines
                        if not (isinstance(line, Mapping) and line.get("status") == "cancelled"))
    count = _positive_int(ev, "enterprise_count", count)
    return {"date": _date(ev, data, "date", tz), "period": _period(ev, data, required=True), "count": count}


def _allocated_params(ev: str, data: Mapping[str, Any], tz: str) -> dict[str, Any]:
    alloc = data.get("allocation")
    src: Mapping[str, Any] = alloc if isinstance(alloc, Mapping) else data
    desk = _positive_int(ev, "desk", src.get("desk"))
    start = _hhmm(ev, "start", src.get("start"))
    end = _hhmm(ev, "end", src.get("end"))
    queue = src.get("queue_number")
    if not isinstance(queue, str) or not queue.strip():
        raise TemplateDataError(ev, "queue_number", "is missing")
    return {"date": _date(ev, data, "date", tz), "period": _period(ev, data, required=False),
            "desk": f"第{desk}号窗口", "start": start, "end": end,
            "queue_number": queue.strip(), "late_minutes": DEFAULT_LATE_AFTER_MINUTES}


def _queue_near_params(ev: str, data: Mapping[str, Any]) -> dict[str, Any]:
    queue = data.get("queue_number")
    if not isinstance(queue, str) or not queue.strip():
        raise TemplateDataError(ev, "queue_number", "is missing")
    ahead = data.get("ahead")
    if isinstance(ahead, bool) or not isinstance(ahead, int) or ahead < 0:
        raise TemplateDataError(ev, "ahead", "must be a whole number >= 0")
    return {"queue_number": queue.strip(), "ahead": ahead}


def _cancelled_params(ev: str, key: str, data: Mapping[str, Any], tz: str) -> dict[str, Any]:
    params: dict[str, Any] = {"date": _date(ev, data, "date", tz), "period": _period(ev, data, required=True)}
    org_codes = _org_codes(data.get("org_codes"))
    if key == "booking.cancelled.enterprise":
        if not org_codes:
            raise TemplateDataError(ev, "org_codes", "is missing")
        params["enterprise"] = "、".join(org_codes)
        params["rest"] = _CANCEL_REST_LAST if data.get("booking_cancelled") else _CANCEL_REST_ACTIVE
    else:
        params["count_part"] = f"（共{len(org_codes)}家企业）" if org_codes else ""
    return params


def _suspended_params(ev: str, key: str, data: Mapping[str, Any], tz: str) -> dict[str, Any]:
    count = data.get("count")
    if count is not None:
        count_part = f"{_positive_int(ev, 'count', count)}次"
    else:
        count_part = _NO_SHOWS_DEFAULT if key.endswith("no_shows") else _CANCELLATIONS_DEFAULT
    return {"until": _date(ev, data, "suspended_until", tz), "count_part": count_part}


# ---------------------------------------------------------------------------------------
# Field helpers
# ---------------------------------------------------------------------------------------
def _to_date(value: Any, tz: str) -> date | None:
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo(tz)).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        s = value.strip()
        try:
            if len(s) == 10:
                return date.fromisoformat(s)
            return _to_date(datetime.fromisoformat(s.replace("Z", "+00:00")), tz)
        except ValueError:
            return None
    return None


def _date(ev: str, data: Mapping[str, Any], field: str, tz: str) -> str:
    value = data.get(field)
    if value is None:
        raise TemplateDataError(ev, field, "is missing")
    d = _to_date(value, tz)
    if d is None:
        raise TemplateDataError(ev, field, "must be a date (YYYY-MM-DD)")
    return format_date_cn(d, tz=tz)


def _period(ev: str, data: Mapping[str, Any], *, required: bool) -> str:
    code = data.get("period")
    if code is None and not required:
        return ""
    if isinstance(code, str) and code in PERIOD_NAMES:
        return PERIOD_NAMES[code]
    if code is None:
        raise TemplateDataError(ev, "period", "is missing")
    raise TemplateDataError(ev, "period", f"must be one of {', '.join(PERIOD_NAMES)}")


def _org_codes(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [v.strip() for v in value if isinstance(v, str) and v.strip()]


def _positive_int(ev: str, field: str, value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise TemplateDataError(ev, field, "is missing" if value is None else "must be an integer")
    if value < 1:
        raise TemplateDataError(ev, field, "must be at least 1")
    return value


def _hhmm(ev: str, field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TemplateDataError(ev, field, "is missing" if value is None else "must be HH:MM")
    m = _HHMM.fullmatch(value.strip())
    if not m:
        raise TemplateDataError(ev, field, "must be HH:MM")
    return f"{m.group(1)}:{m.group(2)}"
