"""Render the reference head in eight poses (Cycles, CPU, small) into one contact sheet PNG.

The sheet is kept at artifacts/head_contact_sheet.png (git-ignored) for a person to look at; the test
checks that it was written, that the face is lit (neither black nor blown out) and that every pose
changes the picture.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from contact_sheet import check_sheet, render_sheet

pytestmark = [pytest.mark.bpy, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
JOB = REPO / "tests" / "integration" / "head_render_job.py"
SHEET = REPO / "artifacts" / "head_contact_sheet.png"


def test_contact_sheet():
    check_sheet(render_sheet(JOB, SHEET), SHEET)
