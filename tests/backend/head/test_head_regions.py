"""Each of the 52 keys moves its own region of the face and leaves the rest alone.

Regions are the asset's masks, which the build finds on the neutral geometry and the MakeHuman UV masks
(never on what the keys do). Displacements are in metres; the source is quantised to 0.1 mm, so "still"
means under STILL, and "exactly still" is what the build guarantees by construction.
"""

from __future__ import annotations

import numpy as np
import pytest
from unitaf_backend.channels import ARKIT_CHANNELS, CHANNEL_INDEX
from unitaf_backend.head import load_reference_head

STILL = 0.0005   # 0.5 mm: five steps of the source's precision, invisible at any normal viewing distance
MOVES = 0.002    # 2 mm


@pytest.fixture(scope="module")
def head():
    return load_reference_head()


def offsets(head, name: str) -> np.ndarray:
    return head.offsets[CHANNEL_INDEX[name]].astype(np.float64)


def moved(head, name: str, mask: np.ndarray) -> float:
    """Largest displacement of the masked vertices under the key at weight 1."""
    d = np.linalg.norm(offsets(head, name)[mask], axis=1)
    return float(d.max()) if d.size else 0.0


def side(name: str) -> str | None:
    return "left" if name.endswith("Left") else "right" if name.endswith("Right") else None


def other(s: str) -> str:
    return "right" if s == "left" else "left"


JAW_KEYS = [n for n in ARKIT_CHANNELS if n.startswith("jaw")]
EYE_KEYS = [n for n in ARKIT_CHANNELS if n.startswith("eye")]
BROW_KEYS = [n for n in ARKIT_CHANNELS if n.startswith("brow")]
LOWER_FACE_KEYS = [n for n in ARKIT_CHANNELS if n.startswith(("jaw", "mouth", "tongue", "cheekPuff"))]


@pytest.mark.parametrize("name", ARKIT_CHANNELS)
def test_rigid_parts_move_only_with_their_keys(head, name):
    assert moved(head, name, head.part_mask("teeth_upper")) == 0.0  # fixed to the skull
    if name not in JAW_KEYS:
        assert moved(head, name, head.part_mask("teeth_lower")) == 0.0
    if name not in JAW_KEYS + ["tongueOut"]:
        assert moved(head, name, head.part_mask("tongue")) == 0.0
    for s in ("left", "right"):
        ball = head.part_mask(f"eyeball_{s}")
        if name.startswith("eyeLook") and side(name) == s:
            assert moved(head, name, ball) > MOVES
        else:
            assert moved(head, name, ball) == 0.0
    assert moved(head, name, head.regions["neck"]) < STILL


@pytest.mark.parametrize("name", EYE_KEYS)
def test_eye_keys_stay_on_their_own_eye(head, name):
    s = side(name)
    assert moved(head, name, head.regions[other(s)]) == 0.0, "moves the other half of the face"
    own_eye = head.regions[f"eye_area_{s}"] | head.part_mask(f"eyeball_{s}")
    assert moved(head, name, own_eye) > MOVES
    for region in ("lips_upper", "lips_lower", "chin", "forehead"):
        assert moved(head, name, head.regions[region]) < STILL, region


@pytest.mark.parametrize("name", BROW_KEYS)
def test_brow_keys_stay_in_the_upper_face(head, name):
    for region in ("mouth", "lips_upper", "lips_lower", "chin"):
        assert moved(head, name, head.regions[region]) < STILL, region
    assert moved(head, name, head.regions["brows"]) > MOVES
    s = side(name)
    if s is not None:
        assert moved(head, name, head.regions[f"lid_upper_{other(s)}"]) < STILL


@pytest.mark.parametrize("name", LOWER_FACE_KEYS)
def test_lower_face_keys_leave_the_upper_face_alone(head, name):
    for region in ("forehead", "brows", "lid_upper_left", "lid_upper_right"):
        assert moved(head, name, head.regions[region]) < STILL, region
    part = head.regions["mouth"] | head.part_mask("tongue")
    assert moved(head, name, part) > MOVES


@pytest.mark.parametrize("name", [n for n in ARKIT_CHANNELS if n.endswith("Left") and not n.startswith("eye")])
def test_one_sided_keys_work_mostly_on_their_side(head, name):
    """Left keys of the mouth, brows, cheeks and nose: their own half moves at least 3x as much (summed
    squared displacement, beyond 5 mm of the midline) as the other half; the Right twin is the mirror."""
    x = head.basis[:, 0]
    energy = (offsets(head, name) ** 2).sum(axis=1)
    own, far = energy[x > 0.005].sum(), energy[x < -0.005].sum()
    if name in ("jawLeft", "mouthLeft"):  # these shift the whole jaw or mouth sideways
        assert own > 0.5 * far
    else:
        assert own > 3.0 * far, f"{name}: own side {own:.2e} vs other side {far:.2e}"


def test_jaw_open_moves_chin_lower_lip_lower_teeth_and_tongue_down(head):
    d = offsets(head, "jawOpen")
    for mask, at_least in ((head.regions["chin"], 0.02), (head.regions["lips_lower"], 0.015),
                           (head.part_mask("teeth_lower"), 0.015), (head.part_mask("tongue"), 0.01)):
        assert d[mask, 2].mean() < -at_least
    assert moved(head, "jawOpen", head.regions["forehead"]) == 0.0
    assert abs(d[head.regions["lips_upper"], 2].mean()) < 0.25 * abs(d[head.regions["lips_lower"], 2].mean())


def test_jaw_sideways_and_forward(head):
    chin = head.regions["chin"]
    assert offsets(head, "jawLeft")[chin, 0].mean() > 0.003   # left is +x
    assert offsets(head, "jawRight")[chin, 0].mean() < -0.003
    assert offsets(head, "jawForward")[chin, 1].mean() < -0.003  # forward is -y


def test_eye_blink_closes_the_upper_lid(head):
    r = head.eye_radius
    for s in ("left", "right"):
        name = f"eyeBlink{s.capitalize()}"
        lid = head.regions[f"lid_upper_{s}"]
        assert offsets(head, name)[lid, 2].min() < -0.5 * r
        wide = offsets(head, f"eyeWide{s.capitalize()}")[lid, 2]
        assert wide.max() > 0.0015


@pytest.mark.parametrize("name", [n for n in ARKIT_CHANNELS if n.startswith("eyeLook")])
def test_eye_look_keys_rotate_the_eyeball(head, name):
    s = side(name)
    ball = head.part_mask(f"eyeball_{s}")
    centre = head.eye_centres[0 if s == "left" else 1].astype(np.float64)
    before = head.basis[ball].astype(np.float64)
    after = before + offsets(head, name)[ball]
    # rigid: every vertex keeps its distance to the centre, and the ball's shape is unchanged
    np.testing.assert_allclose(np.linalg.norm(after - centre, axis=1), head.eye_radius, atol=2e-6)
    pupil = int(np.argmin(before[:, 1]))  # the front pole (the face looks along -y)
    gaze_before = (before[pupil] - centre) / head.eye_radius
    gaze_after = (after[pupil] - centre) / head.eye_radius
    angle = np.degrees(np.arccos(np.clip(gaze_before @ gaze_after, -1.0, 1.0)))
    assert angle > 8.0
    turn = gaze_after - gaze_before
    nose = -1.0 if s == "left" else 1.0   # the nose is towards x = 0
    expected = {"Up": (2, 1.0), "Down": (2, -1.0), "In": (0, nose), "Out": (0, -nose)}
    direction = name[len("eyeLook"):-len(s)]
    axis, sign = expected[direction]
    assert sign * turn[axis] > 0.1, f"{name} turns the pupil by {turn}"


def test_mouth_corners_and_lips(head):
    left, right = head.mouth_corners
    assert offsets(head, "mouthLeft")[[left, right], 0].min() > 0.003
    assert offsets(head, "mouthRight")[[left, right], 0].max() < -0.003
    assert offsets(head, "mouthSmileLeft")[left, 2] > 0.003 and offsets(head, "mouthSmileRight")[right, 2] > 0.003
    assert offsets(head, "mouthFrownLeft")[left, 2] < -0.001 and offsets(head, "mouthFrownRight")[right, 2] < -0.001
    for name in ("mouthFunnel", "mouthPucker"):
        lips = head.regions["lips_upper"] | head.regions["lips_lower"]
        assert offsets(head, name)[lips, 1].min() < -0.004  # the lips push forward
    for name, region, sign in (("mouthLowerDownLeft", "lips_lower", -1), ("mouthUpperUpLeft", "lips_upper", 1),
                               ("mouthShrugLower", "lips_lower", 1), ("mouthShrugUpper", "lips_upper", 1)):
        dz = offsets(head, name)[head.regions[region], 2]
        assert (dz.max() if sign > 0 else -dz.min()) > 0.002, f"{name} moves {region} the wrong way"
    assert moved(head, "mouthRollLower", head.regions["lips_lower"]) > 0.003
    assert moved(head, "mouthRollLower", head.regions["lips_upper"]) < STILL
    assert moved(head, "mouthRollUpper", head.regions["lips_upper"]) > 0.003
    assert moved(head, "mouthRollUpper", head.regions["lips_lower"]) < STILL


def test_brows_cheeks_nose_and_tongue(head):
    brows = head.regions["brows"]
    x = head.basis[:, 0]
    assert offsets(head, "browInnerUp")[head.regions["brow_inner"], 2].max() > 0.003
    assert offsets(head, "browDownLeft")[brows & (x > 0), 2].min() < -0.003
    assert offsets(head, "browOuterUpLeft")[brows & (x > 0), 2].max() > 0.003
    assert offsets(head, "cheekSquintLeft")[head.regions["eye_area_left"], 2].max() > 0.003
    assert offsets(head, "noseSneerLeft")[x > 0, 2].max() > 0.002
    puff = offsets(head, "cheekPuff")
    assert puff[x > 0.02, 0].max() > 0.003 and puff[x < -0.02, 0].min() < -0.003  # cheeks go outwards
    tongue = head.part_mask("tongue")
    assert offsets(head, "tongueOut")[tongue, 1].min() < -0.015  # the tip comes out forwards
    assert moved(head, "tongueOut", ~tongue) == 0.0
