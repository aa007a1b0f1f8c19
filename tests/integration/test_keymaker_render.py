"""A head that is not ours (tools/primitive_head.py, modelled from primitives, another topology) gets its
keys from the key maker in Blender and is rendered in eight poses into one contact sheet (kept at
artifacts/keymaker_contact_sheet.png for a person to look at). The test checks that the sheet was
written, the face is lit, every pose changes the picture, and the lips and lids close."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.bpy, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
JOB = REPO / "tests" / "integration" / "keymaker_render_job.py"
SHEET = REPO / "artifacts" / "keymaker_contact_sheet.png"


def test_contact_sheet_of_a_head_that_is_not_ours():
    SHEET.unlink(missing_ok=True)
    run = subprocess.run([sys.executable, str(JOB), str(SHEET), "--size", "160x200", "--samples", "8"],
                         capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    facts = json.loads(run.stdout.strip().splitlines()[-1])
    assert SHEET.is_file() and SHEET.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert facts["poses"][0] == "neutral" and len(facts["poses"]) == 8
    for label, brightness in zip(facts["poses"], facts["centre_brightness"]):
        assert 0.15 < brightness < 0.95, f"{label}: face brightness {brightness:.2f}"
    for label, change in zip(facts["poses"][1:], facts["difference_from_neutral"][1:]):
        assert change > 0.001, f"{label} looks the same as neutral"
    message = facts["keymaker"]
    assert "added 52 ARKit shape keys" in message
    lip = float(re.search(r"lip gap at jawOpen\+mouthClose (-?[\d.]+) mm", message).group(1))
    lids = [float(g) for g in re.search(r"lid gaps at blink (-?[\d.]+) / (-?[\d.]+) mm", message).groups()]
    assert lip < 1.0 and max(lids) < 1.0
