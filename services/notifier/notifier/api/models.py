"""Query and response models of GET /api/v1/notifications (they validate the query and
are the OpenAPI document's schemas; the handler builds dicts of exactly this shape)."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class NotificationsQuery(BaseModel):
    """Filters of the SMS log (an empty parameter is no filter)."""
    model_config = ConfigDict(extra="ignore")

    phone: str | None = Field(None, pattern=r"^1[3-9]\d{9}$", description="the recipient's mobile number",
                              examples=["13800138000"])
    booking_id: str | None = Field(None, min_length=1, max_length=100, description="the SMS of one booking")
    cursor: str | None = Field(None, max_length=200, description="next_cursor of the previous page")
    limit: int = Field(50, ge=1, le=200, description="messages per page")

    @model_validator(mode="before")
    @classmethod
    def _blank_is_no_filter(cls, data):
        # "?phone=&booking_id=": an empty parameter is no filter.
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not isinstance(v, str) or v.strip()}
        return data


class SmsAttempt(BaseModel):
    """One call to the SMS provider."""
    model_config = ConfigDict(json_schema_extra={"examples": [{"attempt": 1, "provider": "http", "sender": "notifier-1", "started_at": "2027-03-12T15:00:05+08:00",
              "finished_at": "2027-03-12T15:00:06+08:00", "outcome": "delivered", "status_code": 200, "reason": None}]})
    attempt: int
    provider: str
    sender: str = Field(description="the notifier process that called the provider")
    started_at: datetime
    finished_at: datetime | None
    outcome: Literal["delivered", "retry", "failed", "lost"] | None = Field(
        description="lost: the call was cut off (a crash) and made again; null: in progress")
    status_code: int | None
    reason: str | None


class SmsLogEntry(BaseModel):
    """One SMS: what it says, to whom, why, and how its delivery went."""
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "a2b3c4d5-e6f7-4a8b-9c0d-1e2f3a4b5c6d", "ref": "a2b3c4d5-e6f7-4a8b-9c0d-1e2f3a4b5c6d",
              "booking_id": "0b6f1c52-3d4e-4f80-9a1b-2c3d4e5f6a7b", "phone": "13800138000",
              "kind": "booking.allocated", "event_type": "booking.allocated", "resend": False,
              "text": ("【制卡中心】您预约的2027年3月15日上午制卡业务已安排：第1号窗口，办理时间09:00-09:30，"
                       "排队号A001。请在该时间段内携带制卡资料到窗口办理，超过起始时间10分钟不予办理并计入逾期。"),
              "status": "delivered", "attempt_count": 1, "attempts": [{"attempt": 1, "provider": "http", "sender": "notifier-1", "started_at": "2027-03-12T15:00:05+08:00",
              "finished_at": "2027-03-12T15:00:06+08:00", "outcome": "delivered", "status_code": 200, "reason": None}],
              "provider": "http", "provider_id": "sms-7781203", "last_error": None, "next_attempt_at": None,
              "created_at": "2027-03-12T15:00:05+08:00", "delivered_at": "2027-03-12T15:00:06+08:00",
              "failed_at": None}]})
    id: str
    ref: str = Field(description="what the provider got as ref (the message id)")
    booking_id: str | None
    phone: str
    kind: str = Field(description="the template, e.g. booking.allocated, verification_code.login")
    event_type: str
    resend: bool
    text: str = Field(description="verification codes masked")
    status: Literal["pending", "sending", "retry", "delivered", "failed"]
    attempt_count: int
    attempts: list[SmsAttempt]
    provider: str | None
    provider_id: str | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    failed_at: datetime | None


class SmsLogPage(BaseModel):
    """A page of the SMS log, newest first."""
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [{"id": "a2b3c4d5-e6f7-4a8b-9c0d-1e2f3a4b5c6d", "ref": "a2b3c4d5-e6f7-4a8b-9c0d-1e2f3a4b5c6d",
              "booking_id": "0b6f1c52-3d4e-4f80-9a1b-2c3d4e5f6a7b", "phone": "13800138000",
              "kind": "booking.allocated", "event_type": "booking.allocated", "resend": False,
              "text": ("【制卡中心】您预约的2027年3月15日上午制卡业务已安排：第1号窗口，办理时间09:00-09:30，"
                       "排队号A001。请在该时间段内携带制卡资料到窗口办理，超过起始时间10分钟不予办理并计入逾期。"),
              "status": "delivered", "attempt_count": 1, "attempts": [{"attempt": 1, "provider": "http", "sender": "notifier-1", "started_at": "2027-03-12T15:00:05+08:00",
              "finished_at": "2027-03-12T15:00:06+08:00", "outcome": "delivered", "status_code": 200, "reason": None}],
              "provider": "http", "provider_id": "sms-7781203", "last_error": None, "next_attempt_at": None,
              "created_at": "2027-03-12T15:00:05+08:00", "delivered_at": "2027-03-12T15:00:06+08:00",
              "failed_at": None}], "next_cursor": None}]})
    items: list[SmsLogEntry]
    next_cursor: str | None
