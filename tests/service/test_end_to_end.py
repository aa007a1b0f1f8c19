"""The whole path with the real pipeline: add-on client -> real `unitaf serve` -> speech and face stages.

HTTP and in-process give the same result; progress arrives; cancel stops a long job; 16 clients at once
all get served or a clean 429; a backend killed mid-request gives a clear error and the next request
works. (Cancel latency and the HTTP overhead are measured in benchmarks/bench_service.py.)
"""

from __future__ import annotations

import dataclasses
import io
import os
import signal
import sys
import threading

import httpx
import numpy as np
import pytest
import soundfile as sf

from unitaf_blender.core.backend_api import AnimateRequest, BackendCancelled, BackendError, SpeakRequest
from unitaf_blender.core.backend_process import BackendProcess
from unitaf_blender.core.http_client import HttpBackend
from unitaf_blender.core.inprocess import InProcessBackend

from .conftest import needs_pipeline

pytestmark = needs_pipeline

LINE = SpeakRequest(text="Hello there. How are you today?", emotion="happy", intensity=0.6, fps=25.0, seed=3)
LONG_TEXT = " ".join(f"This is sentence number {i}, and it goes on for a little while longer." for i in range(40))


def test_http_and_in_process_give_the_same_result(server):
    stages: list[tuple[float, str]] = []
    over_http = HttpBackend(server.url, timeout=60).speak(LINE, progress=lambda f, s: stages.append((f, s)))
    local = InProcessBackend().speak(LINE)
    assert over_http.channels == local.channels and len(over_http.channels) == 52
    assert over_http.fps == local.fps == 25.0
    # two processes, same seed: the same line (up to float noise in the TTS's threaded kernels)
    np.testing.assert_allclose(over_http.weights, local.weights, atol=1e-4)
    assert over_http.timeline == local.timeline and over_http.timeline["phones"]
    assert over_http.duration == pytest.approx(local.duration)
    audio, rate = sf.read(io.BytesIO(over_http.audio_wav), dtype="float32")
    local_audio, _ = sf.read(io.BytesIO(local.audio_wav), dtype="float32")
    np.testing.assert_allclose(audio, local_audio, atol=1e-3)
    assert over_http.weights.shape[0] == pytest.approx(over_http.duration * 25.0, abs=2)
    assert len(audio) / rate == pytest.approx(over_http.duration, abs=1e-3)
    fractions = [f for f, _ in stages]
    assert fractions == sorted(fractions) and stages[-1] == (1.0, "done")
    assert "speech" in {s for _, s in stages}      # quick stages may pass between two polls


def test_in_process_refuses_what_the_server_refuses():
    backend = InProcessBackend()
    with pytest.raises(BackendError, match="unknown emotion"):
        backend.speak(SpeakRequest(text="hi", emotion="grumpy"))
    with pytest.raises(BackendError, match="empty"):
        backend.speak(SpeakRequest(text=" "))
    with pytest.raises(BackendError, match="not a voice name"):
        backend.speak(SpeakRequest(text="hi", voice="../voice.onnx"))
    with pytest.raises(BackendCancelled):
        backend.speak(LINE, cancel=lambda: True)
    assert "happy" in backend.info()["emotion"]["presets"]


def test_cancel_stops_a_long_job(server):
    with server.client() as api:
        job = api.post("/v1/speak", json={"text": LONG_TEXT}).json()["id"]
        status = api.get(f"/v1/jobs/{job}", params={"wait": 30, "since": 0}).json()
        while status["stage"] not in ("speech", "done", "failed"):
            status = api.get(f"/v1/jobs/{job}", params={"wait": 5, "since": status["version"]}).json()
        assert status["state"] == "running" and status["stage"] == "speech"
        api.post(f"/v1/jobs/{job}/cancel")
        final = api.get(f"/v1/jobs/{job}", params={"wait": 30}).json()
        assert final["state"] == "cancelled" and final["progress"] < 1.0
        assert api.get(f"/v1/jobs/{job}/result").status_code == 409
        # the worker is free again: a new job runs to the end
        nxt = api.post("/v1/speak", json={"text": "Next."}).json()["id"]
        assert api.get(f"/v1/jobs/{nxt}", params={"wait": 30}).json()["state"] == "done"


def test_client_cancel_raises_cancelled(server):
    backend = HttpBackend(server.url, timeout=30)
    seen: list[str] = []
    with pytest.raises(BackendCancelled):
        backend.speak(SpeakRequest(text=LONG_TEXT), progress=lambda f, s: seen.append(s),
                      cancel=lambda: "speech" in seen)
    with server.client() as api:
        assert api.get("/v1/health").json()["jobs"]["running"] == 0


@pytest.mark.slow
def test_sixteen_clients_at_once_get_served_or_a_clean_429(server):
    def post(i: int, out: list) -> None:
        with server.client() as api:
            out[i] = api.post("/v1/speak", json={"text": f"Line {i}."})

    replies: list = [None] * 16
    threads = [threading.Thread(target=post, args=(i, replies)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {r.status_code for r in replies} <= {202, 429}
    busy = [r for r in replies if r.status_code == 429]
    assert all("busy" in r.json()["error"] and r.headers["retry-after"] for r in busy)
    with server.client() as api:
        for r in replies:
            if r.status_code == 202:
                assert api.get(f"/v1/jobs/{r.json()['id']}", params={"wait": 30}).json()["state"] == "done"
    # the add-on's client waits out 429s itself: 16 threads, 16 results
    backend = HttpBackend(server.url, timeout=30, busy_wait=120)
    results: list = [None] * 16

    def speak(i: int) -> None:
        results[i] = backend.speak(SpeakRequest(text=f"Line {i}."))

    threads = [threading.Thread(target=speak, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r is not None and r.weights.shape[1] == 52 for r in results)


@pytest.mark.slow
def test_killed_backend_gives_a_clear_error_and_the_next_request_works():
    process = BackendProcess(sys.executable)
    backend = HttpBackend(process=process, timeout=30)
    try:
        backend.info()
        victim = process.pid

        def kill_when_speaking(fraction: float, stage: str) -> None:
            if stage == "speech" and process.pid == victim:
                os.kill(victim, signal.SIGKILL)

        with pytest.raises(BackendError, match=r"stopped by signal 9.*started again on the next request"):
            backend.speak(SpeakRequest(text=LONG_TEXT), progress=kill_when_speaking)
        result = backend.speak(SpeakRequest(text="Still here."))
        assert result.weights.shape[1] == 52 and process.pid != victim and process.starts == 2
    finally:
        backend.close()


def test_animate_a_recording_over_http(server):
    spoken = InProcessBackend().speak(SpeakRequest(text="Hello there.", seed=1))
    request = AnimateRequest(wav_bytes=spoken.audio_wav, transcript="Hello there.", fps=30.0)
    result = HttpBackend(server.url, timeout=60).animate(request)
    assert result.audio_wav is None and result.weights.shape[1] == 52
    assert result.weights.shape[0] == pytest.approx(spoken.duration * 30.0, abs=2)
    local = InProcessBackend().animate(request)
    np.testing.assert_allclose(result.weights, local.weights, atol=1e-4)
    assert result.timeline == local.timeline and local.audio_wav is None
    with pytest.raises(BackendError, match="not a readable WAV"):
        HttpBackend(server.url).animate(AnimateRequest(wav_bytes=b"RIFFnot really"))


def test_animate_hears_the_emotion_and_moves_the_head_by_default_over_http(server):
    spoken = InProcessBackend().speak(SpeakRequest(text="Stop that right now! I said stop it!", emotion="angry",
                                                   voice="espeak-en-gb+m3", seed=2))
    request = AnimateRequest(wav_bytes=spoken.audio_wav, emotion="auto", fps=30.0)
    result = HttpBackend(server.url, timeout=60).animate(request)
    heard = result.meta["emotion_heard"]
    assert heard and {"start", "end", "label", "confidence"} <= set(heard[0])
    assert result.meta["emotion"] == "auto"
    assert result.head is not None and result.head.shape == (result.weights.shape[0], 3)
    assert 0.0 < float(np.abs(result.head).max()) < 0.2        # it moves, at a low level (radians)
    off = HttpBackend(server.url, timeout=60).animate(dataclasses.replace(request, head_motion=False))
    assert off.head is None


def test_result_is_freed_after_the_client_took_it(server):
    with httpx.Client(base_url=server.url) as api:
        before = api.get("/v1/health").json()["jobs"]
        HttpBackend(server.url, timeout=60).speak(SpeakRequest(text="Short."))
        after = api.get("/v1/health").json()["jobs"]
    assert after == before
