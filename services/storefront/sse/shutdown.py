"""End the open streams as soon as the process is asked to stop.

uvicorn, on SIGTERM or SIGINT, stops accepting connections and then waits for every
response in flight to finish before it runs the lifespan's shutdown; an SSE response
never finishes on its own, so without help a restart would wait for the process
manager's kill (15 s) with every stream open. ``end_streams_on_signal`` chains a
handler in front of uvicorn's that ends the streams (through ``call_soon_threadsafe``,
the one loop call that is safe from a signal handler) and then lets uvicorn proceed.
Clients reconnect to another replica, or to this one once it is back, with
``Last-Event-ID``.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def end_streams_on_signal(end_streams: Callable[[], None]) -> Iterator[None]:
    """While active, SIGTERM/SIGINT first call ``end_streams`` on the running loop, then
    the handler that was installed before (uvicorn's). A no-op off the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    previous = {sig: signal.getsignal(sig) for sig in _SIGNALS}

    def handler(signum: int, frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(end_streams)
        before = previous.get(signal.Signals(signum))
        if callable(before):
            before(signum, frame)

    for sig in _SIGNALS:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, before in previous.items():
            if signal.getsignal(sig) is handler:
                signal.signal(sig, before)
