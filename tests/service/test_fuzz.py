"""Property-based fuzzing of a real server: hundreds of generated requests (well-formed, half-formed and
garbage) against every route. No answer may be a 5xx, every 4xx is a JSON error with a message, and the
server is healthy at the end."""

from __future__ import annotations

import io
import json

import httpx
import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import start_server

REQUESTS = 520
FIELDS = ["text", "emotion", "intensity", "voice", "fps", "mode", "seed", "head_motion", "transcript"]

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40), st.text(max_size=30),
                         st.floats(allow_nan=False, allow_infinity=False))
json_values = st.recursive(json_scalars, lambda kids: st.lists(kids, max_size=3)
                           | st.dictionaries(st.text(max_size=8), kids, max_size=3), max_leaves=6)
plausible = {
    "text": st.one_of(st.text(max_size=40), st.sampled_from(["Hi.", "", " ", "\x00", "a" * 20000])),
    "emotion": st.one_of(st.sampled_from(["happy", "neutral", "calm:0.3", "happy:0.5+sad:0.5", "grumpy",
                                          "happy:2", "happy:x", ":", "+", ""]), st.text(max_size=12)),
    "intensity": st.one_of(st.floats(-2, 3, allow_nan=False), st.sampled_from([0, 1, "1", None])),
    "voice": st.one_of(st.none(), st.sampled_from(["../x", "/etc/passwd", "C:\\v.onnx", "en_US", ".hidden"]),
                       st.text(max_size=12)),
    "fps": st.one_of(st.floats(-10, 500, allow_nan=False), st.integers(-5, 300), st.just("30")),
    "mode": st.one_of(st.sampled_from(["auto", "neural", "rules", "AUTO", ""]), st.integers()),
    "seed": st.one_of(st.integers(-2**33, 2**33), st.floats(allow_nan=False)),
    "head_motion": st.one_of(st.booleans(), st.integers(0, 2), st.text(max_size=5)),
    "transcript": st.one_of(st.none(), st.text(max_size=30)),
}


@st.composite
def json_object(draw: st.DrawFn) -> dict:
    keys = draw(st.lists(st.sampled_from(FIELDS), unique=True, max_size=6))
    obj = {k: draw(st.one_of(plausible[k], json_values)) for k in keys}
    obj.update(draw(st.dictionaries(st.text(max_size=6), json_values, max_size=2)))
    return obj


def wav_bytes(seconds: float, rate: int, channels: int) -> bytes:
    buf = io.BytesIO()
    data = np.zeros((max(1, int(seconds * rate)), channels), np.float32)
    sf.write(buf, data, rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()


audio_bodies = st.one_of(
    st.binary(max_size=200),
    st.builds(wav_bytes, st.floats(0.01, 0.3), st.sampled_from([8000, 16000, 22050, 48000]), st.integers(1, 3)),
    st.builds(lambda w, cut: w[:cut], st.builds(wav_bytes, st.just(0.2), st.just(16000), st.just(1)),
              st.integers(0, 300)),
)


def speak_request(draw: st.DrawFn) -> dict:
    if draw(st.booleans()):
        # Encoded here, not by httpx: non-finite numbers go out as Infinity/NaN, which the server must refuse
        body = json.dumps(draw(json_object())).encode()
        return {"method": "POST", "url": "/v1/speak", "content": body, "headers": {"Content-Type": "application/json"}}
    content = draw(st.one_of(st.binary(max_size=100), st.builds(lambda v: json.dumps(v).encode(), json_values)))
    ctype = draw(st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded", ""]))
    return {"method": "POST", "url": "/v1/speak", "content": content, "headers": {"Content-Type": ctype}}


def animate_request(draw: st.DrawFn) -> dict:
    audio = draw(audio_bodies)
    kind = draw(st.sampled_from(["multipart", "raw", "other"]))
    if kind == "multipart":
        options = draw(st.one_of(st.builds(json.dumps, json_object()), st.text(max_size=20)))
        field = draw(st.sampled_from(["audio", "audio", "file"]))
        data = draw(st.sampled_from([{"options": options}, {}, {"options": options, "extra": "x"}]))
        return {"method": "POST", "url": "/v1/animate", "files": {field: ("a.wav", audio, "audio/wav")},
                "data": data}
    if kind == "raw":
        params = {k: str(v) for k, v in draw(json_object()).items()}
        return {"method": "POST", "url": "/v1/animate", "content": audio, "params": params,
                "headers": {"Content-Type": draw(st.sampled_from(["audio/wav", "audio/x-wav",
                                                                  "application/octet-stream"]))}}
    return {"method": "POST", "url": "/v1/animate", "content": audio,
            "headers": {"Content-Type": draw(st.text(max_size=20).filter(lambda t: "\n" not in t and "\r" not in t
                                                                         and t.isascii()))}}


def job_request(draw: st.DrawFn) -> dict:
    job = draw(st.one_of(st.just("0" * 32), st.text(alphabet="0123456789abcdefxyz-./%", max_size=40)))
    suffix = draw(st.sampled_from(["", "/result", "/cancel", "/nope"]))
    method = draw(st.sampled_from(["GET", "POST", "DELETE", "PUT"]))
    params = draw(st.dictionaries(st.sampled_from(["wait", "since", "x"]),
                                  st.one_of(st.floats(-5, 0.05, allow_nan=False), st.integers(-3, 3), st.text(max_size=5)),
                                  max_size=2))
    return {"method": method, "url": f"/v1/jobs/{job}{suffix}", "params": params}


def other_request(draw: st.DrawFn) -> dict:
    path = draw(st.sampled_from(["/v1/health", "/v1/info", "/v1/openapi.json", "/", "/v1", "/v2/speak",
                                 "/v1/speak", "/docs"]))
    method = draw(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]))
    return {"method": method, "url": path, "content": draw(st.binary(max_size=50))}


printable = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=20)
odd_headers = st.one_of(
    st.just({}), st.just({}), st.just({}), st.just({}),
    st.builds(lambda h: {"Host": h}, printable), st.builds(lambda o: {"Origin": o}, printable),
    st.builds(lambda a: {"Authorization": a}, printable),
)


@st.composite
def any_request(draw: st.DrawFn) -> dict:
    maker = draw(st.sampled_from([speak_request, speak_request, animate_request, animate_request, job_request,
                                  other_request]))
    request = maker(draw)
    extra = draw(odd_headers)
    if extra:
        request["headers"] = {**request.get("headers", {}), **extra}
    return request


@pytest.fixture(scope="module")
def fuzz_server():
    served = start_server("--max-queued", "2", "--no-warmup")
    yield served
    served.stop()


@pytest.mark.slow
def test_generated_requests_never_get_a_5xx(fuzz_server):
    sent: list[int] = []

    with fuzz_server.client(timeout=30) as client:
        @settings(max_examples=REQUESTS, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
        @given(request=any_request())
        def one(request: dict) -> None:
            try:
                r = client.request(**request)
            except httpx.LocalProtocolError:
                return                                   # httpx itself refused to send it (a bad header)
            sent.append(r.status_code)
            assert r.status_code < 500, (request, r.status_code, r.text[:300])
            if r.status_code >= 400 and request["method"] != "HEAD":
                assert isinstance(r.json()["error"], str) and r.json()["error"], r.text
            if r.status_code == 202 and request["url"] in ("/v1/speak", "/v1/animate"):
                assert client.delete(f"/v1/jobs/{r.json()['id']}").status_code == 204

        one()
        assert client.get("/v1/health").json()["status"] == "ok"
    assert len(sent) >= 500
    assert any(s == 202 for s in sent) and any(400 <= s < 500 for s in sent)
