"""Which way the head looks, and where it sits: the first placement of the reference head.

The target is tried in the 24 axis-aligned orientations and in each of them turned 45 degrees about
the vertical (a head turned any angle about its up axis is found); in each, the reference is put on the target by
its nose tip (the most forward point near the top) and its height above the nose, then refined by a
similarity ICP. The orientation whose fit lies closest to the target wins; its rotation says how the
target is turned relative to Blender's convention (Z up, the face looking along -Y).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from .fit import Similarity, similarity_icp

FORWARD = np.array([0.0, -1.0, 0.0])
UP = np.array([0.0, 0.0, 1.0])
# A mesh taller than this many times its front-to-back depth is more than a head (a body, a bust with
# shoulders): the head is looked for in its top HEAD_OF_BODY of the height (a head is about 1/7.5 of a
# body, the rest is neck).
BODY_ASPECT = 2.5
HEAD_OF_BODY = 0.16
# The conventional orientation is kept when its fit is within this factor of the best one.
KEEP_CONVENTION = 1.5
# Starting orientations 45 degrees apart about the vertical; an ICP that turns a start by more than 35
# degrees has found another start's orientation (which that start finds itself).
YAW_STEP_DEG = 45.0
MAX_ICP_TURN_DEG = 35.0


def head_region(points: np.ndarray) -> np.ndarray:
    """bool [V]: where to look for the head (the canonical frame: Z up, face along -Y)."""
    z = points[:, 2]
    height, depth = np.ptp(z), np.ptp(points[:, 1])
    if height <= BODY_ASPECT * depth:
        return np.ones(len(points), dtype=bool)
    return z >= z.max() - HEAD_OF_BODY * height


def axis_rotations() -> list[np.ndarray]:
    """The 24 proper rotations that map coordinate axes onto coordinate axes (identity first)."""
    out: list[np.ndarray] = []
    for perm in itertools.permutations(range(3)):
        for signs in itertools.product((1.0, -1.0), repeat=3):
            r = np.zeros((3, 3))
            r[np.arange(3), perm] = signs
            if np.linalg.det(r) > 0:
                out.append(r)
    out.sort(key=lambda r: -np.trace(r))
    return out


def candidate_rotations() -> list[np.ndarray]:
    """The 24 axis-aligned orientations, then each of them turned YAW_STEP_DEG about the head's up: with
    the ICP free to turn MAX_ICP_TURN_DEG from its start, a head turned any angle about its vertical
    axis starts within reach of one of them (identity first)."""
    step = np.radians(YAW_STEP_DEG)
    yaw = np.array([[np.cos(step), -np.sin(step), 0.0], [np.sin(step), np.cos(step), 0.0], [0.0, 0.0, 1.0]])
    axes = axis_rotations()
    return axes + [yaw @ r for r in axes]


def nose_tip(points: np.ndarray, top_fraction: float = 0.75) -> int:
    """Index of the most forward (-Y) point among the points whose height is within `top_fraction` of
    the widest horizontal extent below the top (so a chest or a belly is not taken for a nose)."""
    z = points[:, 2]
    top = z.max()
    extent = np.ptp(points[:, :2], axis=0).max()
    near_top = z >= top - top_fraction * 1.6 * extent
    idx = np.flatnonzero(near_top)
    return int(idx[np.argmin(points[idx, 1])])


@dataclass(frozen=True)
class Placement:
    rotation: np.ndarray          # target frame -> canonical frame (Z up, face along -Y)
    region: np.ndarray            # bool [V] the target vertices where the head was looked for
    similarity: Similarity        # reference -> canonical target
    mean_distance: float          # of the trimmed ICP pairs, relative to the head height
    runner_up: float              # the same for the second-best orientation


def place_reference(ref: np.ndarray, ref_normals: np.ndarray, ref_nose: int, target: np.ndarray,
                    target_normals: np.ndarray, try_all: bool = True) -> Placement:
    """Find the target's orientation and the similarity that puts the reference on it."""
    ref_height = ref[:, 2].max() - ref[ref_nose, 2]
    results: list[tuple[float, np.ndarray, Similarity]] = []
    for rot in candidate_rotations() if try_all else [np.eye(3)]:
        region = head_region(target @ rot.T)
        pts = target[region] @ rot.T
        nrm = target_normals[region] @ rot.T
        tip = nose_tip(pts)
        height = pts[:, 2].max() - pts[tip, 2]
        if height <= 0:
            continue
        s = height / ref_height
        init = Similarity(s, np.eye(3), pts[tip] - s * ref[ref_nose])
        sim, err = similarity_icp(ref, ref_normals, pts, nrm, init, iterations=12)
        # an ICP that turned the head far away from its start found another orientation: not this one
        if np.degrees(np.arccos(np.clip((np.trace(sim.rotation) - 1) / 2, -1, 1))) > MAX_ICP_TURN_DEG:
            err = np.inf
        results.append((err / (sim.scale * ref_height), rot, sim))
    # Blender's own convention wins unless another orientation fits clearly better (a head that is not
    # much like the reference can fit a little better upside down by chance)
    identity = next((r for r in results if np.allclose(r[1], np.eye(3))), None)
    results.sort(key=lambda r: r[0])
    best = results[0]
    if identity is not None and identity[0] <= KEEP_CONVENTION * best[0]:
        best = identity
        results.remove(identity)
        results.insert(0, identity)
    rot = best[1]
    region = head_region(target @ rot.T)
    pts, nrm = target[region] @ rot.T, target_normals[region] @ rot.T
    sim, err = similarity_icp(ref, ref_normals, pts, nrm, best[2], iterations=40)
    runner = results[1][0] if len(results) > 1 else np.inf
    return Placement(rot, region, sim, err / (sim.scale * ref_height), runner)
