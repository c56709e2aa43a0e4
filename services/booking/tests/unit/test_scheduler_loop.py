"""The scheduler's loop (scheduling/loop.py), with a fake pass: no database needed."""
import asyncio

from booking.scheduling.loop import Ticker


async def wait_until(check, timeout: float = 5.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def test_it_runs_at_start_and_again_when_woken_long_before_its_interval():
    passes = []

    async def work():
        passes.append(1)
    ticker = Ticker("t", work, interval=3600)
    ticker.start()
    assert await wait_until(lambda: len(passes) == 1)
    ticker.wake()
    assert await wait_until(lambda: len(passes) == 2)
    await ticker.stop()


async def test_it_ticks_on_its_interval_and_survives_a_failing_pass():
    passes = []

    async def work():
        passes.append(1)
        if len(passes) == 1:
            raise ConnectionError("database away")
    ticker = Ticker("t", work, interval=0.01)
    ticker.start()
    assert await wait_until(lambda: len(passes) >= 3)
    await ticker.stop()


async def test_stop_lets_the_pass_in_progress_finish():
    started, finished = asyncio.Event(), []

    async def work():
        started.set()
        await asyncio.sleep(0.05)
        finished.append(1)
    ticker = Ticker("t", work, interval=3600)
    ticker.start()
    await started.wait()
    await ticker.stop()
    assert finished == [1]
    await ticker.stop()           # twice is fine


async def test_a_pass_that_hangs_is_cancelled_after_the_timeout():
    cancelled = []

    async def work():
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.append(1)
            raise
    ticker = Ticker("t", work, interval=3600)
    ticker.start()
    await asyncio.sleep(0.01)
    await ticker.stop(timeout=0.05)
    assert cancelled == [1]
