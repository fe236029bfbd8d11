from __future__ import annotations

import time
from pathlib import Path

from sandbox.logs import follow, tail


def test_tail_returns_the_last_lines_and_nothing_for_a_missing_file(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text("".join(f"line {i}\n" for i in range(100)))
    assert tail(log, 3) == ["line 97", "line 98", "line 99"]
    assert tail(tmp_path / "missing.log", 3) == []


def test_follow_yields_only_new_complete_lines_from_every_file(tmp_path: Path) -> None:
    first, second = tmp_path / "a.log", tmp_path / "b.log"
    first.write_text("old\n")
    seen: list[tuple[str, str]] = []
    give_up = time.monotonic() + 5  # a broken follow() fails the test instead of hanging it
    stream = follow(
        {"a": first, "b": second}, keep_going=lambda: len(seen) < 3 and time.monotonic() < give_up
    )
    with first.open("a") as handle:
        handle.write("new 1\nnew 2\npartial")
    second.write_text("born later\n")
    seen.extend(stream)
    assert seen == [("a", "new 1"), ("a", "new 2"), ("b", "born later")]
