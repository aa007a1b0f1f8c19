"""Every emotion preset rendered on the reference head (real bpy, Cycles CPU, small): a contact sheet of
the nine presets on the same word and a strip of frames over a sentence.

The images are kept at artifacts/emotion/ (git-ignored) for a person to look at; the test checks that
they were written, that the face is lit, that every preset looks different from neutral and that the
face changes along the sentence.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.bpy, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
JOB = REPO / "tests" / "integration" / "emotion_sheet_job.py"
OUT = REPO / "artifacts" / "emotion"


def test_emotion_contact_sheet_and_strip():
    for name in ("emotion_presets.png", "emotion_strip.png"):
        (OUT / name).unlink(missing_ok=True)
    run = subprocess.run([sys.executable, str(JOB), str(OUT), "--size", "160x200", "--samples", "8"],
                         capture_output=True, text=True, timeout=900, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    facts = json.loads(run.stdout.strip().splitlines()[-1])
    sheet, strip = facts["sheet"], facts["strip"]
    for part in (sheet, strip):
        assert Path(part["sheet"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        for label, brightness in zip(part["poses"], part["centre_brightness"]):
            assert 0.15 < brightness < 0.95, f"{label}: face brightness {brightness:.2f}"
    assert [p.split()[0] for p in sheet["poses"]] == ["neutral", "happy", "angry", "sad", "afraid",
                                                       "disgusted", "melancholic", "surprised", "calm"]
    for label, change in zip(sheet["poses"][1:], sheet["difference_from_neutral"][1:]):
        assert change > 0.003, f"{label} looks like neutral"
    assert len(strip["poses"]) == 8 and max(strip["difference_from_neutral"][1:]) > 0.003
