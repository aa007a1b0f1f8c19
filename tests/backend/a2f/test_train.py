"""The training loop end to end on a tiny synthetic corpus: both stages run, losses fall, checkpoints
resume exactly, and the result loads for inference."""

import numpy as np
import pytest
import torch
from unitaf_backend.a2f import infer, train
from unitaf_backend.a2f.config import A2FConfig
from unitaf_backend.a2f.dataset import Corpus, CorpusWriter, make_batch
from unitaf_backend.errors import BadInput

TINY = A2FConfig(adapter_hidden=16, decoder_dim=16, batch_size=4, crop_frames=40, stage1_steps=6,
                 stage2_steps=8, eval_every=7, checkpoint_every=5, w_vertex=0.0, dropout=0.0,
                 stage1_lr=5e-3, stage2_lr=5e-3)


def _fake_corpus(folder, n=12, seed=0):
    """TTS features carry a 'mouth opening' signal; encoder features are a fixed mix of it; targets open
    the jaw with it. Enough structure for the losses to fall."""
    rng = np.random.default_rng(seed)
    mix = rng.normal(size=(192, 384)).astype(np.float32) / 14
    w = CorpusWriter(folder)
    for i in range(n):
        n_tts = int(rng.integers(60, 140))
        tts = rng.normal(size=(n_tts, 192)).astype(np.float32) * 0.1
        signal = (np.sin(np.arange(n_tts) / rng.uniform(3, 8)) > 0).astype(np.float32)
        tts[:, 0] += signal * 3
        n_enc = int(np.ceil(n_tts / TINY.tts_fps * 50))
        idx = np.minimum((np.arange(n_enc) * TINY.tts_fps / 50).astype(int), n_tts - 1)
        enc = tts[idx] @ mix
        target = np.zeros((n_enc, 52), np.float32)
        target[:, 17] = 0.6 * signal[idx]
        split = "val" if i % 6 == 0 else "train"
        w.add("tts", "piper", f"s{i}", np.zeros(8), split, enc, target, tts=tts)
        w.add("audio", "espeak", f"s{i}", np.zeros(8), split, enc + 0.05, target)
    return w.close({"seed": seed})


def test_corpus_round_trip_and_batches(tmp_path):
    corpus = Corpus(_fake_corpus(tmp_path / "c"))
    assert len(corpus.items) == 24 and corpus.manifest["counts"]["tts/train"] == 10
    rng = np.random.default_rng(0)
    batch = make_batch(corpus, corpus.select("tts", "train")[:3], 30, rng, TINY.tts_fps, TINY.model_fps)
    assert batch.enc.shape == (3, 30, 384) and batch.target.shape == (3, 30, 52) and batch.mask.all()
    assert batch.tts is not None and batch.tts_offset is not None
    # the TTS crop starts at the model frame's time: offset in [0, 1) TTS frames
    assert ((batch.tts_offset >= 0) & (batch.tts_offset < 1)).all()


def test_incomplete_corpus_is_a_clear_error(tmp_path):
    with pytest.raises(BadInput, match="not a complete A2F corpus"):
        Corpus(tmp_path)


def test_training_runs_both_stages_and_resumes_exactly(tmp_path):
    corpus = _fake_corpus(tmp_path / "c")
    torch.set_num_threads(1)
    full = train.train(corpus, tmp_path / "full", TINY, progress=False, log=lambda s: None)
    assert [h["stage"] for h in full.history] == [0, 1, 2, 2]    # baseline, end of stage 1, step 7, end
    assert {"tts/total", "audio/total", "tts/feature"} <= set(full.history[-1])

    # interrupted after the first checkpoint (step 5), then resumed
    calls = {"n": 0}

    def cancel_after_five():
        calls["n"] += 1
        return calls["n"] > 6
    from unitaf_backend.errors import Cancelled
    with pytest.raises(Cancelled):
        train.train(corpus, tmp_path / "resumed", TINY, progress=False, log=lambda s: None, cancel=cancel_after_five)
    resumed = train.train(corpus, tmp_path / "resumed", TINY, progress=False, log=lambda s: None)

    a = infer.load_model(full.weights, device="cpu").state_dict()
    b = infer.load_model(resumed.weights, device="cpu").state_dict()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=1e-5, atol=1e-6)


def test_resume_with_another_config_is_refused(tmp_path):
    corpus = _fake_corpus(tmp_path / "c", n=6)
    short = A2FConfig(**{**TINY.to_dict(), "stage1_steps": 2, "stage2_steps": 0})
    train.train(corpus, tmp_path / "run", short, progress=False, log=lambda s: None)
    with pytest.raises(BadInput, match="another config"):
        train.train(corpus, tmp_path / "run", TINY, progress=False, log=lambda s: None)


def test_stage_one_fits_the_adapter(tmp_path):
    corpus = _fake_corpus(tmp_path / "c")
    cfg = A2FConfig(**{**TINY.to_dict(), "stage1_steps": 60, "stage2_steps": 0, "eval_every": 59})
    result = train.train(corpus, tmp_path / "run", cfg, progress=False, log=lambda s: None)
    assert result.history[-1]["tts/feature"] < 0.5 * result.history[0]["tts/feature"]
