"""Memory that comes back: after a large job (a 240 s recording, 48 kHz stereo, animated and its result
fetched and deleted) a real server's resident size returns to within 100 MB of its warm baseline."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
import soundfile as sf

from .conftest import start_server
from .test_admission import rss_mb

pytestmark = pytest.mark.slow
RETURN_BOUND_MB = 100


def recording(seconds: float, rate: int = 48_000) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    tone = (0.2 * np.sin(2 * np.pi * 150 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 2 * t))).astype(np.float32)
    buf = io.BytesIO()
    sf.write(buf, np.stack([tone, tone], 1), rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def animate(client, data: bytes, transcript: str) -> None:
    r = client.post("/v1/animate", files={"audio": ("r.wav", data, "audio/wav")},
                    data={"options": f'{{"transcript": "{transcript}", "mode": "rules"}}'})
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    while client.get(f"/v1/jobs/{job}", params={"wait": 5}).json()["state"] not in ("done", "failed"):
        pass
    assert client.get(f"/v1/jobs/{job}/result").status_code == 200
    assert client.delete(f"/v1/jobs/{job}").status_code == 204


def test_rss_returns_near_the_warm_baseline_after_a_large_job():
    served = start_server("--no-warmup")
    try:
        with served.client(timeout=600) as c:
            animate(c, recording(3.0), "Hello there.")                  # warm: every stage loaded
            baseline = rss_mb(served.proc.pid)
            animate(c, recording(240.0), "Hello there, this is a long take. " * 60)
            time.sleep(0.5)
            after = rss_mb(served.proc.pid)
        print(f"warm baseline {baseline:.0f} MB, after the large job {after:.0f} MB")
        assert after - baseline < RETURN_BOUND_MB, (baseline, after)
    finally:
        served.stop()
