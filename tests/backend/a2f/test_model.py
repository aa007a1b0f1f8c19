"""Shapes, frame timing, windowed decoding and the config of the A2F networks (random weights)."""

import itertools

import numpy as np
import pytest
import torch
from unitaf_backend.a2f import infer
from unitaf_backend.a2f.config import A2FConfig, load_config
from unitaf_backend.a2f.model import A2FModel, resample_time
from unitaf_backend.errors import BadInput

SMALL = A2FConfig(adapter_hidden=16, decoder_dim=16, dropout=0.0)


def _model(cfg: A2FConfig = SMALL) -> A2FModel:
    torch.manual_seed(0)
    return A2FModel(cfg).eval()


@pytest.mark.parametrize("fps", [24.0, 25.0, 30.0, 60.0])
def test_output_shape_and_frame_timing(fps):
    model = _model()
    duration = 2.37
    n_tts = round(duration * SMALL.tts_fps)
    with torch.inference_mode():
        y50 = model.from_tts(torch.randn(1, n_tts, SMALL.tts_dim), torch.zeros(1, 8))[0]
    out = infer.to_fps(y50, SMALL.model_fps, fps, duration)
    assert out.shape == (int(np.ceil(duration * fps)) + 1, 52)     # face/frames.py's convention
    assert out.dtype == np.float32 and out.min() >= 0.0 and out.max() <= 1.0
    # frame i is at i / fps: it interpolates the model frames at i * 50 / fps
    i = 7
    pos = i * SMALL.model_fps / fps
    lo = int(np.floor(pos))
    expected = y50[lo] * (1 - (pos - lo)) + y50[lo + 1] * (pos - lo)
    np.testing.assert_allclose(out[i], expected.numpy(), atol=1e-6)


def test_resample_time_is_exact_on_a_ramp():
    x = torch.arange(100, dtype=torch.float32).view(1, 100, 1) / 50.0   # value = time in s at 50 fps
    y = resample_time(x, 50.0, 30.0, 40)
    np.testing.assert_allclose(y[0, :, 0].numpy(), np.arange(40) / 30.0, atol=1e-6)
    # inference's numpy twin gives the same frames, held past the end as well
    np.testing.assert_allclose(infer.resample_frames(x[0].numpy(), 50.0, 30.0, 70),
                               resample_time(x, 50.0, 30.0, 70)[0].numpy(), atol=1e-6)


def test_adapter_maps_tts_rate_to_model_rate():
    model = _model()
    n = model.adapter.n_frames(862)              # ~10 s of Piper frames
    assert n == round(862 * 50 / SMALL.tts_fps)
    with torch.inference_mode():
        y = model.adapter(torch.randn(2, 862, SMALL.tts_dim))
    assert y.shape == (2, n, SMALL.enc_dim)


def test_windowed_decoding_equals_whole_input():
    model = _model()
    torch.manual_seed(1)
    feats = torch.randn(700, SMALL.enc_dim)
    emo = torch.rand(8)
    with torch.inference_mode():
        whole = model.decoder(feats.unsqueeze(0), emo.unsqueeze(0))[0]
    windowed = infer.decode_windowed(model, feats.numpy(), emo.numpy(), window=200, overlap=90)
    assert len(infer.windows(700, 200, 90)) > 3
    np.testing.assert_allclose(windowed, whole.numpy(), atol=1e-5)


def test_windows_cover_everything_with_the_overlap():
    spans = infer.windows(1234, 300, 100)
    assert spans[0][0] == 0 and spans[-1][1] == 1234
    for (a0, a1), (b0, b1) in itertools.pairwise(spans):
        assert a1 - b0 >= 100 and b0 > a0
    assert infer.windows(50, 300, 100) == [(0, 50)]


def test_window_overlap_must_exceed_receptive_field():
    model = _model()
    with pytest.raises(ValueError):
        infer.decode_windowed(model, np.zeros((500, SMALL.enc_dim)), np.zeros(8), window=200, overlap=10)


def test_per_frame_emotion_is_accepted():
    model = _model()
    with torch.inference_mode():
        y = model.decoder(torch.randn(1, 30, SMALL.enc_dim), torch.rand(1, 30, 8))
    assert y.shape == (1, 30, 52)


def test_save_and_load_round_trip(tmp_path):
    model = _model()
    path = tmp_path / "a2f.pt"
    infer.save_model(model, path, meta={"note": "test"})
    loaded = infer.load_model(path, device="cpu")
    x = torch.randn(1, 40, SMALL.enc_dim)
    with torch.inference_mode():
        np.testing.assert_allclose(loaded.decoder(x, torch.zeros(1, 8)).numpy(),
                                   model.decoder(x, torch.zeros(1, 8)).numpy(), atol=1e-6)
    assert loaded.cfg == SMALL


def test_missing_weights_is_a_clear_error(tmp_path):
    from unitaf_backend.errors import NotInstalled
    with pytest.raises(NotInstalled, match="unitaf train"):
        infer.load_model(tmp_path / "none.pt", device="cpu")


def test_config_file_overrides_and_rejects_unknown_fields(tmp_path):
    good = tmp_path / "good.json"
    good.write_text('{"stage2_steps": 7, "decoder_dilations": [1, 2]}')
    cfg = load_config("smoke", good)
    assert cfg.stage2_steps == 7 and cfg.decoder_dilations == (1, 2)
    bad = tmp_path / "bad.json"
    bad.write_text('{"no_such_field": 1}')
    with pytest.raises(BadInput, match="no_such_field"):
        load_config("cpu", bad)
    with pytest.raises(BadInput, match="preset"):
        load_config("huge")


def test_default_model_fits_the_weight_budget():
    cfg = load_config("cpu")
    n = sum(p.numel() for p in A2FModel(cfg).parameters())
    assert n * 4 < 20e6          # float32 bytes, under the 20 MB budget
    assert cfg.window_overlap >= 2 * cfg.receptive_field + 1
