"""Where the trained A2F weights live, and whether they are installed.

`unitaf train` writes `a2f.pt` (state dict + the config it was trained with + provenance); the shipped copy
is committed at backend/unitaf_backend/data/a2f/a2f.pt, with the ONNX graphs inference runs on beside it
(adapter.onnx, decoder.onnx: `unitaf export-onnx`). The pipeline's "auto" mode uses the neural path only
when they are installed.
"""

from __future__ import annotations

from pathlib import Path

WEIGHTS_NAME = "a2f.pt"


def weights_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "a2f"


def weights_path() -> Path:
    return weights_dir() / WEIGHTS_NAME


GRAPH_NAMES = ("adapter.onnx", "decoder.onnx")


def available() -> bool:
    """True only when trained weights and their exported graphs are installed with the package."""
    paths = [weights_path()] + [weights_dir() / name for name in GRAPH_NAMES]
    return all(p.is_file() and p.stat().st_size > 0 for p in paths)
