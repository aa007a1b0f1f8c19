"""Render the reference head in eight poses (Cycles, CPU, small) into one contact sheet PNG.

The sheet is kept at artifacts/head_contact_sheet.png (git-ignored) for a person to look at; the test
checks that it was written, that the face is lit (neither black nor blown out) and that every pose
changes the picture.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.bpy, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
JOB = REPO / "tests" / "integration" / "head_render_job.py"
SHEET = REPO / "artifacts" / "head_contact_sheet.png"


def test_contact_sheet():
    SHEET.unlink(missing_ok=True)
    run = subprocess.run([sys.executable, str(JOB), str(SHEET), "--size", "160x200", "--samples", "8"],
                         capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    facts = json.loads(run.stdout.strip().splitlines()[-1])
    assert SHEET.is_file() and SHEET.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert facts["size"] == [4 * 160, 2 * 200]
    assert facts["poses"][0] == "neutral" and len(facts["poses"]) == 8
    for label, brightness in zip(facts["poses"], facts["centre_brightness"]):
        assert 0.15 < brightness < 0.95, f"{label}: face brightness {brightness:.2f}"
    for label, change in zip(facts["poses"][1:], facts["difference_from_neutral"][1:]):
        assert change > 0.001, f"{label} looks the same as neutral"
