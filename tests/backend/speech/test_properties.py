"""Any text either speaks with an exact timeline or is refused with one BadInput; threads are safe."""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from unitaf_backend import speech
from unitaf_backend.errors import BadInput

ALPHABET = st.sampled_from(list("abcdefg XYZ .,!?;:'\"-()[]0123456789$%&\n\tÄé中") + ["\U0001F600", "\x07", "\u200b"])


def _check(s: speech.Speech) -> None:
    tl = s.timeline
    assert tl.phones[0].start == 0.0 and tl.phones[-1].end == len(s.audio) / s.sample_rate
    assert all(a.end == b.start and a.start <= a.end for a, b in zip(tl.phones, tl.phones[1:], strict=False))
    assert s.tts_features.shape[0] * 256 == len(s.audio)
    assert {p.symbol for p in tl.phones} <= speech.PHONE_SYMBOLS
    for i, w in enumerate(tl.words):
        assert w.first_phone < w.last_phone and tl.phones[w.first_phone].word == i


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(ALPHABET, min_size=0, max_size=60))
def test_any_text_speaks_exactly_or_is_refused(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            spoken = speech.synthesize(text, voice="espeak-en-us")
        except BadInput:
            return
    _check(spoken)


def test_threads_can_speak_at_once():
    texts = ["One two three.", "Four five six.", "Seven eight nine.", "Ten eleven twelve."]
    voices = ["espeak-en-us", None, "espeak-de", None]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda tv: speech.synthesize(tv[0], voice=tv[1]), zip(texts, voices, strict=True)))
    for s in results:
        _check(s)
    # each thread got its own voice and text: Piper is exact per seed, eSpeak NG to a few samples
    np.testing.assert_array_equal(speech.synthesize(texts[1]).audio, results[1].audio)
    alone = speech.synthesize(texts[0], voice="espeak-en-us")
    assert [w.text for w in alone.timeline.words] == [w.text for w in results[0].timeline.words]
    assert abs(alone.duration - results[0].duration) < 0.05
    assert results[2].meta["voice"] == "espeak-de"
