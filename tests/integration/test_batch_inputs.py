"""Every bad input of the batch is one line and a documented exit code, never a traceback; --check refuses
what the real run would; a full disk leaves no truncated WAV and the previous .blend.

Run as a script with the bpy wheel, as a TD would (exit 2: the run cannot start, save or write its report;
1: some row failed; docs/batch.md)."""

from __future__ import annotations

import hashlib
import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from test_batch import BATCH, BUILD_SCENE, REPO, run_batch, run_py

pytestmark = [pytest.mark.bpy, pytest.mark.slow]


@pytest.fixture(scope="module")
def scene(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("inputs")
    proc = run_py(BUILD_SCENE, str(REPO), str(d / "scene.blend"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return d


def one_clear_line(proc: subprocess.CompletedProcess, code: int, needle: str) -> None:
    assert proc.returncode == code, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("batch: ")]
    assert len(lines) == 1 and needle in lines[0], proc.stderr[-2000:]


@pytest.mark.parametrize("name, content, needle", [
    ("huge.csv", 'object,text\nAlice,"' + "a" * 140_000 + '"\n',
     "dialogue CSV line 2: a cell is longer than 131,072 characters"),
    ("quote.csv", 'object,text\nAlice,Hi.\nAlice,"Never closed.\nBob,One.\nBob,Two.\n',
     'dialogue CSV line 3: a quote (") opened there is never closed'),
    ("deep.json", "[" * 200_000 + "]" * 200_000, "dialogue JSON is nested too deeply"),
])
def test_a_malformed_dialogue_is_one_line_and_exit_2(scene, name, content, needle):
    (scene / name).write_text(content)
    out = scene / "never.blend"
    one_clear_line(run_batch(str(scene / "scene.blend"), "--dialogue", str(scene / name), "--save", str(out)),
                   2, needle)
    assert not out.exists()


def test_output_paths_in_missing_folders_are_refused_and_no_folder_is_made(scene):
    (scene / "ok.csv").write_text("object,text\nAlice,Hi.\n")
    proc = run_batch(str(scene / "scene.blend"), "--dialogue", str(scene / "ok.csv"),
                     "--save", str(scene / "nowhere" / "deeper" / "out.blend"))
    one_clear_line(proc, 2, "the folder")
    assert "does not exist" in proc.stderr and not (scene / "nowhere").exists()
    proc = run_batch(str(scene / "scene.blend"), "--dialogue", str(scene / "ok.csv"), "--check",
                     "--report", str(scene / "missing" / "report.json"))
    one_clear_line(proc, 2, "--report")
    assert not (scene / "missing").exists()


def test_a_file_that_is_not_a_blend_is_one_line(scene):
    (scene / "fake.blend").write_bytes(b"this is not a blend file at all")
    (scene / "ok.csv").write_text("object,text\nAlice,Hi.\n")
    one_clear_line(run_batch(str(scene / "fake.blend"), "--dialogue", str(scene / "ok.csv"), "--check"),
                   2, "is not a .blend file")


def _wav_with_rate(path: Path, rate: int) -> None:
    sf.write(str(path), np.zeros(8000, np.float32), 16000, subtype="PCM_16")
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, 24, rate)       # the fmt chunk's sample rate
    path.write_bytes(bytes(data))


def test_check_refuses_what_the_real_run_would(scene):
    (scene / "corrupt.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunkjunk")
    _wav_with_rate(scene / "fast.wav", 1_000_000_000)
    sf.write(str(scene / "fine.wav"), np.zeros(16000, np.float32), 16000, subtype="PCM_16")
    rows = ["object,text,audio,transcript",
            "Alice,,corrupt.wav,",                      # 1
            "Alice,,fast.wav,",                         # 2
            "Alice," + "word " * 1200 + ",,",           # 3: 6,000 characters
            "Alice,Hi\x00there,,",                      # 4
            "Alice,,fine.wav,Silence.",                 # 5: fine
            "Bob,All good.,,"]                          # 6: fine
    (scene / "check.csv").write_text("\n".join(rows) + "\n")
    proc = run_batch(str(scene / "scene.blend"), "--dialogue", str(scene / "check.csv"), "--check")
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    out = proc.stdout
    assert "row 1: FAILED:" in out and "not a readable WAV file" in out
    assert "row 2: FAILED:" in out and "unsupported sample rate 1000000000 Hz" in out
    assert "row 3: FAILED: the line has 5999 characters" in out
    assert "row 4: FAILED: the line contains a NUL character" in out
    assert "2 of 6 rows are fine, 4 not (row(s) 1, 2, 3, 4)" in out


# Models load before the limit (loading the voice writes it to a temporary file); then the real batch runs
# with every file it writes capped, as on a disk that fills (Python ignores SIGXFSZ: writes fail with EFBIG).
LIMITED_BATCH = """
import resource, runpy, sys
from unitaf_backend import pipeline
pipeline.speak(pipeline.SpeakRequest(text="Ready.", mode="rules"))
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_full_disk_leaves_no_truncated_wav_and_the_previous_blend(scene):
    (scene / "full.csv").write_text("object,text\nAlice,Good morning. This line is long enough to need room.\n")
    out, audio = scene / "saved.blend", scene / "audio"
    audio.mkdir()
    out.write_bytes((scene / "scene.blend").read_bytes())      # the previous save
    before = digest(out)
    proc = subprocess.run([sys.executable, "-c", LIMITED_BATCH, "40000", str(BATCH), str(scene / "scene.blend"),
                           "--dialogue", str(scene / "full.csv"), "--save", str(out), "--audio-dir", str(audio),
                           "--mode", "rules", "--report", str(scene / "full.json")],
                          capture_output=True, text=True, timeout=600, cwd=str(REPO))
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert "row 1: FAILED:" in proc.stdout and f"cannot write the line's audio in {audio}" in proc.stdout
    assert "no WAV was left there" in proc.stdout
    assert list(audio.iterdir()) == []                          # no truncated WAV, no temp file
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert f"could not save {out}" in proc.stderr and "the previous file is kept" in proc.stderr
    assert digest(out) == before
    assert sorted(p.name for p in scene.iterdir() if p.name.startswith(".")) == []
    assert not (scene / "full.json").exists() or json.loads((scene / "full.json").read_text())
