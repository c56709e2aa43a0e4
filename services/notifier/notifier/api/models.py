"""Query and response models of GET /api/v1/notifications (they validate the query and
are the OpenAPI document's schemas; the handler builds dicts of exactly this shape)."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class NotificationsQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    phone: str | None = Field(None, pattern=r"^1[3-9]\d{9}$", description="the recipient's mobile number")
    booking_id: str | None = Field(None, min_length=1, max_length=100)
    cursor: str | None = Field(None, max_length=200, description="next_cursor of the previous page")
    limit: int = Field(50, ge=1, le=200)


class SmsAttempt(BaseModel):
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
    items: list[SmsLogEntry]
    next_cursor: str | None
