"""Export trained A2F weights (the shipped ones by default) to the ONNX graphs inference runs on.

Writes adapter.onnx and decoder.onnx beside the weights (or into --out) and checks that they give torch's
outputs on random inputs. Needs torch (`pip install .[train]`); inference itself never does.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--weights", type=Path, default=None, help="a2f.pt (default: the shipped weights)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: the weights' folder)")


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from ..a2f import infer, shipped
    from ..a2f.export_onnx import export
    from ..a2f.runtime import OnnxRuntime, TorchRuntime
    from ..errors import NotInstalled

    weights = args.weights or shipped.weights_path()
    try:
        model = infer.load_model(weights, device="cpu")
    except ImportError:
        raise NotInstalled("exporting needs torch: pip install '.[train]'") from None
    out = args.out or Path(weights).parent
    for path in export(model, out):
        print(path)
    rng = np.random.default_rng(0)
    cfg = model.cfg
    onnx_rt, torch_rt = OnnxRuntime(out), TorchRuntime(model)
    feats, emo = rng.normal(size=(301, cfg.enc_dim)), rng.random((301, cfg.n_emotions))
    tts = rng.normal(size=(301, cfg.tts_dim))
    diff = max(float(np.abs(onnx_rt.decode(feats, emo) - torch_rt.decode(feats, emo)).max()),
               float(np.abs(onnx_rt.project(tts) - torch_rt.project(tts)).max()))
    print(f"largest difference to torch on random inputs: {diff:.2e}")
    return 0 if diff <= 1e-4 else 1
