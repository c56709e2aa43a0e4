"""The use case behind ``allocation.requested``: schedule the day, store it when it is new,
and say what to publish.

Two halves, because they run in different places:

* :func:`compute` is CPU only (allocate the snapshot, fingerprint, shape the rows and the
  event's assignments). A busy day costs about a second, so the consumer runs it in a
  worker thread and the event loop keeps answering.
* :func:`record` is the database half, in the caller's unit of work (inside the consumer's
  inbox transaction): serialised per (center, date) by an advisory lock, it compares fingerprints
  with what is stored and writes only what changed.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg
import orjson

from shared.contracts.allocator import AllocationCompleted
from shared.events import Envelope

from allocator.adapters import repository
from allocator.domain import AllocationPolicy, DaySnapshot, Period, Schedule, allocate
from allocator.domain.wall_clock import hhmm
from allocator.settings import PolicyBook

# Run ids are derived from what makes a run the same run: re-running an unchanged input
# names the same run everywhere (another database, a replayed event).
RUN_NAMESPACE = uuid.UUID("5b0d7a3e-3c1f-4f7e-9a53-6a1d1f0c2b7e")


@dataclass(frozen=True, slots=True)
class Notice:
    """One assignment as ``allocation.completed`` tells it (``shared.contracts.allocator.
    Assignment``, same fields in the same order): a plain slotted object that orjson writes
    as that JSON object, instead of a pydantic model per booking (20,000 on a busy day)."""
    booking_id: str
    period: str
    desk: int
    start: str
    end: str
    queue_number: str
    overflow: bool = False


@dataclass(frozen=True)
class Computed:
    """Everything the database half and the event need; the snapshot itself is dropped."""
    center: str
    date: date
    cutoff_id: str
    closed_at: datetime
    policy: AllocationPolicy
    policy_fingerprint: str
    snapshot_fingerprint: str
    schedule_fingerprint: str
    booking_count: int
    overflow_count: int
    stats: dict[str, Any]
    rows: list[tuple]                             # repository.ASSIGNMENT_COLUMNS, queue order
    assignments: list[Notice]                     # the event's list, same order
    seconds: float                                # CPU time spent here (wall clock)

    @property
    def run_id(self) -> uuid.UUID:
        return uuid.uuid5(RUN_NAMESPACE, "|".join((
            self.center, self.date.isoformat(), self.snapshot_fingerprint, self.policy_fingerprint)))


def compute(snapshot: DaySnapshot, policies: PolicyBook, *, cutoff_id: str, closed_at: datetime) -> Computed:
    """Allocate and fingerprint one requested day (``cutoff_id`` and ``closed_at`` as
    ``allocation.requested`` gave them)."""
    started = time.perf_counter()
    policy = policies.for_center(snapshot.center)
    schedule = allocate(snapshot, policy)
    snapshot_fingerprint = snapshot.fingerprint()
    center, day, periods = snapshot.center, snapshot.date, snapshot.periods
    # The bookings (~17 MB on a 20,000-booking day) go before the rows and the event's list
    # are shaped, when the caller holds no other reference (the consumer does not).
    del snapshot
    rows, assignments = _shape(periods, schedule)
    return Computed(
        center=center, date=day, cutoff_id=cutoff_id, closed_at=closed_at,
        policy=policy, policy_fingerprint=policy.fingerprint(),
        snapshot_fingerprint=snapshot_fingerprint, schedule_fingerprint=schedule.fingerprint(),
        booking_count=schedule.booking_count, overflow_count=schedule.overflow_count,
        stats=run_stats(schedule), rows=rows, assignments=assignments,
        seconds=time.perf_counter() - started)


def run_stats(schedule: Schedule) -> dict[str, Any]:
    """What a run saw, without its assignments: desks, segment length, and per period its
    bookings, overflow and when each desk's last booking ends."""
    return {"desks": schedule.desks, "segment_minutes": schedule.segment_minutes,
            "bookings": schedule.booking_count, "overflow": schedule.overflow_count,
            "periods": [p.to_dict() for p in schedule.periods]}


def _shape(periods: tuple[Period, ...], schedule: Schedule) -> tuple[list[tuple], list[Notice]]:
    rank = {p.code: i for i, p in enumerate(periods)}
    positions: dict[str, int] = {}
    clock: dict[Any, str] = {}   # a day has a few dozen segment bounds: spell each once
    rows: list[tuple] = []
    events: list[Notice] = []
    for a in schedule.assignments:  # period by period, each in queue order
        position = positions[a.period] = positions.get(a.period, 0) + 1
        start = clock.get(a.segment_start) or clock.setdefault(a.segment_start, hhmm(a.segment_start))
        end = clock.get(a.segment_end) or clock.setdefault(a.segment_end, hhmm(a.segment_end))
        rows.append((a.booking_id, a.period, rank[a.period], position, a.desk, a.queue_number,
                     a.segment_start, a.segment_end, a.estimated_start, a.estimated_end, a.overflow))
        events.append(Notice(a.booking_id, a.period, a.desk, start, end, a.queue_number, a.overflow))
    return rows, events


@dataclass(frozen=True)
class Recorded:
    run_id: uuid.UUID
    run_created_at: datetime
    stored: bool          # a new run row was written (a new snapshot or policy)
    changed: bool         # the day's assignments differ from the ones in force before
    written: int          # assignment rows inserted or rewritten
    removed: int          # assignment rows deleted (bookings no longer in the day)
    seconds: float


async def record(conn: asyncpg.Connection, c: Computed, *, request_event_id: uuid.UUID,
                 now: datetime) -> Recorded:
    """Store the computed schedule in the caller's transaction (see the module docstring)."""
    started = time.perf_counter()
    await repository.lock_day(conn, c.center, c.date)
    current = await repository.current_schedule(conn, c.center, c.date)
    run = await repository.find_run(conn, c.center, c.date, c.snapshot_fingerprint,
                                    c.policy_fingerprint)
    stored = False
    if run is None:
        run = await repository.insert_run(
            conn, run_id=c.run_id, center=c.center, service_date=c.date, cutoff_id=c.cutoff_id,
            request_event_id=request_event_id, closed_at=c.closed_at,
            snapshot_fingerprint=c.snapshot_fingerprint, policy_fingerprint=c.policy_fingerprint,
            schedule_fingerprint=c.schedule_fingerprint, booking_count=c.booking_count,
            overflow_count=c.overflow_count, policy=c.policy.to_dict(), stats=c.stats,
            created_at=now)
        stored = True
    changed = current is None or current["schedule_fingerprint"] != c.schedule_fingerprint
    written = removed = 0
    if changed:
        written, removed = await repository.apply_assignments(conn, c.center, c.date, run["run_id"],
                                                              c.rows)
    await repository.set_current(conn, c.center, c.date, run_id=run["run_id"],
                                 previous_run_id=None if current is None else current["run_id"],
                                 schedule_fingerprint=c.schedule_fingerprint, now=now,
                                 changed=changed, written=written, removed=removed)
    return Recorded(run_id=run["run_id"], run_created_at=run["created_at"], stored=stored,
                    changed=changed, written=written, removed=removed,
                    seconds=time.perf_counter() - started)


def completed_data(c: Computed, r: Recorded, *, now: datetime) -> AllocationCompleted:
    """``allocation.completed``'s ``data`` but its assignments: the fields go through the
    contract's model as usual; the list (always every assignment: booking marks the cutoff
    allocated and finds what changed) is put in by ``completed_json``."""
    return AllocationCompleted(
        center=c.center, date=c.date, cutoff_id=c.cutoff_id, run_id=str(r.run_id),
        snapshot_fingerprint=c.snapshot_fingerprint, changed=r.changed,
        assignments=[], overflow_count=c.overflow_count, completed_at=now)


def completed_json(c: Computed, header: Envelope) -> str:
    """The whole envelope as JSON text, written once: ``header`` is the unit of work's
    envelope of ``completed_data`` (the request's correlation id carried on, the request as
    its cause, the service clock's time), its assignments the ``Notice`` objects themselves
    (orjson writes them; no pydantic model per booking, 20,000 on a busy day)."""
    envelope = header.model_dump(mode="json")
    envelope["data"]["assignments"] = c.assignments
    return orjson.dumps(envelope).decode()
