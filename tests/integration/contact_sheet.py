"""What the contact-sheet tests share: run a render job, check the sheet is a lit PNG whose poses differ."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def render_sheet(job: Path, sheet: Path, size: str = "160x200", samples: int = 8) -> dict:
    """Run `job SHEET --size --samples` with this Python; its last stdout line (JSON facts)."""
    sheet.unlink(missing_ok=True)
    run = subprocess.run([sys.executable, str(job), str(sheet), "--size", size, "--samples", str(samples)],
                         capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def check_sheet(facts: dict, sheet: Path, poses: int = 8) -> None:
    """Written, 4 x 2 tiles of 160 x 200, lit (neither black nor blown out), every pose changes the picture."""
    assert sheet.is_file() and sheet.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert facts["size"] == [4 * 160, 2 * 200]
    assert facts["poses"][0] == "neutral" and len(facts["poses"]) == poses
    for label, brightness in zip(facts["poses"], facts["centre_brightness"]):
        assert 0.15 < brightness < 0.95, f"{label}: face brightness {brightness:.2f}"
    for label, change in zip(facts["poses"][1:], facts["difference_from_neutral"][1:]):
        assert change > 0.001, f"{label} looks the same as neutral"
