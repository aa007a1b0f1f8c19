"""A line's ease from and back to rest, and which lines a new one retakes (pure logic)."""

import numpy as np
import pytest

from unitaf_blender.core.line_envelope import Span, ease_frames, is_retake, smoothstep, with_ease


def test_ease_frames_follow_the_frame_rate():
    assert [ease_frames(f) for f in (24, 25, 30, 60, 1)] == [3, 3, 4, 8, 1]


def test_with_ease_starts_and_ends_at_rest_and_keeps_the_line():
    frames = np.arange(10, 15, dtype=np.float32)
    values = np.array([0.4, 0.5, 0.9, 0.7, 0.6], dtype=np.float32)
    f, v = with_ease(frames, values, 3)
    np.testing.assert_array_equal(f, np.arange(6, 19))
    assert v[0] == 0.0 and v[-1] == 0.0
    np.testing.assert_array_equal(v[4:9], values)
    assert np.all(np.diff(v[:5]) > 0) and np.all(np.diff(v[8:]) < 0)       # monotone in and out
    assert np.max(np.abs(np.diff(v[:5]))) < 0.15 and np.max(np.abs(np.diff(v[8:]))) < 0.25   # no pop


def test_with_ease_checks_its_input():
    with pytest.raises(ValueError):
        with_ease(np.arange(3, dtype=np.float32), np.zeros(4, np.float32), 2)
    f, _ = with_ease(np.arange(3, dtype=np.float32), np.ones(3, np.float32), 0)
    assert len(f) == 3


def test_smoothstep_rises_inside_zero_one():
    s = smoothstep(4)
    assert 0 < s[0] < s[-1] < 1 and np.all(np.diff(s) > 0)


@pytest.mark.parametrize("old,new,retake", [
    (Span(60, 96), Span(60, 96), True),        # same frames
    (Span(60, 96), Span(62, 110), True),       # most of the old one
    (Span(60, 96), Span(90, 130), False),      # a line that starts as the old one ends: kept
    (Span(1, 37), Span(100, 136), False),      # elsewhere
    (Span(1, 200), Span(50, 70), False),       # an interjection inside a long line: kept beside it
    (Span(50, 70), Span(1, 200), True),        # a long line over a short one covers all of it
])
def test_is_retake(old, new, retake):
    assert is_retake(old, new) is retake
