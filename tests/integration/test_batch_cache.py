"""The batch reading a line cache that `unitaf render-lines` filled: every row cached -> the scene is
assembled with no backend at all (the only backend offered is a closed port), equal to a batch that asked
the backend; a row that is not cached goes to the backend (here: fails, the others land)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from test_batch import BUILD_SCENE, REPO, inspect, run_batch, run_py, write_wav

pytestmark = [pytest.mark.bpy, pytest.mark.slow]
DEAD_URL = "http://127.0.0.1:9"          # nothing listens there: any backend call would fail


def render_lines(dialogue, cache) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "unitaf_backend", "render-lines", str(dialogue), "--out",
                           str(cache), "--workers", "0", "--mode", "rules", "--fps", "24"],
                          check=False, capture_output=True, text=True, timeout=300, cwd=str(REPO))


def test_a_fully_cached_dialogue_assembles_without_a_backend(tmp_path):
    scene = tmp_path / "scene.blend"
    assert run_py(BUILD_SCENE, str(REPO), str(scene)).returncode == 0
    (tmp_path / "takes").mkdir()
    write_wav(tmp_path / "takes" / "take.wav", "I found the key under the mat.")
    rows = ["object,text,audio,transcript,emotion,intensity",
            "Alice,Good morning Bob.,,,happy,0.8",
            "Bob,Morning. Did you sleep well?,,,,",
            "Alice,,takes/take.wav,I found the key under the mat.,,",
            "Bob,Not really.,,,sad,0.5"]
    (tmp_path / "lines.csv").write_text("\n".join(rows) + "\n")
    cache = tmp_path / "cache"
    proc = render_lines(tmp_path / "lines.csv", cache)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "4 computed" in proc.stdout

    out = tmp_path / "cached.blend"
    proc = run_batch(str(scene), "--dialogue", str(tmp_path / "lines.csv"), "--save", str(out), "--mode", "rules",
                     "--cache", str(cache), "--url", DEAD_URL)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "backend line cache" in proc.stdout
    # the same rows asked of a real (in-process) backend give the same scene
    ref = tmp_path / "direct.blend"
    proc = run_batch(str(scene), "--dialogue", str(tmp_path / "lines.csv"), "--save", str(ref), "--mode", "rules",
                     "--backend", "inprocess")
    assert proc.returncode == 0, proc.stderr[-2000:]
    cached, direct = inspect(out), inspect(ref)
    assert len(cached["actions"]) == 4 and len(cached["sounds"]) == 4
    assert cached["nla"] == direct["nla"]
    assert sorted((s["start"], s["end"]) for s in cached["sounds"].values()) == \
        sorted((s["start"], s["end"]) for s in direct["sounds"].values())
    assert all(s["exists"] for s in cached["sounds"].values())

    # one row edited after the render: it is not in the cache, so it goes to the (dead) backend
    (tmp_path / "lines.csv").write_text("\n".join(rows).replace("Not really.", "Not at all.") + "\n")
    proc = run_batch(str(scene), "--dialogue", str(tmp_path / "lines.csv"), "--save", str(tmp_path / "3.blend"),
                     "--mode", "rules", "--cache", str(cache), "--url", DEAD_URL)
    assert proc.returncode == 1
    assert "row 4" in proc.stdout + proc.stderr
    assert len(inspect(tmp_path / "3.blend")["actions"]) == 3
