"""Fitting the reference head's skin onto a target surface: a similarity, then non-rigid ICP.

Non-rigid ICP after Amberg, Romdhani and Vetter, "Optimal Step Nonrigid ICP Algorithms for Surface
Registration" (CVPR 2007): one affine transform per reference vertex, a stiffness term on the difference
of neighbouring transforms, a data term to the closest compatible target points, a landmark term; the
stiffness is lowered step by step. Each step is one sparse least-squares solve (scipy's SuperLU on the
normal equations).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu
from scipy.spatial import cKDTree

from .geometry import SurfaceIndex, unique_edges, vertex_normals


@dataclass(frozen=True)
class Similarity:
    scale: float
    rotation: np.ndarray      # [3, 3]
    translation: np.ndarray   # [3]

    def apply(self, points: np.ndarray) -> np.ndarray:
        return self.scale * points @ self.rotation.T + self.translation


def umeyama(src: np.ndarray, dst: np.ndarray, weights: np.ndarray | None = None) -> Similarity:
    """The similarity (scale, rotation, translation) that best maps src onto dst (Umeyama 1991)."""
    w = np.ones(len(src)) if weights is None else np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    mu_s, mu_d = w @ src, w @ dst
    s0, d0 = src - mu_s, dst - mu_d
    cov = (d0 * w[:, None]).T @ s0
    u, sig, vt = np.linalg.svd(cov)
    sign = np.diag([1.0, 1.0, np.sign(np.linalg.det(u @ vt))])
    rot = u @ sign @ vt
    var = (w * (s0 ** 2).sum(1)).sum()
    scale = float(np.trace(np.diag(sig) @ sign) / var)
    return Similarity(scale, rot, mu_d - scale * rot @ mu_s)


def similarity_icp(src: np.ndarray, src_normals: np.ndarray, dst: np.ndarray, dst_normals: np.ndarray,
                   init: Similarity, iterations: int = 30, trim: float = 0.8) -> tuple[Similarity, float]:
    """Refine a similarity by ICP to the target's vertices (normal-compatible, trimmed pairs).
    Returns the similarity and the mean distance of the kept pairs (in target units)."""
    tree = cKDTree(dst)
    sim = init
    err = np.inf
    for _ in range(iterations):
        moved = sim.apply(src)
        mn = src_normals @ sim.rotation.T
        dist, idx = tree.query(moved, k=1)
        ok = (mn * dst_normals[idx]).sum(1) > 0.5
        if ok.sum() < 10:
            return sim, np.inf
        cut = np.quantile(dist[ok], trim)
        keep = ok & (dist <= cut)
        new = umeyama(src[keep], dst[idx[keep]])
        new_err = float(dist[keep].mean())
        sim = new
        if abs(err - new_err) < 1e-4 * max(new_err, 1e-12):
            err = new_err
            break
        err = new_err
    return sim, err


@dataclass(frozen=True)
class NonRigidFit:
    vertices: np.ndarray      # [n, 3] the fitted reference vertices (target frame)
    affines: np.ndarray       # [n, 3, 3] each vertex's linear part (reference -> target), similarity included
    distance: np.ndarray      # [n] distance of each fitted vertex to the target surface (inf: no match)
    matched: np.ndarray       # bool [n] vertices that had a compatible target point in the last step


def nonrigid_icp(ref: np.ndarray, ref_tris: np.ndarray, target: SurfaceIndex, target_normals_of_tris: np.ndarray,
                 landmarks_ref: np.ndarray, landmarks_target: np.ndarray, scale: float,
                 stiffness: tuple[float, ...] = (50.0, 20.0, 10.0, 5.0, 2.0, 1.0, 0.5),
                 inner_iterations: int = 3, landmark_weight: float = 1.0, gamma: float = 1.0,
                 max_distance: float = 0.15, min_cos: float = 0.5, exclude: np.ndarray | None = None
                 ) -> NonRigidFit:
    """Non-rigid ICP of `ref` (already placed by the similarity) onto the target surface.

    `scale` is a length of the head (e.g. its height) so that stiffness and distances are unit-free;
    `max_distance` is relative to it. `exclude` (bool [n]) marks reference vertices with no data term
    (they follow their neighbours). Landmarks: reference vertex indices and target points.
    """
    n = len(ref)
    x0 = ref / scale
    edges = unique_edges(ref_tris)
    m = len(edges)
    rows = np.repeat(np.arange(m), 2)
    cols = edges.ravel()
    vals = np.tile([-1.0, 1.0], m)
    incidence = sp.csr_matrix((vals, (rows, cols)), shape=(m, n))
    g = sp.diags([1.0, 1.0, 1.0, gamma])
    stiff = sp.kron(incidence, g).tocsr()                                   # [4m, 4n]
    hom = np.c_[x0, np.ones(n)]
    d_rows = np.repeat(np.arange(n), 4)
    d_cols = np.arange(4 * n)
    data = sp.csr_matrix((hom.ravel(), (d_rows, d_cols)), shape=(n, 4 * n))  # D
    lm_idx = np.asarray(landmarks_ref, dtype=np.int64)
    lm_dst = np.asarray(landmarks_target, dtype=np.float64) / scale
    lm = data[lm_idx] if len(lm_idx) else None
    x = np.tile(np.eye(4, 3), (n, 1))                                      # [4n, 3] identity affines
    use = np.ones(n, dtype=bool) if exclude is None else ~np.asarray(exclude)
    stiff_tt = (stiff.T @ stiff).tocsc()
    lm_tt = (lm.T @ lm) if lm is not None else None
    dist = np.full(n, np.inf)
    matched = np.zeros(n, dtype=bool)
    for alpha in stiffness:
        for _ in range(inner_iterations):
            cur = (data @ x) * scale
            normals = vertex_normals(cur, ref_tris)
            _, _, closest, dist = target.query(cur, normals, min_cos=min_cos)
            matched = use & np.isfinite(dist) & (dist < max_distance * scale)
            w = matched.astype(np.float64)
            wd = sp.diags(w) @ data
            lhs = alpha ** 2 * stiff_tt + (wd.T @ wd)
            rhs = wd.T @ (w[:, None] * closest / scale)
            if lm is not None and lm_tt is not None:
                beta2 = (landmark_weight * alpha) ** 2
                lhs = lhs + beta2 * lm_tt
                rhs = rhs + beta2 * (lm.T @ lm_dst)
            x_new = splu(lhs.tocsc()).solve(np.asarray(rhs))
            step = np.abs(x_new - x).max()
            x = x_new
            if step < 1e-4:
                break
    fitted = (data @ x) * scale
    affines = x.reshape(n, 4, 3)[:, :3, :].transpose(0, 2, 1)               # v' = A v + t (row-vector X)
    _, _, closest, dist = target.query(fitted, vertex_normals(fitted, ref_tris), min_cos=min_cos)
    return NonRigidFit(fitted, affines.copy(), dist, matched)
