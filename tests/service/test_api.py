"""Every endpoint of a real `unitaf serve` on 127.0.0.1, and bad requests: always a 4xx JSON error with a
message, and the server stays healthy afterwards."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import soundfile as sf
from unitaf_backend import __version__
from unitaf_backend.emotion import PRESETS


def wav(seconds: float = 0.5, rate: int = 16000, channels: int = 1) -> bytes:
    buf = io.BytesIO()
    t = np.arange(int(seconds * rate)) / rate
    tone = (0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    sf.write(buf, np.stack([tone] * channels, axis=1), rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def assert_error(response, status: int | None = None) -> str:
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    if status is not None:
        assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    return body["error"]


@pytest.fixture()
def api(server):
    with server.client() as client:
        yield client
        # whatever the test did, the server still answers
        assert client.get("/v1/health").json()["status"] == "ok"


def test_ready_line_and_health(server, api):
    fields = dict(f.split("=", 1) for f in server.ready_line.split()[1:])
    assert server.ready_line.startswith("UNITAF_READY ") and fields["host"] == "127.0.0.1"
    assert fields["port"] == str(server.port) and fields["version"] == __version__ and fields["api"] == "1"
    body = api.get("/v1/health").json()
    assert body["version"] == __version__ and body["api_version"] == 1 and body["wire_version"] == 1


def test_info_lists_presets_modes_limits(api):
    body = api.get("/v1/info").json()
    assert body["emotion"]["presets"] == list(PRESETS)
    assert body["modes"] == ["auto", "neural", "rules"]
    assert body["limits"]["max_text_chars"] > 0 and body["limits"]["max_queued_jobs"] == 4
    assert isinstance(body["voices"], list) and body["version"] == __version__


def test_openapi_describes_every_route(api):
    paths = api.get("/v1/openapi.json").json()["paths"]
    for route in ("/v1/health", "/v1/info", "/v1/speak", "/v1/animate", "/v1/jobs/{job_id}",
                  "/v1/jobs/{job_id}/result", "/v1/jobs/{job_id}/cancel"):
        assert route in paths
    assert "multipart/form-data" in paths["/v1/animate"]["post"]["requestBody"]["content"]


@pytest.mark.parametrize("body, needle", [
    (b'{"text": "hello"', "not valid JSON"),
    (b'"just a string"', "JSON object"),
    (b'{"text": 42}', "text"),
    (b'{"text": "hi", "fps": "fast"}', "fps"),
    (b'{"text": "hi", "seed": 1.5}', "seed"),
    (b'{"text": "hi", "head_motion": "yes"}', "head_motion"),
    (b'{"text": "hi", "emotion": "grumpy"}', "unknown emotion"),
    (b'{"text": "hi", "emotion": "auto"}', "heard from a recording"),
    (b'{"text": "hi", "emotion": "happy", "intensity": 2}', "intensity"),
    (b'{"text": "hi", "emotion": "happy:0.5+sad:0.2", "intensity": 0.5}', "not both"),
    (b'{"text": "   "}', "empty"),
    (b'{"text": ""}', "empty"),
    (b'{"text": "hi", "mode": "magic"}', "mode"),
    (b'{"text": "hi", "fps": 0}', "fps"),
    (b'{"text": "hi", "voice": "../../etc/passwd"}', "voice"),
    (b'{"text": "hi", "voice": "/abs/path/voice.onnx"}', "voice"),
    (b'{"text": "hi", "out": "/tmp/x"}', "out"),
    (b'{"text": "a\\u0000b"}', "NUL"),
])
def test_bad_speak_requests_get_one_clear_4xx(api, body, needle):
    r = api.post("/v1/speak", content=body, headers={"Content-Type": "application/json"})
    assert needle.lower() in assert_error(r).lower()


def test_text_over_the_limit_is_refused(api):
    limit = api.get("/v1/info").json()["limits"]["max_text_chars"]
    r = api.post("/v1/speak", json={"text": "a" * (limit + 1)})
    assert f"the limit is {limit}" in assert_error(r, 422)       # the schema's maxLength, as published


def test_huge_body_is_refused_before_reading(api):
    r = api.post("/v1/speak", content=b"x" * (2 * 1024 * 1024), headers={"Content-Type": "application/json"})
    assert "larger than the limit" in assert_error(r, 413)


def test_huge_chunked_body_is_refused(api):
    def chunks():
        for _ in range(64):
            yield b"y" * 65536
    r = api.post("/v1/speak", content=chunks(), headers={"Content-Type": "application/json"})
    assert_error(r, 413)


def test_animate_refuses_empty_corrupt_and_wrong_uploads(api):
    assert "empty" in assert_error(api.post("/v1/animate", files={"audio": ("a.wav", b"", "audio/wav")}))
    assert "not a readable" in assert_error(
        api.post("/v1/animate", files={"audio": ("a.wav", b"RIFF\x00\x00garbage" * 10, "audio/wav")}))
    assert "not a readable" in assert_error(
        api.post("/v1/animate", content=b"\x00" * 1000, headers={"Content-Type": "audio/wav"}))
    assert_error(api.post("/v1/animate", json={"audio": "/etc/passwd"}), 415)
    assert "audio" in assert_error(api.post("/v1/animate", files={"sound": ("a.wav", wav(), "audio/wav")}))
    r = api.post("/v1/animate", files={"audio": ("a.wav", wav(), "audio/wav")},
                 data={"options": json.dumps({"emotion": "grumpy"})})
    assert "unknown emotion" in assert_error(r)
    r = api.post("/v1/animate", files={"audio": ("a.wav", wav(), "audio/wav")}, data={"options": "{"})
    assert_error(r, 422)


def test_animate_accepts_multipart_and_raw_wav_at_any_rate(api):
    for payload in (wav(0.3, 44100, 2), wav(0.3, 8000, 1)):
        r = api.post("/v1/animate", files={"audio": ("a.wav", payload, "audio/wav")},
                     data={"options": json.dumps({"fps": 25, "emotion": "calm", "intensity": 0.5})})
        assert r.status_code == 202, r.text
        assert r.json()["kind"] == "animate"
        api.delete(f"/v1/jobs/{r.json()['id']}")
    r = api.post("/v1/animate?fps=30&transcript=hello%20there", content=wav(),
                 headers={"Content-Type": "audio/wav"})
    assert r.status_code == 202, r.text
    api.delete(f"/v1/jobs/{r.json()['id']}")


def test_job_routes(api):
    r = api.post("/v1/speak", json={"text": "Hello there."})
    assert r.status_code == 202 and r.headers["location"] == f"/v1/jobs/{r.json()['id']}"
    job = r.json()["id"]
    status = api.get(f"/v1/jobs/{job}", params={"wait": 5}).json()
    assert status["id"] == job and status["state"] in ("queued", "running", "done", "failed")
    assert 0.0 <= status["progress"] <= 1.0
    cancelled = api.post(f"/v1/jobs/{job}/cancel")
    assert cancelled.status_code == 202
    final = api.get(f"/v1/jobs/{job}", params={"wait": 10}).json()
    assert final["state"] in ("done", "failed", "cancelled")
    result = api.get(f"/v1/jobs/{job}/result")
    if final["state"] == "done":
        assert result.status_code == 200 and result.headers["content-type"] == "application/x-unitaf-face"
    else:
        assert_error(result)
    assert api.delete(f"/v1/jobs/{job}").status_code == 204
    assert_error(api.get(f"/v1/jobs/{job}"), 404)


def test_unknown_jobs_and_routes(api):
    missing = "0" * 32
    assert_error(api.get(f"/v1/jobs/{missing}"), 404)
    assert_error(api.get(f"/v1/jobs/{missing}/result"), 404)
    assert_error(api.post(f"/v1/jobs/{missing}/cancel"), 404)
    assert_error(api.delete(f"/v1/jobs/{missing}"), 404)
    assert_error(api.get("/v1/jobs/..%2F..%2Fetc%2Fpasswd"))
    assert_error(api.get("/v1/jobs/abc", params={"wait": "-1"}))
    assert_error(api.get("/v2/health"), 404)
    assert_error(api.put("/v1/speak", json={}), 405)


def test_loopback_server_refuses_foreign_hosts_and_web_pages(api):
    assert_error(api.get("/v1/health", headers={"Host": "evil.example"}), 421)
    assert_error(api.get("/v1/health", headers={"Origin": "https://evil.example"}), 403)
