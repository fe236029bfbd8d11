"""Server-Sent Events framing shared by every client: lines in, complete frames out."""

from __future__ import annotations


class FrameReader:
    """A blank line ends a frame; lines starting with ``:`` are comments (keep-alives)."""

    def __init__(self) -> None:
        self._frame: dict[str, str] = {}

    def feed(self, line: str) -> dict[str, str] | None:
        """The finished frame when ``line`` ends one that carries data, else None."""
        if line:
            if not line.startswith(":"):
                key, _, value = line.partition(":")
                self._frame[key] = value.removeprefix(" ")
            return None
        frame, self._frame = self._frame, {}
        return frame if "data" in frame else None
