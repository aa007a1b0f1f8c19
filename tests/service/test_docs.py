"""docs/openapi.json is the app's own OpenAPI document, regenerated when the API changes; the service's
repeated constants and limits agree with the pipeline's stages."""

from __future__ import annotations

import json
from pathlib import Path

from unitaf_backend import pipeline
from unitaf_backend.service import schemas
from unitaf_backend.service.app import openapi_json

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_openapi_document_is_current():
    assert json.loads(DOC.read_text(encoding="utf-8")) == json.loads(openapi_json()), (
        "regenerate: .venv/bin/python -c 'from unitaf_backend.service.app import openapi_json; "
        "print(openapi_json())' > docs/openapi.json")


def test_service_fps_range_is_the_pipelines():
    assert (schemas.MIN_FPS, schemas.MAX_FPS) == (pipeline.MIN_FPS, pipeline.MAX_FPS)


def test_service_text_limits_fit_the_stages():
    from unitaf_backend.pipeline.requests import MAX_TRANSCRIPT_CHARS
    from unitaf_backend.service.config import Limits
    from unitaf_backend.speech import MAX_CHARS

    assert Limits().max_text_chars <= MAX_CHARS and Limits().max_transcript_chars <= MAX_TRANSCRIPT_CHARS
