"""The batch driver's parts that need no Blender: arguments, look-ahead synthesis, progress, summary."""

from __future__ import annotations

import io
import threading
import time

import numpy as np
import pytest

from unitaf_blender import batch
from unitaf_blender.core.backend_api import AnimateRequest, FaceResult, SpeakRequest
from unitaf_blender.core.dialogue import DialogueLine
from unitaf_blender.core.line_inputs import InputError


def line(row: int, text: str | None = "hi", audio: str | None = None) -> DialogueLine:
    return DialogueLine(row=row, object="Face", start=None, text=text, audio=audio, transcript=None,
                        emotion="happy", intensity=0.5, voice="joe")


def result(duration: float) -> FaceResult:
    return FaceResult(fps=24.0, channels=("jawOpen",), weights=np.zeros((3, 1), np.float32), timeline={},
                      duration=duration)


class RecordingBackend:
    """Speaks after a delay; remembers which thread asked and how many requests ran at once."""

    active = 0
    peak = 0
    lock = threading.Lock()

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.threads: set[str] = set()
        self.closed = False

    def info(self) -> dict:
        return {"name": "recording"}

    def speak(self, request, progress=None, cancel=None):
        with RecordingBackend.lock:
            RecordingBackend.active += 1
            RecordingBackend.peak = max(RecordingBackend.peak, RecordingBackend.active)
        try:
            self.threads.add(threading.current_thread().name)
            time.sleep(self.delay)
            if request.text == "fail":
                raise RuntimeError("the voice broke")
            return result(float(len(request.text)))
        finally:
            with RecordingBackend.lock:
                RecordingBackend.active -= 1

    def animate(self, request, progress=None, cancel=None):
        return result(1.0)

    def close(self) -> None:
        self.closed = True


def test_script_args_in_blender_and_as_plain_python():
    assert batch.script_args(["blender", "-b", "s.blend", "--python", "batch.py", "--", "--dialogue", "x"]) == (
        ["--dialogue", "x"], True)
    assert batch.script_args(["batch.py", "s.blend", "--dialogue", "x"]) == (["s.blend", "--dialogue", "x"], False)
    ns = batch.build_parser().parse_args(["s.blend", "--dialogue", "d.csv", "--save", "o.blend", "--no-overlap",
                                          "--url", "http://h:1"])
    opts = batch.options_from_args(ns)
    assert (opts.blend, opts.overlap, opts.backend, opts.workers) == ("s.blend", False, "http", 1)


def test_request_for_text_and_audio_lines(tmp_path):
    r = batch.request_for(line(1, text="Hello"), 25.0, "rules", 3)
    assert isinstance(r, SpeakRequest)
    assert (r.text, r.emotion, r.intensity, r.voice, r.fps, r.mode, r.seed) == ("Hello", "happy", 0.5, "joe", 25.0,
                                                                                   "rules", 3)
    wav = tmp_path / "a.wav"
    wav.write_bytes(b"RIFF\0\0\0\0WAVEdata")
    a = batch.request_for(line(2, text=None, audio=str(wav)), 24.0, "auto", 0)
    assert isinstance(a, AnimateRequest) and a.wav_bytes.endswith(b"WAVEdata") and a.emotion == "happy"
    (tmp_path / "b.wav").write_bytes(b"not a wav")        # checked as the panel checks a recording
    with pytest.raises(InputError, match="not a WAV"):
        batch.request_for(line(3, text=None, audio=str(tmp_path / "b.wav")), 24.0, "auto", 0)
    with pytest.raises(InputError, match="line is empty"):
        batch.request_for(line(4, text="   "), 24.0, "auto", 0)


@pytest.mark.parametrize("overlap, workers", [(False, 1), (True, 1), (True, 3)])
def test_synthesizer_keeps_order_reports_failures_and_closes(overlap, workers):
    opened: list[RecordingBackend] = []

    def open_backend():
        opened.append(RecordingBackend(delay=0.01))
        return opened[-1]

    RecordingBackend.peak = 0
    lines = [line(i, text="x" * i if i != 4 else "fail") for i in range(1, 9)]
    synth = batch.Synthesizer(open_backend, workers=workers, overlap=overlap)
    assert synth.warm_up() == {"name": "recording"}
    got = list(synth.results(lines, lambda ln: batch.request_for(ln, 24.0, "auto", 0)))
    synth.close()
    assert [ln.row for ln, _ in got] == list(range(1, 9))
    for ln, r in got:
        if ln.row == 4:
            assert isinstance(r, RuntimeError) and "voice broke" in str(r)
        else:
            assert isinstance(r, FaceResult) and r.duration == ln.row
    assert 1 <= len(opened) <= workers and all(b.closed for b in opened)     # warm backends, reused
    if workers == 1:
        assert len(opened) == 1          # the warm-up's backend serves the worker thread too
    if not overlap or workers == 1:
        assert RecordingBackend.peak == 1


def test_synthesizer_asks_ahead_while_the_caller_writes():
    backend = RecordingBackend()
    synth = batch.Synthesizer(lambda: backend, workers=1, overlap=True)
    asked: list[int] = []

    def make(ln):
        asked.append(ln.row)
        return batch.request_for(ln, 24.0, "auto", 0)

    it = synth.results([line(i) for i in range(1, 6)], make)
    first, _ = next(it)
    deadline = time.time() + 5
    while len(asked) < 2 and time.time() < deadline:   # the worker fetches row 2 while row 1 is "written"
        time.sleep(0.01)
    assert first.row == 1 and asked[:2] == [1, 2]
    assert len(asked) <= 3                                # never more than workers + 1 ahead
    assert [ln.row for ln, _ in it] == [2, 3, 4, 5]
    synth.close()
    assert all(name.startswith("unitaf-batch") for name in backend.threads)


def test_progress_writes_one_line_per_row_and_a_bar_only_on_a_terminal():
    plain = io.StringIO()
    p = batch.Progress(3, plain)
    p.step("row 1: ok")
    p.step("row 2: FAILED: x")
    assert plain.getvalue() == "[1/3] row 1: ok\n[2/3] row 2: FAILED: x\n"

    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty = Tty()
    p = batch.Progress(4, tty)
    p.step("row 1: ok")
    assert "\r\033[K[1/4] row 1: ok\n" in tty.getvalue() and "1/4" in tty.getvalue().rsplit("\n", 1)[1]


def test_report_summary_and_exit_codes():
    ok = batch.LineOutcome(1, "Face", "hi", ok=True, frame_start=1, frame_end=25, duration=1.0)
    bad = batch.LineOutcome(2, "Face", "x", ok=False, message="boom")
    r = batch.BatchReport(outcomes=[ok, bad], wall_s=2.0, saved="/o.blend")
    assert r.exit_code == batch.EXIT_LINES_FAILED
    assert r.summary().splitlines()[:2] == [
        "1 of 2 lines landed, 1 failed (row 2)",
        "1.0 s of audio in 2.0 s: 30.0 lines/min, 0.50 audio s per wall s",
    ]
    assert batch.BatchReport(outcomes=[ok], wall_s=1.0, saved="").exit_code == batch.EXIT_OK
    assert batch.BatchReport(outcomes=[ok], wall_s=1.0, saved="", interrupted=True).exit_code == 130
    assert r.to_json()["lines"][1]["message"] == "boom"
