"""Carrying the reference's key offsets onto the target's own vertices.

Each target vertex is bound to its closest compatible point on the fitted reference surface (triangle,
barycentrics, signed height along the triangle's normal). For a key, the fitted reference moves by its
offsets mapped through each vertex's fitted linear part (so a displacement scales and turns with the
face it sits on); the bound target vertex follows that point, and its height is carried along the moved
triangle's normal (surface-bound displacement, as Blender's Surface Deform does).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .geometry import SurfaceIndex, face_normals


@dataclass(frozen=True)
class Binding:
    tri: np.ndarray        # [N] fitted-reference triangle of each target vertex
    bary: np.ndarray       # [N, 3]
    height: np.ndarray     # [N] signed distance along that triangle's normal
    distance: np.ndarray   # [N] distance to the fitted surface
    weight: np.ndarray     # [N] in [0, 1]: 1 on the face, fading to 0 far from the fitted surface


def bind(target: np.ndarray, target_normals: np.ndarray, fitted: np.ndarray, tris: np.ndarray,
         near: float, far: float) -> Binding:
    """Bind target vertices to the fitted reference. Vertices within `near` of it follow fully, beyond
    `far` not at all (hair, shoulders, parts the reference has no skin for)."""
    index = SurfaceIndex(fitted, tris, candidates=16)
    tri, bary, closest, dist = index.query(target, target_normals, min_cos=0.0)
    plain = ~np.isfinite(dist)
    if plain.any():      # no compatible face nearby: take the plain closest one
        t2, b2, c2, _ = index.query(target[plain])
        tri[plain], bary[plain], closest[plain] = t2, b2, c2
    dist = np.linalg.norm(target - closest, axis=1)
    height = ((target - closest) * index.normals[tri]).sum(1)
    weight = np.clip((far - dist) / max(far - near, 1e-12), 0.0, 1.0)
    return Binding(tri, bary, height, dist, weight)


def transfer_offsets(binding: Binding, fitted: np.ndarray, tris: np.ndarray, linear: np.ndarray,
                     offsets: np.ndarray) -> np.ndarray:
    """[K, n, 3] reference offsets -> [K, N, 3] target offsets. `linear` [n, 3, 3] maps a reference
    displacement at each reference vertex into the target's frame."""
    corners = tris[binding.tri]                                      # [N, 3]
    rest_normals = face_normals(fitted, tris)[binding.tri]
    out = np.empty((len(offsets), len(binding.tri), 3), dtype=np.float32)
    for k, off in enumerate(offsets):
        moved = np.einsum("nij,nj->ni", linear, off)                  # [n, 3] in the target frame
        posed = fitted + moved
        follow = np.einsum("nc,nci->ni", binding.bary, moved[corners])
        normals = face_normals(posed, tris)[binding.tri]
        out[k] = binding.weight[:, None] * (follow + binding.height[:, None] * (normals - rest_normals))
    return out
