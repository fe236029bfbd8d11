"""Live figures of a running load, for the CLI's live view: a small JSON file rewritten
about every second (atomically: written aside, then renamed), so a reader never sees
half a file and the engine never blocks on a reader that stopped reading (as a pipe
would make it)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

EVERY_S = 1.0


class ProgressWriter:
    def __init__(self, path: str | None) -> None:
        self.path = Path(path) if path else None
        self._last = 0.0

    def maybe_write(self, live: Callable[[], dict[str, Any]]) -> None:
        """Write ``live()`` if a path was given and a second has passed since last time."""
        if self.path is None or time.monotonic() - self._last < EVERY_S:
            return
        self.write(live(), final=False)

    def write(self, figures: dict[str, Any], *, final: bool) -> None:
        if self.path is None:
            return
        self._last = time.monotonic()
        aside = self.path.with_name(self.path.name + ".tmp")
        aside.write_text(json.dumps(figures | {"final": final}))
        os.replace(aside, self.path)
