"""A recording with its transcript, end to end with the real TTS, encoder and shipped A2F weights: the
transcript sharpens the mouth (fused source), a transcript of other words is caught by the alignment cost
(a warning, the audio-only result), and without a transcript nothing changes."""

import numpy as np
import pytest
from unitaf_backend import speech
from unitaf_backend.a2f import align, shipped
from unitaf_backend.face import evaluate as ev
from unitaf_backend.pipeline import AnimateRequest, animate

pytestmark = pytest.mark.skipif(not shipped.available(), reason="needs the shipped A2F weights")

VOICE = "espeak-en-gb+f2"           # a held-out voice: never in the A2F training corpus
SAID = "Maybe we should move the blue boat before the weather turns."
OTHER = "Thanks for calling, your order ships on Tuesday morning."


@pytest.fixture(scope="module")
def recording():
    return speech.synthesize(SAID, voice=VOICE, seed=0)


def _animate(rec, transcript=None, **kw):
    return animate(AnimateRequest(audio=rec.audio, sample_rate=rec.sample_rate, transcript=transcript,
                                  mode="neural", **kw))


def test_transcript_fuses_the_phonetic_targets_into_the_mouth(recording):
    heard = _animate(recording)
    told = _animate(recording, SAID)
    assert told.meta["timeline"] == "aligned transcript" and "warnings" not in told.meta
    assert told.timeline.meta["alignment_cost"] <= align.MISMATCH_COST
    assert not np.array_equal(told.weights, heard.weights)
    truth = recording.timeline
    s_heard = ev.evaluate_clip(truth, heard.weights, heard.fps)
    s_told = ev.evaluate_clip(truth, told.weights, told.fps)
    for key in ("bilabial", "labiodental", "rounded"):
        assert getattr(s_told, key).score >= getattr(s_heard, key).score
    assert s_told.bilabial.score == 1.0
    assert abs(s_told.sync_lag_ms) <= 20.0


def test_a_transcript_of_other_words_is_caught_and_ignored(recording):
    heard = _animate(recording)
    wrong = _animate(recording, OTHER)
    assert wrong.meta["timeline"] == "energy (no transcript)"
    [warning] = wrong.meta["warnings"]
    assert "does not seem to match" in warning and "audio alone" in warning
    assert np.array_equal(wrong.weights, heard.weights)          # the audio-only result, exactly


def test_rules_mode_keeps_a_mismatched_transcript_but_says_so(recording):
    wrong = animate(AnimateRequest(audio=recording.audio, sample_rate=recording.sample_rate, transcript=OTHER,
                                   mode="rules"))
    assert wrong.meta["timeline"] == "aligned transcript"
    assert "used anyway" in wrong.meta["warnings"][0]


def test_without_a_transcript_the_result_is_the_decoders(recording):
    from unitaf_backend.pipeline.mouth import MouthInput, mouth
    from unitaf_backend.pipeline.recording import recording_prosody
    from unitaf_backend.pipeline.tail import finish

    heard = _animate(recording)
    assert "warnings" not in heard.meta
    tl = align.energy_timeline(recording.audio, recording.sample_rate, np.zeros(8, np.float32))
    prosody = recording_prosody(recording.audio, recording.sample_rate)
    inp = MouthInput(timeline=tl, fps=30.0, audio=recording.audio, sample_rate=recording.sample_rate,
                     emotion=np.zeros(8, np.float32), prosody=prosody)
    expected = finish(mouth("neural audio", inp), tl, 30.0, prosody=prosody, seed=0)
    assert np.array_equal(heard.weights, expected.weights)


def test_cli_prints_the_mismatch_warning(recording, tmp_path, capsys):
    import soundfile as sf
    from unitaf_backend.cli import main

    wav = tmp_path / "line.wav"
    sf.write(wav, recording.audio, recording.sample_rate, subtype="PCM_16")
    assert main(["animate", str(wav), "--transcript", OTHER, "--mode", "neural", "--out", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    assert "warning: the transcript does not seem to match the recording" in err
