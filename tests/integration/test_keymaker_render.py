"""A head that is not ours (tools/primitive_head.py, modelled from primitives, another topology) gets its
keys from the key maker in Blender and is rendered in eight poses into one contact sheet (kept at
artifacts/keymaker_contact_sheet.png for a person to look at). The test checks that the sheet was
written, the face is lit, every pose changes the picture, and the lips and lids close."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from contact_sheet import check_sheet, render_sheet

pytestmark = [pytest.mark.bpy, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
JOB = REPO / "tests" / "integration" / "keymaker_render_job.py"
SHEET = REPO / "artifacts" / "keymaker_contact_sheet.png"


def test_contact_sheet_of_a_head_that_is_not_ours():
    facts = render_sheet(JOB, SHEET)
    check_sheet(facts, SHEET)
    message = facts["keymaker"]
    assert "added 52 ARKit shape keys" in message
    lip = float(re.search(r"lip gap at jawOpen\+mouthClose (-?[\d.]+) mm", message).group(1))
    lids = [float(g) for g in re.search(r"lid gaps at blink (-?[\d.]+) / (-?[\d.]+) mm", message).groups()]
    assert lip < 1.0 and max(lids) < 1.0
