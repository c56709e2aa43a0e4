"""The system as the local run starts it: four service processes and nginx; every service's
health answers through the gateway, and the local Procfile matches what runs here."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import aiohttp

from testsupport.system import REPO, SERVICES


async def test_every_service_is_healthy_and_ready_through_the_gateway(system):
    async with aiohttp.ClientSession() as http:
        for name in SERVICES:
            for probe in ("healthz", "readyz"):
                async with http.get(f"{system.gateway_url}/api/v1/{name}/{probe}",
                                    headers={"X-Request-ID": f"smoke-{name}"}) as r:
                    assert r.status == 200, (name, probe, await r.text())
                    assert r.headers["X-Request-ID"] == f"smoke-{name}"
                    body = await r.json()
                    if probe == "healthz":
                        assert body["service"] == name
                    else:
                        assert body["checks"] == {"database": "ok", "broker": "ok", "schema": "ok"}


async def test_metrics_and_test_routes_are_not_exposed_through_the_gateway(system):
    async with aiohttp.ClientSession() as http:
        for path in ("/metrics", "/_test/clock"):
            async with http.get(system.gateway_url + path) as r:
                assert r.status == 404
        # but each service serves its metrics on its own port for Prometheus
        async with http.get(system.services["booking"].url + "/metrics") as r:
            assert r.status == 200
            assert "http_requests_total" in await r.text()


async def test_a_service_stops_gracefully_on_sigterm(system):
    sp = system.services["allocator"]
    rc = sp.stop()
    log = sp.log_path.read_text()
    assert "background_stopped" in log  # consumers and relay stopped before exit
    assert rc is not None
    system.restart("allocator")
    await system.wait_ready(30)


def test_procfile_starts_every_service_and_the_requested_notifiers():
    spec = importlib.util.spec_from_file_location("procfile", REPO / "scripts" / "procfile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = module.procfile({"NOTIFIER_PROCESSES": "3"})
    names = [line.split(":")[0] for line in text.splitlines()]
    assert names == ["identity", "booking", "allocator", "notifier1", "notifier2", "notifier3", "gateway"]
    assert "NOTIFIER_PORT=8204" in text
    assert Path(REPO / "scripts" / "run").read_text().count("honcho start") == 1


def test_procfile_starts_the_fake_sms_provider_when_the_run_points_the_notifier_at_it():
    spec = importlib.util.spec_from_file_location("procfile", REPO / "scripts" / "procfile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with_fake = module.procfile({"SMS_FAKE_PORT": "9011"}).splitlines()
    assert with_fake[-1] == "sms: env PYTHONPATH=libs/testsupport python -m testsupport.notifier.fake_provider --port 9011"
    # SMS_PROVIDER=log (or a real provider's SMS_HTTP_URL): scripts/run leaves SMS_FAKE_PORT unset
    assert not any(line.startswith("sms:") for line in module.procfile({}).splitlines())
    run = (REPO / "scripts" / "run").read_text()
    assert 'SMS_PROVIDER=${SMS_PROVIDER:-http}' in run and "unset SMS_FAKE_PORT" in run
