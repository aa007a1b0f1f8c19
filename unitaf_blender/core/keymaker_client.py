"""Asking the backend's key maker for the 52 ARKit offsets of a mesh (no bpy).

In-process when `unitaf_backend` is importable in this Python (bpy-module scripts, tests); otherwise the
backend interpreter runs `unitaf make-shape-keys` on a temporary OBJ (Blender's Python has no scipy).
Either way the result is the same `MadeOffsets`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# The key maker on the largest mesh it takes needs minutes, not hours.
SUBPROCESS_TIMEOUT_S = 1800
# The backend key maker's vertex limit (unitaf_backend.keymaker.MAX_VERTICES), checked here before a
# large mesh is copied out of Blender.
MAX_VERTICES = 500_000


class KeymakerError(Exception):
    """The key maker could not make keys for this mesh; str() is the one line to show."""


@dataclass(frozen=True)
class MadeOffsets:
    channels: tuple[str, ...]
    offsets: np.ndarray     # float32 [52, V, 3], the mesh's local frame
    summary: str
    # key -> 4x4 rigid motion at weight 1 (mesh frame) for separate lower-teeth / tongue objects
    jaw_motions: dict[str, np.ndarray] = field(default_factory=dict)
    tongue_motions: dict[str, np.ndarray] = field(default_factory=dict)
    mouth_centre: np.ndarray | None = None     # [3] between the mouth corners (mesh frame)
    up: np.ndarray | None = None               # [3] the head's up direction (mesh frame)


def in_process_available() -> bool:
    try:
        return importlib.util.find_spec("unitaf_backend") is not None
    except (ImportError, ValueError):
        return False


def make_offsets(vertices: np.ndarray, polygons: list[list[int]], python: str = "",
                 in_process: bool = True) -> MadeOffsets:
    """The offsets, from this Python's backend when allowed and importable, else from `python`'s."""
    if in_process and in_process_available():
        return _in_process(vertices, polygons)
    if not python:
        raise KeymakerError("no backend interpreter: set 'Backend Python' in the UniTAF preferences")
    return _subprocess(vertices, polygons, python)


def _in_process(vertices: np.ndarray, polygons: list[list[int]]) -> MadeOffsets:
    from unitaf_backend.errors import UnitafError
    from unitaf_backend.keymaker import make_shape_keys

    try:
        made = make_shape_keys(vertices, polygons)
    except UnitafError as err:
        raise KeymakerError(str(err)) from err
    return MadeOffsets(made.channels, made.offsets, made.summary(), made.jaw_motions, made.tongue_motions,
                       0.5 * (made.landmarks["mouth_corner_left"] + made.landmarks["mouth_corner_right"]),
                       made.rotation.T @ np.array([0.0, 0.0, 1.0]))


def write_obj(path: Path, vertices: np.ndarray, polygons: list[list[int]]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(f"v {x:.9g} {y:.9g} {z:.9g}\n" for x, y, z in np.asarray(vertices, dtype=np.float64))
        fh.writelines("f " + " ".join(str(i + 1) for i in poly) + "\n" for poly in polygons)


def _subprocess(vertices: np.ndarray, polygons: list[list[int]], python: str) -> MadeOffsets:
    with tempfile.TemporaryDirectory(prefix="unitaf_keys_") as tmp:
        obj = Path(tmp) / "mesh.obj"
        write_obj(obj, vertices, polygons)
        out = Path(tmp) / "out"
        try:
            proc = subprocess.run([python, "-m", "unitaf_backend", "make-shape-keys", str(obj), str(out)],
                                  check=False, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT_S,
                                  env={**os.environ, "PYTHONNOUSERSITE": "1"})
        except (OSError, subprocess.TimeoutExpired) as err:
            raise KeymakerError(f"the backend's key maker did not run ({err})") from err
        if proc.returncode != 0:
            lines = (proc.stderr or proc.stdout).strip().splitlines()
            raise KeymakerError(lines[-1] if lines else f"the key maker failed (exit {proc.returncode})")
        with np.load(out / "shape_keys.npz", allow_pickle=False) as npz:
            channels = tuple(str(c) for c in npz["channels"])
            offsets = npz["offsets"].astype(np.float32)
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    lm = report.get("landmarks", {})
    rotation = np.asarray(report.get("rotation_to_blender", np.eye(3).tolist()), dtype=np.float64)
    return MadeOffsets(
        channels, offsets, str(report.get("summary", "")),
        {k: np.asarray(m) for k, m in report.get("jaw_motions", {}).items()},
        {k: np.asarray(m) for k, m in report.get("tongue_motions", {}).items()},
        0.5 * (np.asarray(lm["mouth_corner_left"]) + np.asarray(lm["mouth_corner_right"]))
        if "mouth_corner_left" in lm else None,
        rotation.T @ np.array([0.0, 0.0, 1.0]))
