"""`unitaf make-shape-keys IN.obj OUT` as a user runs it."""

from __future__ import annotations

import json

import numpy as np
from unitaf_backend.cli import main
from unitaf_backend.keymaker.reference import reference_skin


def write_obj(path, vertices, faces):
    with open(path, "w") as fh:
        fh.writelines(f"v {x:.6f} {y:.6f} {z:.6f}\n" for x, y, z in vertices)
        fh.writelines("f " + " ".join(str(i + 1) for i in f) + "\n" for f in faces)


def test_cli_writes_keys_and_report(tmp_path, capsys):
    ref = reference_skin()
    obj = tmp_path / "head.obj"
    write_obj(obj, ref.vertices, ref.tris)
    out = tmp_path / "out"
    assert main(["make-shape-keys", str(obj), str(out)]) == 0
    assert "52 keys on 4286 vertices" in capsys.readouterr().out
    with np.load(out / "shape_keys.npz") as npz:
        assert npz["offsets"].shape == (52, 4286, 3)
        assert tuple(npz["channels"]) == ref.channels
        jaw = list(npz["channels"]).index("jawOpen")
        assert np.abs(npz["offsets"][jaw] - ref.offsets[jaw]).max() < 0.002
    report = json.loads((out / "report.json").read_text())
    assert report["lip_gap"] < 0 and set(report["landmarks"]) >= {"nose_tip", "chin", "mouth_corner_left"}
    assert sorted(p.name for p in out.iterdir()) == ["report.json", "shape_keys.npz"]


def test_cli_bad_input_says_one_line_and_writes_nothing(tmp_path, capsys):
    cube = tmp_path / "cube.obj"
    write_obj(cube, [(x, y, z) for x in (0, 1) for y in (0, 1) for z in (0, 1)], [[0, 1, 3, 2], [4, 6, 7, 5]])
    out = tmp_path / "out"
    assert main(["make-shape-keys", str(cube), str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "a head needs at least" in err[0]
    assert not out.exists()
    assert main(["make-shape-keys", str(tmp_path / "missing.obj"), str(out)]) == 2
    assert "no such file" in capsys.readouterr().err


def test_the_add_on_client_through_the_backend_interpreter_gets_the_same_keys():
    # what Blender does when its Python cannot import the backend: run the CLI with the Backend Python
    import sys

    from unitaf_backend.keymaker import make_shape_keys

    from unitaf_blender.core.keymaker_client import make_offsets

    ref = reference_skin()
    faces = ref.tris.tolist()
    via_cli = make_offsets(ref.vertices, faces, python=sys.executable, in_process=False)
    here = make_shape_keys(ref.vertices, faces)
    assert via_cli.channels == here.channels
    assert np.abs(via_cli.offsets - here.offsets).max() < 1e-5      # the OBJ carries 9 significant digits
    assert set(via_cli.jaw_motions) == set(here.jaw_motions) and via_cli.up is not None
    assert "52 keys on 4286 vertices" in via_cli.summary


def test_the_add_on_client_says_what_the_backend_said(tmp_path):
    import sys

    import pytest

    from unitaf_blender.core.keymaker_client import KeymakerError, make_offsets

    cube = np.array([(x, y, z) for x in (0, 1) for y in (0, 1) for z in (0, 1)], dtype=float)
    with pytest.raises(KeymakerError, match="a head needs at least"):
        make_offsets(cube, [[0, 1, 3, 2]], python=sys.executable, in_process=False)
    with pytest.raises(KeymakerError, match="did not run"):
        make_offsets(cube, [[0, 1, 3, 2]], python=str(tmp_path / "no-python"), in_process=False)
