"""What a center publishes to clients (GET /api/v1/centers/{center}): the numbers the
rules use, so that no client hard-codes 15点, 2个工作日 or 10分钟."""
from __future__ import annotations

from booking.domain.booking import MAX_CONTACT_NAME_LENGTH, MAX_ENTERPRISES
from booking.domain.business_types import MAX_COUNT
from booking.domain.center import CenterConfig
from booking.domain.errors import CenterNotFound
from booking.service.context import BookingContext

ENTERPRISE_NAME_MAX = 200   # api/models.py EnterpriseBody.name: the one name limit


def center_view(center: CenterConfig) -> dict:
    return {
        "id": center.id, "timezone": center.timezone,
        "cutoff_time": center.cutoff_time.strftime("%H:%M"),
        "release_working_days": center.release_working_days,
        "late_minutes": center.late_minutes,
        "closing_time": center.closing_time.strftime("%H:%M"),
        "desks": center.desks, "segment_minutes": center.segment_minutes,
        "periods": [{"code": p.code, "start": p.start.strftime("%H:%M"), "end": p.end.strftime("%H:%M")}
                    for p in center.periods],
        "limits": {"enterprises_per_booking": MAX_ENTERPRISES, "contact_name_max": MAX_CONTACT_NAME_LENGTH,
                   "enterprise_name_max": ENTERPRISE_NAME_MAX, "card_count_max": MAX_COUNT},
    }


def one_center(ctx: BookingContext, center_id: str) -> dict:
    if center_id not in ctx.centers:
        raise CenterNotFound(f"no center {center_id!r}")
    return center_view(ctx.centers.get(center_id))


def all_centers(ctx: BookingContext) -> dict:
    return {"items": [center_view(c) for c in ctx.centers], "next_cursor": None}
