"""Twenty sentences joined: the timeline's end is the audio's end (no drift at joins)."""

from __future__ import annotations

import pytest
from unitaf_backend import speech

ENGINE_VOICES = {"piper": "en_US-joe-medium", "espeak": "espeak-en-us"}

TWENTY = " ".join(f"Go {n}{'?' if n % 3 == 0 else '.'}" for n in range(1, 21))


@pytest.mark.parametrize("engine", [pytest.param("piper", marks=pytest.mark.slow), "espeak"])
def test_twenty_sentences_join_without_drift(engine):
    s = speech.synthesize(TWENTY, voice=ENGINE_VOICES[engine], emotion="calm:0.5")
    tl = s.timeline
    assert len(tl.sentences) == 20
    audio_end = len(s.audio) / s.sample_rate
    assert abs(tl.phones[-1].end - audio_end) < 1e-3
    assert abs(tl.sentences[-1].end - audio_end) < 1e-3
    assert abs(tl.words[-1].end - audio_end) < 0.5        # the last word ends in the final silence
    assert s.tts_features.shape[0] * 256 == len(s.audio)
    # every sentence starts on a phone boundary, and the words stay in order across joins
    boundaries = {round(p.start, 9) for p in tl.phones}
    assert all(round(x.start, 9) in boundaries for x in tl.sentences)
    assert [w.text for w in tl.words if w.text == "Go"] == ["Go"] * 20
    for a, b in zip(tl.sentences, tl.sentences[1:]):
        pause = [p for p in tl.phones if a.start <= p.start < b.start][-1]
        assert pause.symbol == "_" and pause.end - pause.start > 0.1
