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
from typing import Any

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


Landmarks = dict[str, np.ndarray]      # name -> [3] point in the mesh's local frame


def make_offsets(vertices: np.ndarray, polygons: list[list[int]], python: str = "",
                 in_process: bool = True, landmarks: Landmarks | None = None) -> MadeOffsets:
    """The offsets, from this Python's backend when allowed and importable, else from `python`'s. With
    `landmarks` the face is placed by them instead of being found."""
    if _use_in_process(in_process, python):
        return _in_process(vertices, polygons, landmarks)
    return _subprocess(vertices, polygons, python, landmarks)


def find_landmarks(vertices: np.ndarray, polygons: list[list[int]], python: str = "",
                   in_process: bool = True) -> Landmarks:
    """The face's landmarks found on the mesh (what the user may move before making the keys)."""
    if _use_in_process(in_process, python):
        from unitaf_backend.errors import UnitafError
        from unitaf_backend.keymaker import find_landmarks as backend_find

        try:
            return backend_find(vertices, polygons)
        except UnitafError as err:
            raise KeymakerError(str(err)) from err
    report, _, _ = _run_cli(vertices, polygons, python, None)
    return {k: np.asarray(p, dtype=np.float64) for k, p in report.get("landmarks", {}).items()}


def _use_in_process(in_process: bool, python: str) -> bool:
    if in_process and in_process_available():
        return True
    if not python:
        raise KeymakerError("no backend interpreter: set 'Backend Python' in the UniTAF preferences")
    return False


def _in_process(vertices: np.ndarray, polygons: list[list[int]], landmarks: Landmarks | None) -> MadeOffsets:
    from unitaf_backend.errors import UnitafError
    from unitaf_backend.keymaker import make_shape_keys

    try:
        made = make_shape_keys(vertices, polygons, landmarks=landmarks)
    except UnitafError as err:
        raise KeymakerError(str(err)) from err
    return MadeOffsets(made.channels, made.offsets, made.summary(), made.jaw_motions, made.tongue_motions,
                       0.5 * (made.landmarks["mouth_corner_left"] + made.landmarks["mouth_corner_right"]),
                       made.rotation.T @ np.array([0.0, 0.0, 1.0]))


def write_obj(path: Path, vertices: np.ndarray, polygons: list[list[int]]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(f"v {x:.9g} {y:.9g} {z:.9g}\n" for x, y, z in np.asarray(vertices, dtype=np.float64))
        fh.writelines("f " + " ".join(str(i + 1) for i in poly) + "\n" for poly in polygons)


def _run_cli(vertices: np.ndarray, polygons: list[list[int]], python: str, landmarks: Landmarks | None
             ) -> tuple[dict[str, Any], tuple[str, ...], np.ndarray]:
    """Run `unitaf make-shape-keys` with `python`: its report, channels and offsets."""
    with tempfile.TemporaryDirectory(prefix="unitaf_keys_") as tmp:
        obj = Path(tmp) / "mesh.obj"
        write_obj(obj, vertices, polygons)
        out = Path(tmp) / "out"
        command = [python, "-m", "unitaf_backend", "make-shape-keys", str(obj), str(out)]
        if landmarks:
            given = Path(tmp) / "landmarks.json"
            given.write_text(json.dumps({k: [float(x) for x in p] for k, p in landmarks.items()}), encoding="utf-8")
            command += ["--landmarks", str(given)]
        try:
            proc = subprocess.run(command, check=False, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT_S,
                                  env={**os.environ, "PYTHONNOUSERSITE": "1"})
        except (OSError, subprocess.TimeoutExpired) as err:
            raise KeymakerError(f"the backend's key maker did not run ({err})") from err
        if proc.returncode != 0:
            lines = (proc.stderr or proc.stdout).strip().splitlines()
            raise KeymakerError(lines[-1] if lines else f"the key maker failed (exit {proc.returncode})")
        with np.load(out / "shape_keys.npz", allow_pickle=False) as npz:
            channels, offsets = tuple(str(c) for c in npz["channels"]), npz["offsets"].astype(np.float32)
        return json.loads((out / "report.json").read_text(encoding="utf-8")), channels, offsets


def _subprocess(vertices: np.ndarray, polygons: list[list[int]], python: str, landmarks: Landmarks | None
                ) -> MadeOffsets:
    report, channels, offsets = _run_cli(vertices, polygons, python, landmarks)
    lm = report.get("landmarks", {})
    rotation = np.asarray(report.get("rotation_to_blender", np.eye(3).tolist()), dtype=np.float64)
    return MadeOffsets(
        channels, offsets, str(report.get("summary", "")),
        {k: np.asarray(m) for k, m in report.get("jaw_motions", {}).items()},
        {k: np.asarray(m) for k, m in report.get("tongue_motions", {}).items()},
        0.5 * (np.asarray(lm["mouth_corner_left"]) + np.asarray(lm["mouth_corner_right"]))
        if "mouth_corner_left" in lm else None,
        rotation.T @ np.array([0.0, 0.0, 1.0]))
