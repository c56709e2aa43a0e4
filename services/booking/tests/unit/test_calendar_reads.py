"""One read of a calendar range at a time (service/calendar_reads.py): whoever asks while a
read runs gets the next read, never the running one (it may predate their request)."""
import asyncio

import pytest

from booking.service.calendar_reads import SharedReads


class Reads:
    """A fetch the test releases one read at a time; each read's result is its number."""

    def __init__(self) -> None:
        self.started = 0
        self.gates: list[asyncio.Event] = []

    async def fetch(self) -> int:
        self.started += 1
        number, gate = self.started, asyncio.Event()
        self.gates.append(gate)
        await gate.wait()
        return number


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_who_asks_during_a_read_gets_the_next_read_shared():
    shared, reads = SharedReads(), Reads()
    first = asyncio.create_task(shared.read("k", reads.fetch))
    await settle()
    later = [asyncio.create_task(shared.read("k", reads.fetch)) for _ in range(10)]
    await settle()
    assert reads.started == 1, "nobody starts a read while one runs"
    reads.gates[0].set()
    assert await first == 1
    await settle()
    assert reads.started == 2
    reads.gates[1].set()
    assert await asyncio.gather(*later) == [2] * 10, "the read that started after they asked, once for all"


async def test_other_ranges_are_not_held_up():
    shared, reads = SharedReads(), Reads()
    a = asyncio.create_task(shared.read("a", reads.fetch))
    b = asyncio.create_task(shared.read("b", reads.fetch))
    await settle()
    assert reads.started == 2
    for gate in reads.gates:
        gate.set()
    assert sorted(await asyncio.gather(a, b)) == [1, 2]


async def test_a_cancelled_leader_leaves_its_waiters_to_read_again():
    shared, reads = SharedReads(), Reads()
    first = asyncio.create_task(shared.read("k", reads.fetch))
    await settle()
    leader = asyncio.create_task(shared.read("k", reads.fetch))   # leads the next read
    waiter = asyncio.create_task(shared.read("k", reads.fetch))
    await settle()
    leader.cancel()
    await settle()
    reads.gates[0].set()
    assert await first == 1
    await settle()
    reads.gates[1].set()
    assert await waiter == 2
    with pytest.raises(asyncio.CancelledError):
        await leader


async def test_a_failed_read_fails_its_waiters_and_the_next_read_works():
    shared = SharedReads()
    gate = asyncio.Event()

    async def failing() -> int:
        await gate.wait()
        raise ConnectionError("database went away")
    running = asyncio.create_task(shared.read("k", failing))
    await settle()
    leader = asyncio.create_task(shared.read("k", failing))
    waiter = asyncio.create_task(shared.read("k", failing))
    await settle()
    gate.set()
    for task in (running, leader, waiter):
        with pytest.raises(ConnectionError):
            await task

    async def works() -> int:
        return 7
    assert await shared.read("k", works) == 7
