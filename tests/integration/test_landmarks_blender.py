"""unitaf.find_face_landmarks and unitaf.make_arkit_shape_keys together in Blender 5.0 (the bpy wheel,
key maker in-process), as a user runs them: find, move one, make the keys."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.bpy, pytest.mark.slow]

JOB = Path(__file__).resolve().parent / "landmarks_job.py"


@pytest.fixture(scope="module")
def facts():
    run = subprocess.run([sys.executable, str(JOB)], capture_output=True, text=True, timeout=900, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_found_landmarks_are_empties_on_the_head(facts):
    assert facts["found"][0] == ["FINISHED"]
    assert "12 face landmarks shown as empties" in facts["found"][1]
    assert len(facts["empties"]) == 12 and {"nose_tip", "chin", "mouth_corner_left"} <= set(facts["empties"])
    assert facts["parents"] == ["Head"] and "Head chin" in facts["names"]
    # on the moved, turned, doubled object: each empty lies on the mesh as it stands in the scene
    assert facts["on_surface"] < 0.004
    assert facts["found_again"][0] == ["FINISHED"] and facts["count_again"] == 12    # moved back, not doubled


def test_keys_are_made_from_the_moved_landmarks(facts):
    assert facts["made"][0] == ["FINISHED"] and facts["keys"] == 53
    assert "placed by its landmark empties" in facts["made"][1]
    assert "placed by the 12 landmarks given" in facts["made"][1]
    assert facts["median"] <= 0.15 and facts["p95"] <= 0.4


def test_failures_change_nothing(facts):
    assert facts["cube"][0] == ["CANCELLED"] and "no head found" in facts["cube"][2]
    assert "nothing was changed" in facts["cube"][2] and facts["cube_children"] == 0
    assert facts["bad"][0] == ["CANCELLED"] and "on one line" in facts["bad"][2]
    assert not facts["bad_keys"] and facts["bad_unchanged"]


def test_each_is_one_undo_step(facts):
    # Blender pushes one undo step for an operator with the UNDO flag that FINISHES; undo itself has no
    # window to run in under the bpy module, so the flag is what is checked here
    assert facts["undo_flags"] == [True, True]
