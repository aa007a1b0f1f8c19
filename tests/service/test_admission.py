"""Admission by cost, before work: recordings refused by their header's decoded size, decoding bounded.

Against a real `unitaf serve` process: a 590 s, 8-channel, 48 kHz FLAC of silence (a few hundred KB that
would decode to 0.9 GB of float32) sent eight times at once is refused from its header, and the server's
resident memory stays within ADMISSION_RSS_BOUND_MB of what it was before.
"""

from __future__ import annotations

import io
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from unitaf_backend import audio
from unitaf_backend.errors import BadInput, Busy

from .conftest import start_server

ADMISSION_RSS_BOUND_MB = 100      # documented in docs/api.md: eight refused bombs cost less than this


def flac_bomb(seconds: float = 590.0, channels: int = 8, rate: int = 48_000) -> bytes:
    """Silence compresses to almost nothing in FLAC: written block by block, never whole in memory."""
    buf = io.BytesIO()
    block = np.zeros((rate * 10, channels), np.int16)
    with sf.SoundFile(buf, "w", samplerate=rate, channels=channels, format="FLAC", subtype="PCM_16") as f:
        for _ in range(int(seconds // 10)):
            f.write(block)
    return buf.getvalue()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return flac_bomb()


def test_the_bomb_is_refused_from_its_header_without_decoding(bomb):
    assert len(bomb) < 2_000_000
    with pytest.raises(BadInput, match=r"decodes to 226,560,000 samples \(8 channels"):
        audio.read_header(bomb, "bomb.flac")
    with pytest.raises(BadInput, match="decodes to"):
        audio.read_wav(bomb, "bomb.flac")


def test_multichannel_audio_is_mixed_down_block_by_block_exactly(tmp_path):
    rng = np.random.default_rng(3)
    data = rng.uniform(-0.5, 0.5, (int(2.5 * audio.DECODE_BLOCK), 3)).astype(np.float32)
    path = tmp_path / "three.wav"
    sf.write(path, data, 16000, subtype="FLOAT")
    mono, rate = audio.read_wav(path)
    assert rate == 16000
    assert np.array_equal(mono, data.mean(axis=1, dtype=np.float32))
    assert audio.read_header(path) == (16000, data.shape[0])


def test_the_decode_budget_waits_then_says_busy():
    budget = audio.DecodeBudget(100, wait_s=0.05)
    with budget.reserve(80):
        with pytest.raises(Busy, match="decoding"):
            with budget.reserve(40):
                pass
        assert budget.used == 80
    with budget.reserve(400):       # larger than the budget, alone: allowed, so any legal file decodes
        assert budget.used == 400
    assert budget.used == 0


def test_the_service_uses_the_budget(tmp_path):
    from unitaf_backend.service.audio_io import decode_audio
    budget = audio.DecodeBudget(10, wait_s=0.01)
    buf = io.BytesIO()
    sf.write(buf, np.zeros(8000, np.float32), 16000, format="WAV")
    with budget.reserve(5):
        with pytest.raises(Busy):
            decode_audio(buf.getvalue(), budget=budget)
    mono, _ = decode_audio(buf.getvalue(), budget=budget)
    assert mono.shape == (8000,)
    limits = replace(audio.LIMITS, max_decoded_samples=7999)
    with pytest.raises(BadInput, match="the limit is 7,999"):
        audio.read_wav(buf.getvalue(), limits=limits)


def test_eight_bombs_at_once_are_refused_and_memory_stays_bounded(bomb):
    served = start_server("--no-warmup")
    try:
        with served.client() as c:
            assert c.get("/v1/health").status_code == 200
            limits = c.get("/v1/info").json()["limits"]
            assert limits["max_decoded_samples"] == audio.LIMITS.max_decoded_samples
        before = rss_mb(served.proc.pid)
        peak = [before]
        replies: list[tuple[int, dict]] = []
        stop = threading.Event()

        def watch() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], rss_mb(served.proc.pid))
                stop.wait(0.01)

        def send() -> None:
            with served.client(timeout=120) as c:
                r = c.post("/v1/animate", files={"audio": ("bomb.flac", bomb, "audio/flac")})
                replies.append((r.status_code, r.json()))

        watcher = threading.Thread(target=watch)
        watcher.start()
        senders = [threading.Thread(target=send) for _ in range(8)]
        for t in senders:
            t.start()
        for t in senders:
            t.join()
        stop.set()
        watcher.join()
        assert len(replies) == 8
        for status, body in replies:
            assert status == 400, body
            assert "decodes to 226,560,000 samples" in body["error"]
        assert peak[0] - before < ADMISSION_RSS_BOUND_MB, (before, peak[0])
    finally:
        served.stop()


def test_hi_twelve_hundred_times_gets_a_clear_400_and_info_lists_the_speech_limits(server):
    with server.client() as c:
        limits = c.get("/v1/info").json()["limits"]
        assert limits["max_speech_seconds"] == 400.0 and limits["max_pending_speech_seconds"] >= 400.0
        r = c.post("/v1/speak", json={"text": "Hi. " * 1200})
        assert r.status_code == 400, r.text
        assert "s of speech" in r.json()["error"] and "the limit is 400 s a line" in r.json()["error"]
        assert c.get("/v1/health").json()["jobs"].get("queued", 0) == 0


def test_unitaf_speak_of_3000_random_characters_is_refused_in_one_line(tmp_path):
    import random
    import subprocess
    import sys
    rng = random.Random(11)
    noise = "".join(chr(rng.randint(0x20, 0x2FFF)) for _ in range(3000)).replace("\x00", "")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "unitaf_backend", "speak", noise, "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "s of speech" in line]
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert not out.exists()


def test_the_server_wide_speech_budget_turns_away_more_than_it_can_make():
    from unitaf_backend.service.config import Limits
    from unitaf_backend.service.jobs import JobManager, QueueFull
    release = threading.Event()
    jobs = JobManager(Limits(max_pending_speech_seconds=500.0))
    try:
        jobs.submit("speak", lambda p, c: release.wait(5) and b"", speech_seconds=300.0)
        with pytest.raises(QueueFull, match="300 s of speech to make already"):
            jobs.submit("speak", lambda p, c: b"", speech_seconds=300.0)
        jobs.submit("speak", lambda p, c: b"", speech_seconds=150.0)
    finally:
        release.set()
        jobs.shutdown()
