"""Bone face rigs: poses (what each face bone does for one channel or viseme) blended by weights.

A pose holds, per bone, its pose channels relative to rest (Blender's pose channels already are):
a rotation quaternion (w, x, y, z), a location offset and a scale. Blending is linear in the weights:
rotations as quaternion offsets from identity (then normalised), locations added, scales added as
offsets from 1. Pure numpy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

IDENTITY = np.array([1.0, 0.0, 0.0, 0.0])
MOVES = 1e-4       # a pose channel this far from rest moves the bone


@dataclass(frozen=True)
class BonePose:
    """One bone's channels in a pose."""
    rotation: np.ndarray = field(default_factory=lambda: IDENTITY.copy())    # quaternion w, x, y, z
    location: np.ndarray = field(default_factory=lambda: np.zeros(3))
    scale: np.ndarray = field(default_factory=lambda: np.ones(3))

    def moves(self) -> bool:
        q = self.rotation if self.rotation[0] >= 0 else -self.rotation
        return bool(np.abs(q - IDENTITY).max() > MOVES or np.abs(self.location).max() > MOVES
                    or np.abs(self.scale - 1.0).max() > MOVES)


FacePose = dict[str, BonePose]       # bone name -> its channels in the pose


@dataclass(frozen=True)
class BoneCurves:
    """[T] curves of one bone: rotation [T, 4] (w x y z), location [T, 3], scale [T, 3]."""
    rotation: np.ndarray
    location: np.ndarray
    scale: np.ndarray


def moved_bones(pose: FacePose) -> list[str]:
    return [bone for bone, channels in pose.items() if channels.moves()]


def blend_poses(poses: Mapping[str, FacePose], weights: Mapping[str, np.ndarray],
                bones: Sequence[str] | None = None) -> dict[str, BoneCurves]:
    """bone -> its curves for poses blended by `weights` (pose name -> [T] in [0, 1])."""
    n = len(next(iter(weights.values()))) if weights else 0
    names = list(bones) if bones is not None else sorted({b for p in poses.values() for b in moved_bones(p)})
    out: dict[str, BoneCurves] = {}
    for bone in names:
        rot = np.tile(IDENTITY, (n, 1))
        loc = np.zeros((n, 3))
        scale = np.ones((n, 3))
        for pose_name, pose in poses.items():
            channels = pose.get(bone)
            if channels is None or pose_name not in weights:
                continue
            w = np.asarray(weights[pose_name], dtype=np.float64)[:, None]
            q = channels.rotation if channels.rotation[0] >= 0 else -channels.rotation   # the short way
            rot += w * (q - IDENTITY)[None, :]
            loc += w * channels.location[None, :]
            scale += w * (channels.scale - 1.0)[None, :]
        rot /= np.linalg.norm(rot, axis=1, keepdims=True)
        out[bone] = BoneCurves(rotation=rot.astype(np.float32), location=loc.astype(np.float32),
                               scale=scale.astype(np.float32))
    return out


def axis_angle_pose(axis: Sequence[float], degrees: float) -> BonePose:
    """A bone turned `degrees` about `axis` (its own local axis), e.g. a jaw opening."""
    a = np.asarray(axis, dtype=np.float64)
    a = a / np.linalg.norm(a)
    half = np.radians(degrees) / 2.0
    return BonePose(rotation=np.concatenate([[np.cos(half)], np.sin(half) * a]))


# Rigify-like face bones that have a sensible default: the jaw opens about its local X axis.
JAW_BONES: tuple[str, ...] = ("jaw_master", "jaw", "Jaw", "DEF-jaw", "ORG-jaw", "MCH-jaw_master", "mixamorig:Jaw",
                              "c_jawbone.x", "jaw.x")
DEFAULT_JAW_DEGREES = 22.0
DEFAULT_JAW_SOURCE = "mouthOpen"        # the lips apart: the jaw shuts at closures


# Sources a bone face rig usually has a pose for: the panel offers a row for each (and for any other source
# already mapped), so a pose Action can be picked for it.
POSE_ROW_SOURCES: tuple[str, ...] = ("mouthOpen", "oculus.PP", "oculus.FF", "oculus.aa", "oculus.O", "oculus.U",
                                     "mouthSmile", "mouthFunnel", "mouthPucker")


def pose_rows(mapping: Mapping[str, str], actions: Sequence[str]) -> list[tuple[str, str]]:
    """(source, pose Action name or "") rows for the panel, from a pose -> source map: the usual sources
    first, then any other mapped one; only poses that are Actions (not the default jaw)."""
    by_source = {source: pose for pose, source in mapping.items() if pose in actions}
    sources = list(POSE_ROW_SOURCES) + [s for s in by_source if s not in POSE_ROW_SOURCES]
    return [(source, by_source.get(source, "")) for source in sources]


def pose_map(rows: Sequence[tuple[str, str]]) -> dict[str, str]:
    """The pose -> source map that panel rows (source, pose Action name or "") say."""
    return {pose: source for source, pose in rows if pose}
