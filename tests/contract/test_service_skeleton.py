"""Every service has the same skeleton (docs/architecture.md "The skeleton of a service"):
the same rooms, a composition root (``bootstrap.py``) that builds one ``<Service>Context``
and wires the rest, and consumers declared the same way. A newcomer who learns one service
finds their way in the next; a room removed or renamed fails here."""
from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

from shared.app import ServiceContext

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("identity", "booking", "allocator", "notifier")
# Packages: a service without a need keeps the room, empty, its docstring saying why.
ROOMS = ("adapters", "api", "consumers", "domain", "service")
# Modules: the entry point, the composition root, the aiohttp app, the settings, the metrics.
MODULES = ("__main__.py", "bootstrap.py", "app.py", "settings.py", "metrics.py")


def package_dir(service: str) -> Path:
    return ROOT / "services" / service / service


def docstring(path: Path) -> str | None:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("room", ROOMS)
def test_every_service_has_the_room_with_a_docstring(service, room):
    init = package_dir(service) / room / "__init__.py"
    assert init.is_file(), f"{service} has no {room}/ package"
    assert docstring(init), f"{service}/{room}/__init__.py says nothing of what the room holds (or why it is empty)"


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("module", MODULES)
def test_every_service_has_the_module_with_a_docstring(service, module):
    path = package_dir(service) / module
    assert path.is_file(), f"{service} has no {module}"
    assert docstring(path), f"{service}/{module} has no docstring"


@pytest.mark.parametrize("service", SERVICES)
def test_bootstrap_builds_the_one_context_and_wires_the_app(service):
    bootstrap = importlib.import_module(f"{service}.bootstrap")
    context_cls = getattr(importlib.import_module(f"{service}.service.context"), f"{service.capitalize()}Context")
    assert issubclass(context_cls, ServiceContext)
    build = inspect.signature(bootstrap.bootstrap, eval_str=True)
    assert build.return_annotation is context_cls, f"{service}.bootstrap.bootstrap must return {context_cls.__name__}"
    wire = inspect.signature(bootstrap.wire, eval_str=True)
    assert [p.annotation for p in wire.parameters.values()][1] is context_cls
    assert bootstrap.MIGRATIONS.is_dir()


@pytest.mark.parametrize("service", SERVICES)
def test_create_app_is_thin_and_calls_the_bootstrap(service):
    """app.py makes the aiohttp application and nothing else: bootstrap, base app, wire."""
    tree = ast.parse((package_dir(service) / "app.py").read_text(encoding="utf-8"))
    [create_app] = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "create_app"]
    called = [n.func.id for n in ast.walk(create_app) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
              and not n.func.id.endswith("Settings")]
    assert called == ["bootstrap", "create_base_app", "wire"]
    assert not [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                if n.name != "create_app"], f"{service}/app.py holds more than create_app: it goes in bootstrap.py"


@pytest.mark.parametrize("service", SERVICES)
def test_consumers_are_declared_by_the_same_spec(service):
    """Each consumer module says its ``QUEUE``, its ``BINDINGS`` and ``handler(ctx)``; the
    bootstrap declares it (with any per-queue option) on the runtime."""
    consumers = importlib.import_module(f"{service}.consumers")
    for info in pkgutil.iter_modules(consumers.__path__):
        module = importlib.import_module(f"{service}.consumers.{info.name}")
        assert isinstance(module.QUEUE, str) and module.QUEUE.startswith(f"{service}.")
        assert isinstance(module.BINDINGS, tuple) and module.BINDINGS
        assert list(inspect.signature(module.handler).parameters) == ["ctx"]
        assert f"{info.name}.handler(ctx)" in (package_dir(service) / "bootstrap.py").read_text(encoding="utf-8")


def test_no_service_writes_a_background_loop_of_its_own():
    """Background loops run on ``shared.ticker.Ticker``; a hand-written ``create_task`` loop
    with its own stop flag is the pattern it replaced."""
    offenders = [str(p.relative_to(ROOT)) for service in SERVICES for p in package_dir(service).rglob("*.py")
                 if "self._stopping" in p.read_text(encoding="utf-8")]
    assert offenders == []
