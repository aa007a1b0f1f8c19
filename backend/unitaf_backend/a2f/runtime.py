"""The A2F networks at inference: onnxruntime by default, torch on request. numpy in, numpy out.

Both runtimes offer the same two calls on one sequence (no batch axis):
``project(tts [T, tts_dim] at model_fps) -> [T, enc_dim]`` (the adapter without its time resampling) and
``decode(feats [T, enc_dim], emotion [T, 8]) -> [T, 52]``. The shipped ONNX graphs sit beside the shipped
weights (`unitaf export-onnx` writes them, with the config they were built from in their metadata), so the
default path never imports torch. ``UNITAF_A2F_RUNTIME=torch`` runs the torch model instead, for comparison.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..errors import NotInstalled
from . import shipped
from .config import A2FConfig

RUNTIME_ENV = "UNITAF_A2F_RUNTIME"        # "onnx" (default) or "torch"
CONFIG_KEY = "unitaf_a2f_config"          # ONNX metadata entry holding the A2FConfig as JSON
GRAPHS = tuple(name.removesuffix(".onnx") for name in shipped.GRAPH_NAMES)


class Runtime(Protocol):
    cfg: A2FConfig

    def project(self, tts: np.ndarray) -> np.ndarray: ...

    def decode(self, feats: np.ndarray, emotion: np.ndarray) -> np.ndarray: ...


class OnnxRuntime:
    """The exported adapter and decoder graphs on onnxruntime (CPU, or CUDA when the build has it)."""

    def __init__(self, folder: Path):
        import onnxruntime as ort

        providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in ort.get_available_providers()]
        self._sessions: dict[str, Any] = {}
        for name in GRAPHS:
            path = folder / f"{name}.onnx"
            if not path.is_file():
                raise NotInstalled(f"no exported A2F graph at {path}; run `unitaf export-onnx` "
                                   f"(or set {RUNTIME_ENV}=torch)")
            opts = ort.SessionOptions()
            opts.log_severity_level = 3
            opts.intra_op_num_threads = 1                 # a few ms of work: a thread pool only costs here
            opts.enable_cpu_mem_arena = False
            self._sessions[name] = ort.InferenceSession(str(path), opts, providers=providers)
        meta = self._sessions["decoder"].get_modelmeta().custom_metadata_map
        self.cfg = A2FConfig.from_dict(json.loads(meta[CONFIG_KEY]))

    def project(self, tts: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(tts, dtype=np.float32)[None]
        return self._sessions["adapter"].run(None, {"tts": x})[0][0]

    def decode(self, feats: np.ndarray, emotion: np.ndarray) -> np.ndarray:
        f = np.ascontiguousarray(feats, dtype=np.float32)[None]
        e = np.ascontiguousarray(emotion, dtype=np.float32)[None]
        return self._sessions["decoder"].run(None, {"feats": f, "emotion": e})[0][0]


class TorchRuntime:
    """A torch A2FModel behind the same calls (training, comparison, weights not yet exported)."""

    def __init__(self, model: Any):
        import torch

        self._torch = torch
        self.model = model
        self.cfg = model.cfg
        self._device = next(model.parameters()).device

    def _run(self, fn: Any, *arrays: np.ndarray) -> np.ndarray:
        torch = self._torch
        with torch.inference_mode():
            xs = [torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)).to(self._device).unsqueeze(0)
                  for a in arrays]
            return fn(*xs)[0].cpu().numpy()

    def project(self, tts: np.ndarray) -> np.ndarray:
        return self._run(self.model.adapter.project, tts)

    def decode(self, feats: np.ndarray, emotion: np.ndarray) -> np.ndarray:
        return self._run(self.model.decoder, feats, emotion)


_lock = threading.Lock()
_cache: dict[tuple[str, str], Runtime] = {}


def runtime_name() -> str:
    name = os.environ.get(RUNTIME_ENV, "onnx").strip().lower() or "onnx"
    if name not in ("onnx", "torch"):
        raise NotInstalled(f"{RUNTIME_ENV} must be 'onnx' or 'torch', got {name!r}")
    return name


def load_runtime(weights: str | Path | None = None, kind: str | None = None) -> Runtime:
    """The shipped model (or the one at `weights`, an a2f.pt) on the chosen runtime, loaded once per process.
    ONNX graphs are looked for beside the weights file."""
    path = Path(weights) if weights is not None else shipped.weights_path()
    kind = kind or runtime_name()
    key = (str(path.resolve()), kind)
    with _lock:
        if key not in _cache:
            if kind == "torch":
                from .checkpoint import load_model
                _cache[key] = TorchRuntime(load_model(path))
            else:
                _cache[key] = OnnxRuntime(path.parent)
        return _cache[key]


def as_runtime(model: Any) -> Runtime:
    """A runtime as is; a torch A2FModel wrapped in one."""
    return model if hasattr(model, "decode") and hasattr(model, "project") else TorchRuntime(model)
