"""Keeping aio-pika's reconnect noise out of the service logs.

Installed by ``Messaging.configure`` (never at import time).
"""

from __future__ import annotations

import logging

_REOPEN_ERRORS = frozenset({"RuntimeError", "ChannelInvalidStateError"})


class _QuietChannelReopen(logging.Filter):
    """aio-pika logs at ERROR that a robust channel could not reopen at once when its
    connection dropped (``RuntimeError: ... closed`` or ``ChannelInvalidStateError: No
    active transport``); the robust connection reopens every channel after it reconnects
    (checked after link cuts and broker restarts), and the kernel logs the lost link once."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        return not (
            isinstance(args, tuple)
            and len(args) == 3
            and "RobustChannel._on_close" in repr(args[0])
            and args[1] in _REOPEN_ERRORS
        )


def quiet_channel_reopen_errors() -> None:
    """Install the filter below on aio-pika's callback logger (idempotent)."""
    logger = logging.getLogger("aio_pika.tools")
    if not any(isinstance(existing, _QuietChannelReopen) for existing in logger.filters):
        logger.addFilter(_QuietChannelReopen())
