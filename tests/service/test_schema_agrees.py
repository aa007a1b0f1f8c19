"""The published schema and the server agree: what the schema calls valid is not refused by the schema's
own rules, and what it refuses the server refuses; OPTIONS and 405 list every method of a path."""

from __future__ import annotations

import pytest


@pytest.fixture()
def api(server):
    with server.client() as client:
        yield client


def test_a_whole_float_seed_is_an_integer_as_json_schema_says(api):
    r = api.post("/v1/speak", json={"text": "Hi.", "seed": 571.0, "mode": "rules"})
    assert r.status_code == 202, r.text
    api.delete(f"/v1/jobs/{r.json()['id']}")
    r = api.post("/v1/speak", json={"text": "Hi.", "seed": 571.5})
    assert r.status_code == 422 and "seed" in r.json()["error"]


@pytest.mark.parametrize("text", ["", "   \n", "a\x00b"])
def test_text_the_schema_refuses_is_refused_by_validation(api, text):
    r = api.post("/v1/speak", json={"text": text})
    assert r.status_code == 422, r.text
    assert "text" in r.json()["error"]


def test_the_schema_states_the_text_rules():
    import json

    from unitaf_backend.service.app import openapi_json
    text = json.loads(openapi_json())["components"]["schemas"]["SpeakBody"]["properties"]["text"]
    assert text["minLength"] == 1 and text["maxLength"] == 5000 and "pattern" in text


def test_options_and_405_list_every_method_of_the_path(api):
    job = "0" * 32
    r = api.options(f"/v1/jobs/{job}")
    assert r.status_code == 204
    assert set(r.headers["allow"].split(", ")) == {"GET", "DELETE", "OPTIONS"}
    r = api.put(f"/v1/jobs/{job}")
    assert r.status_code == 405 and "DELETE" in r.headers["allow"] and "error" in r.json()
