"""A user's two-character scene after a retake, an undo, a save and a reopen (scene_lines_sheet_job.py,
the real backend in-process, Cycles): every line still plays its own keys, and the contact sheet shows
each line's mouth open and the face at rest between lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.bpy, pytest.mark.slow]

JOB = Path(__file__).with_name("scene_lines_sheet_job.py")


def test_every_line_plays_after_retake_undo_save_reload_and_the_sheet_shows_it(tmp_path):
    sheet = tmp_path / "scene.png"
    run = subprocess.run([sys.executable, str(JOB), str(sheet), "--size", "120", "--samples", "4"],
                         capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    facts = json.loads(run.stdout.strip().splitlines()[-1])
    assert sheet.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    *said, gap = facts["tiles"]
    assert [t["object"] for t in said] == ["Alice", "Bob", "Alice"]
    assert said[2]["caption"].startswith("Alice: I heard it too")          # the undone retake is gone
    for tile in said:                         # after the reload each line plays its own Action's keys
        assert tile["jawOpen"] == pytest.approx(tile["line_says"], abs=1e-3), tile
        assert tile["jawOpen"] > 0.2 and tile["differs_from_gap"] > 0.005, tile
    assert gap["jawOpen"] < 0.05
