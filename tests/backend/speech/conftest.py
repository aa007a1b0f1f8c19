"""Shared synthesised speech for the speech tests: each line is spoken once per test session."""

from __future__ import annotations

import pytest
from unitaf_backend import speech

ENGINE_VOICES = {"piper": "en_US-joe-medium", "espeak": "espeak-en-us"}

MIXED_TEXT = ("[happy:0.8] Hello there, how are you? It is one of the best things in the world, of course. "
              "[sad] I paid $3.50 at 5:30pm on May 21st.")


@pytest.fixture(scope="session", params=sorted(ENGINE_VOICES))
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def mixed_speech() -> dict[str, speech.Speech]:
    """One multi-sentence line with emotion markup, per engine."""
    return {engine: speech.synthesize(MIXED_TEXT, voice=voice, seed=0) for engine, voice in ENGINE_VOICES.items()}
