"""The notifier service's aiohttp application."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from shared.app import Runtime, create_base_app

from .settings import NotifierSettings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def create_app(settings: NotifierSettings | None = None) -> web.Application:
    settings = settings or NotifierSettings()
    runtime = Runtime(settings, MIGRATIONS)
    return create_base_app(runtime)
