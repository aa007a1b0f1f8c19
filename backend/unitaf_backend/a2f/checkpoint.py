"""Trained A2F weights as torch checkpoints (a2f.pt): saving and loading. Needs torch (the `train` extra);
inference loads the exported ONNX graphs instead (runtime.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import NotInstalled
from . import shipped
from .config import A2FConfig

if TYPE_CHECKING:
    import torch

    from .model import A2FModel


def default_device() -> str:
    import torch
    return "cuda" if torch.cuda.is_available() else "cpu"


def save_model(model: A2FModel, path: str | Path, meta: dict | None = None) -> None:
    import torch

    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    torch.save({"config": model.cfg.to_dict(), "state_dict": state, "meta": dict(meta or {})}, str(path))


_torch_cache: dict[tuple[str, str], A2FModel] = {}


def load_model(path: str | Path | None = None, device: torch.device | str | None = None) -> A2FModel:
    """The trained torch model (the shipped weights by default), in eval mode, cached per path and device.
    Training and comparisons use it; inference goes through `load_runtime`."""
    import torch

    from .model import A2FModel

    path = Path(path) if path is not None else shipped.weights_path()
    dev = torch.device(device) if device is not None else torch.device(default_device())
    key = (str(path.resolve()), str(dev))
    if key not in _torch_cache:
        if not path.is_file():
            raise NotInstalled(f"no trained A2F weights at {path}; train them with `unitaf train` "
                               "or use --mode rules")
        blob = torch.load(str(path), map_location="cpu", weights_only=True)
        model = A2FModel(A2FConfig.from_dict(blob["config"]))
        model.load_state_dict(blob["state_dict"])
        _torch_cache[key] = model.to(dev).eval()
    return _torch_cache[key]


