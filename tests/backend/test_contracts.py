"""The shared names every part relies on: channels, emotion vectors, the timeline's JSON form, the CLI."""

import numpy as np
import pytest
from unitaf_backend.channels import ARKIT_CHANNELS, LIVE_LINK_CHANNELS, MOUTH_CHANNELS
from unitaf_backend.cli import build_parser, main
from unitaf_backend.emotion import EMOTIONS, PRESETS, describe, emotion_vector, parse_emotion
from unitaf_backend.errors import BadInput
from unitaf_backend.speech.timeline import SILENCE, Phone, Sentence, Timeline, Word


def test_arkit_channels_are_apples_52_in_order():
    assert len(ARKIT_CHANNELS) == len(set(ARKIT_CHANNELS)) == 52
    assert ARKIT_CHANNELS[0] == "eyeBlinkLeft" and ARKIT_CHANNELS[17] == "jawOpen"
    assert ARKIT_CHANNELS[-1] == "tongueOut"
    assert LIVE_LINK_CHANNELS[17] == "JawOpen"
    assert "jawOpen" in MOUTH_CHANNELS and "browInnerUp" not in MOUTH_CHANNELS


def test_emotion_order_is_indextts2s():
    assert EMOTIONS == ("happy", "angry", "sad", "afraid", "disgusted", "melancholic", "surprised", "calm")
    assert PRESETS[0] == "neutral"


@pytest.mark.parametrize("spec, index, value", [("happy", 0, 1.0), ("sad:0.25", 2, 0.25), (" Calm:0.5 ", 7, 0.5)])
def test_parse_emotion_presets(spec, index, value):
    vec = parse_emotion(spec)
    assert vec.shape == (8,) and vec.dtype == np.float32
    assert vec[index] == pytest.approx(value)
    assert np.count_nonzero(vec) == 1


def test_parse_emotion_mix_and_neutral():
    vec = parse_emotion("happy:0.6+surprised:0.3")
    assert vec[0] == pytest.approx(0.6) and vec[6] == pytest.approx(0.3)
    assert not parse_emotion("neutral").any() and not parse_emotion("").any() and not parse_emotion(None).any()
    assert describe(vec) == "happy:0.60+surprised:0.30"
    assert describe(np.zeros(8)) == "neutral"


@pytest.mark.parametrize("spec", ["furious", "happy:2", "happy:-0.1", "happy:lots", "happy:nan"])
def test_bad_emotions_are_clear_errors(spec):
    with pytest.raises(BadInput) as err:
        parse_emotion(spec)
    assert "emotion" in str(err.value)


def test_emotion_vector_rejects_unknown_name_listing_presets():
    with pytest.raises(BadInput, match="neutral, happy"):
        emotion_vector("grumpy")


def test_timeline_round_trips_through_json(tmp_path):
    tl = Timeline(
        phones=(Phone(SILENCE, 0.0, 0.1), Phone("h", 0.1, 0.2, 0, 0), Phone("aɪ", 0.2, 0.4, 1, 0)),
        words=(Word("hi", 0.1, 0.4, 1, 3),),
        sentences=(Sentence("Hi.", 0.0, 0.4, tuple(parse_emotion("happy:0.5").tolist())),),
        duration=0.4, engine="piper", meta={"voice": "x"},
    )
    tl.save(tmp_path / "t.json")
    assert Timeline.load(tmp_path / "t.json") == tl


def test_cli_lists_commands_and_rejects_missing_text(capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["--version"])
    assert exit_.value.code == 0
    assert "unitaf" in capsys.readouterr().out
    assert main(["speak", "--out", "unused"]) == 2
    assert "give the text to speak" in capsys.readouterr().err


def test_the_addons_wav_header_limits_are_the_backends():
    from unitaf_backend.audio import LIMITS
    from unitaf_blender.core import wav_header as w

    assert (w.MIN_SAMPLE_RATE, w.MAX_SAMPLE_RATE) == (LIMITS.min_sample_rate, LIMITS.max_sample_rate)
    assert (w.MIN_SECONDS, w.MAX_SECONDS) == (LIMITS.min_seconds, LIMITS.max_seconds)
    assert (w.MAX_DECODED_SAMPLES, w.MAX_BYTES) == (LIMITS.max_decoded_samples, LIMITS.max_bytes)
