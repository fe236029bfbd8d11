"""Composition root of the Payments service (being rebuilt: operational endpoints only)."""

from __future__ import annotations

from fastapi import FastAPI

from services.kernel.app import build_app
from services.kernel.settings import load_settings


def create_app() -> FastAPI:
    """Read the environment once and build the app (``uvicorn --factory`` entry point)."""
    return build_app(load_settings(), title="Critter Supply: Payments")
