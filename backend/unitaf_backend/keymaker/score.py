"""Scores of made keys against true keys: relative error over moving vertices, closures, symmetry."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from .closure import vertical_gap

# A vertex moves in a key when its true offset is at least this fraction of the key's largest one.
MOVING = 0.1
PAIRS = (("Left", "Right"),)


@dataclass(frozen=True)
class KeyScore:
    median: float
    p95: float
    moving: int


def key_errors(pred: np.ndarray, true: np.ndarray, channels: tuple[str, ...]) -> dict[str, KeyScore]:
    """Per key: |pred - true| / |true| over the vertices that move (keys that move nothing are left out)."""
    out = {}
    for k, name in enumerate(channels):
        size = np.linalg.norm(true[k], axis=1)
        if size.max() <= 0:
            continue
        moving = size >= MOVING * size.max()
        rel = np.linalg.norm(pred[k][moving] - true[k][moving], axis=1) / size[moving]
        out[name] = KeyScore(float(np.median(rel)), float(np.quantile(rel, 0.95)), int(moving.sum()))
    return out


def pooled_errors(pred: np.ndarray, true: np.ndarray) -> np.ndarray:
    parts = []
    for k in range(len(true)):
        size = np.linalg.norm(true[k], axis=1)
        if size.max() <= 0:
            continue
        moving = size >= MOVING * size.max()
        parts.append(np.linalg.norm(pred[k][moving] - true[k][moving], axis=1) / size[moving])
    return np.concatenate(parts)


def mirror_asymmetry(vertices: np.ndarray, offsets: np.ndarray, channels: tuple[str, ...]) -> float:
    """Median over moving vertices of |d_L(v) - M d_R(twin v)| / |d_L(v)| over Left/Right key pairs,
    where M mirrors x and the twin is the vertex nearest to v's mirror image (canonical frame)."""
    tree = cKDTree(vertices * [-1, 1, 1])
    _, twin = tree.query(vertices)
    rel = []
    for k, name in enumerate(channels):
        if "Left" not in name:
            continue
        j = channels.index(name.replace("Left", "Right"))
        left, right = offsets[k], offsets[j][twin] * [-1, 1, 1]
        size = np.linalg.norm(left, axis=1)
        if size.max() <= 0:
            continue
        moving = size >= MOVING * size.max()
        rel.append(np.linalg.norm(left[moving] - right[moving], axis=1) / size[moving])
    return float(np.median(np.concatenate(rel)))


def closure_gaps(vertices: np.ndarray, offsets: np.ndarray, channels: tuple[str, ...], upper_lip: np.ndarray,
                 lower_lip: np.ndarray, lids: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
                 ) -> tuple[float, float, float]:
    """(lip gap at jawOpen + mouthClose, lid gap at eyeBlinkLeft, at eyeBlinkRight)."""
    jaw, close = channels.index("jawOpen"), channels.index("mouthClose")
    lip = vertical_gap(vertices + offsets[jaw] + offsets[close], upper_lip, lower_lip)
    gaps = [vertical_gap(vertices + offsets[channels.index(name)], up, lo)
            for name, (up, lo) in zip(("eyeBlinkLeft", "eyeBlinkRight"), lids)]
    return lip, gaps[0], gaps[1]
