"""The A2F paths on real speech from the speech front end (Piper and eSpeak NG voices)."""

import numpy as np
import pytest
import torch
from unitaf_backend.a2f import align, infer
from unitaf_backend.a2f.config import A2FConfig
from unitaf_backend.a2f.encoder import shared_encoder
from unitaf_backend.a2f.model import A2FModel
from unitaf_backend.pipeline import AnimateRequest, animate

speech = pytest.importorskip("unitaf_backend.speech")
TEXT = "Before lunch, Bob promised to mop the floor."


def test_text_path_takes_real_piper_features():
    spoken = speech.synthesize(TEXT, emotion=np.zeros(8, np.float32), voice=None, seed=0)
    torch.manual_seed(0)
    model = A2FModel(A2FConfig(adapter_hidden=16, decoder_dim=16)).eval()
    assert infer.uses_adapter(spoken, model.cfg)
    out = infer.predict_from_speech(spoken, 25.0, model)
    assert out.shape == (int(np.ceil(spoken.duration * 25 - 1e-6)) + 1, 52)


def test_transcript_alignment_recovers_word_times_of_an_unseen_voice():
    spoken = speech.synthesize(TEXT, emotion=np.zeros(8, np.float32), voice="espeak-en-gb+f2", seed=0)
    enc = shared_encoder()
    tl = align.align_transcript(spoken.audio, spoken.sample_rate, TEXT, enc.encode(spoken.audio, spoken.sample_rate),
                                np.zeros(8), enc.encode)
    assert tl.engine == "aligned" and tl.duration == pytest.approx(spoken.duration)
    assert [w.text for w in tl.words] == [w.text for w in spoken.timeline.words]
    errors = [abs(a.start - b.start) for a, b in zip(tl.words, spoken.timeline.words)]
    assert np.median(errors) < 0.08          # eSpeak's own timeline is the reference here
    starts = [p.start for p in tl.phones]
    assert starts == sorted(starts) and tl.phones[-1].end == pytest.approx(spoken.duration)


def test_recording_with_transcript_in_rules_mode():
    spoken = speech.synthesize(TEXT, emotion=np.zeros(8, np.float32), voice="espeak-en-us+m7", seed=0)
    anim = animate(AnimateRequest(audio=spoken.audio, sample_rate=spoken.sample_rate,
                                                       transcript=TEXT, mode="rules", fps=30.0))
    assert anim.timeline.engine == "aligned" and anim.meta["timeline"] == "aligned transcript"
    jaw = anim.weights[:, 17]
    assert jaw.max() > 0.2                    # the mouth moves with the aligned phones
