"""Landmarks the user gives (found ones, moved): the key maker places and holds the face by them; and a
head turned about its vertical axis is found without them."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.spatial.transform import Rotation
from unitaf_backend.cli import main
from unitaf_backend.errors import BadInput
from unitaf_backend.keymaker import find_landmarks, landmark_names, make_shape_keys, score
from unitaf_backend.keymaker.reference import reference_skin
from unitaf_backend.keymaker.testheads import RECIPES, build_test_head


@pytest.fixture(scope="module")
def head():
    return build_test_head(next(r for r in RECIPES if r.name == "young-narrow-sqrt3"))


@pytest.fixture(scope="module")
def found(head):
    return find_landmarks(head.vertices, head.tris)


def meets_targets(offsets, truth):
    err = score.pooled_errors(offsets, truth)
    return np.median(err) <= 0.15 and np.quantile(err, 0.95) <= 0.4


def test_found_landmarks_are_named_points_on_the_face(head, found):
    assert tuple(found) == landmark_names()
    mouth = np.linalg.norm(found["mouth_corner_left"] - found["mouth_corner_right"])
    assert 0.035 < mouth < 0.07                                     # a human mouth, in metres
    assert found["nose_tip"][1] < found["upper_lip"][1]             # the nose stands in front of the lip
    assert found["eye_left"][0] > 0 > found["eye_right"][0] and found["chin"][2] < found["lower_lip"][2]


def test_a_wrong_automatic_guess_is_corrected_by_given_landmarks(head, found):
    # turned 60 degrees forward and 30 about the vertical: the automatic search refuses it and says how
    # to fix it; the landmarks (as the user puts them on this face) give the good keys
    turn = Rotation.from_euler("xz", [60, 30], degrees=True).as_matrix()
    turned = head.vertices @ turn.T
    with pytest.raises(BadInput, match="no head found.*Find Face Landmarks"):
        make_shape_keys(turned, head.tris)
    made = make_shape_keys(turned, head.tris, landmarks={k: p @ turn.T for k, p in found.items()})
    assert meets_targets(made.offsets @ turn, head.true_offsets)
    assert "placed by the 12 landmarks given" in made.summary()
    assert made.lip_gap < 0 and max(made.lid_gaps) < 0


def test_a_moved_landmark_moves_the_fit_there():
    ref = reference_skin()
    auto = find_landmarks(ref.vertices, ref.tris)
    given = dict(auto)
    given["chin"] = auto["chin"] + [0.0, 0.0, -0.008]               # the user drags the chin 8 mm down
    made = make_shape_keys(ref.vertices, ref.tris, landmarks=given)
    moved = made.landmarks["chin"] - auto["chin"]
    assert moved[2] < -0.002                                         # the fitted chin follows down
    assert np.linalg.norm(made.landmarks["eye_left"] - auto["eye_left"]) < 0.001   # the eyes stay
    unchanged = make_shape_keys(ref.vertices, ref.tris, landmarks=auto)
    assert np.linalg.norm(unchanged.landmarks["chin"] - auto["chin"]) < 0.001


@pytest.mark.parametrize(("given", "message"), [
    ({"nose": [0, 0, 0]}, "unknown landmark 'nose'"),
    ({"nose_tip": [0, 0], "chin": [0, 0, -1], "eye_left": [1, 0, 1], "eye_right": [-1, 0, 1]}, r"not a point \[x"),
    ({"nose_tip": [0, 0, 0], "chin": [0, 0, -1], "eye_left": [1, 0, 1]}, "needs at least 4"),
    ({"nose_tip": [0, 0, 0], "chin": [0, 0, -1], "eye_left": [0, 0, 1], "eye_right": [0, 0, 2]}, "on one line"),
    ({"nose_tip": [0, 0, np.nan], "chin": [0, 0, -1], "eye_left": [1, 0, 1], "eye_right": [-1, 0, 1]},
     "not a finite point"),
])
def test_bad_landmarks_get_one_clear_line(given, message):
    ref = reference_skin()
    with pytest.raises(BadInput, match=message):
        make_shape_keys(ref.vertices, ref.tris, landmarks=given)


def test_a_head_turned_45_degrees_about_the_vertical_is_found(head):
    turn = Rotation.from_euler("z", 45, degrees=True).as_matrix()
    made = make_shape_keys(head.vertices @ turn.T, head.tris)
    assert meets_targets(made.offsets @ turn, head.true_offsets)
    assert "turned 4" in made.notes[-1] and "up is +Z" in made.notes[-1]


def test_cli_takes_the_landmarks_of_an_earlier_report(tmp_path, capsys):
    ref = reference_skin()
    obj = tmp_path / "head.obj"
    with open(obj, "w") as fh:
        fh.writelines(f"v {x:.6f} {y:.6f} {z:.6f}\n" for x, y, z in ref.vertices)
        fh.writelines("f " + " ".join(str(i + 1) for i in f) + "\n" for f in ref.tris)
    assert main(["make-shape-keys", str(obj), str(tmp_path / "first")]) == 0
    assert main(["make-shape-keys", str(obj), str(tmp_path / "second"),
                 "--landmarks", str(tmp_path / "first" / "report.json")]) == 0
    assert "placed by the 12 landmarks given" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"chin": [0, 1]}))
    assert main(["make-shape-keys", str(obj), str(tmp_path / "third"), "--landmarks", str(bad)]) == 2
    assert "expected {name: [x, y, z]" in capsys.readouterr().err
    assert not (tmp_path / "third").exists()


def test_the_add_on_client_finds_and_passes_landmarks_through_the_cli_too():
    # Blender without the backend in its Python: the landmarks travel as a JSON file to the CLI
    import sys

    from unitaf_blender.core.keymaker_client import find_landmarks as client_find
    from unitaf_blender.core.keymaker_client import make_offsets

    ref = reference_skin()
    faces = ref.tris.tolist()
    found = client_find(ref.vertices, faces, python=sys.executable, in_process=False)
    here = find_landmarks(ref.vertices, faces)
    assert set(found) == set(here) and max(np.abs(found[k] - here[k]).max() for k in here) < 1e-5
    given = dict(found)
    given["chin"] = found["chin"] + [0.0, 0.0, -0.008]
    via_cli = make_offsets(ref.vertices, faces, python=sys.executable, in_process=False, landmarks=given)
    assert "placed by the 12 landmarks given" in via_cli.summary
    assert np.abs(via_cli.offsets - make_shape_keys(ref.vertices, faces, landmarks=given).offsets).max() < 2e-4    # 0.2 mm: OBJ digits
