"""Exporting a trained A2F model's adapter and decoder to ONNX graphs (needs torch: the `train` extra).

The graphs take one sequence with a free time axis; the config the model was built from goes into each
graph's metadata, so the graphs alone are enough for inference (runtime.OnnxRuntime).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from .runtime import CONFIG_KEY

OPSET = 17


def export(model, out_dir: str | Path) -> list[Path]:
    """Write adapter.onnx and decoder.onnx for `model` (an A2FModel) into out_dir; return the paths."""
    import onnx
    import torch

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model = model.cpu().eval()
    cfg = model.cfg
    t = 2 * cfg.receptive_field + 17

    class Project(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.adapter = model.adapter

        def forward(self, tts: torch.Tensor) -> torch.Tensor:
            return self.adapter.project(tts)

    graphs = {
        "adapter": (Project().eval(), (torch.randn(1, t, cfg.tts_dim),), ["tts"], ["feats"]),
        "decoder": (model.decoder, (torch.randn(1, t, cfg.enc_dim), torch.rand(1, t, cfg.n_emotions)),
                    ["feats", "emotion"], ["weights"]),
    }
    written = []
    for name, (module, args, inputs, outputs) in graphs.items():
        path = out / f"{name}.onnx"
        tmp = path.with_suffix(".onnx.tmp")
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)   # the TorchScript exporter needs no onnxscript
            torch.onnx.export(module, args, str(tmp), dynamo=False, opset_version=OPSET,
                              input_names=inputs, output_names=outputs,
                              dynamic_axes={n: {1: "frames"} for n in inputs + outputs})
        graph = onnx.load(str(tmp))
        graph.producer_name = "unitaf export-onnx"
        entry = graph.metadata_props.add()
        entry.key, entry.value = CONFIG_KEY, json.dumps(cfg.to_dict(), sort_keys=True)
        onnx.checker.check_model(graph)
        onnx.save(graph, str(path))
        tmp.unlink()
        written.append(path)
    model.eval()     # the exporter restores each module's mode; keep the caller's model in eval mode
    return written
