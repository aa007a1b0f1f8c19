"""The shipped ONNX graphs are the shipped weights: same outputs as torch within 1e-4 on held-out lines,
and the export command reproduces them."""

import numpy as np
import pytest
from unitaf_backend.a2f import infer, shipped
from unitaf_backend.a2f.corpus import HELD_OUT_VOICES, heldout_sentences
from unitaf_backend.a2f.runtime import OnnxRuntime, TorchRuntime, load_runtime

torch = pytest.importorskip("torch")        # the comparison needs the training extra
speech = pytest.importorskip("unitaf_backend.speech")
LINES = sorted(heldout_sentences())[:4]


@pytest.fixture(scope="module")
def runtimes():
    return OnnxRuntime(shipped.weights_dir()), TorchRuntime(infer.load_model(device="cpu"))


def test_the_graphs_carry_the_weights_config(runtimes):
    onnx_rt, torch_rt = runtimes
    assert onnx_rt.cfg == torch_rt.cfg


@pytest.mark.slow
def test_onnx_equals_torch_on_held_out_lines(runtimes):
    onnx_rt, torch_rt = runtimes
    for i, line in enumerate(LINES):
        spoken = speech.synthesize(line, emotion=np.zeros(8, np.float32), voice=None, seed=0)
        a = infer.predict_from_speech(spoken, 30.0, onnx_rt)
        b = infer.predict_from_speech(spoken, 30.0, torch_rt)
        assert np.abs(a - b).max() <= 1e-4, line
        other = speech.synthesize(line, emotion=np.zeros(8, np.float32), voice=HELD_OUT_VOICES[i % 2], seed=0)
        a = infer.predict_from_audio(other.audio, other.sample_rate, other.emotion, 30.0, onnx_rt)
        b = infer.predict_from_audio(other.audio, other.sample_rate, other.emotion, 30.0, torch_rt)
        assert np.abs(a - b).max() <= 1e-4, line


def test_long_input_through_the_windows_matches(runtimes):
    onnx_rt, torch_rt = runtimes
    rng = np.random.default_rng(3)
    feats = rng.normal(size=(2 * onnx_rt.cfg.window_frames + 77, onnx_rt.cfg.enc_dim)).astype(np.float32)
    emo = rng.random(8).astype(np.float32)
    a = infer.decode_windowed(onnx_rt, feats, emo)
    b = infer.decode_windowed(torch_rt, feats, emo)
    assert np.abs(a - b).max() <= 1e-4


def test_export_reproduces_the_shipped_graphs(tmp_path):
    from unitaf_backend.cli import main

    assert main(["export-onnx", "--out", str(tmp_path)]) == 0
    for name in ("adapter.onnx", "decoder.onnx"):
        assert (tmp_path / name).read_bytes() == (shipped.weights_dir() / name).read_bytes(), name


def test_the_runtime_can_be_forced_to_torch(monkeypatch):
    monkeypatch.setenv("UNITAF_A2F_RUNTIME", "torch")
    assert isinstance(load_runtime(), TorchRuntime)
    monkeypatch.setenv("UNITAF_A2F_RUNTIME", "onnx")
    assert isinstance(load_runtime(), OnnxRuntime)
