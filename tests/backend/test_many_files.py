"""Many inputs in one run: `unitaf animate a.wav b.wav DIR --list FILE` and `unitaf speak --lines FILE`,
with the real pipeline. A bad input is named, the others finish, nothing existing is overwritten."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from unitaf_backend.cli import main

OUTPUTS = ["animation.csv", "animation.npz", "timeline.json"]


def _voice(seconds: float, seed: int) -> np.ndarray:
    """Harmonic bursts with pauses, like speech to the energy timeline and the encoder."""
    rate = 16000
    t = np.arange(int(seconds * rate)) / rate
    on = (np.sin(2 * np.pi * 1.5 * t + seed) > -0.3).astype(np.float32)
    tone = sum(np.sin(2 * np.pi * (120 + 10 * seed) * k * t) / k for k in range(1, 6))
    return (0.2 * on * tone + np.random.default_rng(seed).normal(0, 1e-3, len(t))).astype(np.float32)


@pytest.fixture
def wavs(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    paths = []
    for i, name in enumerate(["a", "b", "c"]):
        sf.write(d / f"{name}.wav", _voice(1.0 + 0.3 * i, i), 16000, subtype="PCM_16")
        paths.append(d / f"{name}.wav")
    return paths


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


def test_several_files_one_folder_each_and_a_summary(wavs, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["animate", str(wavs[0]), str(wavs[1]), "--out", str(out)]) == 0
    assert _files(out) == ["a", "b"]
    for name in ("a", "b"):
        assert _files(out / name) == OUTPUTS
    stdout = capsys.readouterr().out
    assert "done 2 of 2" in stdout and "real time" in stdout


def test_a_folder_and_a_list_file(wavs, tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text("# takes\nin/c.wav\n\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["animate", str(wavs[0].parent), "--list", str(listing), "--out", str(out)]) == 0
    assert _files(out) == ["a", "b", "c", "c-2"]       # the folder's three, then the list's one


def test_bad_inputs_are_named_and_the_others_finish(wavs, tmp_path, capsys):
    corrupt = tmp_path / "in" / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt not really a wav file")
    empty_dir = tmp_path / "nothing-here"
    empty_dir.mkdir()
    missing = tmp_path / "missing.wav"
    out = tmp_path / "out"
    rc = main(["animate", str(wavs[0]), str(missing), str(corrupt), str(empty_dir), str(wavs[2]), "--out", str(out)])
    assert rc == 1
    assert _files(out) == ["a", "c"]
    err = capsys.readouterr().err
    assert f"FAILED {missing}: audio file not found" in err
    assert f"FAILED {corrupt}: " in err and "not a readable WAV" in err
    assert f"FAILED {empty_dir}: no .wav files" in err
    summary = err.strip().splitlines()[-1]
    assert summary.startswith("failed 3:") and str(missing) in summary and str(corrupt) in summary


def test_an_empty_folder_alone_fails_with_its_line_and_a_nonzero_exit(tmp_path, capsys):
    empty_dir = tmp_path / "adir"
    empty_dir.mkdir()
    (empty_dir / "notes.txt").write_text("not a recording")
    out = tmp_path / "out"
    rc = main(["animate", str(empty_dir), "--out", str(out)])
    captured = capsys.readouterr()
    assert rc == 1
    assert f"FAILED {empty_dir}: no .wav files in folder {empty_dir}" in captured.err
    assert captured.err.strip().splitlines()[-1] == f"failed 1: {empty_dir}"
    assert "done 0 of 1" in captured.out
    assert "Traceback" not in captured.err and not out.exists()


def test_existing_output_folder_is_kept_unless_force(wavs, tmp_path, capsys):
    out = tmp_path / "out"
    (out / "a").mkdir(parents=True)
    (out / "a" / "mine.txt").write_text("keep me", encoding="utf-8")
    assert main(["animate", str(wavs[0]), str(wavs[1]), "--out", str(out)]) == 1
    assert _files(out / "a") == ["mine.txt"] and _files(out / "b") == OUTPUTS
    assert "already exists" in capsys.readouterr().err
    assert main(["animate", str(wavs[0]), str(wavs[1]), "--out", str(out), "--force"]) == 0
    assert _files(out / "a") == OUTPUTS
    assert not [p for p in out.iterdir() if p.name.startswith(".")]      # no staging left behind


def test_transcripts_beside_the_recordings_are_used(wavs, tmp_path, capsys):
    from unitaf_backend import speech
    said = speech.synthesize("Bob and Mary.", voice="espeak-en-us", seed=0)     # a transcript that fits
    sf.write(wavs[0], said.audio, said.sample_rate, subtype="PCM_16")
    wavs[0].with_suffix(".txt").write_text("Bob and Mary.", encoding="utf-8")
    wavs[2].with_suffix(".txt").write_text("Bob and Mary.", encoding="utf-8")   # tones: it does not fit
    out = tmp_path / "out"
    assert main(["animate", str(wavs[0]), str(wavs[1]), str(wavs[2]), "--out", str(out)]) == 0
    assert '"aligned"' in (out / "a" / "timeline.json").read_text(encoding="utf-8")
    assert '"energy"' in (out / "b" / "timeline.json").read_text(encoding="utf-8")
    assert '"energy"' in (out / "c" / "timeline.json").read_text(encoding="utf-8")
    err = capsys.readouterr().err
    assert "c.wav: warning: the transcript does not seem to match" in err and "a.wav: warning" not in err


def test_one_transcript_for_many_is_refused(wavs, tmp_path, capsys):
    assert main(["animate", str(wavs[0]), str(wavs[1]), "--transcript", "hi", "--out", str(tmp_path / "o")]) == 2
    assert "NAME.txt" in capsys.readouterr().err


def test_speak_lines_of_a_file(tmp_path, capsys):
    lines = tmp_path / "lines.txt"
    lines.write_text("Hello there.\n# a note\n\n" + "x" * 20_001 + "\nSee you soon.\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["speak", "--lines", str(lines), "--out", str(out)]) == 1
    assert _files(out) == ["line-001", "line-005"]
    assert _files(out / "line-001") == ["animation.csv", "animation.npz", "speech.wav", "timeline.json"]
    captured = capsys.readouterr()
    assert "FAILED line 4:" in captured.err and "done 2 of 3" in captured.out
