"""asyncpg statements on ``messages`` and ``message_attempts``: record, claim, fence,
finish. Every function takes the caller's connection, so the use case decides the
transaction (the consumer's inbox transaction, or the status change plus its event)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from shared.outbox import WAKE_RELAY, OutboxRow, row_arrays

from notifier.domain.masking import CODE_MASK, SQL_CODE_PATTERN
from notifier.domain.message_status import DELIVERED, FAILED, PENDING, RETRY, SENDING

_CLAIMED_COLUMNS = ("id, event_id, template, booking_id, phone, body, sensitive, attempts,"
                    " correlation_id, traceparent")


@dataclass(frozen=True)
class ClaimedMessage:
    """A message this process holds under a lease, as attempt number ``attempt``."""
    id: uuid.UUID
    event_id: uuid.UUID
    template: str
    booking_id: str | None
    phone: str
    body: str
    sensitive: bool
    attempt: int
    correlation_id: str | None
    traceparent: str | None = None      # the send continues the trace of its event

    def __repr__(self) -> str:  # never the body or the phone
        return f"ClaimedMessage(id={self.id}, template={self.template!r}, attempt={self.attempt})"

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> "ClaimedMessage":
        return cls(id=row["id"], event_id=row["event_id"], template=row["template"],
                   booking_id=row["booking_id"], phone=row["phone"], body=row["body"],
                   sensitive=row["sensitive"], attempt=row["attempts"],
                   correlation_id=row["correlation_id"], traceparent=row["traceparent"])


@dataclass(frozen=True)
class NewMessage:
    event_id: uuid.UUID
    event_type: str
    template: str
    booking_id: str | None
    phone: str
    body: str
    sensitive: bool
    resend: bool
    correlation_id: str | None
    traceparent: str | None = None


# The columns of a new message row, as named in ``messages``.
NEW_MESSAGE_COLUMNS = ("id, event_id, event_type, template, booking_id, phone, body, sensitive, resend,"
                       " correlation_id, status, next_attempt_at, created_at, updated_at, traceparent")


def insert_sql(source: str, when: str) -> str:
    """The new pending messages of ``source`` (a relation with NEW_MESSAGE_COLUMNS as columns:
    adapters/draft_store.py), each inserted only ``when`` (an SQL condition on its row) holds;
    RETURNING the ids inserted, none for a repeat of an event."""
    return (f"INSERT INTO messages ({NEW_MESSAGE_COLUMNS}) SELECT {NEW_MESSAGE_COLUMNS} FROM {source}"
            f" WHERE {when} ON CONFLICT (event_id, template) DO NOTHING RETURNING id")


@dataclass(frozen=True)
class RateSlot:
    """The provider's shared rate limit (``provider_rate``, see ``adapters.rate_limiter``):
    its key, the spacing of calls in seconds (0: no limit), and the horizon: a claim takes
    only messages whose slot comes within ``horizon`` seconds, so a message the fleet
    cannot call soon stays pending in the table (claimable by any replica, counted by the
    backlog gauge) instead of waiting in one process's memory."""
    key: str
    spacing: float
    horizon: float = 1.0


def _claimed_columns_of(alias: str) -> str:
    """``_CLAIMED_COLUMNS`` qualified by a table alias (a join would make them ambiguous)."""
    return ", ".join(f"{alias}.{c.strip()}" for c in _CLAIMED_COLUMNS.split(","))


# The attempt of each claimed row, recorded before the call (the provider gets the message id
# as its ref), and the earlier attempts of the same rows that never got an answer (a crash):
# lost. Then, if the provider is rate-limited, as many consecutive call slots as rows claimed
# (next_slot = greatest(next_slot, now) + n x spacing, atomically: the fleet's calls stay
# spaced whatever the number of replicas); ``wait`` is when the first one comes, in seconds.
_RECORD_ATTEMPTS = (
    " attempt AS (INSERT INTO message_attempts (message_id, attempt, provider, sender, started_at)"
    "   SELECT id, attempts, $P::text, $S::text, $NOW FROM claimed),"
    " lost AS (UPDATE message_attempts a SET outcome = 'lost', finished_at = $NOW"
    "   FROM claimed c WHERE a.message_id = c.id AND a.attempt < c.attempts AND a.finished_at IS NULL)")
# How many call slots start within the horizon ($H seconds): the rate row is locked first,
# so concurrent claims (every replica's) count the slots one after the other, never twice.
# The row exists (``SharedRateLimiter.ensure_row`` at start); without it, the room of a
# fresh start (the slot now and those within the horizon).
_BUDGET = (
    "budget AS MATERIALIZED (SELECT CASE"
    "   WHEN greatest(next_slot, clock_timestamp()) <= clock_timestamp() + make_interval(secs => $H::float8)"
    "   THEN floor(extract(epoch FROM clock_timestamp() + make_interval(secs => $H::float8)"
    "     - greatest(next_slot, clock_timestamp())) / $G::float8)::int + 1"
    "   ELSE 0 END AS room"
    "  FROM provider_rate WHERE provider = $K::text FOR UPDATE)")
_ROOM = "coalesce((SELECT room FROM budget), floor($H::float8 / $G::float8)::int + 1)"
_TAKE_SLOTS = (
    ", slot AS (INSERT INTO provider_rate AS r (provider, next_slot)"
    "   SELECT $K::text, clock_timestamp() + make_interval(secs => $G::float8 * n)"
    "   FROM (SELECT count(*) AS n FROM claimed) k WHERE n > 0"
    "   ON CONFLICT (provider) DO UPDATE SET next_slot = greatest(r.next_slot, clock_timestamp())"
    "     + make_interval(secs => $G::float8 * (SELECT count(*) FROM claimed))"
    "   RETURNING extract(epoch FROM r.next_slot - make_interval(secs => $G::float8 * (SELECT count(*) FROM claimed))"
    "     - clock_timestamp())::float8 AS wait)")


def _claim_sql(claim_cte: str, *, now: str, provider: str, sender: str, key: str, spacing: str,
               horizon: str, limited: bool, unlimited_room: str, offset: str) -> str:
    claim_cte = claim_cte.replace("$ROOM", _ROOM if limited else unlimited_room)
    sql = (f"WITH {_BUDGET + ', ' if limited else ''}{claim_cte}, {_RECORD_ATTEMPTS}{_TAKE_SLOTS if limited else ''}"
           f" SELECT {_claimed_columns_of('c')}, {'(SELECT wait FROM slot)' if limited else '0::float8'} AS wait"
           " FROM claimed c")
    for name, param in (("$NOW", now), ("$OFF", offset), ("$P", provider), ("$S", sender), ("$K", key),
                        ("$G", spacing), ("$H", horizon)):
        sql = sql.replace(name, param)
    return sql


# A claim's lease runs from when the statement runs, not from the caller's ``now``: read
# before waiting for a pool connection (a burst starves the pool), it may be seconds old,
# and a lease counted from it could lapse before - or while - its sender calls the
# provider, for a sweeper to take the message and call it a second time.
# It is counted on the service's clock, which every expiry test (``lease_until < now``)
# reads: the statement's time is clock_timestamp() plus the service clock's offset from
# real time ($OFF seconds; 0 unless a test moved the clock). Counted on the database's
# clock alone, a lease taken while a test's clock was hours behind would not expire for
# those hours: a sender cut off mid-send left its message 'sending' that long.
SERVICE_NOW = "(clock_timestamp() + make_interval(secs => $OFF::float8))"
_LEASE_FROM_NOW = ("greatest({until}::timestamptz,"
                   f" {SERVICE_NOW} + ({{until}}::timestamptz - {{now}}::timestamptz))")
_CLAIM_ONE = (
    f"claimed AS (UPDATE messages SET status = '{SENDING}',"
    f"   lease_until = {_LEASE_FROM_NOW.format(now='$2', until='$3')}, attempts = attempts + 1,"
    "   updated_at = $2, provider = $4::text"
    f"  WHERE id = $1 AND (status = '{PENDING}' OR (status = '{RETRY}' AND next_attempt_at <= $2))"
    f"   AND (lease_until IS NULL OR lease_until < $2) AND $ROOM >= 1 RETURNING {_CLAIMED_COLUMNS})")
_CLAIM_DUE = (
    "due AS MATERIALIZED ("
    "  SELECT id FROM messages"
    f"  WHERE (status IN ('{PENDING}', '{RETRY}') AND next_attempt_at <= $1)"
    f"     OR (status = '{SENDING}' AND lease_until < $1 AND attempts < $4)"
    "  ORDER BY next_attempt_at LIMIT least($3::int, $ROOM) FOR UPDATE SKIP LOCKED),"
    f" claimed AS (UPDATE messages m SET status = '{SENDING}',"
    f"   lease_until = {_LEASE_FROM_NOW.format(now='$1', until='$2')}, attempts = m.attempts + 1,"
    "   updated_at = $1, provider = $5::text"
    f"  FROM due WHERE m.id = due.id RETURNING {_claimed_columns_of('m')})")
# The messages a consumer batch just stored, claimed in one statement (one commit, one turn
# of the rate row's lock, instead of one per message); rows a sweeper holds are skipped.
_CLAIM_IDS = (
    "due AS MATERIALIZED ("
    "  SELECT id FROM messages WHERE id = ANY($1::uuid[])"
    f"   AND (status = '{PENDING}' OR (status = '{RETRY}' AND next_attempt_at <= $2))"
    "   AND (lease_until IS NULL OR lease_until < $2)"
    "  ORDER BY created_at LIMIT least($4::int, $ROOM) FOR UPDATE SKIP LOCKED),"
    f" claimed AS (UPDATE messages m SET status = '{SENDING}',"
    f"   lease_until = {_LEASE_FROM_NOW.format(now='$2', until='$3')}, attempts = m.attempts + 1,"
    "   updated_at = $2, provider = $5::text"
    f"  FROM due WHERE m.id = due.id RETURNING {_claimed_columns_of('m')})")
_CLAIM_ONE_SQL = {limited: _claim_sql(_CLAIM_ONE, now="$2::timestamptz", provider="$4", sender="$5", key="$6",
                                      spacing="$7", horizon="$8", limited=limited, unlimited_room="1",
                                      offset="$9" if limited else "$6")
                  for limited in (False, True)}
_CLAIM_DUE_SQL = {limited: _claim_sql(_CLAIM_DUE, now="$1::timestamptz", provider="$5", sender="$6", key="$7",
                                      spacing="$8", horizon="$9", limited=limited, unlimited_room="$3",
                                      offset="$10" if limited else "$7")
                  for limited in (False, True)}


_CLAIM_IDS_SQL = {limited: _claim_sql(_CLAIM_IDS, now="$2::timestamptz", provider="$5", sender="$6", key="$7",
                                      spacing="$8", horizon="$9", limited=limited, unlimited_room="$4",
                                      offset="$10" if limited else "$7")
                  for limited in (False, True)}


async def claim(conn: asyncpg.Connection, message_id: uuid.UUID, *, now: datetime, lease_until: datetime,
                provider: str, sender: str, rate: RateSlot,
                clock_offset: float = 0.0) -> tuple[ClaimedMessage, float] | None:
    """Take one message that is pending (or whose retry is due) and not leased, record its
    attempt and take its rate slot, in one statement. Exactly one of any number of
    concurrent callers gets it; a final message is never taken, nor one whose slot would
    come after the rate's horizon (it stays pending for whichever replica has room). Returns
    the message and the seconds to wait for its slot, or None."""
    limited = rate.spacing > 0
    args = [message_id, now, lease_until, provider, sender] + (
        [rate.key, rate.spacing, rate.horizon] if limited else []) + [clock_offset]
    row = await conn.fetchrow(_CLAIM_ONE_SQL[limited], *args)
    return (ClaimedMessage.from_row(row), max(0.0, row["wait"] or 0.0)) if row else None


async def claim_ids(conn: asyncpg.Connection, ids: list[uuid.UUID], *, now: datetime, lease_until: datetime,
                    limit: int, provider: str, sender: str, rate: RateSlot,
                    clock_offset: float = 0.0) -> tuple[list[ClaimedMessage], float]:
    """``claim`` for several messages at once: up to ``limit`` of ``ids`` that are pending
    (or due for a retry) and not leased, no more than the rate's horizon lets through, in
    one statement. Returns them and the seconds until the first slot (the others follow
    ``spacing`` apart)."""
    return await _claim_many(conn, _CLAIM_IDS_SQL, [ids, now, lease_until, limit, provider, sender], rate,
                             clock_offset)


async def claim_due(conn: asyncpg.Connection, *, now: datetime, lease_until: datetime, limit: int,
                    max_attempts: int, provider: str, sender: str,
                    rate: RateSlot, clock_offset: float = 0.0) -> tuple[list[ClaimedMessage], float]:
    """The sweep: take up to ``limit`` messages that are due (pending past their grace,
    retry past their time) or whose lease expired (a crash mid-send: same ref again),
    oldest first, recording their attempts and taking one rate slot each, in one
    statement - no more than the slots that start within the rate's horizon. SKIP LOCKED
    lets every replica sweep at once without taking the same row. Returns them and the
    seconds until the first slot (the others follow ``spacing`` apart)."""
    return await _claim_many(conn, _CLAIM_DUE_SQL, [now, lease_until, limit, max_attempts, provider, sender],
                             rate, clock_offset)


async def _claim_many(conn: asyncpg.Connection, sql: dict[bool, str], args: list[Any], rate: RateSlot,
                      clock_offset: float) -> tuple[list[ClaimedMessage], float]:
    """One of the claim statements (with or without the rate's parameters, which follow
    ``args``), and the seconds until the first claimed message's slot."""
    limited = rate.spacing > 0
    rows = await conn.fetch(sql[limited], *args, *([rate.key, rate.spacing, rate.horizon] if limited else []),
                            clock_offset)
    wait = max(0.0, rows[0]["wait"] or 0.0) if rows else 0.0
    return [ClaimedMessage.from_row(r) for r in rows], wait


async def renew_lease(conn: asyncpg.Connection, msg: ClaimedMessage, *, seconds: float,
                      clock_offset: float = 0.0) -> bool:
    """Before a long wait for a rate slot: the lease stretched to ``seconds`` from now
    (the statement's, on the service clock) to cover the wait and the call, if this claim
    still holds the message (False: another process has it, no call)."""
    return bool(await conn.fetchval(
        "UPDATE messages SET lease_until = greatest(lease_until,"
        f" {SERVICE_NOW.replace('$OFF', '$4')} + make_interval(secs => $3::float8))"
        f" WHERE id = $1 AND status = '{SENDING}' AND attempts = $2::int RETURNING true",
        msg.id, msg.attempt, seconds, clock_offset))


# The live sender's hold: each message it still holds (same attempt, still sending) gets
# ``seconds`` more lease. A lapsed lease nobody took yet is taken back (no other claim
# called it); one another claim took (attempts moved on) is not. A row locked now is being
# finished or taken over: skipped, never waited for (no deadlock with any claim).
_KEEP_LEASES = (
    "WITH mine AS MATERIALIZED ("
    "  SELECT m.id FROM messages m JOIN unnest($1::uuid[], $2::int[]) AS h(id, attempt)"
    f"   ON m.id = h.id AND m.attempts = h.attempt WHERE m.status = '{SENDING}'"
    "  ORDER BY m.id FOR UPDATE OF m SKIP LOCKED)"
    " UPDATE messages m SET lease_until = greatest(m.lease_until,"
    f"   {SERVICE_NOW.replace('$OFF', '$4')} + make_interval(secs => $3::float8))"
    " FROM mine WHERE m.id = mine.id RETURNING m.id")


async def keep_leases(conn: asyncpg.Connection, held: list[ClaimedMessage], *, seconds: float,
                      clock_offset: float = 0.0) -> set[uuid.UUID]:
    """The ids of ``held`` whose lease now runs ``seconds`` more: while its sender is
    alive, no sweeper takes a message (only a dead sender's lease lapses)."""
    if not held:
        return set()
    rows = await conn.fetch(_KEEP_LEASES, [m.id for m in held], [m.attempt for m in held], seconds, clock_offset)
    return {r["id"] for r in rows}


async def fail_expired_exhausted(conn: asyncpg.Connection, *, now: datetime, max_attempts: int,
                                 limit: int) -> list[ClaimedMessage]:
    """Leases that expired on the last allowed attempt: no answer will come, give up."""
    rows = await conn.fetch(
        "WITH gone AS MATERIALIZED ("
        f"  SELECT id FROM messages WHERE status = '{SENDING}' AND lease_until < $1 AND attempts >= $2"
        "  LIMIT $3 FOR UPDATE SKIP LOCKED)"
        f" UPDATE messages m SET status = '{FAILED}', lease_until = NULL, failed_at = $1, updated_at = $1,"
        "  last_error = 'no answer to the last attempt',"
        # Final now: a code goes (messages_no_code_once_final would refuse it in clear).
        f"  body = CASE WHEN m.sensitive THEN regexp_replace(m.body, '{SQL_CODE_PATTERN}', '{CODE_MASK}', 'g')"
        "   ELSE m.body END"
        " FROM gone WHERE m.id = gone.id"
        f" RETURNING {_claimed_columns_of('m')}",
        now, max_attempts, limit)
    return [ClaimedMessage.from_row(r) for r in rows]


async def finish(conn: asyncpg.Connection, msg: ClaimedMessage, *, status: str, now: datetime,
                 body: str, next_attempt_at: datetime | None = None, provider_id: str | None = None,
                 reason: str | None = None, status_code: int | None = None,
                 event: OutboxRow | None = None) -> bool:
    """Close this claim's attempt, set the message's status and, when given, write its
    notification event to the outbox (waking the relay at commit): one statement, so all
    of it or nothing. False when the claim was lost (another process owns the message now
    and records its own outcome; no event then)."""
    outcome = Finish(msg, status, now, body, next_attempt_at=next_attempt_at, provider_id=provider_id,
                     reason=reason, status_code=status_code, event=event)
    return msg.id in await finish_many(conn, [outcome])


@dataclass(frozen=True)
class Finish:
    """One attempt's outcome, as ``finish`` stores it."""
    msg: ClaimedMessage
    status: str
    now: datetime
    body: str
    next_attempt_at: datetime | None = None
    provider_id: str | None = None
    reason: str | None = None
    status_code: int | None = None
    event: OutboxRow | None = None


async def finish_one(conn: asyncpg.Connection, f: Finish) -> bool:
    return await finish(conn, f.msg, status=f.status, now=f.now, body=f.body, next_attempt_at=f.next_attempt_at,
                        provider_id=f.provider_id, reason=f.reason, status_code=f.status_code, event=f.event)


# ``finish`` for one attempt or many in one statement (one commit, one relay wake-up): each
# message's row, its attempt and its event, the event only where that attempt's claim
# still held.
_FINISH_MANY = (
    "WITH f AS (SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::timestamptz[], $5::text[],"
    "   $6::text[], $7::text[], $8::timestamptz[], $9::int[])"
    "   AS f(id, attempt, status, next_attempt_at, provider_id, reason, body, at, status_code)),"
    " m AS (UPDATE messages SET status = f.status, lease_until = NULL, next_attempt_at = f.next_attempt_at,"
    "   provider_id = coalesce(f.provider_id, messages.provider_id), last_error = f.reason, body = f.body,"
    "   updated_at = f.at,"
    f"   delivered_at = CASE WHEN f.status = '{DELIVERED}' THEN f.at END,"
    f"   failed_at = CASE WHEN f.status = '{FAILED}' THEN f.at END"
    f"  FROM f WHERE messages.id = f.id AND messages.status = '{SENDING}' AND messages.attempts = f.attempt"
    "  RETURNING f.*),"
    " a AS (UPDATE message_attempts a SET finished_at = m.at, outcome = m.status, status_code = m.status_code,"
    "  reason = m.reason, provider_id = m.provider_id"
    "  FROM m WHERE a.message_id = m.id AND a.attempt = m.attempt RETURNING a.message_id),"
    " o AS (INSERT INTO outbox (id, type, routing_key, envelope)"
    "  SELECT e.id, e.type, e.routing_key, e.envelope::jsonb"
    "  FROM unnest($10::uuid[], $11::uuid[], $12::text[], $13::text[], $14::text[])"
    "   AS e(message_id, id, type, routing_key, envelope)"
    "  WHERE e.message_id IN (SELECT message_id FROM a) RETURNING 1)"
    " SELECT ARRAY(SELECT message_id FROM a) AS kept,"
    f"  (SELECT {WAKE_RELAY} WHERE EXISTS (SELECT 1 FROM o)) AS relay_woken")


async def finish_many(conn: asyncpg.Connection, outcomes: list[Finish]) -> set[uuid.UUID]:
    """``finish`` for each of ``outcomes`` in one statement: the ids whose claim held."""
    events = [(f.msg.id, f.event) for f in outcomes if f.event is not None]
    ids, types, keys, envelopes = row_arrays([e for _, e in events])
    row = await conn.fetchrow(
        _FINISH_MANY, [f.msg.id for f in outcomes], [f.msg.attempt for f in outcomes],
        [f.status for f in outcomes], [f.next_attempt_at for f in outcomes], [f.provider_id for f in outcomes],
        [f.reason for f in outcomes], [f.body for f in outcomes], [f.now for f in outcomes],
        [f.status_code for f in outcomes], [m for m, _ in events], ids, types, keys, envelopes)
    return set(row["kept"])


# The backlog: every message not final yet (pending, awaiting a retry, or being sent), each
# counted through its partial index (messages_due, messages_leased): never a scan of the log.
_BACKLOG = (
    "SELECT sum(n)::bigint AS pending, min(oldest) AS oldest FROM ("
    f"  SELECT count(*) AS n, min(created_at) AS oldest FROM messages WHERE status IN ('{PENDING}', '{RETRY}')"
    f"  UNION ALL SELECT count(*), min(created_at) FROM messages WHERE status = '{SENDING}') b")


async def backlog(conn: asyncpg.Connection, *, now: datetime) -> tuple[int, float]:
    """How many messages are not final yet, and the age in seconds of the oldest (0: none)."""
    row = await conn.fetchrow(_BACKLOG)
    oldest = row["oldest"]
    return int(row["pending"] or 0), max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
