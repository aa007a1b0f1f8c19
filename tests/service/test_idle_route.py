"""POST /v1/idle on a real server process: the idle clip as a binary payload, checked bodies, and the
add-on's own HTTP client reading it."""

import numpy as np
from unitaf_backend.face.idle import IdleRequest, idle_clip

from unitaf_blender.core.backend_api import BackendError
from unitaf_blender.core.backend_api import IdleRequest as AddonIdleRequest
from unitaf_blender.core.http_client import HttpBackend
from unitaf_blender.core.wire import idle_result


def test_idle_route_answers_the_clip_the_stage_makes(server):
    with server.client() as c:
        r = c.post("/v1/idle", json={"duration": 6.0, "fps": 25.0, "seed": 4})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-unitaf-face")
    got = idle_result(r.content)
    assert got.fps == 25.0 and len(got.channels) == 52 and got.channels[0] == "eyeBlinkLeft"
    np.testing.assert_array_equal(got.weights, idle_clip(IdleRequest(duration=6.0, fps=25.0, seed=4)))


def test_idle_route_refuses_bad_bodies_with_one_line(server):
    with server.client() as c:
        for body in ({"duration": 0}, {"duration": 5, "fps": 1000}, {"duration": 5, "wobble": True}, {}):
            r = c.post("/v1/idle", json=body)
            assert r.status_code == 422 and isinstance(r.json()["error"], str), (body, r.text)


def test_the_addons_client_asks_for_an_idle_clip(server):
    client = HttpBackend(server.url)
    try:
        got = client.idle(AddonIdleRequest(duration=3.0, fps=24.0, seed=1, gaze=False))
        assert got.weights.shape == (73, 52)
        try:
            client.idle(AddonIdleRequest(duration=-1.0))
        except BackendError as err:
            assert "duration" in str(err)
        else:
            raise AssertionError("a negative duration was accepted")
    finally:
        client.close()
