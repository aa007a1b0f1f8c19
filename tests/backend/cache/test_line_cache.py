"""The line cache: keys that change with everything deciding a result, entries written as a set and
checked on read, `unitaf render-lines` computing only what is missing, with the real pipeline (rules)."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import json
import os
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest
from unitaf_backend.cache import CacheError, LineCache, LineRecipe, line_key
from unitaf_backend.cache.store import STAGING
from unitaf_backend.cli import main
from unitaf_backend.cluster.compute import compute_line


def _line(seed: int = 0):
    rng = np.random.default_rng(seed)
    from unitaf_backend.cache.store import CachedLine
    return CachedLine(fps=24.0, channels=("a", "b"), weights=rng.random((5, 2), dtype=np.float32),
                      timeline={"duration": 0.2, "words": []}, duration=0.2, audio_wav=b"RIFF" + bytes(40),
                      head=rng.random((5, 3), dtype=np.float32), meta={"mode": "rules"})


RECIPE = LineRecipe(kind="speak", text="Hello there.", emotion="happy", intensity=0.5)


def test_the_key_changes_with_everything_that_decides_the_result():
    base = line_key(RECIPE, "v1")
    assert base == line_key(LineRecipe(kind="speak", text="Hello there.", emotion="happy", intensity=0.5), "v1")
    changed = [dataclasses.replace(RECIPE, **{name: value}) for name, value in [
        ("text", "Hello there!"), ("emotion", "sad"), ("intensity", 0.6), ("voice", "espeak-en-us"),
        ("fps", 30.0), ("mode", "neural"), ("seed", 1), ("head_motion", True), ("transcript", "x"),
        ("kind", "animate"), ("audio_sha256", "00")]]
    keys = {line_key(r, "v1") for r in changed} | {line_key(RECIPE, "v2"), base}
    assert len(keys) == len(changed) + 2


def test_an_entry_round_trips_and_a_corrupted_file_is_a_miss_then_replaced(tmp_path):
    cache = LineCache(tmp_path / "c")
    cache.prepare("v1")
    key = line_key(RECIPE, "v1")
    line = _line()
    folder = cache.put(key, RECIPE, "v1", line)
    got = cache.get(key)
    assert got is not None and got.audio_wav == line.audio_wav and got.meta == {"mode": "rules"}
    np.testing.assert_array_equal(got.weights, line.weights)
    np.testing.assert_array_equal(got.head, line.head)
    assert cache.recorded_version() == "v1"
    # one flipped byte in the weights: detected, a miss
    npz = folder / "animation.npz"
    data = bytearray(npz.read_bytes())
    data[-10] ^= 0xFF
    npz.write_bytes(bytes(data))
    assert cache.get(key) is None
    (folder / "speech.wav").unlink()
    assert cache.get(key) is None
    cache.put(key, RECIPE, "v1", line)        # recomputed: replaces the bad entry
    assert cache.get(key) is not None
    assert not any((tmp_path / "c" / STAGING).iterdir())


def test_two_writers_of_one_key_both_end_with_a_complete_entry(tmp_path):
    key = line_key(RECIPE, "v1")
    results, errors = [], []

    def write(seed):
        try:
            c = LineCache(tmp_path / "c")
            c.prepare("v1")
            for _ in range(20):
                c.put(key, RECIPE, "v1", _line(seed))
                got = c.get(key)
                results.append(got is not None)
        except Exception as exc:  # noqa: BLE001 - collected for the assert
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(s,)) for s in (1, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and all(results) and len(results) == 60
    entries = [p for p in (tmp_path / "c").rglob("entry.json") if STAGING not in p.parts]
    assert len(entries) == 1


@contextlib.contextmanager
def _mounted(path: Path, options: str):
    """A real small or read-only filesystem (needs root); else the test is skipped."""
    if os.geteuid() != 0:
        pytest.skip("mounting a test filesystem needs root")
    path.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], check=False).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _dialogue(tmp_path: Path, lines: list[str]) -> Path:
    p = tmp_path / "script.csv"
    with open(p, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "object", "text", "emotion", "intensity"])
        for i, t in enumerate(lines, start=1):
            w.writerow([f"r{i}", "Head", t, "happy" if i % 2 else "", "0.5" if i % 3 == 0 else ""])
    return p


LINES = ["Hello there.", "How are you today?", "Fine, thanks.", "See you soon."]


def test_a_read_only_cache_folder_is_refused_before_any_row(tmp_path, capsys):
    script = _dialogue(tmp_path, LINES[:1])
    if os.geteuid() != 0:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
    else:
        ctx = _mounted(tmp_path / "ro", "ro,size=1m")
        ro = ctx.__enter__()
    try:
        assert main(["render-lines", str(script), "--out", str(ro), "--workers", "0", "--mode", "rules"]) == 2
        err = capsys.readouterr().err
        assert "not writable" in err and str(ro) in err
        assert not any(ro.iterdir())
    finally:
        if os.geteuid() == 0:
            ctx.__exit__(None, None, None)


def test_a_full_cache_folder_gives_one_message_and_no_half_entry(tmp_path, capsys):
    with _mounted(tmp_path / "small", "size=48k") as small:
        line = dataclasses.replace(_line(), audio_wav=b"RIFF" + bytes(200_000))
        cache = LineCache(small)
        cache.prepare("v1")
        with pytest.raises(CacheError, match="is full"):
            cache.put(line_key(RECIPE, "v1"), RECIPE, "v1", line)
        assert cache.get(line_key(RECIPE, "v1")) is None
        assert not any((small / STAGING).iterdir())
        assert [p.name for p in small.iterdir() if p.name != STAGING] == ["pipeline.json"]


def test_render_lines_computes_what_is_missing_and_a_rerun_computes_nothing(tmp_path, capsys):
    script = _dialogue(tmp_path, LINES)
    out = tmp_path / "cache"
    args = ["render-lines", str(script), "--out", str(out), "--workers", "0", "--mode", "rules"]
    assert main(args) == 0
    first = capsys.readouterr()
    assert "4 computed, 0 already cached" in first.out and "lines/min" in first.err and "ETA" in first.err
    assert main(args) == 0
    assert "nothing to compute: all 4 rows are in the cache" in capsys.readouterr().out
    # two rows edited: exactly two computed
    script.write_text(script.read_text().replace("Fine, thanks.", "Fine, thank you.")
                      .replace("r4,Head,See you soon.,", "r4,Head,See you soon.,sad"))
    assert main(args) == 0
    assert "4 rows: 2 computed, 2 already cached, 0 failed" in capsys.readouterr().out


def test_a_cached_row_equals_the_pipeline_run_directly(tmp_path, capsys):
    from unitaf_backend import pipeline
    from unitaf_backend.cache.version import pipeline_version
    from unitaf_backend.service.audio_io import wav_bytes
    script = _dialogue(tmp_path, LINES[:2])
    out = tmp_path / "cache"
    assert main(["render-lines", str(script), "--out", str(out), "--workers", "0", "--mode", "rules"]) == 0
    recipe = LineRecipe(kind="speak", text="Hello there.", emotion="happy", intensity=1.0, mode="rules")
    got = LineCache(out).get(line_key(recipe, pipeline_version()))
    anim = pipeline.speak(pipeline.SpeakRequest(text="Hello there.", emotion="happy:1", mode="rules", fps=24.0))
    assert got is not None and got.audio_wav == wav_bytes(anim.audio, anim.sample_rate)
    assert np.abs(got.weights - anim.weights).max() <= 1e-6
    assert got.timeline == json.loads(json.dumps(anim.timeline.to_dict(), default=str))


def test_bad_rows_are_reported_and_the_rest_is_cached(tmp_path, capsys):
    p = tmp_path / "s.json"
    p.write_text(json.dumps([{"text": "Hello."}, {"text": "Hi.", "emotion": "grumpy"}, {"audio": "missing.wav"}]))
    assert main(["render-lines", str(p), "--out", str(tmp_path / "c"), "--workers", "0", "--mode", "rules"]) == 1
    out = capsys.readouterr().out
    assert "3 rows: 1 computed, 0 already cached, 2 failed" in out
    assert "failed row 2" in out and "grumpy" in out and "failed row 3" in out and "missing.wav" in out


def test_compute_line_turns_a_bad_recording_into_bad_input():
    from unitaf_backend.errors import UnitafError
    with pytest.raises(UnitafError):
        compute_line(LineRecipe(kind="animate", audio_sha256="x", transcript="hi", mode="rules"), b"not a wav")
