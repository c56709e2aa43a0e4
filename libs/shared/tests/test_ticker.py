"""The background loop (shared.ticker), with a fake pass: no database needed."""
import asyncio

from shared.ticker import Ticker


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


async def test_a_pass_with_more_to_do_runs_again_at_once():
    passes = []

    async def work():
        passes.append(1)
        return len(passes) < 3       # a full batch, twice: no pause between them
    ticker = Ticker("t", work, interval=3600)
    ticker.start()
    assert await wait_until(lambda: len(passes) == 3)
    await ticker.stop()
    assert len(passes) == 3


async def test_a_final_pass_runs_after_stop_when_asked_for():
    passes = []

    async def work():
        passes.append(1)
    ticker = Ticker("t", work, interval=3600, final_pass=True)
    ticker.start()
    assert await wait_until(lambda: len(passes) == 1)
    await ticker.stop()
    assert len(passes) == 2          # what was committed before shutdown still goes out
