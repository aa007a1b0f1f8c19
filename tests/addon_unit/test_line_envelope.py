"""A line's ramps in and out, the ramp two close lines share, and which lines a new one retakes (pure)."""

import numpy as np
import pytest

from unitaf_blender.core.line_envelope import (
    Ramp,
    Span,
    assemble,
    bridge,
    bridged,
    decay,
    held,
    is_retake,
    onset,
    seconds_frames,
    smoothstep,
)


def test_ramp_lengths_follow_the_frame_rate():
    assert [seconds_frames(0.3, f) for f in (24, 25, 30, 60, 1)] == [7, 8, 9, 18, 1]


def test_onset_and_decay_go_from_and_to_rest_before_and_after_the_line():
    first, last = np.array([0.6, 0.0], np.float32), np.array([0.3, 0.9], np.float32)
    lead, tail = onset(first, 10, 24), decay(last, 40, 24)
    np.testing.assert_array_equal(lead.frames, np.arange(3, 10))
    np.testing.assert_array_equal(tail.frames, np.arange(41, 51))
    assert np.all(np.diff(lead.values[:, 0]) > 0) and np.all(lead.values[:, 0] < 0.6)
    assert np.all(np.diff(tail.values[:, 1]) < 0) and np.all(tail.values[:, 1] > 0)
    body = np.linspace(first, last, 31).astype(np.float32)       # from the first frame's values to the last's
    frames, values = assemble(lead, np.arange(10, 41), body, tail)
    assert frames[0] == 2 and frames[-1] == 51 and np.all(np.diff(frames) == 1)
    np.testing.assert_array_equal(values[0], 0.0)
    np.testing.assert_array_equal(values[-1], 0.0)
    assert np.abs(np.diff(values, axis=0)).max() < 0.15          # no pop in or out


def test_a_bridge_is_one_smooth_ramp_split_between_the_two_lines():
    a_last, b_first = np.array([0.8, 0.1], np.float32), np.array([0.0, 0.7], np.float32)
    a_tail, b_lead = bridge(a_last, 37, b_first, 50)             # 12 frames between
    np.testing.assert_array_equal(np.concatenate([a_tail.frames, b_lead.frames]), np.arange(38, 50))
    whole = np.concatenate([a_last[None], a_tail.values, b_lead.values, b_first[None]])
    assert np.all(np.diff(whole[:, 0]) < 0) and np.all(np.diff(whole[:, 1]) > 0)   # straight across, no dip
    assert np.abs(np.diff(whole, axis=0)).max() < 0.15
    a0, b0 = bridge(a_last, 37, b_first, 38)                     # touching: nothing between
    assert len(a0.frames) == len(b0.frames) == 0
    with pytest.raises(ValueError):
        bridge(a_last, 37, b_first, 30)


def test_only_close_lines_that_do_not_overlap_are_bridged():
    assert bridged(37, 50, 24) and bridged(37, 38, 24) and bridged(37, 62, 24)
    assert not bridged(37, 63, 24) and not bridged(37, 37, 24)


def test_assemble_checks_its_input():
    with pytest.raises(ValueError):
        assemble(Ramp.none(2), np.arange(3), np.zeros((4, 2)), Ramp.none(2))


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


def test_held_keeps_the_frames_and_holds_the_values():
    ramp = onset(np.array([0.5, 0.2], np.float32), 10, 24)
    h = held(np.array([0.5, 0.2], np.float32), ramp)
    np.testing.assert_array_equal(h.frames, ramp.frames)
    assert np.all(h.values == np.array([0.5, 0.2], np.float32))
