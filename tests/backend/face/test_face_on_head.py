"""The rules face on the reference head: lips really meet on bilabials (whatever the emotion) and part on
open vowels. Geometry, not channel thresholds: the lip gap of the posed CC0 head (head/asset.py)."""

import numpy as np
import pytest
from face_timelines import line
from unitaf_backend.emotion import PRESETS
from unitaf_backend.face import visemes as V
from unitaf_backend.face.articulation import articulate
from unitaf_backend.face.layers import add_expression_and_life

FPS = 30.0


@pytest.fixture(scope="module")
def head():
    from unitaf_backend.errors import UnitafError
    from unitaf_backend.head import asset

    try:
        return asset.load_reference_head()
    except (UnitafError, OSError) as err:
        pytest.skip(f"reference head not available: {err}")


@pytest.mark.parametrize("emotion", PRESETS)
def test_lips_meet_on_bilabials_and_part_on_open_vowels(head, emotion):
    tl = line(emotion)
    weights, _ = add_expression_and_life(articulate(tl, FPS), tl, FPS, seed=1)
    width = head.mouth_width()
    for seg in V.segments(tl):
        if seg.duration < 0.04:
            continue
        gap = float(head.lip_gap(head.vertices(weights[round(seg.mid * FPS)]))) / width
        if V.is_bilabial(seg):
            assert gap <= 0.02, f"{emotion}: lips apart by {gap:.1%} of the mouth width on {seg.letter}"
        if V.is_open(seg):
            assert gap >= 0.08, f"{emotion}: mouth only {gap:.1%} open on {seg.letter}"


def test_rest_pose_has_the_lips_together(head):
    tl = line()
    weights = articulate(tl, FPS)
    # at rest the face is the head's own neutral: lips together (within 1 % of the mouth width)
    assert float(head.lip_gap(head.vertices(weights[0]))) <= 0.01 * head.mouth_width()
    assert np.isfinite(head.vertices(weights)).all()
