"""The sandbox's Alertmanager webhook receiver, served on a free loopback port in-process."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.alert_receiver import MAX_BODY, serve

MESSAGE = {
    "version": "4",
    "status": "firing",
    "alerts": [
        {"status": "firing", "labels": {"alertname": "DeadLetterQueueNotEmpty",
                                        "queue": "orders.dead-letter"},
         "annotations": {"summary": "orders.dead-letter holds 1 dead-lettered messages"},
         "startsAt": "2026-11-27T22:00:00Z", "generatorURL": "http://x"},
    ],
}  # fmt: skip


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    out = tmp_path / "alerts.jsonl"
    server = serve(0, out)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", out
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_an_alert_is_on_disk_when_acknowledged(receiver: tuple[str, Path]) -> None:
    url, out = receiver
    assert httpx.get(f"{url}/health").status_code == 200
    answer = httpx.post(f"{url}/alerts", json=MESSAGE)
    assert answer.json() == {"stored": 1}
    [line] = out.read_text().splitlines()
    stored = json.loads(line)
    assert stored["labels"]["queue"] == "orders.dead-letter"
    assert "generatorURL" not in stored
    assert httpx.get(f"{url}/alerts").json() == [stored]


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b"not json", "body is not JSON"),
     (b'{"alerts": 3}', "with an 'alerts' list"),
     (b'{"alerts": [{"status": "firing"}]}', "'labels' object")],
)  # fmt: skip
def test_bad_input_is_a_400_with_a_reason_and_nothing_stored(
    receiver: tuple[str, Path], body: bytes, reason: str
) -> None:
    url, out = receiver
    answer = httpx.post(f"{url}/alerts", content=body)
    assert answer.status_code == 400
    assert reason in answer.json()["detail"]
    assert not out.exists()


def test_an_oversized_body_is_a_413(receiver: tuple[str, Path]) -> None:
    url, out = receiver
    answer = httpx.post(f"{url}/alerts", content=b" " * (MAX_BODY + 1))
    assert answer.status_code == 413
    assert not out.exists()
