"""The shipped A2F weights: committed, small, trained with the shipped preset, used by auto mode, and good
enough on held-out sentences and voices that a regression in training or inference shows here.

The full evaluation (59 held-out lines, both paths) is `python -m unitaf_backend.pipeline.a2f_evaluation`; this test
scores a fixed subset with margins below the issue's targets, so it catches breakage, not small drift.
"""

import numpy as np
import pytest
import torch
from unitaf_backend import pipeline
from unitaf_backend.a2f import config, infer, shipped
from unitaf_backend.a2f.corpus import HELD_OUT_VOICES, heldout_sentences
from unitaf_backend.face import evaluate as ev

speech = pytest.importorskip("unitaf_backend.speech")
LINES = sorted(heldout_sentences())[:8]


def test_weights_are_committed_small_and_from_the_shipped_preset():
    assert shipped.available(), "backend/unitaf_backend/data/a2f/a2f.pt is missing: see docs/model_card.md"
    assert shipped.weights_path().stat().st_size <= 20 * 2**20
    model = infer.load_model(device="cpu")
    assert model.cfg == config.PRESETS["cpu"]
    assert not model.training


def test_auto_mode_uses_the_neural_path_and_rules_stays_available():
    assert pipeline.resolve_mode("auto") == "neural"
    assert pipeline.resolve_mode("rules") == "rules"


def _below(summary: dict, **floors: float) -> list[str]:
    """The scores under their floor (a class with no phones in these lines, e.g. no long pause, has none)."""
    return [f"{k} {summary[k]['score']:.3f} < {v}" for k, v in floors.items()
            if summary[k]["total"] and summary[k]["score"] < v]


@pytest.mark.slow
def test_text_path_articulates_held_out_sentences():
    model = infer.load_model(device="cpu")
    clips = []
    for line in LINES:
        spoken = speech.synthesize(line, emotion=np.zeros(8, np.float32), voice=None, seed=0)
        pred = infer.predict_from_speech(spoken, 30.0, model)
        assert pred.shape == (int(np.ceil(spoken.duration * 30 - 1e-9)) + 1, 52)
        clips.append(ev.evaluate_clip(spoken.timeline, pred, 30.0, line))
    s = ev.summarise(clips)
    assert _below(s, bilabial=0.9, labiodental=0.75, rounded=0.75, open=0.8, rest=0.9) == []
    assert abs(s["sync_lag_ms"]) <= 25


@pytest.mark.slow
def test_audio_path_articulates_held_out_voices():
    model = infer.load_model(device="cpu")
    clips = []
    for i, line in enumerate(LINES):
        voice = HELD_OUT_VOICES[i % len(HELD_OUT_VOICES)]
        spoken = speech.synthesize(line, emotion=np.zeros(8, np.float32), voice=voice, seed=0)
        clips.append(ev.evaluate_clip(spoken.timeline, infer.predict_from_audio(spoken.audio, spoken.sample_rate, spoken.emotion, 30.0, model), 30.0, line))
    s = ev.summarise(clips)
    assert _below(s, bilabial=0.75, open=0.75, rest=0.85) == []
    assert abs(s["sync_lag_ms"]) <= 50


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_gives_the_cpu_result_within_tolerance():
    spoken = speech.synthesize(LINES[0], emotion=np.zeros(8, np.float32), voice=None, seed=0)
    on_cpu = infer.predict_from_speech(spoken, 30.0, infer.load_model(device="cpu"))
    on_gpu = infer.predict_from_speech(spoken, 30.0, infer.load_model(device="cuda"))
    np.testing.assert_allclose(on_gpu, on_cpu, atol=2e-3)


@pytest.mark.slow
def test_evaluation_scores_every_line_in_every_held_out_voice():
    from unitaf_backend.pipeline.a2f_evaluation import evaluate_a2f, markdown_table

    rows = evaluate_a2f(limit=2, audio_voices=HELD_OUT_VOICES[:2], progress=False)
    assert {name: s["clips"] for name, s in rows.items()} == {
        "rules (default voice)": 2, "neural text path": 2, "rules (held-out voices)": 4,
        "audio path (held-out voices)": 4}
    assert markdown_table(rows).count("\n") == 5
