"""Output folders are all-or-nothing: a write that fails part way (a full disk) leaves the old set or the
new set, complete, never a mix; no temporary file is left; the message names the path and what was kept."""

from __future__ import annotations

import errno
import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from unitaf_backend import output
from unitaf_backend.errors import UnitafError
from unitaf_backend.face import export
from unitaf_backend.face.animation import FaceAnimation


def animation(seconds: float, value: float) -> FaceAnimation:
    frames = int(seconds * 30) + 1
    return FaceAnimation(fps=30.0, weights=np.full((frames, 52), value, np.float32), timeline=None,
                         audio=np.zeros(int(seconds * 16000), np.float32), sample_rate=16000)


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_a_failing_last_file_leaves_the_previous_set_untouched(tmp_path, monkeypatch):
    out = tmp_path / "out"
    output.write_outputs(animation(1.0, 0.2), out)
    before = digests(out)

    def full_disk(anim, path):
        Path(path).write_bytes(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export, "save_live_link_csv", full_disk)
    with pytest.raises(UnitafError) as err:
        output.write_outputs(animation(2.0, 0.7), out)
    message = str(err.value)
    assert str(out / "animation.csv") in message and "No space left" in message and "kept" in message
    assert digests(out) == before                  # the old set, every file, no temp left over


def test_a_failing_set_folder_keeps_the_old_folder(tmp_path, monkeypatch):
    out = tmp_path / "line-001"
    output.write_output_folder(animation(1.0, 0.2), out)
    before = digests(out)
    monkeypatch.setattr(export, "save_npz", lambda anim, path: (_ for _ in ()).throw(
        OSError(errno.ENOSPC, "No space left on device")))
    with pytest.raises(UnitafError, match=f"cannot write {out}: No space left on device; {out} is kept"):
        output.write_output_folder(animation(2.0, 0.7), out)
    assert digests(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["line-001"]


# The voice is loaded before the limit (loading it writes the model to a temporary file), then the real CLI
# runs with every file it writes capped at MAX_FILE_BYTES.
LIMITED_CLI = """
import resource, sys
from unitaf_backend import pipeline
pipeline.speak(pipeline.SpeakRequest(text="Ready.", mode="rules"))
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), int(sys.argv[1])))
from unitaf_backend.cli import main
sys.exit(main(sys.argv[2:]))
"""


def test_unitaf_speak_with_the_disk_filling_keeps_the_old_set(tmp_path):
    """A real `unitaf speak --out` under a file-size limit (Python ignores SIGXFSZ, so a write past the
    limit fails with EFBIG as a full disk fails with ENOSPC): at 240 fps the CSV is the largest file, so
    the WAV, timeline and NPZ are written and the CSV fails: the folder must still hold the old set."""
    out = tmp_path / "out"
    args = ["speak", "--mode", "rules", "--out", str(out)]
    first = subprocess.run([sys.executable, "-m", "unitaf_backend", *args, "Hello."],
                           capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    before = digests(out)
    second = subprocess.run([sys.executable, "-c", LIMITED_CLI, "200000", *args, "--fps", "240",
                             "Good morning, everyone, and welcome back to the show."],
                            capture_output=True, text=True, timeout=300)
    assert second.returncode == 2, second.stderr
    assert "Traceback" not in second.stderr
    assert f"cannot write {out / 'animation.csv'}: File too large" in second.stderr, second.stderr
    assert "kept" in second.stderr
    assert digests(out) == before
