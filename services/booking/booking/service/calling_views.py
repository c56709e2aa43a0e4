"""The JSON of a call and of a desk shift, as the calling routes and streams send them."""
from __future__ import annotations

import asyncpg

from booking.domain.center import CenterConfig


def call_view(center: CenterConfig, row: asyncpg.Record) -> dict:
    return {"id": str(row["id"]), "booking_id": str(row["booking_id"]), "center": row["center"],
            "date": row["day"].isoformat(), "desk": row["desk"], "queue_number": row["queue_number"],
            "period": row["period"], "kind": row["kind"], "called_at": center.local(row["at"]).isoformat()}


def shift_view(center: CenterConfig, shift: asyncpg.Record, current: asyncpg.Record | None) -> dict:
    return {"center": shift["center"], "date": shift["day"].isoformat(), "desk": shift["desk"],
            "clerk_id": shift["clerk_id"], "started_at": center.local(shift["started_at"]).isoformat(),
            "current": call_view(center, current) if current is not None else None}


def notice(center: CenterConfig, row: asyncpg.Record) -> dict:
    """What pg_notify('booking_calls') carries to every replica's streams."""
    return {"seq": row["seq"], "center": row["center"], "date": row["day"].isoformat(), "desk": row["desk"],
            "queue_number": row["queue_number"], "kind": row["kind"],
            "called_at": center.local(row["at"]).isoformat(), "booking_id": str(row["booking_id"])}
