"""The stored reference head: format, geometry, symmetry, and the lip closure that mouthClose promises."""

from __future__ import annotations

import numpy as np
import pytest
from unitaf_backend.channels import ARKIT_CHANNELS, CHANNEL_INDEX
from unitaf_backend.errors import BadInput, NotInstalled
from unitaf_backend.head import HEAD_PATH, load_reference_head
from unitaf_backend.head.asset import _read, head_from_arrays

FLIP = np.array([-1.0, 1.0, 1.0], dtype=np.float32)


@pytest.fixture(scope="module")
def head():
    return load_reference_head()


def twin(name: str) -> str:
    if name.endswith("Left"):
        return name[:-4] + "Right"
    if name.endswith("Right"):
        return name[:-5] + "Left"
    return name


def test_52_keys_in_arkit_order(head):
    assert head.channels == ARKIT_CHANNELS
    assert head.offsets.shape == (52, head.vertex_count, 3)
    assert head.offsets.dtype == np.float32 and head.basis.dtype == np.float32
    # every key does something
    assert (np.abs(head.offsets).reshape(52, -1).max(axis=1) > 1e-3).all()


def test_stored_file_is_small():
    assert HEAD_PATH.stat().st_size <= 5 * 1024 * 1024


def test_a_plausible_human_head(head):
    lo, hi = head.basis.min(axis=0), head.basis.max(axis=0)
    width, depth, height = hi - lo
    assert 0.14 < width < 0.20 and 0.17 < depth < 0.24 and 0.22 < height < 0.30
    # the face looks along -Y: the eyes are in front of the head's middle and above the mouth
    eyes = head.eye_centres
    assert (eyes[:, 1] < (lo[1] + hi[1]) / 2).all()
    assert eyes[0, 0] > 0 > eyes[1, 0]
    assert (eyes[:, 2] > head.basis[head.upper_lip, 2].max()).all()
    assert 0.04 < head.mouth_width() < 0.06
    assert set(head.parts) == {"skin", "tongue", "teeth_upper", "teeth_lower", "eyeball_left", "eyeball_right",
                               "lashes", "brows"}
    for part in head.parts:
        assert head.part_mask(part).any()


def test_vertices_is_basis_plus_weights_times_offsets(head):
    rng = np.random.default_rng(0)
    w = rng.uniform(0.0, 1.0, size=(3, 52)).astype(np.float32)
    got = head.vertices(w)
    want = head.basis[None] + np.einsum("tk,kvc->tvc", w, head.offsets)
    assert got.shape == (3, head.vertex_count, 3)
    np.testing.assert_allclose(got, want, atol=1e-6)
    np.testing.assert_allclose(head.vertices(w[0]), want[0], atol=1e-6)
    np.testing.assert_array_equal(head.vertices(np.zeros(52)), head.basis)
    with pytest.raises(BadInput):
        head.vertices(np.zeros((3, 51)))


def test_arrays_are_read_only(head):
    with pytest.raises(ValueError):
        head.offsets[0, 0, 0] = 1.0


def test_missing_or_corrupt_file_is_one_clear_error(tmp_path):
    with pytest.raises(NotInstalled, match="build_head"):
        _read(tmp_path / "nothing.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(BadInput):
        _read(bad)
    arrays = _read(HEAD_PATH)
    del arrays["offset_delta"]
    with pytest.raises(BadInput, match="offset_delta"):
        head_from_arrays(arrays)


def test_no_degenerate_faces(head):
    faces = head.faces
    assert faces.min() >= -1 and faces.max() < head.vertex_count
    assert (faces[:, :3] >= 0).all()
    for row in faces:
        corners = row[row >= 0]
        assert len(set(corners.tolist())) == len(corners)
    # every triangle of every face (quads split both ways) has a real area, neutral and fully posed
    for weights in (np.zeros(52, dtype=np.float32), np.ones(52, dtype=np.float32) * 0.5):
        v = head.vertices(weights)
        quads = faces[faces[:, 3] >= 0]
        tris = faces[faces[:, 3] < 0][:, :3]
        splits = [tris, quads[:, [0, 1, 2]], quads[:, [0, 2, 3]], quads[:, [0, 1, 3]], quads[:, [1, 2, 3]]]
        for t in splits:
            area = 0.5 * np.linalg.norm(np.cross(v[t[:, 1]] - v[t[:, 0]], v[t[:, 2]] - v[t[:, 0]]), axis=1)
            assert area.min() > 1e-10, f"a face of area {area.min():.2e} m^2"
    # each used uv index is valid and every face has uvs where it has corners
    assert ((head.face_uvs >= 0) == (faces >= 0)).all()
    assert head.face_uvs.max() < len(head.uvs)


def test_left_right_symmetry(head):
    m = head.mirror
    assert (m[m] == np.arange(head.vertex_count)).all()
    assert np.abs(head.basis[m] * FLIP - head.basis).max() < 1e-6
    worst = 0.0
    for k, name in enumerate(head.channels):
        other = head.offsets[CHANNEL_INDEX[twin(name)]]
        worst = max(worst, float(np.abs(other[m] * FLIP - head.offsets[k]).max()))
    # the build averages each key with its twin's mirror image (the source is off by up to 2.2 mm)
    assert worst < 1e-6, f"left/right mirror error {worst * 1000:.4f} mm"


def test_jaw_open_opens_and_mouth_close_closes_the_lips(head):
    w = np.zeros(52, dtype=np.float32)
    neutral_gap = float(head.lip_gap(head.basis))
    width = head.mouth_width()
    assert abs(neutral_gap) < 0.02 * width  # the neutral lips touch

    w[CHANNEL_INDEX["jawOpen"]] = 1.0
    open_gap = float(head.lip_gap(head.vertices(w)))
    assert open_gap > 0.4 * width

    w[CHANNEL_INDEX["mouthClose"]] = 1.0
    closed_gap = float(head.lip_gap(head.vertices(w)))
    assert closed_gap < 0.02 * width, f"lip gap {closed_gap * 1000:.2f} mm of a {width * 1000:.1f} mm mouth"


def test_mouth_landmarks_are_on_the_lips(head):
    assert head.mouth_mask[head.upper_lip].all() and head.mouth_mask[head.lower_lip].all()
    assert head.regions["lips_upper"][head.upper_lip].all()
    assert head.regions["lips_lower"][head.lower_lip].all()
    assert not (head.regions["lips_upper"] & head.regions["lips_lower"]).any()
    left, right = head.mouth_corners
    assert head.basis[left, 0] > 0 > head.basis[right, 0]
    # the mouth region is the lower face only
    assert head.basis[head.mouth_mask, 2].max() < head.eye_centres[:, 2].min()
    assert head.part_mask("skin")[head.mouth_mask].all()
