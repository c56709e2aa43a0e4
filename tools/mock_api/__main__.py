"""scripts/mock: the fake card-center API as a server of its own, for frontend work without
PostgreSQL or RabbitMQ. Serves the web client (deploy/gateway/static) and every operation of
the OpenAPI document; in memory, so a restart starts over."""
from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path

from aiohttp import web

from tools.mock_api.fake import SMS_CODE, FakeCardCenter

STATIC = Path(__file__).resolve().parents[2] / "deploy" / "gateway" / "static"


def usage(fake: FakeCardCenter, port: int, host: str) -> str:
    base = f"http://{host}:{port}"
    logins = "\n".join(f"  {u.username:<10} {u.password:<20} {u.name} ({', '.join(u.roles)}), phone {u.phone}"
                       for u in fake.users.values())
    return (f"mock: the card-center API on {base}/ (web client), {base}/api/v1/... (OpenAPI: "
            f"{base}/api/v1/openapi.json)\n"
            f"  no database, no broker; state in memory until Ctrl-C\n"
            f"  SMS code for every phone: {SMS_CODE} (register, login by phone, password reset)\n"
            f"  logins (POST /api/v1/sessions {{username, password}}):\n{logins}\n")


async def serve(host: str, port: int) -> None:
    fake = FakeCardCenter(STATIC)
    fake.expire_next_token = False      # the browser tests' trap (first token expired) is not for people
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]   # the real port when --port 0
    print(usage(fake, bound, host), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="scripts/mock", description=__doc__)
    parser.add_argument("--port", type=int, default=8090, help="port to listen on (default 8090; 0: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
