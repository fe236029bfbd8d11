from __future__ import annotations

from chaos.sse_frames import FrameReader


def test_frames_end_at_a_blank_line_and_comments_are_skipped() -> None:
    reader = FrameReader()
    lines = [": keep-alive", "", "id: 7", "event: order-status-changed", 'data: {"a":1}', ""]
    frames = [frame for line in lines if (frame := reader.feed(line)) is not None]
    assert frames == [{"id": "7", "event": "order-status-changed", "data": '{"a":1}'}]


def test_a_frame_without_data_is_dropped_and_does_not_leak_into_the_next() -> None:
    reader = FrameReader()
    assert reader.feed("id: 1") is None
    assert reader.feed("") is None
    assert reader.feed("data:x") is None
    assert reader.feed("") == {"data": "x"}
