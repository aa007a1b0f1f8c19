"""The pipeline's one validation and its mouth source registry (pure: no model runs)."""

import numpy as np
import pytest
from unitaf_backend.errors import BadInput
from unitaf_backend.pipeline import mouth, requests
from unitaf_backend.speech.timeline import Timeline


def test_source_for_each_mode_and_path():
    assert mouth.source_for("rules", spoken=True) == mouth.source_for("rules", spoken=False) == "rules"
    assert mouth.source_for("neural", spoken=True) == "neural text"
    assert mouth.source_for("neural", spoken=False) == "neural audio"
    assert mouth.source_for("neural", spoken=False, aligned=True) == "fused"
    assert mouth.source_for("rules", spoken=False, aligned=True) == "rules"
    # every source is scored: the evaluator's modes on spoken lines, "fused" on recordings with a transcript
    from unitaf_backend.pipeline.a2f_evaluation import RECORDING_ROWS
    assert set(mouth.EVALUATOR_MODES.values()) | {s for _, s in RECORDING_ROWS} == set(mouth.SOURCES)


def test_unknown_source_is_one_clear_error():
    with pytest.raises(BadInput, match="unknown mouth source"):
        mouth.mouth("nope", None)


def test_neural_text_needs_spoken_speech():
    inp = mouth.MouthInput(timeline=Timeline(phones=(), words=(), sentences=(), duration=0.1), fps=30.0,
                           audio=np.zeros(1600, np.float32), sample_rate=16000, emotion=np.zeros(8, np.float32))
    with pytest.raises(BadInput, match="spoken speech"):
        mouth.mouth("neural text", inp)


@pytest.mark.parametrize("fps, mode, match", [(0.5, "auto", "fps"), (300, "auto", "fps"), (30, "loud", "mode")])
def test_requests_are_checked_once_for_every_entry(fps, mode, match):
    with pytest.raises(BadInput, match=match):
        requests.check_speak(requests.SpeakRequest(text="Hi.", fps=fps, mode=mode))
    with pytest.raises(BadInput, match=match):
        requests.check_animate(requests.AnimateRequest(audio=np.zeros(16000, np.float32), sample_rate=16000,
                                                       fps=fps, mode=mode))


def test_over_long_transcript_is_refused():
    req = requests.AnimateRequest(audio=np.zeros(16000, np.float32), sample_rate=16000,
                                  transcript="a" * (requests.MAX_TRANSCRIPT_CHARS + 1))
    with pytest.raises(BadInput, match="transcript is too long"):
        requests.check_animate(req)


@pytest.mark.parametrize("seed", [-1, 2**31, 1.5, True])
def test_seeds_outside_the_services_range_are_refused_everywhere(seed):
    from unitaf_backend.errors import BadInput
    from unitaf_backend.pipeline.requests import SpeakRequest, check_speak
    with pytest.raises(BadInput, match="seed must be a whole number from 0 to 2147483647"):
        check_speak(SpeakRequest(text="Hi.", seed=seed))
