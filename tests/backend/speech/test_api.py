"""synthesize() and list_voices() as callers use them: voices, bad input, cancel."""

from __future__ import annotations

import numpy as np
import pytest
from unitaf_backend import speech
from unitaf_backend.errors import BadInput, Cancelled, NotInstalled


def test_default_voice_is_piper_joe_and_espeak_voices_are_listed():
    voices = speech.list_voices()
    assert voices[0].name == speech.DEFAULT_VOICE == "en_US-joe-medium"
    assert voices[0].engine == "piper" and voices[0].language == "en-us"
    names = {v.name for v in voices}
    assert {"espeak-en-us", "espeak-de", "espeak-fr-fr", "espeak-en-us+f3"} <= names
    assert {v.engine for v in voices} == {"piper", "espeak"}
    assert len(names) == len(voices)


def test_unknown_voice_lists_what_is_installed():
    with pytest.raises(NotInstalled, match="en_US-joe-medium"):
        speech.synthesize("Hello.", voice="klingon")


def test_other_language_through_espeak():
    s = speech.synthesize("Guten Tag, wie geht es Ihnen? Ich habe 3 Katzen.", voice="de")
    assert s.meta["voice"] == "espeak-de" and s.timeline.engine == "espeak"
    assert "3" in [w.text for w in s.timeline.words]          # eSpeak reads the number in German
    assert {p.symbol for p in s.timeline.phones} <= speech.PHONE_SYMBOLS


@pytest.mark.parametrize("text", ["", "   ", "x" * (speech.MAX_CHARS + 1)])
def test_bad_text_is_refused_before_any_synthesis(text):
    with pytest.raises(BadInput):
        speech.synthesize(text)


def test_only_emoji_warns_then_is_refused():
    with pytest.warns(UserWarning, match="emoji"), pytest.raises(BadInput, match="nothing speakable"):
        speech.synthesize("\U0001F600 \x07")


@pytest.mark.parametrize("emotion", ["joy", "happy:2", np.ones(3), np.full(8, np.nan), -np.ones(8)])
def test_bad_emotion_is_refused(emotion):
    with pytest.raises(BadInput):
        speech.synthesize("Hello.", emotion=emotion)


def test_emotion_as_vector_and_emoji_warning():
    vec = np.zeros(8, dtype=np.float32)
    vec[0] = 0.7
    with pytest.warns(UserWarning, match="emoji"):
        s = speech.synthesize("Great news \U0001F389!", emotion=vec, voice="espeak-en-us")
    np.testing.assert_allclose(s.emotion, vec)
    assert [w.text for w in s.timeline.words] == ["Great", "news"]


def test_cancel_is_checked_between_sentences():
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled):
        speech.synthesize("One. Two. Three. Four.", voice="espeak-en-us", cancel=cancel)
    assert len(calls) == 3


def test_any_whole_seed_works_and_others_are_refused():
    assert speech.synthesize("Hi.", voice="espeak-en-us", seed=-5).duration > 0
    assert speech.synthesize("Hi.", seed=-5).duration > 0
    with pytest.raises(BadInput, match="seed"):
        speech.synthesize("Hi.", seed=1.5)  # type: ignore[arg-type]
