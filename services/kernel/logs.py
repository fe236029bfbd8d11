"""Process-wide logging set-up for a service: one line per record, tagged with its name.

Called once by ``build_app`` (never at import). uvicorn keeps its own handlers
for its ``uvicorn.*`` loggers; everything else (``services.*``, ``aio_pika``,
``asyncpg``) reaches the root handler installed here.
"""

from __future__ import annotations

import logging
import sys

_HANDLER_NAME = "critter-service"


class _DropRedundantAmqpErrors(logging.Filter):
    """aiormq logs every refused connection at ERROR; the kernel's retry loop and
    aio-pika's reconnect loop already log each failed attempt as one warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("error when creating transport")


def configure_logging(service_name: str, level: str) -> None:
    """Install the root handler (idempotent: a second call only updates the level)."""
    root = logging.getLogger()
    root.setLevel(level)
    # aio-pika narrates each reconnect step at INFO; its warnings are what matter.
    logging.getLogger("aio_pika").setLevel(level if level == "DEBUG" else logging.WARNING)
    # httpx logs every outgoing request at INFO: a line per upstream call is noise and CPU.
    logging.getLogger("httpx").setLevel(level if level == "DEBUG" else logging.WARNING)
    if any(handler.get_name() == _HANDLER_NAME for handler in root.handlers):
        return
    logging.getLogger("aiormq.connection").addFilter(_DropRedundantAmqpErrors())
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(
        logging.Formatter(f"%(asctime)s %(levelname)s {service_name} %(name)s: %(message)s")
    )
    root.addHandler(handler)


def describe_error(exc: BaseException, limit: int = 160) -> str:
    """A one-line ``Type: message`` summary of an exception, cut to ``limit`` characters."""
    message = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return text if len(text) <= limit else f"{text[: limit - 3]}..."
