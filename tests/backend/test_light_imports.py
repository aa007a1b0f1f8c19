"""The inference entries never load torch, and the hot path never loads scipy: each runs in a fresh
interpreter that then reports what it imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

HEAVY = ("torch", "scipy")
REPO = Path(__file__).resolve().parents[2]
speech = pytest.importorskip("unitaf_backend.speech")


def _loaded_after(code: str, tmp_path, watch: tuple[str, ...] = HEAVY) -> list[str]:
    script = textwrap.dedent(code) + textwrap.dedent(f"""
        import json, sys
        print("LOADED=" + json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({list(watch)!r}))))
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run([sys.executable, "-c", script], check=False, cwd=tmp_path, capture_output=True,
                         text=True, timeout=600, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    line = next(ln for ln in run.stdout.splitlines() if ln.startswith("LOADED="))
    return json.loads(line.removeprefix("LOADED="))


@pytest.fixture
def wav(tmp_path):
    spoken = speech.synthesize("Bob moved the blue boat.", emotion=np.zeros(8, np.float32), voice=None, seed=0)
    path = tmp_path / "voice.wav"
    sf.write(path, spoken.audio, spoken.sample_rate)
    return path


@pytest.mark.slow
def test_cli_speak_and_animate_load_neither_torch_nor_scipy(tmp_path, wav):
    loaded = _loaded_after(f"""
        from unitaf_backend.cli import main
        assert main(["speak", "Hello there, how are you?", "--out", "s"]) == 0
        assert main(["animate", {str(wav)!r}, "--out", "a"]) == 0
        assert main(["animate", {str(wav)!r}, "--transcript", "Bob moved the blue boat.", "--out", "t"]) == 0
    """, tmp_path)
    assert loaded == []


@pytest.mark.slow
def test_service_and_in_process_add_on_path_load_neither(tmp_path, wav):
    loaded = _loaded_after(f"""
        from unitaf_backend.service.app import create_app
        from unitaf_backend.service.config import ServiceConfig
        from unitaf_backend.service.server import warm_up
        create_app(ServiceConfig())
        warm_up()
        from unitaf_blender.core.backend_api import AnimateRequest, SpeakRequest
        from unitaf_blender.core.inprocess import InProcessBackend
        backend = InProcessBackend()
        backend.info()
        backend.speak(SpeakRequest(text="Hello there."))
        backend.animate(AnimateRequest(wav_bytes=open({str(wav)!r}, "rb").read()))
    """, tmp_path)
    assert loaded == []


def test_help_and_the_service_before_its_ready_line_load_no_model_runtime(tmp_path):
    runtimes = (*HEAVY, "onnxruntime", "ctranslate2", "piper", "faster_whisper", "onnx")
    assert _loaded_after("""
        import contextlib, io
        from unitaf_backend.cli import main
        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
            main(["--help"])
    """, tmp_path, runtimes) == []
    # what `serve` runs before printing its ready line: the app, its routes and the server
    assert _loaded_after("""
        from unitaf_backend.service.app import create_app
        from unitaf_backend.service.config import ServiceConfig
        import unitaf_backend.service.server
        create_app(ServiceConfig())
    """, tmp_path, runtimes) == []


def test_models_load_once_for_many_files(tmp_path, wav, monkeypatch):
    from unitaf_backend.a2f import encoder, runtime
    from unitaf_backend.cli import main

    made = {"encoder": 0, "a2f": 0}
    real_encoder, real_onnx = encoder.WhisperEncoder.__init__, runtime.OnnxRuntime.__init__

    def count(kind, real):
        def init(self, *a, **k):
            made[kind] += 1
            real(self, *a, **k)
        return init
    monkeypatch.setattr(encoder.WhisperEncoder, "__init__", count("encoder", real_encoder))
    monkeypatch.setattr(runtime.OnnxRuntime, "__init__", count("a2f", real_onnx))
    monkeypatch.setattr(runtime, "_cache", {})
    encoder._shared.cache_clear()
    try:
        assert main(["animate", str(wav), str(wav), str(wav), "--out", str(tmp_path / "o")]) == 0
    finally:
        encoder._shared.cache_clear()
    assert made == {"encoder": 1, "a2f": 1}


def test_the_check_sees_torch_when_it_is_loaded(tmp_path):
    pytest.importorskip("torch")
    assert _loaded_after("import torch", tmp_path) == ["torch"]
