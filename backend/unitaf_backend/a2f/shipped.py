"""Where the trained A2F weights live, and whether they are installed.

`unitaf train` writes `a2f.pt` (state dict + the config it was trained with + provenance); the shipped copy
is committed at backend/unitaf_backend/data/a2f/a2f.pt. The pipeline's "auto" mode uses the neural path only
when that file exists.
"""

from __future__ import annotations

from pathlib import Path

WEIGHTS_NAME = "a2f.pt"


def weights_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "a2f"


def weights_path() -> Path:
    return weights_dir() / WEIGHTS_NAME


def available() -> bool:
    """True only when trained weights are installed with the package."""
    path = weights_path()
    return path.is_file() and path.stat().st_size > 0
