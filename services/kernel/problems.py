"""Error responses as RFC 9457 problem details (``application/problem+json``).

Every error a service returns has the body
``{"type": "about:blank", "title": ..., "status": ..., "detail": ...}``:

* ``RequestRejected`` subclasses -> their ``status_code`` (400, 404, 409) and ``detail``;
* request validation errors -> **400**, ``detail`` naming each bad field
  (``body.sku: String should match pattern ...``) plus an ``errors`` list of
  ``{"loc", "msg", "type"}``;
* ``DependencyUnavailable`` and the transient database errors -> 503 with
  ``Retry-After: 1``;
* unknown routes and methods -> 404 / 405; any other exception -> 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from services.kernel.db import TRANSIENT_DB_ERRORS
from services.kernel.errors import DependencyUnavailable, RequestRejected
from services.kernel.logs import describe_error

PROBLEM_JSON = "application/problem+json"


class Problem(BaseModel):
    """The body of every error response (for the OpenAPI document)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str


def problem_doc(*statuses: int) -> dict[int | str, dict[str, object]]:
    """``responses=`` entries documenting problem responses of a route."""
    return {
        status: {"model": Problem, "description": HTTPStatus(status).phrase} for status in statuses
    }


def problem_response(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, object] | None = None,
) -> JSONResponse:
    """A problem+json response; ``title`` defaults to the status phrase."""
    body: dict[str, object] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **(extra or {}),
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers described in the module docstring on ``app``."""
    app.add_exception_handler(RequestRejected, _rejected)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(DependencyUnavailable, _unavailable)
    for error_type in TRANSIENT_DB_ERRORS:
        app.add_exception_handler(error_type, _unavailable)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


async def _rejected(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestRejected)
    return problem_response(exc.status_code, exc.detail, title=exc.title)


async def _invalid(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors()
    ]
    detail = "; ".join(f"{'.'.join(error['loc'])}: {error['msg']}" for error in errors)
    return problem_response(400, detail or "invalid request", extra={"errors": errors})


async def _unavailable(_request: Request, exc: Exception) -> JSONResponse:
    detail = str(exc) if isinstance(exc, DependencyUnavailable) else describe_error(exc)
    return problem_response(503, detail, headers={"Retry-After": "1"})


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return problem_response(exc.status_code, str(exc.detail), headers=exc.headers)


async def _unexpected(_request: Request, _exc: Exception) -> JSONResponse:
    # Starlette logs the traceback and re-raises after sending this response.
    return problem_response(500, "unexpected error; see the service log")
