"""Text admitted by the speech it will make: the phone-count prediction against real synthesis, and the
per-line limit every entry shares (pipeline.check_speak)."""

from __future__ import annotations

import random

import pytest
from unitaf_backend.errors import BadInput
from unitaf_backend.pipeline.requests import MAX_SPEECH_SECONDS, SpeakRequest, check_speak, check_speech_length
from unitaf_backend.speech import synthesize
from unitaf_backend.speech.estimate import estimate


@pytest.mark.parametrize("text", [
    "Hi. Hi. Hi. Hi. Hi. Hi.",
    "The quick brown fox jumps over the lazy dog, and then it runs away into the forest.",
    "In 1987 I paid $45.50 for 3 books at 10:30.",
])
def test_the_prediction_is_within_a_third_of_the_real_speech(text):
    spoken = synthesize(text)
    real = len(spoken.audio) / spoken.sample_rate
    predicted = estimate(text).seconds
    assert 0.75 * real <= predicted <= 1.35 * real, (predicted, real)


def test_hi_twelve_hundred_times_is_refused_before_any_speech_with_a_clear_message():
    with pytest.raises(BadInput, match=r"about \d+ s of speech .*1200 sentences.*the limit is 400 s a line"):
        check_speak(SpeakRequest(text="Hi. " * 1200))


def test_random_unicode_is_refused_by_its_phones_and_prose_of_the_full_length_is_not():
    rng = random.Random(7)
    noise = "".join(chr(rng.randint(0x20, 0x2FFF)) for _ in range(3000))
    with pytest.warns(UserWarning), pytest.raises(BadInput, match="s of speech"):
        check_speech_length(noise, None)
    prose = ("We walked down to the harbour, where the boats were waiting for the morning tide. " * 70)[:5000]
    assert check_speech_length(prose, None) < MAX_SPEECH_SECONDS


def test_synthesis_stops_at_its_limit_whatever_was_predicted():
    with pytest.raises(BadInput, match="more than 1 s of speech"):
        synthesize("This sentence is long enough. And so is this one. And one more.", max_seconds=1.0)
