"""Scores of made keys against true keys: relative error over moving vertices, closures, symmetry."""

from __future__ import annotations

from collections.abc import Sequence
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
                 lower_lip: np.ndarray, lids: Sequence[tuple[np.ndarray, np.ndarray]]
                 ) -> tuple[float, float, float]:
    """(lip gap at jawOpen + mouthClose, lid gap at eyeBlinkLeft, at eyeBlinkRight)."""
    jaw, close = channels.index("jawOpen"), channels.index("mouthClose")
    lip = vertical_gap(vertices + offsets[jaw] + offsets[close], upper_lip, lower_lip)
    gaps = [vertical_gap(vertices + offsets[channels.index(name)], up, lo)
            for name, (up, lo) in zip(("eyeBlinkLeft", "eyeBlinkRight"), lids)]
    return lip, gaps[0], gaps[1]


@dataclass(frozen=True)
class HeadScore:
    name: str
    description: str
    vertices: int
    remeshed: bool
    median: float              # pooled relative error over every key's moving vertices
    p95: float
    worst_key: str
    worst_key_median: float
    lip_gap_mm: float          # at jawOpen + mouthClose, mm at a 50 mm mouth (<= 0: closed)
    lid_gap_mm: float          # the larger of the two eyes at eyeBlink
    asymmetry: float
    residual_p95_mm: float
    seal_mm: float             # how far the lip seal moved mouthClose's lips (mm at a 50 mm mouth)
    seconds: float
    per_key: dict[str, KeyScore]


def score_head(head, made, seconds: float) -> HeadScore:  # type: ignore[no-untyped-def]
    """Score MadeKeys against a TestHead's true keys (both in the canonical frame)."""
    from .reference import reference_skin

    ref = reference_skin()
    per_key = key_errors(made.offsets, head.true_offsets, ref.channels)
    pooled = pooled_errors(made.offsets, head.true_offsets)
    lids = tuple((head.on_reference(u), head.on_reference(lo)) for u, lo in zip(ref.lid_upper, ref.lid_lower))
    lip, left, right = closure_gaps(head.vertices, made.offsets, ref.channels, head.on_reference(ref.upper_lip),
                                    head.on_reference(ref.lower_lip), lids)
    mm = 50.0 / made.mouth_width
    worst = max(per_key.items(), key=lambda kv: kv[1].median)
    return HeadScore(head.name, head.description, len(head.vertices), head.source.shape[0] != head.source.shape[1],
                     float(np.median(pooled)), float(np.quantile(pooled, 0.95)), worst[0], worst[1].median,
                     lip * mm, max(left, right) * mm, mirror_asymmetry(head.vertices, made.offsets, ref.channels),
                     made.residual_p95 * mm, made.corrections.get("mouthClose", 0.0) * mm, seconds, per_key)
